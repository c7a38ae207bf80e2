// Reading a brotli-coded artifact through net.js's open().read: into one
// buffer of the length the manifest states (expected), or growing from
// 64 KiB as for a body whose length is unknown. A body of the module's
// size in 64 KiB chunks, both ways alternated in one node; medians.
//
//   node js/bench/read.mjs [bytes] [rounds]
import { open } from '../src/net.js';

const n = Number(process.argv[2] ?? 2_856_943);
const rounds = Number(process.argv[3] ?? 41);
const body = new Uint8Array(n).fill(7);
const served = () => async () => {
  let at = 0;
  const stream = new ReadableStream({
    pull(c) {
      if (at >= n) return c.close();
      c.enqueue(body.subarray(at, at + (1 << 16)));
      at += 1 << 16;
    },
  });
  return new Response(stream, { headers: { 'content-encoding': 'br' } });
};
/** @type {Record<string, number[]>} */
const ms = { growing: [], expected: [] };
for (let r = 0; r < rounds; r++) {
  for (const expected of [false, true]) {
    const got = await open(/** @type {any} */ (served()), 'https://cdn.test/privrec.wasm', { timeout: 5000 });
    const t0 = performance.now();
    await got.read(n, 'the module', expected);
    if (r >= 5) ms[expected ? 'expected' : 'growing'].push(performance.now() - t0);
  }
}
const med = (/** @type {number[]} */ v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`read of ${n} coded bytes in 64 KiB chunks, median of ${rounds - 5} ms: growing ${med(ms.growing).toFixed(2)}, expected ${med(ms.expected).toFixed(2)}, expected/growing ${(med(ms.expected) / med(ms.growing)).toFixed(2)}`);
