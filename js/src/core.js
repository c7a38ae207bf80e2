// The engine of the SDK, run inside the dedicated worker: the module, the
// storage and the consent state. The main thread only talks to it through
// postMessage (protocol.js), so nothing here ever blocks the page.

import { Code, PrivrecError } from './errors.js';
import { Engine, compileResponse } from './module.js';
import { catalogItems, validateResponse } from './response.js';
import { Storage, retentionOf } from './storage.js';
import { parseKeys } from './keys.js';
import { MAX_MANIFEST, SIGNATURE_SIZE, TrustedKeys, checkArtifact, equalBytes, listsItems, toHex, verifyManifest } from './verify.js';
import { PageCatalog } from './catalog.js';
import { FetchError, networkOf, open, retrying } from './net.js';
import { limited } from './signals.js';

/** @typedef {import('./storage.js').ConsentLevel} ConsentLevel */

export const CONSENT_LEVELS = Object.freeze(/** @type {const} */ (['off', 'session', 'full']));
const KINDS = new Set(['view', 'cart', 'purchase']);
const MAX_ID_BYTES = 256;
/** Attempts, and the first delay in ms (doubled each time), of storing a withdrawal whose write failed. */
const WITHDRAW_RETRIES = 6;
const WITHDRAW_BACKOFF = 250;
/** ms of silence after which the kept module's fetch (from the HTTP cache) gives way to the stored bytes. */
const KEPT_MODULE_TIMEOUT = 3000;
/** The plain file names of a bundle's artifacts (bundledir). */
const PLAIN = Object.freeze({ weights: 'weights.bin', catalog: 'catalog.bin', wasm: 'privrec.wasm', items: 'items.bin' });
/** Hex digits of the SHA-256 in a content-addressed name (bundledir.ContentDigits). */
const CONTENT_DIGITS = 16;

/**
 * The content-addressed file name of an artifact, as privrec sign writes it
 * beside the plain one (bundledir.ContentName): weights.<16 hex digits of
 * its SHA-256>.bin, catalog.<…>.bin, privrec.<…>.wasm. A host may serve
 * these as immutable: the name changes whenever the bytes do.
 * @param {'weights'|'catalog'|'wasm'|'items'} name
 * @param {Uint8Array} sha256
 */
export function contentName(name, sha256) {
  const plain = PLAIN[name];
  const dot = plain.lastIndexOf('.');
  return `${plain.slice(0, dot)}.${toHex(sha256).slice(0, CONTENT_DIGITS)}${plain.slice(dot)}`;
}

/** manifest.sig is SIGNATURE_SIZE bytes; a few KiB more let an error page be named as one. */
const MAX_SIGNATURE_READ = 4 << 10;

/**
 * GETs url and reads its body, cut at limit bytes; an HTML page (by its
 * content type, or by its first byte where a bundle file never has "<")
 * is named as such.
 * @param {typeof fetch} fetchFn
 * @param {string} url
 * @param {{timeout: number, limit: number, what: string, cache?: RequestCache, page?: (b: Uint8Array) => boolean}} o
 * @returns {Promise<Uint8Array>}
 */
async function getBytes(fetchFn, url, o) {
  const got = await open(fetchFn, url, o);
  const bytes = await got.read(o.limit, o.what);
  if (o.page?.(bytes)) {
    throw new FetchError(Code.fetch_failed, `fetch ${url}: got an HTML or text page, not the bundle's ${o.what} (HTTP ${got.res.status}): is the bundle published there?`, {
      url,
      status: got.res.status,
      type: got.res.headers?.get?.('content-type') ?? '',
      transient: false,
    });
  }
  return bytes;
}

/** @param {Uint8Array} b the first non-blank byte is "<" */
function looksLikePage(b) {
  for (const c of b.subarray(0, 64)) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xef || c === 0xbb || c === 0xbf) continue;
    return c === 0x3c;
  }
  return false;
}

/**
 * GETs base's manifest.bin and manifest.sig, revalidated (never from a
 * cache without asking the server), each cut at its cap.
 * @param {typeof fetch} fetchFn
 * @param {string} base the bundle directory URL, ending in "/"
 * @param {number} timeout
 * @returns {Promise<{manifest: Uint8Array, signature: Uint8Array}>}
 */
async function getManifest(fetchFn, base, timeout) {
  const [manifest, signature] = await Promise.all([
    // A manifest is a MessagePack map: it never starts with "<".
    getBytes(fetchFn, new URL('manifest.bin', base).href, { timeout, limit: MAX_MANIFEST, what: 'manifest', cache: 'no-cache', page: looksLikePage }),
    // A signature may start with any byte: only one of the wrong size is sniffed.
    getBytes(fetchFn, new URL('manifest.sig', base).href, {
      timeout,
      limit: MAX_SIGNATURE_READ,
      what: 'signature',
      cache: 'no-cache',
      page: (b) => b.length !== SIGNATURE_SIZE && looksLikePage(b),
    }),
  ]);
  return { manifest, signature };
}

/**
 * Starts fetching a bundle's manifest before the core exists (Core.create).
 * @param {typeof fetch} fetchFn
 * @param {string} bundleUrl
 * @param {number} timeout
 */
function prefetchManifest(fetchFn, bundleUrl, timeout) {
  const base = bundleUrl.endsWith('/') ? bundleUrl : `${bundleUrl}/`;
  const start = typeof performance === 'undefined' ? Date.now() : performance.now();
  return { base, start, result: getManifest(fetchFn, base, timeout) };
}

/**
 * The module's entry of a verified manifest.
 * @param {import('./verify.js').Manifest} m
 * @returns {{length: number, sha256: Uint8Array}}
 */
function wasmEntry(m) {
  const a = /** @type {{length: number, sha256: Uint8Array}} */ (m.artifacts.find((x) => x.name === 'wasm'));
  return { length: a.length, sha256: a.sha256 };
}

/**
 * The SHA-256 a verified manifest names for an artifact: what the SDK sends
 * as weights_sha256 and catalog_sha256 once checkArtifact has found the
 * bytes equal to it.
 * @param {import('./verify.js').Manifest} m
 * @param {'weights'|'catalog'} name
 * @returns {Uint8Array}
 */
function sha256Of(m, name) {
  return /** @type {{sha256: Uint8Array}} */ (m.artifacts.find((x) => x.name === name)).sha256;
}

/**
 * The failure to report when neither the kept copy nor the network gave a
 * model: a refusal says more than an unreachable network.
 * @param {PrivrecError | null} cached
 * @param {PrivrecError} network
 */
function telling(cached, network) {
  return cached && network.code === Code.fetch_failed ? cached : network;
}

