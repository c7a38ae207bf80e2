// Two builds of the module against each other in one node process: the
// same request to each in turn, in rounds of calls, on the same CPU and
// the same V8, so that the machine's changes of speed fall on both. It
// prints the median microseconds of one call of each and their ratio.
//
//   go run ./internal/modulebench -rounds 1 -keep DIR   (once: the model and the requests)
//   node --no-liftoff js/bench/module-ab.mjs --dir DIR A.wasm B.wasm [--request none|50] [--rounds 60] [--calls N]
//
// Both builds load DIR's load.msgpack and must answer the request with the
// same bytes. Rounds alternate A then B; the first tenth warm up. Each
// call is timed alone (performance.now around the export), as
// module-bench.mjs times it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Wasi, checkImports } from '../src/wasi.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: 'string' }, request: { type: 'string', default: 'none' }, rounds: { type: 'string', default: '60' }, calls: { type: 'string' } },
});
if (!values.dir || positionals.length !== 2) {
  console.error('module-ab.mjs: usage: --dir DIR A.wasm B.wasm [--request NAME] [--rounds N] [--calls N]');
  process.exit(2);
}
const dir = values.dir;

/** @param {string} file */
async function instance(file) {
  const mod = await WebAssembly.compile(readFileSync(file));
  checkImports(mod);
  const wasi = new Wasi({});
  const inst = await WebAssembly.instantiate(mod, wasi.imports());
  wasi.bind(inst);
  const ex = /** @type {any} */ (inst.exports);
  ex._initialize();
  /**
   * One export call on a copy of req: its microseconds and its answer.
   * @param {string} fn
   * @param {Uint8Array} req
   */
  return (fn, req) => {
    wasi.enter('alloc');
    const ptr = ex.privrec_alloc(req.length);
    if (ptr === 0) throw new Error(`${file}: privrec_alloc refused ${req.length} bytes`);
    new Uint8Array(wasi.view().buffer, ptr, req.length).set(req);
    wasi.enter(fn === 'privrec_recommend' ? 'recommend' : 'load');
    const t0 = performance.now();
    const packed = BigInt.asUintN(64, ex[fn](ptr, req.length));
    const us = (performance.now() - t0) * 1000;
    wasi.enter('free');
    ex.privrec_free(ptr);
    const rptr = Number(packed >> 32n);
    const out = new Uint8Array(wasi.view().buffer, rptr, Number(packed & 0xffffffffn)).slice();
    ex.privrec_free(rptr);
    return { us, out };
  };
}

const load = new Uint8Array(readFileSync(path.join(dir, 'load.msgpack')));
const req = new Uint8Array(readFileSync(path.join(dir, `request-${values.request}.msgpack`)));
const sides = await Promise.all(positionals.map(instance));
const answers = sides.map((call) => {
  call('privrec_load', load);
  return Buffer.from(call('privrec_recommend', req).out);
});
if (!answers[0].equals(answers[1])) {
  console.error('module-ab.mjs: the two builds answer the request differently');
  process.exit(1);
}
const rounds = Math.max(2, Number(values.rounds));
const calls = Number(values.calls ?? (values.request === 'none' ? 2000 : 200));
/** @type {number[][]} */
const means = [[], []];
for (let r = 0; r < rounds; r++) {
  sides.forEach((call, s) => {
    let total = 0;
    for (let i = 0; i < calls; i++) total += call('privrec_recommend', req).us;
    if (r >= Math.floor(rounds / 10)) means[s].push(total / calls);
  });
}
const median = (/** @type {number[]} */ v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const [a, b] = means.map(median);
const perRound = median(means[0].map((x, i) => means[1][i] / x));
console.log(`request ${values.request}, ${means[0].length} rounds of ${calls} calls each side`);
console.log(`A ${positionals[0]}: ${a.toFixed(3)} µs   B ${positionals[1]}: ${b.toFixed(3)} µs   B/A ${(b / a).toFixed(3)} (median of the rounds' own ratios ${perRound.toFixed(3)})`);
