# privrec — see README.md. Every target installs what it needs (Go modules
# through the module proxy, npm packages from js/package-lock.json).
GO ?= go
NPM ?= npm

# The module's sources: Go, and the WebAssembly assembly of its hot loops.
GO_SOURCES := $(shell find model wasm \( -name '*.go' -o -name '*.s' \) -not -name '*_test.go') go.mod go.sum

# A recipe that fails leaves no target behind (a module built but not
# packed would otherwise look up to date).
.DELETE_ON_ERROR:

.PHONY: all wasm measure-wasm js cli test gotest jstest v8test check demo screenshots bench eval clean

all: cli js

wasm: dist/privrec.wasm dist/privrec-measure.wasm

# Release flags: -s drops the name section (and the symbol table), -w the
# DWARF, -buildid= the build id, -trimpath and -buildvcs=false the paths and
# VCS stamps of the build info. `node wasm/size.mjs` reports the sizes; build
# without -s to see what each package contributes. internal/wasmpack then
# merges the data segments the linker cut at every 8 zero bytes (31.6 KB of
# the module's brotli).
WASM_LDFLAGS := -s -w -buildid=

dist/privrec.wasm: $(GO_SOURCES)
	@mkdir -p dist
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildvcs=false -buildmode=c-shared -ldflags='$(WASM_LDFLAGS)' -o $@ ./wasm
	$(GO) run ./internal/wasmpack/cmd $@

# The measurement module (DAP client, docs/measurement.md): a module of its
# own, with the same flags, so the size-capped main module never links circl.
measure-wasm: dist/privrec-measure.wasm

dist/privrec-measure.wasm: $(GO_SOURCES)
	@mkdir -p dist
	GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildvcs=false -buildmode=c-shared -ldflags='$(WASM_LDFLAGS)' -o $@ ./wasm/measure
	$(GO) run ./internal/wasmpack/cmd $@

# cli embeds the module (web/gen/privrec.wasm, git-ignored), as demo does, so
# train and eval work with the binary alone, outside the repository.
cli: wasm
	@mkdir -p web/gen
	cp dist/privrec.wasm web/gen/privrec.wasm
	$(GO) build -trimpath -o dist/privrec ./cmd/privrec

js/node_modules: js/package-lock.json
	cd js && $(NPM) ci --no-audit --no-fund
	@touch $@

js: js/node_modules
	cd js && $(NPM) run build

test: check wasm js gotest jstest v8test

# The model's own tests (exact top-k, formats, scoring) run again inside V8,
# Chromium's WebAssembly engine, through node's WASI. --single-threaded-gc:
# node 20's V8 crashed in its concurrent marking (a fatal "unreachable code"
# in ProcessEphemerons while growing the test's memory, or a segfault) in 3
# of 13 runs of this binary, and in none of 16 with its collector on one
# thread (internal/wasmtest/v8.mjs says more).
v8test:
	@mkdir -p dist
	GOOS=wasip1 GOARCH=wasm $(GO) test -c -o dist/model.test.wasm ./model
	cd model && node --no-warnings --single-threaded-gc ../internal/wasmtest/v8.mjs ../dist/model.test.wasm

# The browser test needs js/dist (built by the js target) and Debian's chromium.
gotest:
	$(GO) test -count=1 -timeout 20m ./...

# js/.npmrc turns npm's lifecycle scripts off (pretest included), so the
# fixtures (signed bundles + parity answers from the Go harness) are made here.
jstest: js wasm
	$(GO) run ./internal/jsfixture -wasm dist/privrec.wasm -out js/test/fixtures
	cd js && $(NPM) test && $(NPM) run typecheck

# demo embeds the SDK and the module into the CLI (web/gen, git-ignored),
# each with brotli (quality 11) and gzip copies that privrec serve sends as
# they are, and serves the demo storefront; ADDR=host:port to change the address.
demo: wasm js
	rm -rf web/gen/sdk && mkdir -p web/gen/sdk
	cp -R js/dist/. web/gen/sdk/
	cp dist/privrec.wasm web/gen/privrec.wasm
	cd js && node scripts/precompress.mjs ../web/gen/privrec.wasm
	# serve --measure's module (fetched only by pages with measurement on; compressed at start-up)
	cp dist/privrec-measure.wasm web/gen/privrec-measure.wasm
	$(GO) build -trimpath -o dist/privrec ./cmd/privrec
	./dist/privrec serve $(if $(ADDR),--addr $(ADDR))

# screenshots retakes the README's demo screenshots (docs/img, 360 and 1280
# px wide) with the browser test that checks the demo.
screenshots: wasm js
	@mkdir -p docs/img
	$(GO) test -count=1 -run '^TestDemoStorefront$$' ./internal/browsertest -args -screenshots $(CURDIR)/docs/img

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) build ./model/... ./wasm ./wasm/measure
	$(GO) build ./model/...

# bench also runs the embedding kernel side by side (internal/bench): native,
# wazero, node through the SDK's shim, and tfjs-backend-wasm from
# node_modules; it prints medians, ratios and issue 8's bars and writes
# dist/bench.json. BENCH_SIZES=1000,10000 for a quick run.
bench: wasm js/node_modules
	$(GO) test -run '^$$' -bench . -benchmem ./internal/e2e ./model/train ./internal/bench
	$(GO) run ./internal/bench -wasm dist/privrec.wasm -out dist/bench.json $(if $(BENCH_SIZES),-sizes $(BENCH_SIZES))
	$(GO) run ./internal/modulebench -wasm dist/privrec.wasm

eval: cli
	./dist/privrec eval --data ../shared/datasets/uci-online-retail/online_retail.csv.gz

clean:
	rm -rf dist js/dist js/test/fixtures
