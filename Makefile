# privrec — see README.md. Targets install what they need (Go modules, npm packages).
GO ?= go
export GOFLAGS ?= -mod=mod

.PHONY: all wasm cli test gotest check demo clean

all: wasm cli

wasm: dist/privrec.wasm

dist/privrec.wasm: $(shell find model wasm -name '*.go' -not -name '*_test.go') go.mod go.sum
	@mkdir -p dist
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared -o $@ ./wasm

cli: wasm
	@mkdir -p dist
	$(GO) build -trimpath -o dist/privrec ./cmd/privrec

test: check wasm
	$(GO) test -count=1 ./...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) build ./model/... ./wasm
	$(GO) build ./model/...

clean:
	rm -rf dist