/**
 * @typedef {object} CoreOptions
 * @property {string} [namespace] separates several privrec stores on one origin (default "default")
 * @property {Partial<import('./storage.js').Retention>} [retention]
 * @property {() => number} [clock] Unix ms (default Date.now); tests pin it
 * @property {typeof fetch} [fetch] default globalThis.fetch
 * @property {(fd: number, text: string) => void} [onOutput] the module's stdout/stderr; the host-call profile refuses every write (wasi.js PROFILE), so it only hears a shim without one
 * @property {{bundleUrl: string, wasmUrl?: string}} [prefetch] the bundle load() will be given: its manifest is fetched while storage opens, and the module kept from the last visit right after
 * @property {number} [keepDelay] ms after the first recommendation before a new bundle is written to IndexedDB (default 1000; tests use 0)
 * @property {Partial<import('./net.js').NetworkOptions>} [network] timeouts and retries of bundle downloads (net.js DEFAULT_NETWORK)
 * @property {import('./measure.js').MeasurementOptions} [measurement] turns measurement on (measure.js, loaded only then)
 * @property {boolean} [gpc] Global Privacy Control is on in the page (measurement never runs then)
 * @property {import('./measure.js').MeasureHooks} [measureHooks] tests: the measure module and the arm's draw
 *
 * @typedef {object} LoadOptions
 * @property {string} bundleUrl directory URL holding manifest.bin, manifest.sig and the artifacts (content-addressed names, else weights.bin, catalog.bin, privrec.wasm)
 * @property {string} [wasmUrl] the module's URL; default: its content-addressed name in bundleUrl
 * @property {readonly (string|Uint8Array)[] | string} publicKeys trusted Ed25519 keys
 *
 * The module of the last good bundle, being fetched and compiled for a
 * bundle URL (Core.fetchKeptModule).
 * @typedef {object} KeptModule
 * @property {string} bundleUrl the bundle's base URL it was fetched for
 * @property {string | undefined} wasmUrl
 * @property {{length: number, sha256: Uint8Array}} a its length and SHA-256, as IndexedDB names them
 * @property {ReturnType<Core['fetchModule']>} got
 */

/**
 * @param {string} s
 * @param {string} what
 */
function checkId(s, what) {
  if (typeof s !== 'string' || s.length === 0 || new TextEncoder().encode(s).length > MAX_ID_BYTES) {
    throw new PrivrecError(Code.bad_request, `${what} must be a string of 1..${MAX_ID_BYTES} bytes`);
  }
}

/**
 * The context a page knows without any history: local time and device.
 * @param {number} now
 */
export function autoContext(now) {
  const d = new Date(now);
  /** @type {any} */
  const nav = typeof navigator === 'undefined' ? undefined : navigator;
  let device = 'desktop';
  if (nav?.userAgentData && typeof nav.userAgentData.mobile === 'boolean') {
    device = nav.userAgentData.mobile ? 'mobile' : 'desktop';
  } else if (typeof nav?.userAgent === 'string' && /Mobi|Android|iPhone|iPad/i.test(nav.userAgent)) {
    device = 'mobile';
  }
  return { hour: d.getHours(), weekday: d.getDay(), device };
}

/**
 * The SDK core. Dispatches "modelupdated", "updaterefused", "consentchanged"
 * and "historychanged" events (CustomEvent, details in the .d.ts). Not safe
 * for concurrent use: the worker serializes calls (protocol.js).
 */
export class Core extends EventTarget {
  /**
   * Opens storage, enforces retention, reads consent and joins the
   * cross-tab channel.
   * @param {CoreOptions} [options]
   * @returns {Promise<Core>}
   */
  static async create(options = {}) {
    const namespace = options.namespace ?? 'default';
    const retention = retentionOf(options.retention);
    const clock = options.clock ?? (() => Date.now());
    // The worker asks for the manifest while the database opens (tens of
    // ms, more in a fresh profile): load() takes this answer if its
    // bundleUrl is the same.
    const fetchFn = options.fetch ?? ((/** @type {any} */ u, /** @type {any} */ i) => globalThis.fetch(u, i));
    const net = networkOf(options.network);
    const early = options.prefetch?.bundleUrl ? prefetchManifest(fetchFn, options.prefetch.bundleUrl, net.timeout) : null;
    early?.result.catch(() => {}); // load() reports it
    const storage = await Storage.open(namespace);
    const core = new Core(storage, namespace, retention, clock, options);
    core.early = early;
    // The module kept from the last visit is fetched (from the HTTP cache)
    // and compiled from here on, beside the consent read and retention
    // below: on a page view after the first it is the longest step.
    if (early) core.earlyModule = core.fetchKeptModule({ bundleUrl: early.base, wasmUrl: options.prefetch?.wasmUrl });
    storage.onCorrupt = (n) => core.emit('storagerepaired', { deleted: n, what: 'history' });
    // Stored history beyond what the stored consent allows (a withdrawal
    // whose deletion a crash or a full disk interrupted, an unknown consent
    // value) is deleted before anything reads it.
    const level = await core.getConsent();
    if (level !== 'full') await storage.clearEvents();
    else await storage.prune(retention, clock());
    if (options.measurement) await core.startMeasure(options);
    // Whoever created the core listens from now on: later events go out
    // as they happen. Those emitted until now wait for replay().
    core.backlog = core.held ?? [];
    core.held = null;
    return core;
  }

  /**
   * Loads measure.js (its own chunk: a page without measurement never
   * downloads it) and starts measuring. Options the page got wrong throw
   * bad_request; a chunk that cannot be loaded leaves recommendations
   * working and measurement off, with the reason in measurement.status().
   * @param {CoreOptions} options
   */
  async startMeasure(options) {
    let lib;
    try {
      lib = await (options.measureHooks?.load ?? (() => import('./measure.js')))();
    } catch (e) {
      this.measureFailure = `the measurement code (privrec-measure.js, beside privrec-worker.js) did not load: ${e instanceof Error ? e.message : e}`;
      return;
    }
    const o = lib.measurementOf(options.measurement);
    this.measure = await lib.Measure.create(this, o, { gpc: options.gpc, limited: () => limited(this), ...options.measureHooks });
  }

