// Runs the SDK's worker entry (src/privrec-worker.js, or the esbuild bundle
// dist/privrec-worker.js) in a node worker thread. The only test-specific
// parts are here: fake-indexeddb stands in for the browser's IndexedDB, a
// `self` adapter maps the worker scope onto worker_threads' parentPort, and
// the clock can be pinned so parity requests carry the same `now`.
import 'fake-indexeddb/auto';
import { parentPort, workerData } from 'node:worker_threads';

if (workerData?.now) Date.now = () => workerData.now;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
/** @type {any} */ (globalThis).self = {
  postMessage: (/** @type {any} */ m) => port.postMessage(m),
  addEventListener: (/** @type {string} */ type, /** @type {(e: {data: any}) => void} */ fn) => {
    if (type === 'message') port.on('message', (data) => fn({ data }));
  },
};
await import(workerData.entry);
