// Starts a node worker thread running the SDK's worker entry, wrapped to look
// like a browser Worker to the Recommender client.
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { FIXTURES } from './fixtures.js';

/**
 * @param {string | URL} entry module URL of the worker entry
 * @param {{now?: number}} [o]
 */
export function nodeWorker(entry, o = {}) {
  const w = new Worker(new URL('./node-worker.js', import.meta.url), { workerData: { entry: String(entry), now: o.now } });
  return {
    postMessage: (/** @type {any} */ m) => w.postMessage(m),
    addEventListener: (/** @type {string} */ type, /** @type {(e: any) => void} */ fn) => {
      if (type === 'message') w.on('message', (data) => fn({ data }));
      if (type === 'error') w.on('error', (err) => fn({ message: err.message }));
    },
    terminate: () => void w.terminate(),
  };
}

/**
 * Serves the fixtures over HTTP on the loopback, as a static host would.
 * @returns {Promise<{url: string, requests: {method: string, url: string, body: number}[], close: () => Promise<void>}>}
 */
export async function serveFixtures() {
  /** @type {{method: string, url: string, body: number}[]} */
  const requests = [];
  const server = createServer(async (req, res) => {
    let body = 0;
    req.on('data', (c) => (body += c.length));
    await new Promise((r) => req.on('end', r));
    requests.push({ method: req.method ?? '', url: req.url ?? '', body });
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (req.method !== 'GET' || path.includes('..')) {
      res.writeHead(405).end();
      return;
    }
    try {
      const data = await readFile(join(FIXTURES, path));
      res.writeHead(200, { 'content-type': path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    requests,
    close: () => new Promise((r) => server.close(() => r(undefined))),
  };
}
