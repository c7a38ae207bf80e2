// The node half of `make bench` (internal/bench): times one top-10 request
// through the SDK's own module wrapper and WASI shim (src/module.js,
// src/wasi.js) on a signed bundle the Go side wrote, then the same query as
// @tensorflow/tfjs-backend-wasm's matMul + topk over the float32 vectors.
// Prints one JSON object on stdout. Nothing here may touch the network:
// fetch and outgoing sockets are trapped and reported (tfjs's wasm binaries
// load from node_modules through setWasmPaths).
//
//   node js/bench/kernel.mjs --dir DIR [--dims 64] [--reps 41] [--warmup 5]
//
// DIR holds privrec.wasm, load.msgpack (a LoadRequest), request.msgpack (a
// Request), query.f32 and, for tfjs, vectors.f32 (little-endian float32).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
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
  options: {
    dir: { type: 'string' },
    dims: { type: 'string', default: '64' },
    reps: { type: 'string', default: '41' },
    warmup: { type: 'string', default: '5' },
  },
});
if (!opts.dir) {
  console.error('kernel.mjs: --dir DIR is required (internal/bench writes it)');
  process.exit(2);
}
const dir = opts.dir;
const dims = Number(opts.dims);
const reps = Number(opts.reps);
const warmup = Number(opts.warmup);

/**
 * Median, 10th and 90th percentile of reps timed calls, in ms.
 * @param {() => unknown} fn
 */
function timeIt(fn) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const q = (/** @type {number} */ p) => ms[Math.round(p * (ms.length - 1))];
  return [q(0.5), q(0.1), q(0.9)];
}

/** @param {string} name */
function f32(name) {
  const b = readFileSync(path.join(dir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

// The module, as the SDK's worker runs it.
const engine = await Engine.create(new Uint8Array(readFileSync(path.join(dir, 'privrec.wasm'))));
engine.load(decode(readFileSync(path.join(dir, 'load.msgpack'))));
const memoryAfterLoad = engine.wasi.memory?.buffer.byteLength ?? 0;
const request = decode(readFileSync(path.join(dir, 'request.msgpack')));
const first = engine.recommend(request);
const memoryAfterRecommend = engine.wasi.memory?.buffer.byteLength ?? 0;
const nodeMs = timeIt(() => engine.recommend(request));
const nodeTop = first.items.map((/** @type {{item: string}} */ it) => it.item);

// tfjs-backend-wasm: one 1×dims query against the N×dims float32 matrix.
let tfjsMs = /** @type {number[]} */ ([]);
let tfjsTop = /** @type {number[]} */ ([]);
let tfjsSIMD = false;
let vectors;
try {
  vectors = f32('vectors.f32');
} catch {
  vectors = null; // --skip-tfjs
}
if (vectors) {
  const tf = await import('@tensorflow/tfjs-core');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialise');
  await tf.ready();
  tfjsSIMD = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const n = vectors.length / dims;
  const m = tf.tensor2d(vectors, [n, dims]);
  const q = tf.tensor2d(f32('query.f32'), [1, dims]);
  vectors = null;
  const top = () => {
    const { values, indices } = tf.tidy(() => tf.topk(tf.matMul(q, m, false, true), 10));
    const idx = indices.dataSync();
    values.dispose();
    indices.dispose();
    return idx;
  };
  tfjsTop = Array.from(top());
  tfjsMs = timeIt(top);
  m.dispose();
  q.dispose();
}

process.stdout.write(
  JSON.stringify({
    node_ms: nodeMs,
    tfjs_ms: tfjsMs,
    memory_after_load: memoryAfterLoad,
    memory_after_recommend: memoryAfterRecommend,
    node_top: nodeTop,
    tfjs_top: tfjsTop,
    tfjs_simd: tfjsSIMD,
    fetches,
  }) + '\n',
);
