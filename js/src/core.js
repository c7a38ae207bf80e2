// The engine of the SDK, run inside the dedicated worker: the module, the
// storage and the consent state. The main thread only talks to it through
// postMessage (protocol.js), so nothing here ever blocks the page.

import { Code, PrivrecError } from './errors.js';
import { Engine } from './module.js';
import { Storage, retentionOf } from './storage.js';
import { parseKeys } from './keys.js';
import { TrustedKeys, equalBytes, verifyBundle } from './verify.js';

/** @typedef {import('./storage.js').ConsentLevel} ConsentLevel */

export const CONSENT_LEVELS = Object.freeze(/** @type {const} */ (['off', 'session', 'full']));
const KINDS = new Set(['view', 'cart', 'purchase']);
const MAX_ID_BYTES = 256;
const BUNDLE_FILES = /** @type {const} */ (['manifest.bin', 'manifest.sig', 'weights.bin', 'catalog.bin']);

/**
 * @typedef {object} CoreOptions
 * @property {string} [namespace] separates several privrec stores on one origin (default "default")
 * @property {Partial<import('./storage.js').Retention>} [retention]
 * @property {() => number} [clock] Unix ms (default Date.now); tests pin it
 * @property {typeof fetch} [fetch] default globalThis.fetch
 * @property {(fd: number, text: string) => void} [onOutput] the module's stdout/stderr
 *
 * @typedef {object} LoadOptions
 * @property {string} bundleUrl directory URL holding manifest.bin, manifest.sig, weights.bin, catalog.bin
 * @property {string} [wasmUrl] default bundleUrl + "privrec.wasm"
 * @property {readonly (string|Uint8Array)[] | string} publicKeys trusted Ed25519 keys
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
    const storage = await Storage.open(namespace);
    const core = new Core(storage, namespace, retention, clock, options);
    await storage.prune(retention, clock());
    await core.getConsent();
    return core;
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
    this.onOutput = options.onOutput;
    /** @type {ConsentLevel} */
    this.consentLevel = 'off';
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
    /** @type {Uint8Array[]} */
    this.keys = [];
    /** The keys imported into WebCrypto; reset by load. @type {TrustedKeys | null} */
    this.trusted = null;
    this.closed = false;
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`privrec:${namespace}`);
    if (this.channel) this.channel.onmessage = (e) => this.onRemote(e.data);
  }

  /**
   * @param {string} type
   * @param {object} detail
   */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
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
   * Fetches, verifies and loads the signed bundle. A refused or unreachable
   * update keeps the model in use, falling back to the last good bundle
   * stored on this device; it throws only when no model can be loaded.
   * @param {LoadOptions} options
   * @returns {Promise<any>} the LoadResult of the model in use
   */
  async load(options) {
    this.checkOpen();
    if (!options || typeof options.bundleUrl !== 'string') {
      throw new PrivrecError(Code.bad_request, 'load: bundleUrl is required');
    }
    this.keys = parseKeys(options.publicKeys);
    this.trusted = null;
    this.source = options;
    return this.update();
  }

  /**
   * Checks the bundle URL for a newer model (see load).
   * @returns {Promise<any>}
   */
  async update() {
    this.checkOpen();
    if (!this.source) throw new PrivrecError(Code.not_loaded, 'update: call load first');
    /** @type {PrivrecError | null} */
    let failure = null;
    let files = null;
    try {
      files = await this.fetchBundle(this.source);
    } catch (e) {
      failure = PrivrecError.from(e);
    }
    if (files) {
      try {
        return await this.tryLoad(files, 'network');
      } catch (e) {
        failure = PrivrecError.from(e);
        this.refused(failure, 'network');
      }
    }
    if (this.model) return this.model;
    const last = await this.storage.lastGood();
    if (last) {
      try {
        return await this.tryLoad(last, 'cache');
      } catch (e) {
        // The device's copy is re-verified like a download: storage of the
        // origin can be written by any of its scripts.
        failure = PrivrecError.from(e);
        this.refused(failure, 'cache');
      }
    }
    throw failure ?? new PrivrecError(Code.not_loaded, 'load: no model');
  }

  /**
   * @param {PrivrecError} failure
   * @param {'network'|'cache'} origin
   */
  refused(failure, origin) {
    this.emit('updaterefused', {
      code: failure.code,
      reason: failure.reason,
      message: failure.message,
      kept: this.model ? this.model.version : null,
      origin,
    });
  }

  /**
   * @param {LoadOptions} src
   * @returns {Promise<Omit<import('./storage.js').StoredBundle, 'version'|'bundleId'|'acceptedAt'>>}
   */
  async fetchBundle(src) {
    const base = src.bundleUrl.endsWith('/') ? src.bundleUrl : `${src.bundleUrl}/`;
    const urls = [...BUNDLE_FILES.map((f) => new URL(f, base).href), src.wasmUrl ?? new URL('privrec.wasm', base).href];
    const bodies = await Promise.all(
      urls.map(async (u) => {
        let res;
        try {
          res = await this.fetch(u, { credentials: 'same-origin', cache: 'no-cache' });
        } catch (e) {
          throw new PrivrecError(Code.fetch_failed, `fetch ${u}: ${e instanceof Error ? e.message : e}`, { cause: e });
        }
        if (!res.ok) throw new PrivrecError(Code.fetch_failed, `fetch ${u}: HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }),
    );
    const [manifest, signature, weights, catalog, wasm] = bodies;
    return { manifest, signature, weights, catalog, wasm };
  }

  /**
   * The trusted keys, imported into WebCrypto once per load().
   * @returns {Promise<TrustedKeys>}
   */
  async trustedKeys() {
    if (!this.trusted) this.trusted = await TrustedKeys.import(this.keys);
    return this.trusted;
  }

  /**
   * Verifies bundle files itself (signature, manifest, expiry, rollback
   * floor, every artifact's length and SHA-256, the module's included),
   * then loads them into an instance (reusing the current one when the
   * module bytes are the same), checks that the module's LoadResult agrees
   * with the manifest and, on success, makes it current. Nothing fetched is
   * compiled or run before the SDK's own check passed.
   * @param {Omit<import('./storage.js').StoredBundle, 'version'|'bundleId'|'acceptedAt'>} b
   * @param {'network'|'cache'} origin
   */
  async tryLoad(b, origin) {
    const minVersion = await this.storage.highestVersion();
    const now = Math.trunc(this.clock());
    const m = await verifyBundle(b, { keys: await this.trustedKeys(), now, minVersion });
    const digest = /** @type {Uint8Array} */ (m.artifacts.find((a) => a.name === 'wasm')?.sha256);
    let engine = this.engine;
    if (!engine || engine.broken || !equalBytes(engine.wasmSHA256, digest)) {
      engine = await Engine.create(b.wasm, { onOutput: this.onOutput });
    }
    const info = engine.load({
      manifest: b.manifest,
      signature: b.signature,
      weights: b.weights,
      catalog: b.catalog,
      wasm_sha256: engine.wasmSHA256,
      keys: this.keys,
      now,
      min_version: minVersion,
    });
    const differs = disagreement(info, m);
    if (differs) {
      // The signed module said something the signed manifest does not: its
      // state is not what the SDK verified, so it is never used again (a
      // recommend reloads the last good bundle into a fresh instance).
      engine.broken = true;
      throw new PrivrecError(Code.internal, `load bundle: the module reports ${differs}, the manifest the SDK verified says otherwise (please report it)`);
    }
    const changed = !this.model || this.model.bundle_id !== m.bundleId;
    this.engine = engine;
    this.model = info;
    // The rollback floor comes from the manifest the SDK verified, never
    // from the module's word.
    await this.storage.accept({
      version: m.version,
      bundleId: m.bundleId,
      acceptedAt: this.clock(),
      manifest: b.manifest,
      signature: b.signature,
      weights: b.weights,
      catalog: b.catalog,
      wasm: b.wasm,
    });
    if (changed) this.emit('modelupdated', { ...info, origin });
    return info;
  }

  /**
   * Replaces a crashed instance with a fresh one running the last good bundle.
   */
  async recover() {
    const last = await this.storage.lastGood();
    this.engine = null;
    this.model = null;
    if (!last) throw new PrivrecError(Code.not_loaded, 'recommend: the module crashed and no good bundle is stored; call update');
    await this.tryLoad(last, 'cache');
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
    const now = this.clock();
    if (this.consentLevel === 'full') {
      // The stored consent decides: another tab may just have lowered it.
      const seq = this.consentSeq;
      const { consent, id } = await this.storage.addEvent(event, this.retention, now);
      if (id !== null) {
        this.broadcast({ type: 'history' });
        return `db-${id}`;
      }
      if (consent === 'full') return null; // retention dropped it at once
      // A change heard while the write was in flight is newer than the
      // consent the write read: never let the older one overwrite it.
      if (this.consentSeq === seq) this.setLevel(consent);
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
    const stored = (await this.storage.events()).filter((e) => e.at >= cutoff).map((e) => ({ id: `db-${e.id}`, item: e.item, kind: e.kind, at: e.at, stored: true }));
    const mem = this.memory.filter((e) => e.at >= cutoff).map((e) => ({ ...e, stored: false }));
    // Stable merge by time: stored first on ties, as they were recorded earlier.
    return [...stored, ...mem].sort((a, b) => a.at - b.at);
  }

  /**
   * @param {{k?: number, context?: {hour?: number, weekday?: number, device?: string}, exclude?: string[], category?: string, seen?: string, explain?: boolean}} [opts]
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
    if (this.engine.broken) await this.recover();
    const engine = /** @type {Engine} */ (this.engine);
    const events = this.consentLevel === 'off' ? [] : await this.history();
    return engine.recommend({
      k,
      history: events.map((e) => ({ item: e.item, kind: e.kind, at: e.at })),
      now,
      context: { hour: ctx.hour, weekday: ctx.weekday, device: ctx.device || undefined },
      exclude: opts.exclude?.length ? [...opts.exclude] : undefined,
      category: opts.category || undefined,
      seen: opts.seen || undefined,
      explain: !!opts.explain,
    });
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
    this.consentLevel = level;
    this.consentSeq++;
    if (level === 'off') this.memory = [];
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
    const previous = await this.storage.consent();
    await this.storage.setConsent(level);
    this.setLevel(level);
    this.broadcast({ type: 'consent', consent: level });
    if (previous !== level) this.emit('consentchanged', { consent: level, previous, origin: 'local' });
    return level;
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
    this.broadcast({ type: 'history' });
    return n;
  }

  /**
   * Everything held about the shopper, as JSON they can download.
   * @returns {Promise<string>}
   */
  async exportHistory() {
    const events = await this.history();
    return JSON.stringify(
      {
        format: 'privrec-history',
        version: 1,
        exported_at: new Date(this.clock()).toISOString(),
        consent: this.consentLevel,
        retention: { max_age_days: this.retention.maxAgeDays, max_events: this.retention.maxEvents },
        events,
      },
      null,
      2,
    );
  }

  close() {
    if (this.closed) return;
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
  return pairs
    .filter(([, got, want]) => got !== want)
    .map(([name, got]) => `${name} ${JSON.stringify(got)}`)
    .join(', ');
}
