// Faults for the SDK's tests: a local HTTP server that serves the fixtures
// and, on chosen paths, stalls, sends forever, lies about lengths or serves
// an HTML page; an in-process port that runs the worker protocol (its real
// queue) without a thread; and IndexedDB faults injected into
// fake-indexeddb (a full disk, records the SDK never wrote).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { FIXTURES } from './fixtures.js';
import { serve } from '../../src/protocol.js';
import { Core } from '../../src/core.js';
import { PrivrecError } from '../../src/errors.js';

/**
 * A fault for one path: stall (headers and half the body, then silence
 * until released), endless (the real bytes, then zeros forever), declare
 * (a Content-Length that is not the body's), html (an error page with
 * status and type), status (an empty answer with that status), fail (the
 * first n answers are 503, then the file).
 * @typedef {{stall: true} | {endless: true, chunk?: number} | {declare: number} | {html: true, status?: number, type?: string} | {status: number} | {fail: number}} Fault
 */

/**
 * Serves the fixtures on the loopback with faults by a part of the path.
 * sent[path] counts the body bytes the server wrote; release() ends the
 * stalls.
 */
export async function faultyServer() {
  /** @type {Map<string, Fault>} */
  const faults = new Map();
  /** @type {Record<string, number>} */
  const sent = {};
  /** @type {string[]} */
  const requests = [];
  /** @type {Set<import('node:http').ServerResponse>} */
  const stalled = new Set();
  const state = { stalls: 0 };
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requests.push(path);
    const count = (/** @type {number} */ n) => (sent[path] = (sent[path] ?? 0) + n);
    const fault = [...faults].find(([part]) => path.includes(part))?.[1];
    const type = path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
    if (fault && 'html' in fault) {
      const page = '<!doctype html><html><body><h1>Not here</h1></body></html>\n';
      res.writeHead(fault.status ?? 200, { 'content-type': fault.type ?? 'text/html; charset=utf-8' }).end(page);
      return;
    }
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, { 'content-type': 'text/plain' }).end();
      return;
    }
    if (fault && 'fail' in fault && fault.fail > 0) {
      fault.fail--;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    /** @type {Buffer} */
    let data;
    try {
      data = await readFile(join(FIXTURES, path));
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end();
      return;
    }
    if (fault && 'stall' in fault) {
      res.writeHead(200, { 'content-type': type, 'content-length': String(data.length) });
      const half = data.subarray(0, data.length >> 1);
      res.write(half);
      count(half.length);
      stalled.add(res);
      state.stalls++;
      res.on('close', () => stalled.delete(res));
      return; // silence until release() or the client aborts
    }
    if (fault && 'endless' in fault) {
      res.writeHead(200, { 'content-type': type });
      res.write(data);
      count(data.length);
      const zeros = Buffer.alloc(fault.chunk ?? 64 << 10);
      let open = true;
      res.on('close', () => (open = false));
      while (open) {
        const ok = res.write(zeros);
        count(zeros.length);
        if (!ok) await new Promise((r) => res.once('drain', r).once('close', r));
      }
      return;
    }
    if (fault && 'declare' in fault) {
      res.writeHead(200, { 'content-type': type, 'content-length': String(fault.declare) });
      const body = data.subarray(0, Math.min(data.length, fault.declare));
      res.end(body);
      count(body.length);
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': String(data.length) }).end(data);
    count(data.length);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    faults,
    sent,
    requests,
    /** How many responses have stalled so far. */
    get stalls() {
      return state.stalls;
    },
    release() {
      for (const r of stalled) r.destroy();
      stalled.clear();
    },
    close() {
      for (const r of stalled) r.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

/**
 * globalThis.fetch, with the body bytes the SDK pulled counted by URL.
 * @returns {typeof fetch & {pulled: Record<string, number>}}
 */
export function countingFetch() {
  /** @type {Record<string, number>} */
  const pulled = {};
  /** @type {any} */
  const f = async (/** @type {string} */ url, /** @type {RequestInit} */ init) => {
    const res = await fetch(url, init);
    if (!res.body) return res;
    const path = new URL(url).pathname;
    const reader = res.body.getReader();
    // A pull stream: a chunk moves only when the SDK asks for one, so the
    // count is what the SDK read (plus at most the chunk in hand).
    const body = new ReadableStream(
      {
        async pull(ctl) {
          const { done, value } = await reader.read();
          if (done) ctl.close();
          else {
            pulled[path] = (pulled[path] ?? 0) + value.length;
            ctl.enqueue(value);
          }
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  f.pulled = pulled;
  return f;
}

/**
 * The worker protocol served in this thread: call(method, ...args) posts a
 * message as the page would; events collects what the worker posted.
 * @param {any} coreOptions merged into the options init passes to Core.create
 */
export function inProcess(coreOptions) {
  /** @type {((e: {data: any}) => void)[]} */
  const listeners = [];
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void}>} */
  const pending = new Map();
  /** @type {{event: string, detail: any}[]} */
  const events = [];
  /** @type {Core | null} */
  let core = null;
  const port = {
    postMessage(/** @type {any} */ msg) {
      if (typeof msg.event === 'string') {
        events.push(msg);
        return;
      }
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.value);
      else p?.reject(PrivrecError.from(msg.error));
    },
    addEventListener(/** @type {string} */ _type, /** @type {(e: {data: any}) => void} */ fn) {
      listeners.push(fn);
    },
  };
  serve(port, {
    create: async (o) => {
      core = await Core.create({ ...o, ...coreOptions });
      return core;
    },
  });
  let seq = 0;
  return {
    events,
    get core() {
      return /** @type {Core} */ (core);
    },
    /**
     * @param {string} method
     * @param {...any} args
     * @returns {Promise<any>}
     */
    call(method, ...args) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Structured clone, as postMessage would.
        const data = structuredClone({ id, method, args });
        for (const fn of listeners) fn({ data });
      });
    },
  };
}

/**
 * Faults injected into fake-indexeddb: while quota is on, every put and
 * add throws QuotaExceededError, as a full disk makes a browser do.
 * Deletes keep working (they free space).
 */
export const idbFaults = (() => {
  const state = { quota: false, writes: 0, refused: 0 };
  const proto = globalThis.IDBObjectStore.prototype;
  for (const name of /** @type {const} */ (['put', 'add'])) {
    const real = proto[name];
    proto[name] = /** @type {any} */ (
      function (/** @type {any[]} */ ...args) {
        state.writes++;
        if (state.quota) {
          state.refused++;
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        }
        return real.apply(this, args);
      }
    );
  }
  return state;
})();

/**
 * Opens the SDK's database for namespace directly, as another script of the
 * origin could, and runs fn on it.
 * @template T
 * @param {string} namespace
 * @param {(db: IDBDatabase) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function rawDB(namespace, fn) {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(`privrec:${namespace}`);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    return await fn(/** @type {IDBDatabase} */ (db));
  } finally {
    /** @type {IDBDatabase} */ (db).close();
  }
}