  /**
   * @param {Storage} storage
   * @param {string} namespace
   * @param {import('./storage.js').Retention} retention
   * @param {() => number} clock
   * @param {CoreOptions} options
   */
  constructor(storage, namespace, retention, clock, options) {
    super();
    this.storage = storage;
    this.retention = retention;
    this.clock = clock;
    this.fetch = options.fetch ?? ((/** @type {any} */ u, /** @type {any} */ i) => globalThis.fetch(u, i));
    this.net = networkOf(options.network);
    this.onOutput = options.onOutput;
    /** Updates run one at a time, apart from the calls that never wait on the network. @type {Promise<unknown>} */
    this.updating = Promise.resolve();
    /** SHA-256 (hex) of modules retired for breaking their profile: never instantiated again in this worker. @type {Set<string>} */
    this.retired = new Set();
    /** The withdrawal being retried in the background, if any; a newer choice drops it. @type {object | null} */
    this.withdrawing = null;
    /** @type {ConsentLevel} */
    this.consentLevel = 'off';
    /** Measurement, when the page enabled it (LoadOptions.measurement). @type {import('./measure.js').Measure | null} */
    this.measure = null;
    /** Why measurement was enabled yet could not start. @type {string | null} */
    this.measureFailure = null;
    /**
     * Counts the changes of consentLevel. A level read from storage before
     * an await is stale if another tab's change was heard during it: the
     * read must then not overwrite the newer level.
     */
    this.consentSeq = 0;
    /** Session history: this worker's memory only. @type {{id: string, item: string, kind: string, at: number}[]} */
    this.memory = [];
    this.memorySeq = 0;
    /** @type {Engine | null} */
    this.engine = null;
    /** @type {any} */
    this.model = null;
    /** @type {LoadOptions | null} */
    this.source = null;
    /** What the model in use was loaded from. @type {{manifest: Uint8Array, signature: Uint8Array, wasm: Uint8Array} | null} */
    this.active = null;
    /** The page metadata of the model in use (catalog.get), null when its bundle has none. @type {PageCatalog | null} */
    this.pageItems = null;
    /** manifest.bin of the copy in IndexedDB, once known good: it is not written again. @type {Uint8Array | null} */
    this.stored = null;
    /** The manifest Core.create started fetching, until load() takes it. @type {ReturnType<typeof prefetchManifest> | null} */
    this.early = null;
    /** The kept module Core.create started fetching and compiling, until load() takes it. @type {Promise<KeptModule | null> | null} */
    this.earlyModule = null;
    /** The background write of the last good bundle; never rejects. @type {Promise<void>} */
    this.saving = Promise.resolve();
    /** @type {Uint8Array[]} */
    this.keys = [];
    /** The keys imported into WebCrypto (once: callers share the promise); reset by load. @type {Promise<TrustedKeys> | null} */
    this.trusted = null;
    this.closed = false;
    this.recommended = false;
    /** How long after the first recommendation the bundle is written to IndexedDB (keepLater). */
    this.keepDelay = options.keepDelay ?? 1000;
    /** Starts a pending write of the last good bundle now. @type {(() => void) | null} */
    this.startKeep = null;
    /** @type {(() => void) | null} */
    this.keepSoon = null;
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`privrec:${namespace}`);
    if (this.channel) this.channel.onmessage = (e) => this.onRemote(e.data);
    /** Events emitted while create runs, when no one can listen yet. @type {[string, object][] | null} */
    this.held = [];
    /** Those events, until replay(). @type {[string, object][]} */
    this.backlog = [];
  }

  /** Settles once the updates started so far (load's background check included) are done. */
  get checking() {
    return this.updating.then(() => {});
  }

  /**
   * @param {string} type
   * @param {object} detail
   */
  emit(type, detail) {
    if (this.held) this.held.push([type, detail]);
    else this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Dispatches the events emitted while create ran (no one can listen to
   * a core before create resolves, and the kept module's fetch and
   * compile, started there, may time their steps before it does). The
   * worker calls it once it listens.
   */
  replay() {
    const backlog = this.backlog;
    this.backlog = [];
    for (const [type, detail] of backlog) this.emit(type, detail);
  }

  /** @param {any} msg */
  onRemote(msg) {
    if (this.closed || !msg || typeof msg !== 'object') return;
    if (msg.type === 'consent' && CONSENT_LEVELS.includes(msg.consent)) {
      const previous = this.consentLevel;
      this.setLevel(msg.consent);
      if (previous !== msg.consent) this.emit('consentchanged', { consent: msg.consent, previous, origin: 'remote' });
    } else if (msg.type === 'history') {
      this.emit('historychanged', { origin: 'remote' });
    }
  }

  /** @param {object} msg */
  broadcast(msg) {
    this.channel?.postMessage(msg);
  }

  checkOpen() {
    if (this.closed) throw new PrivrecError(Code.closed, 'privrec: the recommender was closed');
  }

  /**
   * Starts the signed model. A valid copy kept on this device (the last
   * good bundle) starts at once, without waiting for the network: only its
   * manifest's signature, expiry and version are checked again, and its
   * module is compiled from the browser's HTTP cache (a content-addressed,
   * immutable URL), hashed before it is instantiated; that fetch falling
   * silent for KEPT_MODULE_TIMEOUT ms falls back to the stored bytes. The
   * bundle URL is then checked in the background (with retries) and a
   * newer bundle swapped in ("modelupdated"; "updatefailed" when the check
   * fails). Without a usable copy, the bundle is fetched, verified and
   * loaded before this resolves, each file within network.timeout ms of
   * silence. A refused or unreachable update keeps the model in use; this
   * throws only when no model can be loaded.
   * @param {LoadOptions} options
   * @returns {Promise<any>} the model in use (ModelInfo)
   */
  async load(options) {
    this.checkOpen();
    if (!options || typeof options.bundleUrl !== 'string') {
      throw new PrivrecError(Code.bad_request, 'load: bundleUrl is required');
    }
    this.keys = parseKeys(options.publicKeys);
    this.trusted = null;
    this.source = options;
    // The manifest is asked for at once, beside reading the kept copy and
    // importing the keys: the first visit waits for it, later ones check
    // it in the background.
    const early = this.early;
    this.early = null;
    const manifest = early && early.base === Core.base(options) ? this.timed(early) : this.fetchManifest();
    manifest.catch(() => {}); // handled by refresh
    this.trustedKeys().catch(() => {}); // its failure is reported where it is awaited
    /** @type {PrivrecError | null} */
    let cached = null;
    // The kept module is fetched (from the HTTP cache) and compiled while
    // the kept bundle is read and its manifest verified; it runs only if
    // that manifest names it.
    const earlyModule = await this.earlyModule;
    this.earlyModule = null;
    const compiling = earlyModule && earlyModule.bundleUrl === Core.base(options) && earlyModule.wasmUrl === options.wasmUrl ? earlyModule : await this.fetchKeptModule(options);
    const last = await this.storage.lastGood({ module: false });
    if (last) {
      try {
        const info = await this.start(last, compiling);
        // The background check: a manifest that did not arrive is tried
        // again (retries), as update() does.
        const first = { tried: false };
        const check = this.updating.then(() =>
          this.refreshReported(() => {
            if (first.tried) return this.fetchManifest();
            first.tried = true;
            return manifest;
          }),
        );
        this.updating = check.catch(() => {});
        return info;
      } catch (e) {
        cached = PrivrecError.from(e);
        this.refused(cached, 'cache');
      }
    }
    try {
      return await this.refresh(() => manifest);
    } catch (e) {
      const failure = telling(cached, PrivrecError.from(e));
      this.failed(failure, 'network');
      throw failure;
    }
  }

  /**
   * Checks the bundle URL for a newer model now (see load), with retries
   * and backoff for a network that fails or falls silent. Never waits for
   * or blocks the calls that do not need the network (consent, history,
   * recommend): the worker runs it beside them. Resolves with what
   * happened: "updated" (a newer model is in use, "modelupdated"),
   * "current" (the bundle URL serves the model in use), or "failed" (the
   * model in use is kept; "updatefailed" says why, and "updaterefused"
   * too when the bundle was refused).
   * @returns {Promise<{outcome: 'updated'|'current'|'failed', model: any, failure?: any}>}
   */
  update() {
    this.checkOpen();
    if (!this.source) throw new PrivrecError(Code.not_loaded, 'update: call load first');
    const run = this.updating.then(() => this.updateNow());
    this.updating = run.catch(() => {});
    return run;
  }

  /**
   * update(), once the updates before it are done.
   * @returns {Promise<{outcome: 'updated'|'current'|'failed', model: any, failure?: any}>}
   */
  async updateNow() {
    this.checkOpen();
    const before = this.model?.bundle_id ?? null;
    try {
      const model = await this.refreshReported(() => this.fetchManifest());
      return { outcome: /** @type {'updated'|'current'} */ (model.bundle_id === before ? 'current' : 'updated'), model };
    } catch (e) {
      const failure = /** @type {PrivrecError & {detail?: any}} */ (PrivrecError.from(e));
      if (this.model) return { outcome: /** @type {'failed'} */ ('failed'), model: this.model, failure: failure.detail ?? this.failureDetail(failure, 'network') };
      const last = await this.storage.lastGood();
      if (!last) throw failure;
      try {
        return { outcome: /** @type {'updated'} */ ('updated'), model: await this.start(last) };
      } catch (e2) {
        const cached = PrivrecError.from(e2);
        this.refused(cached, 'cache');
        throw telling(cached, failure);
      }
    }
  }

  /**
   * refresh, retried while the network fails or falls silent; a failure is
   * reported ("updatefailed") and rethrown with its detail.
   * @param {() => Promise<{manifest: Uint8Array, signature: Uint8Array}>} manifest
   */
  async refreshReported(manifest) {
    try {
      return await retrying(() => this.refresh(manifest), this.net);
    } catch (e) {
      const failure = /** @type {PrivrecError & {detail?: any}} */ (PrivrecError.from(e));
      failure.detail = this.failed(failure, 'network');
      throw failure;
    }
  }

  /**
   * What an "updatefailed" event and update()'s failure say.
   * @param {PrivrecError} failure
   * @param {'network'|'cache'} origin
   */
  failureDetail(failure, origin) {
    const f = /** @type {any} */ (failure);
    /** @type {'network'|'timeout'|'storage'|'refused'} */
    let kind = 'refused';
    if (failure.code === Code.fetch_failed) kind = 'network';
    else if (failure.code === Code.timeout) kind = 'timeout';
    else if (failure.code === Code.storage || failure.code === Code.quota_exceeded) kind = 'storage';
    return {
      failure: kind,
      code: failure.code,
      reason: failure.reason,
      message: failure.message,
      url: typeof f.url === 'string' ? f.url : undefined,
      status: typeof f.status === 'number' ? f.status : undefined,
      kept: this.model ? this.model.version : null,
      origin,
    };
  }

  /**
   * Reports a failed update ("updatefailed", and "updaterefused" when the
   * bundle was refused rather than unreachable).
   * @param {PrivrecError} failure
   * @param {'network'|'cache'} origin
   */
  failed(failure, origin) {
    const detail = this.failureDetail(failure, origin);
    if (detail.failure === 'refused' && !/** @type {any} */ (failure).reported) this.refused(failure, origin);
    this.emit('updatefailed', detail);
    return detail;
  }

  /**
   * @param {PrivrecError} failure
   * @param {'network'|'cache'} origin
   */
  refused(failure, origin) {
    /** @type {any} */ (failure).reported = true;
    this.emit('updaterefused', {
      code: failure.code,
      reason: failure.reason,
      message: failure.message,
      kept: this.model ? this.model.version : null,
      origin,
    });
  }

  /**
   * The bundle directory URL, ending in "/".
   * @param {{bundleUrl: string}} src
   */
  static base(src) {
    return src.bundleUrl.endsWith('/') ? src.bundleUrl : `${src.bundleUrl}/`;
  }

  /**
   * The manifest Core.create asked for, with its fetch timed.
   * @param {{base: string, start: number, result: Promise<{manifest: Uint8Array, signature: Uint8Array}>}} early
   */
  async timed(early) {
    const r = await early.result;
    this.timing('privrec:fetch:manifest', early.start);
    return r;
  }

  /**
   * GETs manifest.bin and manifest.sig, revalidated (never from a cache
   * without asking the server).
   * @returns {Promise<{manifest: Uint8Array, signature: Uint8Array}>}
   */
  async fetchManifest() {
    const t = this.now();
    const r = await getManifest(this.fetch, Core.base(/** @type {LoadOptions} */ (this.source)), this.net.timeout);
    this.timing('privrec:fetch:manifest', t);
    return r;
  }

  /**
   * Opens the artifact the manifest calls name, by its content-addressed
   * URL (cacheable for good: its bytes never change), falling back to the
   * plain name on a 404 (a bundle signed before content addressing, or a
   * host that dropped the copies). wasmUrl, when given, names the module.
   * @param {'weights'|'catalog'|'wasm'|'items'} name
   * @param {Uint8Array} sha256 its digest, as a manifest names it
   * @param {number} [timeout] ms of silence before it is aborted (default network.timeout)
   * @param {{bundleUrl: string, wasmUrl?: string}} [src] default the bundle load() was given
   * @returns {Promise<import('./net.js').Opened>}
   */
  async fetchArtifact(name, sha256, timeout = this.net.timeout, src = /** @type {LoadOptions} */ (this.source)) {
    if (name === 'wasm' && src.wasmUrl) return open(this.fetch, src.wasmUrl, { timeout });
    const base = Core.base(src);
    try {
      return await open(this.fetch, new URL(contentName(name, sha256), base).href, { timeout });
    } catch (e) {
      if (/** @type {any} */ (e).status !== 404 && /** @type {any} */ (e).status !== 410) throw e;
      return open(this.fetch, new URL(PLAIN[name], base).href, { timeout, cache: 'no-cache' });
    }
  }

  /**
   * Starts fetching and compiling the module of the last good bundle
   * (IndexedDB names its length and SHA-256) for the bundle src names;
   * null when none is kept.
   * @param {{bundleUrl: string, wasmUrl?: string}} src
   * @returns {Promise<KeptModule | null>}
   */
  async fetchKeptModule(src) {
    const a = await this.storage.keptModule().catch(() => undefined);
    if (!a) return null;
    const got = this.fetchModule(a, Math.min(this.net.timeout, KEPT_MODULE_TIMEOUT), src);
    got.catch(() => {}); // start() awaits it, or drops it
    return { bundleUrl: Core.base(src), wasmUrl: src.wasmUrl, a, got };
  }

  /**
   * Fetches the module of the given length and SHA-256 (as a manifest
   * names it) and compiles it (streaming, from a cacheable response),
   * reading at most its length and checking its SHA-256 before anything
   * can instantiate it.
   * @param {{length: number, sha256: Uint8Array}} a
   * @param {number} [timeout]
   * @param {{bundleUrl: string, wasmUrl?: string}} [src] default the bundle load() was given
   */
  async fetchModule(a, timeout, src) {
    const t = this.now();
    const got = await this.fetchArtifact('wasm', a.sha256, timeout, src);
    // checkArtifact reads only the module's entry of a manifest.
    const only = /** @type {import('./verify.js').Manifest} */ (/** @type {unknown} */ ({ bundleId: '', artifacts: [{ name: 'wasm', length: a.length, sha256: a.sha256 }] }));
    const out = await compileResponse(
      got.res,
      () => got.read(a.length, 'the module', true),
      async (bytes) => {
        this.timing('privrec:fetch:wasm', t);
        const v = this.now();
        await checkArtifact(only, 'wasm', bytes);
        this.timing('privrec:verify:wasm', v);
        return a.sha256;
      },
    );
    this.timing('privrec:compile', t);
    return out;
  }

  /**
   * The trusted keys, imported into WebCrypto once per load().
   * @returns {Promise<TrustedKeys>}
   */
  trustedKeys() {
    if (!this.trusted) this.trusted = TrustedKeys.import(this.keys);
    return this.trusted;
  }

  /**
   * Checks the bundle URL: fetches manifest.bin and manifest.sig (always
   * revalidated), and when they differ from the model in use, verifies
   * them, fetches the artifacts they name (content-addressed), each read
   * only up to the length the manifest states, checks each one's SHA-256,
   * and loads them. An unchanged manifest costs two conditional GETs and
   * nothing else: no verification, no compilation, no write to IndexedDB.
   * @param {() => Promise<{manifest: Uint8Array, signature: Uint8Array}>} manifestOf manifest.bin and manifest.sig (asked for already, or now)
   * @returns {Promise<any>} the model in use
   */
  async refresh(manifestOf) {
    const { manifest, signature } = await manifestOf();
    if (this.model && this.active && equalBytes(manifest, this.active.manifest) && equalBytes(signature, this.active.signature)) {
      return this.model;
    }
    const minVersion = await this.storage.highestVersion();
    const v = this.now();
    const m = await verifyManifest(manifest, signature, { keys: await this.trustedKeys(), now: Math.trunc(this.clock()), minVersion });
    this.timing('privrec:verify:manifest', v);
    const digest = /** @type {Uint8Array} */ (m.artifacts.find((a) => a.name === 'wasm')?.sha256);
    if (this.retired.has(toHex(digest))) {
      throw new PrivrecError(Code.module_violation, `load bundle: its module ${toHex(digest).slice(0, 16)} was retired for breaking its profile; the publisher ships a fixed one`);
    }
    const running = this.engine && !this.engine.broken && equalBytes(this.engine.wasmSHA256, digest) && this.active ? this.active.wasm : null;
    const subtle = (await this.trustedKeys()).subtle;
    const f = this.now();
    /** @type {import('./net.js').Opened[]} */
    const opened = [];
    const fetched = async (/** @type {'weights'|'catalog'|'items'} */ name) => {
      const a = /** @type {{sha256: Uint8Array, length: number}} */ (m.artifacts.find((x) => x.name === name));
      const got = await this.fetchArtifact(name, a.sha256);
      opened.push(got);
      const bytes = await got.read(a.length, `${name} (the manifest says ${a.length} bytes)`, true);
      const c = this.now();
      await checkArtifact(m, name, bytes, subtle);
      this.timing(`privrec:verify:${name}`, c);
      return bytes;
    };
    /** @type {[Uint8Array, Uint8Array, {bytes: Uint8Array, module: WebAssembly.Module | undefined}, Uint8Array | undefined]} */
    let parts;
    try {
      parts = await Promise.all([
        fetched('weights'),
        fetched('catalog'),
        running ? { bytes: running, module: undefined } : this.fetchModule(wasmEntry(m)),
        // The page metadata, when the bundle has it: checked like the rest,
        // so a tampered one refuses the whole update.
        listsItems(m) ? fetched('items') : undefined,
      ]);
    } catch (e) {
      for (const o of opened) o.abort(); // the other downloads stop too
      throw e;
    }
    const [weights, catalog, mod, items] = parts;
    this.timing('privrec:fetch', f);
    return this.install(m, { manifest, signature, weights, catalog, wasm: mod.bytes, items }, mod.module, 'network');
  }

  /**
   * Starts the last good bundle kept on this device. Its manifest is
   * checked again (signature, expiry, the rollback floor); its module is
   * compiled from its content-addressed URL, which the HTTP cache serves,
   * else from the stored bytes, and hashed either way before it is
   * instantiated. The kept weights and catalog are hashed too (WebCrypto,
   * while the module compiles): IndexedDB can be written by any script of
   * the origin, and the module takes the SDK's digests instead of hashing
   * them again (verify once, wasm/ABI.md).
   * @param {Omit<import('./storage.js').StoredBundle, 'wasm'> & {wasm?: Uint8Array}} last its wasm is read from storage if needed and absent
   * @param {KeptModule | null} [early]
   *   the kept module, fetched and compiled while last was read (load): used only if the verified manifest names it
   * @returns {Promise<any>}
   */
  async start(last, early = null) {
    const minVersion = await this.storage.highestVersion();
    const keys = await this.trustedKeys();
    const v = this.now();
    const m = await verifyManifest(last.manifest, last.signature, { keys, now: Math.trunc(this.clock()), minVersion });
    this.timing('privrec:verify:manifest', v);
    const digest = /** @type {Uint8Array} */ (m.artifacts.find((a) => a.name === 'wasm')?.sha256);
    // Kept weights and catalog are checked before the module runs, beside
    // its compilation; a refusal here is reported as the cache's.
    const checked = (async () => {
      const c = this.now();
      const items = /** @type {{items?: unknown}} */ (last).items;
      if (listsItems(m) && !(items instanceof Uint8Array)) throw new PrivrecError(Code.missing_artifact, 'start kept bundle: its page metadata is not stored; the network is needed');
      await Promise.all([
        checkArtifact(m, 'weights', last.weights, keys.subtle),
        checkArtifact(m, 'catalog', last.catalog, keys.subtle),
        listsItems(m) ? checkArtifact(m, 'items', /** @type {Uint8Array} */ (items), keys.subtle) : undefined,
      ]);
      this.timing('privrec:verify:kept', c);
    })();
    checked.catch(() => {}); // awaited below, after the module
    /** @type {WebAssembly.Module | undefined} */
    let mod;
    let wasm = last.wasm ?? (this.active && this.engine && equalBytes(this.engine.wasmSHA256, digest) ? this.active.wasm : undefined);
    if (!(this.engine && !this.engine.broken && equalBytes(this.engine.wasmSHA256, digest))) {
      try {
        const a = wasmEntry(m);
        const same = early && early.a.length === a.length && equalBytes(early.a.sha256, a.sha256);
        const got = await (same ? /** @type {NonNullable<typeof early>} */ (early).got : this.fetchModule(a));
        mod = got.module;
        wasm = got.bytes;
      } catch {
        // Offline, evicted, or not the signed module: the stored bytes,
        // checked the same way.
        const stored = last.wasm ?? (await this.storage.lastGoodModule());
        if (!stored) throw new PrivrecError(Code.missing_artifact, 'start kept bundle: its module is not stored; the network is needed');
        const c = this.now();
        await checkArtifact(m, 'wasm', stored, keys.subtle);
        this.timing('privrec:verify:wasm', c);
        wasm = stored;
      }
    }
    if (!wasm) wasm = await this.storage.lastGoodModule();
    if (!wasm) throw new PrivrecError(Code.missing_artifact, 'start kept bundle: its module is not stored; the network is needed');
    await checked;
    return this.install(m, { ...last, wasm }, mod, 'cache', true);
  }

  /**
   * Loads a bundle the SDK verified into an instance (reusing the current
   * one when the module is the same), checks that the module's LoadResult
   * agrees with the manifest and, on success, makes it current and keeps
   * it on this device unless it is the copy stored already.
   *
   * Callers have checked b.weights and b.catalog against m (checkArtifact:
   * length and WebCrypto SHA-256), so the request carries those digests
   * (weights_sha256, catalog_sha256) and the module compares them, the
   * lengths and the bundle ids with the signed manifest instead of hashing
   * megabytes in WebAssembly. It still verifies the signature itself.
   * @param {import('./verify.js').Manifest} m
   * @param {{manifest: Uint8Array, signature: Uint8Array, weights: Uint8Array, catalog: Uint8Array, wasm: Uint8Array, items?: Uint8Array}} b
   *   b.items, the page metadata, checked too when m lists it
   * @param {WebAssembly.Module | undefined} mod compiled from b.wasm, if done already
   * @param {'network'|'cache'} origin
   * @param {boolean} [kept] b is the copy in IndexedDB: on success it is known good, and not written again
   */
  async install(m, b, mod, origin, kept = false) {
    const minVersion = await this.storage.highestVersion();
    const now = Math.trunc(this.clock());
    const digest = /** @type {Uint8Array} */ (m.artifacts.find((a) => a.name === 'wasm')?.sha256);
    if (this.retired.has(toHex(digest))) {
      throw new PrivrecError(Code.module_violation, `load bundle: its module ${toHex(digest).slice(0, 16)} was retired for breaking its profile; the publisher ships a fixed one`);
    }
    // The catalog's item ids: every response is checked against them
    // before the page sees it (validateResponse).
    const items = catalogItems(b.catalog);
    // A fresh instance for every bundle (the compiled module is reused):
    // the one in use keeps its model untouched until the new one loaded,
    // agreed with the manifest and had its floor stored, so a refusal at
    // any step leaves the model in use as it was.
    const c = this.now();
    const engine = await Engine.create(b.wasm, { onOutput: this.onOutput, module: mod, sha256: digest, onRetire: (e) => this.onRetire(digest, e) });
    this.timing('privrec:instantiate', c);
    const l = this.now();
    const loaded = engine.load({
      manifest: b.manifest,
      signature: b.signature,
      weights: b.weights,
      catalog: b.catalog,
      wasm_sha256: engine.wasmSHA256,
      weights_sha256: sha256Of(m, 'weights'),
      catalog_sha256: sha256Of(m, 'catalog'),
      keys: this.keys,
      now,
      min_version: minVersion,
    });
    this.timing('privrec:load', l);
    const differs = disagreement(loaded, m);
    if (differs) {
      // The signed module said something the signed manifest does not: its
      // state is not what the SDK verified, so it is never used again (a
      // recommend reloads the last good bundle into a fresh instance).
      engine.broken = true;
      throw new PrivrecError(Code.internal, `load bundle: the module reports ${differs}, the manifest the SDK verified says otherwise (please report it)`);
    }
    // The rollback floor comes from the manifest the SDK verified, never
    // from the module's word, and is stored before the model is used: a
    // write that fails (a full disk) refuses the update and keeps the
    // model in use, so the floor is never below the model that runs.
    if (m.version > minVersion) await this.storage.raiseFloor(m.version);
    // The module names the kind it loaded (LoadResult.kind, checked by
    // disagreement); the page sees the signed manifest's word, as "model".
    const { kind: _kind, ...rest } = loaded;
    const info = { ...rest, model: m.model };
    const changed = !this.model || this.model.bundle_id !== m.bundleId;
    engine.items = items;
    this.engine = engine;
    this.model = info;
    this.active = { manifest: b.manifest, signature: b.signature, wasm: b.wasm };
    this.pageItems = listsItems(m) && b.items ? new PageCatalog(b.items, m.bundleId) : null;
    // The copy already stored is not written again.
    if (kept) {
      this.stored = b.manifest;
    } else if (!(this.stored && equalBytes(this.stored, b.manifest))) {
      this.keepLater(wasmEntry(m), {
        version: m.version,
        bundleId: m.bundleId,
        acceptedAt: this.clock(),
        manifest: b.manifest,
        signature: b.signature,
        weights: b.weights,
        catalog: b.catalog,
        wasm: b.wasm,
        ...(b.items ? { items: b.items } : {}),
      });
    }
    if (changed) this.emit('modelupdated', { ...info, origin });
    return info;
  }

  /**
   * Keeps b as the last good bundle for the next visits, in the background:
   * the model runs already. Storing several MB structured-clones them on
   * this worker's thread, which would delay the page's first
   * recommendation and whatever it asks next, so the write starts
   * keepDelay ms after the first recommendation is served (5 × keepDelay
   * after this call at the latest, and at close). If it fails (storage
   * full), the next visit downloads the bundle again. this.saving resolves
   * once it is done.
   * @param {{length: number, sha256: Uint8Array}} module b's module, as its manifest names it
   * @param {import('./storage.js').StoredBundle} b
   */
  keepLater(module, b) {
    this.startKeep?.(); // an older pending bundle: the floor decides whether it is written
    /** @type {() => void} */
    let finish = () => {};
    this.saving = new Promise((resolve) => {
      finish = resolve;
    });
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const run = () => {
      clearTimeout(timer);
      if (this.startKeep === run) this.startKeep = null;
      this.storage
        .keep(b, module)
        .then(
          () => {
            this.stored = b.manifest;
          },
          () => {},
        )
        .then(finish);
    };
    this.startKeep = run;
    const later = (/** @type {number} */ ms) => {
      clearTimeout(timer);
      timer = setTimeout(() => this.startKeep === run && run(), ms);
    };
    this.keepSoon = () => later(this.keepDelay);
    if (this.recommended) later(this.keepDelay);
    else later(5 * this.keepDelay);
  }

  /** A monotonic clock for timings (ms). */
  now() {
    return typeof performance === 'undefined' ? Date.now() : performance.now();
  }

  /**
   * Records how long a step took, as a performance measure of this
   * worker, and tells the page ("timing"), which records it on its own
   * timeline (client.js).
   * @param {string} name
   * @param {number} start from this.now()
   */
  timing(name, start) {
    const end = this.now();
    try {
      performance.measure(name, { start, end });
    } catch {
      // no User Timing here: the page still gets the event
    }
    const origin = typeof performance === 'undefined' ? 0 : performance.timeOrigin;
    this.emit('timing', { name, start: origin + start, end: origin + end });
  }

  /**
   * A module broke its host-call profile or its response contract: its
   * bytes are never run again in this worker ("moduleretired"). The model
   * in use stays unusable until an update ships another module.
   * @param {Uint8Array} digest the module's SHA-256
   * @param {PrivrecError} e
   */
  onRetire(digest, e) {
    const hex = toHex(digest);
    if (this.retired.has(hex)) return;
    this.retired.add(hex);
    this.emit('moduleretired', { code: e.code, reason: e.reason, message: e.message, module: hex, version: this.model?.version ?? null });
  }

  /**
   * The page metadata of ids in the model in use (catalog.js): one
   * ItemMeta or null per id. Rejects with missing_artifact when the bundle
   * carries none (trained without --catalog).
   * @param {unknown} ids
   */
  async catalogGet(ids) {
    this.checkOpen();
    if (!this.model) throw new PrivrecError(Code.not_loaded, 'catalog.get: no model is loaded yet');
    if (!this.pageItems) {
      throw new PrivrecError(Code.missing_artifact, 'catalog.get: this bundle carries no item metadata; the publisher trains it with privrec train --catalog items.csv');
    }
    return this.pageItems.get(ids);
  }

  /**
   * A page of the model's page metadata, in id order (catalog.js list).
   * @param {unknown} [opts]
   */
  async catalogList(opts) {
    this.checkOpen();
    if (!this.model) throw new PrivrecError(Code.not_loaded, 'catalog.list: no model is loaded yet');
    if (!this.pageItems) {
      throw new PrivrecError(Code.missing_artifact, 'catalog.list: this bundle carries no item metadata; the publisher trains it with privrec train --catalog items.csv');
    }
    return this.pageItems.list(opts);
  }

  /**
   * Replaces a crashed instance with a fresh one running the last good bundle.
   */
  async recover() {
    const last = await this.storage.lastGood();
    this.engine = null;
    this.model = null;
    this.active = null;
    if (!last) throw new PrivrecError(Code.not_loaded, 'recommend: the module crashed and no good bundle is stored; call update');
    await this.start(last);
  }

  /**
   * Records an event, as far as consent allows: nothing when off, in memory
   * when session, stored (with retention) when full.
   * @param {{item: string, kind: string, at?: number}} ev
   * @returns {Promise<string | null>} the event id, null when nothing was kept
   */
  async track(ev) {
    this.checkOpen();
    checkId(ev?.item, 'track: item');
    if (!KINDS.has(ev.kind)) throw new PrivrecError(Code.bad_request, `track: kind is ${JSON.stringify(ev.kind)}; use view, cart or purchase`);
    const at = ev.at ?? this.clock();
    if (!Number.isSafeInteger(at) || at < 0) throw new PrivrecError(Code.bad_request, `track: at must be Unix ms (a non-negative integer)`);
    const event = { item: ev.item, kind: ev.kind, at };
    if (this.consentLevel === 'off') return null;
    if (ev.kind === 'purchase' && this.measure) await this.measure.purchased(ev.item);
    const now = this.clock();
    /** @type {PrivrecError | null} */
    let full = null;
    if (this.consentLevel === 'full') {
      // The stored consent decides: another tab may just have lowered it.
      const seq = this.consentSeq;
      /** @type {{consent: ConsentLevel, id: number | null}} */
      let stored;
      try {
        stored = await this.storage.addEvent(event, this.retention, now);
      } catch (e) {
        // Storage is full or failing: the event is kept as session history
        // (a lower level than the shopper chose) and the page told so.
        full = PrivrecError.from(e);
        stored = { consent: 'session', id: null };
      }
      const { consent, id } = stored;
      if (id !== null) {
        this.broadcast({ type: 'history' });
        return `db-${id}`;
      }
      if (consent === 'full') return null; // retention dropped it at once
      // A change heard while the write was in flight is newer than the
      // consent the write read: never let the older one overwrite it.
      if (this.consentSeq === seq && !full) this.setLevel(consent);
      // (Read afresh: the await and other tabs' messages may have changed it.)
      const level = /** @type {ConsentLevel} */ (this.consentLevel);
      if (consent === 'off' || level === 'off') return null;
    }
    // Retention holds for session history too: an event already past the
    // age limit is not kept (history() would never show it).
    if (at < now - this.retention.maxAgeDays * 86400000) return null;
    const id = `mem-${++this.memorySeq}`;
    this.memory.push({ id, ...event });
    if (this.memory.length > this.retention.maxEvents) this.memory.splice(0, this.memory.length - this.retention.maxEvents);
    if (full) throw full; // its message says the event is kept in this tab's memory
    return id;
  }

  /**
   * Everything the SDK holds about the shopper, oldest first: stored events
   * (consent full) and this tab's session events.
   * @returns {Promise<{id: string, item: string, kind: string, at: number, stored: boolean}[]>}
   */
  async history() {
    this.checkOpen();
    const now = this.clock();
    const cutoff = now - this.retention.maxAgeDays * 86400000;
    // Stored history is read only under full consent: below it, nothing
    // stored may reach a model or the page, even if a deletion is pending.
    const stored = (this.consentLevel === 'full' ? await this.storage.events() : []).filter((e) => e.at >= cutoff).map((e) => ({ id: `db-${e.id}`, item: e.item, kind: e.kind, at: e.at, stored: true }));
    const mem = this.memory.filter((e) => e.at >= cutoff).map((e) => ({ ...e, stored: false }));
    // Stable merge by time: stored first on ties, as they were recorded earlier.
    return [...stored, ...mem].sort((a, b) => a.at - b.at);
  }

  /**
   * @param {{k?: number, context?: {hour?: number, weekday?: number, device?: string}, exclude?: string[], category?: string, seen?: string, explain?: boolean, mode?: string}} [opts]
   */
  async recommend(opts = {}) {
    this.checkOpen();
    if (!this.engine) throw new PrivrecError(Code.not_loaded, 'recommend: no model loaded; call load first');
    const k = opts.k ?? 0;
    if (!Number.isInteger(k)) throw new PrivrecError(Code.bad_request, `recommend: k is ${k}; want an integer`);
    const now = Math.trunc(this.clock());
    // A page-given context replaces the one read from the clock and the
    // device; its missing fields are unknown, as in model.Context.
    const given = opts.context;
    const ctx = given ? { hour: given.hour ?? -1, weekday: given.weekday ?? -1, device: given.device } : autoContext(now);
    if (!Number.isInteger(ctx.hour) || !Number.isInteger(ctx.weekday)) {
      throw new PrivrecError(Code.bad_request, 'recommend: context.hour and context.weekday must be integers (-1 for unknown)');
    }
    if (this.engine.retired) throw new PrivrecError(Code.module_violation, `recommend: the module was retired: ${this.engine.retired.message}`);
    if (this.engine.broken) await this.recover();
    const engine = /** @type {Engine} */ (this.engine);
    // Measurement's control arm: this visit gets the answer a shopper
    // without history gets (the popularity fallback), for the lift's baseline.
    const arm = this.measure ? await this.measure.visitArm() : null;
    const events = this.consentLevel === 'off' || arm === 'control' ? [] : await this.history();
    const t = this.now();
    const req = {
      k,
      history: events.map((e) => ({ item: e.item, kind: e.kind, at: e.at })),
      now,
      context: { hour: ctx.hour, weekday: ctx.weekday, device: ctx.device || undefined },
      exclude: opts.exclude?.length ? [...opts.exclude] : undefined,
      category: opts.category || undefined,
      seen: opts.seen || undefined,
      explain: !!opts.explain,
      mode: opts.mode || undefined,
    };
    /** @type {any} */
    let out;
    try {
      out = validateResponse(engine.recommend(req), req, engine.items);
    } catch (e) {
      // A response outside the contract: the page never sees it, and the
      // module never answers again.
      if (e instanceof PrivrecError && e.code === Code.module_violation) engine.retire(e);
      throw e;
    }
    if (!this.recommended) {
      this.recommended = true;
      this.timing('privrec:recommend', t);
      this.keepSoon?.();
    }
    if (arm && this.measure) {
      // Tagged after the module's answer was checked: the arm is the SDK's word.
      out = { ...out, arm, items: out.items.map((/** @type {any} */ it) => ({ ...it, arm })) };
      await this.measure.served(out.items, arm);
    }
    return out;
  }

  /** @returns {Promise<ConsentLevel>} */
  async getConsent() {
    this.checkOpen();
    const seq = this.consentSeq;
    const level = await this.storage.consent();
    // A change heard during the read is newer than what it read.
    if (this.consentSeq === seq) this.setLevel(level);
    return this.consentLevel;
  }

  /**
   * Sets the cached level; 'off' drops this tab's session history.
   * @param {ConsentLevel} level
   */
  setLevel(level) {
    const previous = this.consentLevel;
    this.consentLevel = level;
    this.consentSeq++;
    if (level === 'off') this.memory = [];
    // Measurement follows at once: off deletes its counters (in memory now, stored next).
    if (previous !== level) this.measure?.onConsent(level, previous).catch(() => {});
    this.withdrawing = null; // a newer choice supersedes a withdrawal still being stored
  }

  /**
   * Sets the shopper's consent. Lowering it deletes at once what the new
   * level does not allow, here and, through BroadcastChannel, in other tabs.
   * @param {ConsentLevel} level
   */
  async setConsent(level) {
    this.checkOpen();
    if (!CONSENT_LEVELS.includes(level)) {
      throw new PrivrecError(Code.bad_request, `consent is ${JSON.stringify(level)}; use 'off', 'session' or 'full'`);
    }
    const previous = this.consentLevel;
    const changed = () => {
      this.broadcast({ type: 'consent', consent: level });
      if (previous !== level) this.emit('consentchanged', { consent: level, previous, origin: 'local' });
    };
    if (level === 'full') {
      // Raising consent is stored first: if the disk is full, it stays
      // where it was (a typed error says so).
      await this.storage.setConsent(level);
      this.setLevel(level);
      changed();
    } else {
      // Withdrawal always works: the level holds in memory (and in other
      // tabs) before storage is touched, so nothing more is recorded while
      // the deletion runs, and a storage failure cannot undo the choice.
      this.setLevel(level);
      changed();
      await this.withdraw(level);
    }
    return level;
  }

  /**
   * Deletes the stored history and stores a consent level below full
   * (Storage.setConsent). If only the deletion succeeded, the level is
   * stored again later, with backoff; if even the deletion failed, this
   * throws a typed error and the deletion is retried likewise (and at the
   * next start, where stored history beyond the stored consent is
   * deleted). "storagefailed" reports both.
   * @param {ConsentLevel} level
   */
  async withdraw(level) {
    const token = {};
    this.withdrawing = token;
    /** @param {PrivrecError} failure @param {string} kept */
    const report = (failure, kept) => this.emit('storagefailed', { operation: 'consent', code: failure.code, reason: failure.reason, message: failure.message, kept });
    /** @param {number} attempt */
    const later = (attempt) => {
      if (attempt >= WITHDRAW_RETRIES || this.closed) return;
      setTimeout(() => {
        if (this.withdrawing !== token || this.closed) return; // a newer choice took over
        this.storage.setConsent(level).then(
          (r) => {
            if (!r.exact) later(attempt + 1);
          },
          () => later(attempt + 1),
        );
      }, WITHDRAW_BACKOFF * 2 ** attempt);
    };
    let r;
    try {
      r = await this.storage.setConsent(level);
    } catch (e) {
      const failure = PrivrecError.from(e);
      report(failure, 'nothing: the stored history is deleted as soon as storage answers');
      later(0);
      throw failure;
    }
    if (!r.exact && r.failure) {
      report(r.failure, `the stored history is deleted; consent reads as off until ${level} is stored`);
      later(0);
    }
  }

  /**
   * @param {string} id
   * @returns {Promise<boolean>} whether an event was deleted
   */
  async deleteEvent(id) {
    this.checkOpen();
    if (typeof id === 'string' && id.startsWith('db-')) {
      const n = Number(id.slice(3));
      if (Number.isSafeInteger(n) && (await this.storage.deleteEvent(n))) {
        this.broadcast({ type: 'history' });
        return true;
      }
      return false;
    }
    const i = this.memory.findIndex((e) => e.id === id);
    if (i < 0) return false;
    this.memory.splice(i, 1);
    return true;
  }

  /** Deletes the stored history and this tab's session history. */
  async clearHistory() {
    this.checkOpen();
    const n = (await this.storage.clearEvents()) + this.memory.length;
    this.memory = [];
    // The measurement counters and the list of reports sent go with the history.
    await this.measure?.forget();
    this.broadcast({ type: 'history' });
    return n;
  }

  /**
   * Everything held about the shopper, as JSON they can download.
   * @returns {Promise<string>}
   */
  async exportHistory() {
    const events = await this.history();
    await this.measure?.refresh();
    return JSON.stringify(
      {
        format: 'privrec-history',
        version: 1,
        exported_at: new Date(this.clock()).toISOString(),
        consent: this.consentLevel,
        retention: { max_age_days: this.retention.maxAgeDays, max_events: this.retention.maxEvents },
        events,
        ...(this.measure ? { measurement: this.measure.exported() } : {}),
      },
      null,
      2,
    );
  }

  /**
   * What measurement does now: off with a reason ('not_enabled',
   * 'unavailable', 'consent_off', 'gpc'), or on with today's counters.
   */
  async measurementStatus() {
    this.checkOpen();
    if (this.measure) {
      await this.measure.refresh(); // other tabs count into the stored day too
      return this.measure.status();
    }
    return { enabled: false, active: false, reason: this.measureFailure ? 'unavailable' : 'not_enabled', message: this.measureFailure ?? undefined };
  }

  /**
   * @param {'shown'|'clicked'|'send'|'reports'|'hidden'} what
   * @param {unknown} [arg]
   */
  async measurementCall(what, arg) {
    this.checkOpen();
    const m = this.measure;
    if (what === 'shown') return m ? m.shown(arg) : 0;
    if (what === 'clicked') return m ? m.clicked(arg) : false;
    if (what === 'reports') return m ? (await m.refresh(), m.reports()) : [];
    if (what === 'hidden') return m ? m.hidden() : null;
    if (what === 'send') {
      if (!m) throw new PrivrecError(Code.bad_request, `measurement.send: measurement is ${this.measureFailure ? `unavailable (${this.measureFailure})` : 'not enabled (LoadOptions.measurement)'}`);
      return m.sendNow();
    }
    throw new PrivrecError(Code.bad_request, `measurement: unknown call ${JSON.stringify(what)}`);
  }

  close() {
    if (this.closed) return;
    this.startKeep?.(); // its transaction starts now, so it still completes
    this.closed = true;
    this.channel?.close();
    this.storage.close();
    this.engine = null;
    this.memory = [];
  }
}

/**
 * What in the module's LoadResult differs from the manifest the SDK
 * verified, or "" when they agree.
 * @param {any} info
 * @param {import('./verify.js').Manifest} m
 */
function disagreement(info, m) {
  const pairs = [
    ['version', info?.version, m.version],
    ['bundle_id', info?.bundle_id, m.bundleId],
    ['key_id', info?.key_id, m.keyId],
    ['created', info?.created, m.created],
    ['expires', info?.expires, m.expires],
  ];
  // Modules from before LoadResult.kind do not report it.
  if (info?.kind !== undefined) pairs.push(['kind', info.kind, m.model]);
  return pairs
    .filter(([, got, want]) => got !== want)
    .map(([name, got]) => `${name} ${JSON.stringify(got)}`)
    .join(', ');
}
