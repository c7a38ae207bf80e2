// The node half of `make bench` (internal/bench): one top-10 request through
// the SDK's own module wrapper and WASI shim (src/module.js, src/wasi.js) on
// a signed bundle the Go side wrote, and the same query as
// @tensorflow/tfjs-backend-wasm's matMul + topk over the float32 vectors.
//
//   node js/bench/kernel.mjs --dir DIR [--dims 64]
//
// DIR holds privrec.wasm, load.msgpack (a LoadRequest), request.msgpack (a
// Request), query.f32 and, for tfjs, vectors.f32 (little-endian float32).
//
// It prints one JSON line when ready (memory, answers, tfjs flags), then
// answers commands on stdin, one per line, so the Go side can interleave
// every target round by round on a noisy machine: "module" and "tfjs" run
// one call and print its time in ms; "quit" prints the network attempts
// seen (a JSON line) and exits. Nothing here may touch the network: fetch
// and outgoing sockets are trapped and reported (tfjs's wasm binaries load
// from node_modules through setWasmPaths).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { decode } from '@msgpack/msgpack';
import { Engine } from '../src/module.js';

/** @type {string[]} */
const fetches = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (/** @type {any} */ input, /** @type {any} */ init) => {
  fetches.push(`fetch ${input}`);
  return realFetch(input, init);
};
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (/** @type {any[]} */ ...args) {
  fetches.push(`connect ${JSON.stringify(args[0])}`);
  return realConnect.apply(this, /** @type {any} */ (args));
};

const { values: opts } = parseArgs({
  options: { dir: { type: 'string' }, dims: { type: 'string', default: '64' } },
});
if (!opts.dir) {
  console.error('kernel.mjs: --dir DIR is required (internal/bench writes it)');
  process.exit(2);
}
const dir = opts.dir;
const dims = Number(opts.dims);

/** @param {string} name */
function f32(name) {
  const b = readFileSync(path.join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

// The module, as the SDK's worker runs it.
const engine = await Engine.create(new Uint8Array(readFileSync(path.join(dir, 'privrec.wasm'))));
const loadRequest = decode(readFileSync(path.join(dir, 'load.msgpack')));
const loadStart = performance.now();
engine.load(loadRequest);
const loadMs = performance.now() - loadStart;
const memoryAfterLoad = engine.wasi.memory?.buffer.byteLength ?? 0;
const request = decode(readFileSync(path.join(dir, 'request.msgpack')));
const first = engine.recommend(request);
const memoryAfterRecommend = engine.wasi.memory?.buffer.byteLength ?? 0;
const moduleTop = first.items.map((/** @type {{item: string}} */ it) => it.item);

// tfjs-backend-wasm: one 1×dims query against the N×dims float32 matrix.
/** @type {null | (() => Int32Array | Float32Array | Uint8Array)} */
let tfjsTopK = null;
let tfjsTop = /** @type {number[]} */ ([]);
let tfjsSIMD = false;
let vectors = null;
try {
  vectors = f32('vectors.f32');
} catch {
  // no vectors: the Go side runs without tfjs
}
if (vectors) {
  const tf = await import('@tensorflow/tfjs-core');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialise');
  await tf.ready();
  tfjsSIMD = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const m = tf.tensor2d(vectors, [vectors.length / dims, dims]);
  const q = tf.tensor2d(f32('query.f32'), [1, dims]);
  vectors = null;
  tfjsTopK = () => {
    const { values, indices } = tf.tidy(() => tf.topk(tf.matMul(q, m, false, true), 10));
    const idx = indices.dataSync();
    values.dispose();
    indices.dispose();
    return idx;
  };
  tfjsTop = Array.from(tfjsTopK());
}

const out = (/** @type {unknown} */ v) => process.stdout.write(JSON.stringify(v) + '\n');
out({
  memory_after_load: memoryAfterLoad,
  memory_after_recommend: memoryAfterRecommend,
  module_top: moduleTop,
  tfjs_top: tfjsTop,
  tfjs_simd: tfjsSIMD,
  load_ms: loadMs,
});

/**
 * @param {() => unknown} fn
 * @returns {number} ms
 */
function once(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = line.trim();
  if (cmd === 'module') {
    out(once(() => engine.recommend(request)));
  } else if (cmd === 'tfjs' && tfjsTopK) {
    out(once(tfjsTopK));
  } else if (cmd === 'quit') {
    out({ fetches });
    process.exit(0);
  } else {
    console.error(`kernel.mjs: unknown command ${JSON.stringify(cmd)}; use module, tfjs or quit`);
    process.exit(2);
  }
}
