// The V8 half of the module benchmark (internal/modulebench, `make bench`):
// privrec_load and privrec_recommend of the real module, instantiated
// through the SDK's own WASI shim (src/wasi.js), on requests the Go side
// encoded. The Go side times the same operations natively and prints the
// ratios.
//
//   node js/bench/module-bench.mjs --dir DIR
//
// DIR holds privrec.wasm, load.msgpack (a LoadRequest) and request-*.msgpack
// (Requests). The script prints one JSON line when ready (memory figures
// and the first answer of each request, for the Go side to compare with
// native), then answers commands on stdin, one per line, so the Go side can
// interleave native and V8 samples round by round on a noisy machine:
//   load        one privrec_load of load.msgpack into a fresh buffer;
//               prints the ms of the export call alone
//   rec NAME N  N calls of privrec_recommend with request-NAME.msgpack;
//               prints the mean ms of one export call
//   quit        exits
// Times are of the export call only (performance.now around it): copying
// the request into guest memory and reading the envelope are the SDK's
// cost, not the module's, and the native side does not count them either.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { decode } from '@msgpack/msgpack';
import { Wasi, checkImports } from '../src/wasi.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
if (!values.dir) {
  console.error('module-bench.mjs: --dir DIR is required');
  process.exit(2);
}
const dir = values.dir;

const mod = await WebAssembly.compile(readFileSync(path.join(dir, 'privrec.wasm')));
checkImports(mod); // the SDK's allowlist, as the SDK would
const wasi = new Wasi({});
const instance = await WebAssembly.instantiate(mod, wasi.imports());
wasi.bind(instance);
const ex = /** @type {any} */ (instance.exports);
ex._initialize();

/**
 * Copies req into a fresh guest buffer, times fn(ptr, len), frees the
 * buffer and the result, and returns the ms and the decoded envelope.
 * @param {string} fn
 * @param {Uint8Array} req
 */
function call(fn, req) {
  // Each export call in its own phase of the host-call profile, as the
  // SDK's engine enters them (src/module.js): the per-call caps count one
  // call, not the whole session.
  wasi.enter('alloc');
  const ptr = ex.privrec_alloc(req.length);
  if (ptr === 0) throw new Error(`privrec_alloc refused ${req.length} bytes`);
  new Uint8Array(wasi.view().buffer, ptr, req.length).set(req);
  wasi.enter(fn === 'privrec_recommend' ? 'recommend' : 'load');
  const t0 = performance.now();
  const packed = BigInt.asUintN(64, ex[fn](ptr, req.length));
  const ms = performance.now() - t0;
  wasi.enter('free');
  ex.privrec_free(ptr);
  const rptr = Number(packed >> 32n);
  const rlen = Number(packed & 0xffffffffn);
  const out = new Uint8Array(wasi.view().buffer, rptr, rlen).slice();
  ex.privrec_free(rptr);
  return { ms, out };
}

/** @param {Uint8Array} out */
function result(out) {
  const env = /** @type {any} */ (decode(out));
  if (env.code !== 0) throw new Error(`module error ${env.code}: ${env.message}`);
  return env.result;
}

const load = new Uint8Array(readFileSync(path.join(dir, 'load.msgpack')));
const first = call('privrec_load', load);
const loaded = result(first.out);
const memoryAfterLoad = wasi.view().buffer.byteLength;

/** @type {Map<string, Uint8Array>} */
const requests = new Map();
/** @type {Record<string, unknown>} */
const answers = {};
for (const f of readdirSync(dir)) {
  const m = /^request-(.+)\.msgpack$/.exec(f);
  if (!m) continue;
  const req = new Uint8Array(readFileSync(path.join(dir, f)));
  requests.set(m[1], req);
  answers[m[1]] = result(call('privrec_recommend', req).out);
}

const out = (/** @type {unknown} */ v) => process.stdout.write(JSON.stringify(v) + '\n');
out({
  node: process.version,
  v8: process.versions.v8,
  first_load_ms: first.ms,
  loaded,
  memory_after_load: memoryAfterLoad,
  memory_after_requests: wasi.view().buffer.byteLength,
  answers,
});

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, name, count] = line.trim().split(/\s+/);
  if (cmd === 'load') {
    const { ms, out: env } = call('privrec_load', load);
    result(env);
    out(ms);
  } else if (cmd === 'rec' && requests.has(name)) {
    const req = /** @type {Uint8Array} */ (requests.get(name));
    const n = Math.max(1, Number(count) || 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const { ms, out: env } = call('privrec_recommend', req);
      if (i === 0) result(env);
      total += ms;
    }
    out(total / n);
  } else if (cmd === 'quit') {
    process.exit(0);
  } else {
    console.error(`module-bench.mjs: unknown command ${JSON.stringify(line)}; use load, rec NAME N or quit`);
    process.exit(2);
  }
}
