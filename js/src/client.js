// The main-thread side: a thin proxy that posts every call to the worker
// and turns its answers back into promises and events.

import { Code, PrivrecError } from './errors.js';
import * as signals from './signals.js';
import { toEvents } from './shapes.js';

/**
 * @typedef {import('../types/index.js').LoadOptions} LoadOptions
 * @typedef {import('../types/index.js').ModelInfo} ModelInfo
 */

/**
 * @param {string} url
 * @returns {string}
 */
function absolute(url) {
  const base = typeof location === 'undefined' ? undefined : location.href;
  return new URL(url, base).href;
}

/**
 * Records a step the worker timed (absolute ms: timeOrigin + now) as a
 * performance measure of the page, so tools that read the page's timeline
 * (devtools, PerformanceObserver) see "privrec:*" entries.
 * @param {any} d
 */
function measure(d) {
  if (typeof performance === 'undefined' || typeof performance.measure !== 'function' || !d || typeof d.name !== 'string') return;
  if (!d.name.startsWith('privrec:') || !Number.isFinite(d.start) || !Number.isFinite(d.end)) return;
  const start = Math.max(0, d.start - performance.timeOrigin);
  const end = Math.max(start, d.end - performance.timeOrigin);
  try {
    performance.measure(d.name, { start, end });
  } catch {
    // an old browser without measure options: nothing to record
  }
}

/**
 * LoadOptions.measurement with its URLs made absolute (the worker's base is
 * its own script, not the page).
 * @param {any} m
 */
function measurementUrls(m) {
  if (!m || typeof m !== 'object') return m; // the worker names what is wrong
  const out = { ...m };
  for (const k of ['leader', 'helper', 'wasmUrl']) {
    if (typeof m[k] === 'string' && m[k]) {
      try {
        out[k] = absolute(m[k]);
      } catch {
        // left as given: the worker says it is not a URL
      }
    }
  }
  return out;
}

/** Whether the page has Global Privacy Control on. */
function gpcOn() {
  return typeof navigator !== 'undefined' && /** @type {any} */ (navigator).globalPrivacyControl === true;
}

/**
 * The error of a worker that failed before its first answer: its script was
 * not found, was not JavaScript, or was refused (a CSP's worker-src).
 * @param {string | undefined} url
 * @param {string | undefined} detail the error event's message, if any (a 404 has none)
 */
function startFailed(url, detail) {
  const where = url ? `the worker script at ${url}` : 'the worker given as options.worker';
  return new PrivrecError(
    Code.fetch_failed,
    `privrec worker: ${where} did not start (${detail || 'not found, not a JavaScript module, or refused by the page\'s CSP'}); ` +
      'if your bundler or server put privrec-worker.js elsewhere, pass its URL as workerUrl (README: "Install and bundle")',
  );
}

/**
 * An on-device recommender. Everything about the shopper stays in this
 * browser: the history lives in IndexedDB (or only in memory) inside a
 * dedicated worker, which also runs the signed model. Safe to call from any
 * code on the page: calls are queued and run in order in the worker.
 *
 * Events: "modelupdated", "updaterefused", "updatefailed",
 * "consentchanged", "historychanged", "storagefailed", "storagerepaired",
 * "moduleretired" (CustomEvent; see the .d.ts for their detail).
 */