/**
 * @param {IDBRequest} r
 * @returns {Promise<any>}
 */
export function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/**
 * What is stored for namespace: the event records, the consent value and
 * the rollback floor, read around the SDK (a quota fault does not block
 * reads).
 * @param {string} namespace
 */
export function stored(namespace) {
  return rawDB(namespace, async (db) => {
    const tx = db.transaction(['events', 'meta'], 'readonly');
    const [events, consent, floor] = await Promise.all([
      req(tx.objectStore('events').getAll()),
      req(tx.objectStore('meta').get('consent')),
      req(tx.objectStore('meta').get('highest_version')),
    ]);
    return { events: /** @type {any[]} */ (events), consent, floor: /** @type {number | undefined} */ (floor) };
  });
}

/**
 * Writes a record into the events store around the SDK (an older SDK, a
 * browser extension, a damaged disk), bypassing the quota fault.
 * @param {string} namespace
 * @param {any} record
 */
export async function plant(namespace, record) {
  const quota = idbFaults.quota;
  idbFaults.quota = false;
  try {
    return await rawDB(namespace, async (db) => {
      const tx = db.transaction(['events', 'meta'], 'readwrite');
      const key = record.store === 'meta' ? tx.objectStore('meta').put(record.value, record.key) : tx.objectStore('events').put(record);
      const id = await req(key);
      await new Promise((r, j) => {
        tx.oncomplete = () => r(undefined);
        tx.onerror = () => j(tx.error);
      });
      return id;
    });
  } finally {
    idbFaults.quota = quota;
  }
}
