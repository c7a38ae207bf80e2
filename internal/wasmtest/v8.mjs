// Runs a Go test binary built for GOOS=wasip1 in node's V8, the engine of
// Chromium, so the model's own tests (exact top-k, format round trips,
// scoring) also pass in the browser's WebAssembly engine:
//
//	GOOS=wasip1 GOARCH=wasm go test -c -o dist/model.test.wasm ./model
//	cd model && node --single-threaded-gc ../internal/wasmtest/v8.mjs ../dist/model.test.wasm -test.v
//
// --single-threaded-gc, as `make v8test` runs it: node 20's V8 (11.3) crashed
// now and then in its concurrent marking while the test binary grew its
// memory (a fatal "unreachable code" under
// MarkCompactCollector::ProcessEphemerons from WasmMemoryObject::Grow, or a
// segfault), in 3 of 13 runs of the model's test binary; with the
// collector on one thread, none of 16 did.
//
// The binary sees the real file system (read-only use: testdata) with the
// current directory as its working directory.
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node v8.mjs TEST.wasm [-test.flags…]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: { PWD: process.cwd() },
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
// Exit at once with the test's code: node 20 crashed (SIGSEGV) now and
// then after a passing run had printed PASS (2 of about 6 runs in one
// session), which would fail `make test` for nothing the tests found.
process.exit(wasi.start(instance));