export class Recommender extends EventTarget {
  /**
   * Starts the worker, fetches and verifies the signed bundle, and resolves
   * once a model is loaded (the fetched one, or the last good one kept on
   * this device). Rejects with a PrivrecError when no model can be loaded.
   * @param {LoadOptions} options
   * @returns {Promise<Recommender>}
   */
  static async load(options) {
    if (!options || typeof options.bundleUrl !== 'string') {
      throw new PrivrecError(Code.bad_request, 'Recommender.load: bundleUrl is required');
    }
    // The worker sits beside this file: bundlers (vite, webpack 5) copy it
    // on seeing this new URL(…, import.meta.url); where one does not
    // (esbuild), the page passes workerUrl.
    const workerUrl = options.worker ? undefined : String(options.workerUrl ?? new URL('./privrec-worker.js', import.meta.url));
    const worker = options.worker ?? new Worker(/** @type {string} */ (workerUrl), { type: 'module', name: 'privrec' });
    const rec = new Recommender(worker, workerUrl);
    const publicKeys = Array.isArray(options.publicKeys) ? [...options.publicKeys] : options.publicKeys;
    const t0 = typeof performance === 'undefined' ? 0 : performance.now();
    try {
      rec.model = await rec.call('init', {
        core: {
          namespace: options.namespace,
          retention: options.retention,
          network: options.network,
          signals: options.signals,
          ...(options.measurement ? { measurement: measurementUrls(options.measurement), gpc: gpcOn() } : {}),
        },
        load: {
          bundleUrl: absolute(options.bundleUrl),
          wasmUrl: options.wasmUrl ? absolute(options.wasmUrl) : undefined,
          publicKeys,
        },
      });
      await signals.start(rec, options.signals);
      if (options.measurement) rec.watchVisibility();
      if (typeof performance !== 'undefined') measure({ name: 'privrec:start', start: performance.timeOrigin + t0, end: performance.timeOrigin + performance.now() });
    } catch (e) {
      rec.close();
      throw e;
    }
    return rec;
  }

