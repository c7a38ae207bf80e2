# privrec — see README.md. Every target installs what it needs (Go modules
# through the module proxy, npm packages from js/package-lock.json).
GO ?= go
NPM ?= npm

GO_SOURCES := $(shell find model wasm -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: all wasm js cli test gotest jstest check demo bench eval clean

all: cli js

wasm: dist/privrec.wasm

dist/privrec.wasm: $(GO_SOURCES)
	@mkdir -p dist
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared -o $@ ./wasm

cli: wasm
	$(GO) build -trimpath -o dist/privrec ./cmd/privrec

js/node_modules: js/package-lock.json
	cd js && $(NPM) ci --no-audit --no-fund
	@touch $@

js: js/node_modules
	cd js && $(NPM) run build

test: check wasm gotest jstest

gotest:
	$(GO) test -count=1 ./...

jstest: js/node_modules
	cd js && $(NPM) test && $(NPM) run typecheck

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) build ./model/... ./wasm
	$(GO) build ./model/...

bench: wasm
	$(GO) test -run '^$$' -bench . -benchmem ./internal/e2e ./model/train

eval: cli
	./dist/privrec eval --data ../shared/datasets/uci-online-retail/online_retail.csv.gz

clean:
	rm -rf dist js/dist js/test/fixtures