  /**
   * @param {any} worker a Worker, or anything with postMessage/addEventListener/terminate
   * @param {string} [workerUrl] where the worker was loaded from, named if it fails to start
   */
  constructor(worker, workerUrl) {
    super();
    this.worker = worker;
    /** @type {ModelInfo | null} the model in use */
    this.model = null;
    this.seq = 0;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void}>} */
    this.pending = new Map();
    this.closed = false;
    /** the worker has answered once: it loaded */
    this.started = false;
    worker.addEventListener('message', (/** @type {MessageEvent} */ e) => {
      this.started = true;
      this.onMessage(e.data);
    });
    worker.addEventListener('error', (/** @type {any} */ e) => this.fail(this.started ? new PrivrecError(Code.internal, `privrec worker: ${e?.message || 'failed'}`) : startFailed(workerUrl, e?.message)));

    /**
     * Whether the browser granted persistent storage when the shopper
     * chose full consent (navigator.storage.persist(), asked from the page:
     * workers cannot ask); null until asked.
     * @type {boolean | null}
     */
    this.persisted = null;
    /** The shopper's consent: 'off', 'session' or 'full'. */
    const rec = this;
    this.consent = Object.freeze({
      get: () => this.call('consent.get'),
      /** What the consent signals (LoadOptions.signals) decide; null without them. */
      get signal() {
        return signals.signalOf(rec);
      },
      /** @param {'off'|'session'|'full'} level */
      set: async (/** @type {'off'|'session'|'full'} */ level) => {
        const set = await this.call('consent.set', level);
        if (set === 'full') await this.persist();
        return set;
      },
    });
    /**
     * Measurement (LoadOptions.measurement; README: "Measurement"): the
     * page says which recommended items it showed and which the shopper
     * followed; purchases come from track. The same calls work, and
     * count nothing, when measurement is off.
     */
    this.measurement = Object.freeze({
      status: () => this.call('measurement.status'),
      /** @param {readonly (string | {item: string})[]} items */
      shown: (/** @type {readonly (string | {item: string})[]} */ items) => this.call('measurement.shown', Array.from(items ?? [], (x) => (typeof x === 'string' ? x : { item: x?.item }))),
      /** @param {string | {item: string}} item */
      clicked: (/** @type {string | {item: string}} */ item) => this.call('measurement.clicked', typeof item === 'string' ? item : { item: item?.item }),
      send: () => this.call('measurement.send'),
      reports: () => this.call('measurement.reports'),
    });
    /** @type {(() => void) | null} */
    this.unwatch = null;
    /**
     * The page metadata the bundle was signed with (privrec train
     * --catalog): get(ids) resolves with one ItemMeta (title, price,
     * currency, image, url, category, availability) or null per id, read
     * from the model in use; it rejects with missing_artifact when the
     * bundle carries none.
     */
    this.catalog = Object.freeze({
      /** @param {readonly string[]} ids */
      get: (/** @type {readonly string[]} */ ids) => this.call('catalog.get', Array.isArray(ids) ? [...ids] : ids),
      /** A page of the whole catalog in id order: {total, items}. @param {{offset?: number, limit?: number}} [opts] */
      list: (/** @type {{offset?: number, limit?: number}} */ opts) => this.call('catalog.list', opts),
    });
    /** The shopper's history, under their control. */
    this.history = Object.freeze({
      list: () => this.call('history.list'),
      export: () => this.call('history.export'),
      /** @param {string} id */
      delete: (id) => this.call('history.delete', id),
      clear: () => this.call('history.clear'),
    });
  }

  /**
   * Records what the shopper did, as far as their consent allows: a
   * privrec event, or a Segment / GA4 e-commerce event (shapes.js), which
   * resolves with one id (or null) per product.
   * @param {any} event
   * @param {any} [props] the properties of a named Segment or GA4 event
   * @returns {Promise<any>}
   */
  async track(event, props) {
    const evs = toEvents(event, props);
    return evs ? Promise.all(evs.map((e) => this.call('track', e))) : this.call('track', event);
  }

  /**
   * @param {import('../types/index.js').RecommendOptions} [options]
   * @returns {Promise<import('../types/index.js').Recommendations>}
   */
  recommend(options = {}) {
    return this.call('recommend', options);
  }

  /**
   * Asks the browser to keep this origin's storage (the stored history the
   * shopper chose to keep) instead of evicting it under pressure. Never
   * throws: a browser without the API, or one that says no, leaves
   * persisted false.
   */
  async persist() {
    /** @type {any} */
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (typeof storage?.persist !== 'function') {
      this.persisted = false;
      return;
    }
    try {
      this.persisted = (await storage.persisted?.()) || (await storage.persist());
    } catch {
      this.persisted = false;
    }
  }

  /**
   * Checks the bundle URL for a newer model now, with retries. Never holds
   * back consent, history or recommend calls. Resolves with what happened:
   * outcome "updated", "current" or "failed" (with failure: why, as in
   * "updatefailed"), and the model in use.
   * @returns {Promise<import('../types/index.js').UpdateResult>}
   */
  async update() {
    const r = await this.call('update');
    this.model = r.model;
    return r;
  }

  /**
   * The worker's Resource Timing entries: every request it made (the
   * bundle's files, the module), as PerformanceResourceTiming.toJSON() gives
   * them, with the worker's timeOrigin (their times are relative to it). The
   * page's own requests are in its performance timeline.
   * @returns {Promise<{timeOrigin: number, entries: any[]}>}
   */
  resources() {
    return this.call('resources');
  }

  /**
   * Tells the worker when the page is hidden: session counters live only
   * in the worker, so that is when their day is reported.
   */
  watchVisibility() {
    if (typeof document === 'undefined' || typeof document.addEventListener !== 'function') return;
    const onHidden = () => {
      if (document.visibilityState === 'hidden') this.call('measurement.hidden').catch(() => {});
    };
    document.addEventListener('visibilitychange', onHidden);
    this.unwatch = () => document.removeEventListener('visibilitychange', onHidden);
  }

  /** Stops the worker; later calls reject with code "closed". */
  close() {
    if (this.closed) return;
    this.unwatch?.();
    signals.stop(this);
    this.fail(new PrivrecError(Code.closed, 'privrec: the recommender was closed'));
    this.worker.terminate?.();
  }

  /**
   * @param {string} method
   * @param {...any} args
   */
  call(method, ...args) {
    if (this.closed) return Promise.reject(new PrivrecError(Code.closed, `${method}: the recommender was closed`));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ id, method, args });
      } catch (e) {
        this.pending.delete(id);
        reject(PrivrecError.from(e));
      }
    });
  }

  /** @param {any} msg */
  onMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.event === 'string') {
      if (msg.event === 'timing') {
        measure(msg.detail);
        return;
      }
      if (msg.event === 'modelupdated') {
        const { origin, ...info } = msg.detail;
        this.model = /** @type {ModelInfo} */ (info);
      }
      this.dispatchEvent(new CustomEvent(msg.event, { detail: msg.detail }));
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(PrivrecError.from(msg.error));
  }

  /** @param {PrivrecError} err */
  fail(err) {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
