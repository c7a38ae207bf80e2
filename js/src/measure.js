// Measurement (issue 14), run inside the SDK's worker and loaded only when
// the page passes LoadOptions.measurement: a few counters about how the
// recommendations did today, turned once a day into one DAP report (Prio3
// secret shares, HPKE-sealed to two aggregators) by privrec-measure.wasm
// and uploaded to the leader. No single server can read a report; the
// counters themselves never leave the device. See js/README.md,
// "Measurement", and docs/measurement.md.
//
// The build keeps this file out of privrec-worker.js (its own chunk,
// dist/privrec-measure.js, fetched by core.js's dynamic import), so a page
// without measurement downloads none of it.

import { encode } from '@msgpack/msgpack';
import { Code, PrivrecError } from './errors.js';
import { decodeEnvelope, sha256 } from './module.js';
import { ProfileViolation, Wasi, checkImports } from './wasi.js';
import { open } from './net.js';

/**
 * Measurement layout v1: the vector each report encodes (Prio3SumVec, 8
 * bits per entry, 11 entries). model/dap holds the same constants; the
 * test compares the two (test/measure.test.js).
 */
export const LAYOUT = Object.freeze({
  version: 1,
  bits: 8,
  length: 11,
  max: 255,
  index: Object.freeze({
    consent_session: 0,
    consent_full: 1,
    consent_signal_limited: 2,
    arm_control: 3,
    personal_impressions: 4,
    personal_clicks: 5,
    personal_purchases: 6,
    control_impressions: 7,
    control_clicks: 8,
    control_purchases: 9,
    visits: 10,
  }),
});

/** The measure module's ABI version (wasm/measure). */
export const MEASURE_ABI_VERSION = 1;

/** A day, for the one report a day: the UTC day (Unix ms / DAY). */
export const DAY = 86400000;

/**
 * The pinned DAP draft's HTTP API (docs/measurement.md): the HPKE config
 * list is a GET of {aggregator}/hpke_config; a report is uploaded to
 * {leader}/tasks/{task-id}/reports.
 */
export const DAP = Object.freeze({
  hpkeConfigPath: 'hpke_config',
  uploadMethod: 'POST',
  reportType: 'application/dap-report',
  configType: 'application/dap-hpke-config-list',
});

/** The longest HpkeConfigList read (a few configs of ~40 bytes each). */
const MAX_CONFIG = 16 << 10;
/** Items of one day's recommendations remembered for attribution (impressions, clicks, purchases). */
const MAX_SHOWN = 512;
/** Reports listed on the dashboard, newest kept. */
const MAX_LISTED = 400;
/** Days over and not yet uploaded that are kept (a week offline). */
const MAX_BACKLOG = 7;
/** The largest measure module read. */
const MAX_MODULE = 32 << 20;
/** META keys of the SDK's database: the day's counters, and the list of reports sent. */
const STATE_KEY = 'measure';
const LIST_KEY = 'measure_reports';

/**
 * The host calls the measure module may make, by export (wasi.js PROFILE,
 * for this module): the Go runtime's start-up; the garbage collector's
 * clock reads and idling in alloc, free and report; and random_get in
 * report, where the Prio3 shares, the HPKE keys and the report id come
 * from. Nothing else: no write to stdout or stderr anywhere. Its start-up
 * also asks for fd_fdstat_set_flags (package os, linked through circl's
 * imports, sets the standard fds non-blocking), which the shim answers
 * ENOTSUP and which changes nothing.
 */
export const MEASURE_PROFILE = Object.freeze({
  init: Object.freeze({
    calls: Object.freeze(['args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_time_get', 'random_get', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_prestat_get', 'fd_prestat_dir_name', 'sched_yield', 'poll_oneoff']),
    count: 4096,
  }),
  alloc: Object.freeze({ calls: Object.freeze(['clock_time_get', 'sched_yield', 'poll_oneoff']), count: 1024 }),
  free: Object.freeze({ calls: Object.freeze(['clock_time_get', 'sched_yield', 'poll_oneoff']), count: 1024 }),
  abi: Object.freeze({ calls: Object.freeze([]), count: 0 }),
  report: Object.freeze({ calls: Object.freeze(['random_get', 'clock_time_get', 'sched_yield', 'poll_oneoff']), count: 1024 }),
});

/**
 * @typedef {object} MeasurementOptions
 * @property {string} taskId the DAP task id: 32 bytes, unpadded base64url (as in DAP URLs)
 * @property {string} leader the leader's base URL (ends in "/"; DAP appends tasks/…, hpke_config)
 * @property {string} helper the helper's base URL
 * @property {number} [timePrecision] the task's time precision in seconds (default 86400)
 * @property {number} [controlShare] the share of shopper-days whose visits get the popularity fallback, the control arm (0 ≤ x ≤ 1, default 0.1)
 * @property {string} wasmUrl privrec-measure.wasm
 * @property {string} [wasmSha256] hex SHA-256 the module must have (recommended: the site pins its own build)
 *
 * @typedef {'personal'|'control'} Arm
 * @typedef {{day: number, arm: Arm | null, visits: number, counts: number[], shown: Record<string, Arm>, clicked: string[], bought: string[], pending?: Pending | null, dropped?: boolean, claim?: number}} DayState
 * @typedef {{day: number, report: Uint8Array, report_id: Uint8Array, time: number, vector: number[], url: string}} Pending
 * @typedef {{at: number, day: string, to: string, bytes: number, status: number, report_id: string, vector: number[], words: string}} SentReport
 */

/** @param {string} s */
function base64url(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]+$/.test(s)) return null;
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** @param {Uint8Array} b */
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Checks and normalises LoadOptions.measurement; a bad value is a
 * bad_request that names the field and what to pass.
 * @param {any} o
 * @param {string} [base] what relative URLs resolve against
 */
export function measurementOf(o, base) {
  const bad = (/** @type {string} */ msg) => new PrivrecError(Code.bad_request, `measurement: ${msg}`);
  if (!o || typeof o !== 'object') throw bad('want an object {taskId, leader, helper, wasmUrl, timePrecision?, controlShare?}');
  const task = base64url(o.taskId);
  if (!task || task.length !== 32) throw bad(`taskId must be the task's 32-byte id in unpadded base64url (43 characters), as the aggregators' URLs spell it; got ${JSON.stringify(o.taskId)}`);
  /** @param {string} name */
  const url = (name) => {
    const v = o[name];
    if (typeof v !== 'string' || !v) throw bad(`${name} is required: the ${name === 'wasmUrl' ? "measure module's URL (privrec-measure.wasm)" : `${name}'s base URL`}`);
    let u;
    try {
      u = new URL(v, base);
    } catch {
      throw bad(`${name} ${JSON.stringify(v)} is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(`${name} must be an http(s) URL; got ${u.protocol}`);
    if (name !== 'wasmUrl' && !u.pathname.endsWith('/')) u.pathname += '/';
    return u.href;
  };
  const timePrecision = o.timePrecision ?? 86400;
  if (!Number.isSafeInteger(timePrecision) || timePrecision < 1) throw bad(`timePrecision is ${JSON.stringify(o.timePrecision)}; want the task's time precision in whole seconds (e.g. 86400)`);
  const controlShare = o.controlShare ?? 0.1;
  if (typeof controlShare !== 'number' || !(controlShare >= 0 && controlShare <= 1)) throw bad(`controlShare is ${JSON.stringify(o.controlShare)}; want the share of shopper-days in the control arm, 0 ≤ x ≤ 1 (e.g. 0.1)`);
  let wasmSha256;
  if (o.wasmSha256 !== undefined) {
    if (typeof o.wasmSha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(o.wasmSha256)) throw bad('wasmSha256 must be 64 hex digits (sha256sum privrec-measure.wasm)');
    wasmSha256 = o.wasmSha256.toLowerCase();
  }
  return Object.freeze({ taskId: /** @type {string} */ (o.taskId), task, leader: url('leader'), helper: url('helper'), wasmUrl: url('wasmUrl'), timePrecision, controlShare, wasmSha256 });
}

/**
 * One instance of privrec-measure.wasm behind its ABI (wasm/measure):
 * measure_report(request) → {report, report_id, time}. Not safe for
 * concurrent use; the worker serializes calls.
 */
export class MeasureEngine {
  /**
   * Instantiates the module with the strict WASI shim and MEASURE_PROFILE.
   * @param {WebAssembly.Module} mod
   */
  static async create(mod) {
    checkImports(mod);
    const wasi = new Wasi({ profile: /** @type {any} */ (MEASURE_PROFILE) });
    const instance = await WebAssembly.instantiate(mod, wasi.imports());
    wasi.bind(instance);
    return MeasureEngine.from(/** @type {any} */ (instance.exports), wasi);
  }

  /**
   * Wraps a module's exports (tests pass a double with the same ABI).
   * @param {any} ex
   * @param {{enter: (phase: string) => void, view: () => DataView}} wasi
   */
  static from(ex, wasi) {
    for (const name of ['_initialize', 'measure_abi_version', 'measure_alloc', 'measure_free', 'measure_report']) {
      if (typeof ex[name] !== 'function') throw new PrivrecError(Code.unsupported_version, `instantiate measure module: it does not export ${name}`);
    }
    let abi;
    try {
      wasi.enter('init');
      ex._initialize();
      wasi.enter('abi');
      abi = ex.measure_abi_version();
    } catch (e) {
      throw e instanceof PrivrecError ? e : new PrivrecError(Code.internal, `instantiate measure module: it crashed: ${e instanceof Error ? e.message : e}`, { cause: e });
    }
    if (abi !== MEASURE_ABI_VERSION) throw new PrivrecError(Code.unsupported_version, `instantiate measure module: ABI version ${abi}; this SDK speaks ${MEASURE_ABI_VERSION}`);
    return new MeasureEngine(ex, wasi);
  }

  /**
   * @param {any} ex
   * @param {{enter: (phase: string) => void, view: () => DataView}} wasi
   */
  constructor(ex, wasi) {
    this.ex = ex;
    this.wasi = wasi;
    /** @type {PrivrecError | null} set once the module broke its profile or crashed: never called again */
    this.broken = null;
  }

  /**
   * Makes one report. Throws the module's PrivrecError for a refused
   * request.
   * @param {{task_id: Uint8Array, leader_config: Uint8Array, helper_config: Uint8Array, measurement: number[], now: number, time_precision: number}} req
   * @returns {{report: Uint8Array, report_id: Uint8Array, time: number}}
   */
  report(req) {
    if (this.broken) throw this.broken;
    /** @type {any} */
    let out;
    try {
      const bytes = encode(req);
      const { ex, wasi } = this;
      wasi.enter('alloc');
      const ptr = ex.measure_alloc(bytes.length);
      if (ptr === 0) throw new PrivrecError(Code.too_large, `measure_report: request of ${bytes.length} bytes is too large`);
      let packed;
      try {
        new Uint8Array(wasi.view().buffer, ptr, bytes.length).set(bytes);
        wasi.enter('report');
        packed = BigInt.asUintN(64, BigInt(ex.measure_report(ptr, bytes.length)));
      } finally {
        wasi.enter('free');
        ex.measure_free(ptr);
      }
      const rptr = Number(packed >> 32n);
      const rlen = Number(packed & 0xffffffffn);
      const env = new Uint8Array(wasi.view().buffer, rptr, rlen).slice();
      wasi.enter('free');
      ex.measure_free(rptr);
      out = decodeEnvelope(env, 'measure_report');
    } catch (e) {
      if (e instanceof ProfileViolation || !(e instanceof PrivrecError) || e.code === Code.wasi_exit) {
        this.broken = e instanceof ProfileViolation ? e : new PrivrecError(Code.internal, `measure_report: the measure module crashed: ${e instanceof Error ? e.message : e}`, { cause: e });
        throw this.broken;
      }
      throw e;
    }
    if (!out || !(out.report instanceof Uint8Array) || !(out.report_id instanceof Uint8Array) || out.report_id.length !== 16 || !Number.isSafeInteger(out.time)) {
      this.broken = new PrivrecError(Code.module_violation, 'measure_report: the measure module answered outside its ABI (want {report: bin, report_id: bin(16), time: uint})');
      throw this.broken;
    }
    return { report: out.report, report_id: out.report_id, time: out.time };
  }
}

/** @param {number} day @returns {string} YYYY-MM-DD (UTC) */
export const dayName = (day) => new Date(day * DAY).toISOString().slice(0, 10);

/**
 * What a vector says, in plain words, for the dashboard.
 * @param {number[]} v
 */
export function words(v) {
  const I = LAYOUT.index;
  const consent = v[I.consent_full] ? 'remember' : v[I.consent_session] ? 'this visit' : v[I.consent_signal_limited] ? 'limited by a consent signal' : 'none';
  const visits = v[I.visits];
  const arm = v[I.arm_control] ? 'control (popular picks)' : 'personal';
  const seen = v[I.personal_impressions] + v[I.control_impressions];
  const clicked = v[I.personal_clicks] + v[I.control_clicks];
  const bought = v[I.personal_purchases] + v[I.control_purchases];
  const n = (/** @type {number} */ x, /** @type {string} */ w) => `${x} ${w}${x === 1 ? '' : 's'}`;
  return `consent: ${consent}; arm: ${arm}; ${n(seen, 'recommendation')} seen, ${clicked} clicked, ${bought} bought; ${n(visits, 'visit')}`;
}

/**
 * @param {number} day
 * @returns {DayState}
 */
const fresh = (day) => ({ day, arm: null, visits: 0, counts: new Array(LAYOUT.length).fill(0), shown: {}, clicked: [], bought: [], pending: null });

/** @param {any} s @returns {DayState | null} a stored day as the SDK wrote it, else null (dropped) */
function validState(s) {
  if (!s || typeof s !== 'object' || !Number.isSafeInteger(s.day) || !Array.isArray(s.counts) || s.counts.length !== LAYOUT.length) return null;
  if (!s.counts.every((/** @type {any} */ x) => Number.isInteger(x) && x >= 0 && x <= 1e6)) return null;
  if (!Number.isInteger(s.visits) || !(s.arm === null || s.arm === 'personal' || s.arm === 'control') || !s.shown || typeof s.shown !== 'object' || !Array.isArray(s.clicked) || !Array.isArray(s.bought)) return null;
  const p = s.pending;
  if (p && !(p.report instanceof Uint8Array && p.report_id instanceof Uint8Array && typeof p.url === 'string' && Array.isArray(p.vector))) return null;
  return s;
}

/**
 * @typedef {object} MeasureHooks
 * @property {boolean} [gpc] Global Privacy Control is on in the page
 * @property {() => boolean} [limited] a consent signal holds the level below the shopper's choice (signals.limited)
 * @property {() => Promise<{report: MeasureEngine['report']}>} [engine] tests: the module (default: fetch wasmUrl)
 * @property {() => number} [random] tests: the arm's draw in [0, 1) (default crypto.getRandomValues)
 * @property {() => Promise<any>} [load] tests: how core.js imports this file (default import('./measure.js'))
 */

/**
 * The measurement state of one worker. Counters follow the consent level:
 * session keeps them in this worker's memory; full stores them (with the
 * reports sent) in the SDK's IndexedDB database, each write re-reading the
 * stored consent in its own transaction; off, GPC or a withdrawal stops
 * measuring and deletes them at once. A day that is over waits in the
 * backlog until its report is uploaded; uploads run in the background and
 * never delay a recommendation. Not safe for concurrent use: the worker
 * serializes calls.
 */
export class Measure {
  /**
   * @param {any} core the Core (consentLevel, clock, storage, fetch, net, emit, retention)
   * @param {ReturnType<typeof measurementOf>} options
   * @param {MeasureHooks} [hooks]
   */
  static async create(core, options, hooks = {}) {
    const m = new Measure(core, options, hooks);
    await m.restore();
    return m;
  }

  /**
   * @param {any} core
   * @param {ReturnType<typeof measurementOf>} options
   * @param {MeasureHooks} hooks
   */
  constructor(core, options, hooks) {
    this.core = core;
    this.options = options;
    const nav = /** @type {any} */ (typeof navigator === 'undefined' ? undefined : navigator);
    /** GPC on in the page or in this worker: measurement never runs. */
    this.gpc = hooks.gpc === true || nav?.globalPrivacyControl === true;
    this.limited = hooks.limited ?? (() => false);
    this.makeEngine = hooks.engine ?? (() => this.loadEngine());
    this.random = hooks.random ?? (() => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32);
    /** The day this worker counted its visit for (a visit: one worker's life, e.g. a page load). */
    this.visitDay = -1;
    /** @type {DayState} today's counters */
    this.state = fresh(this.today());
    /** Days that are over, not yet uploaded, oldest first. @type {DayState[]} */
    this.backlog = [];
    /** Reports sent, oldest first (memory; under full also stored). @type {SentReport[]} */
    this.sent = [];
    /** @type {Promise<{report: MeasureEngine['report']}> | null} */
    this.engine = null;
    /** The last failure to make or upload a report, for status(). @type {{at: number, message: string} | null} */
    this.failure = null;
    /** The day already reported by sendNow or hidden: nothing more is counted for it in this worker. */
    this.closedDay = -1;
    /** Serializes the uploads. @type {Promise<unknown>} */
    this.sending = Promise.resolve();
  }

  today() {
    return Math.floor(this.core.clock() / DAY);
  }

  /** Why measurement is off now ('gpc', 'consent_off'), or null when it runs. */
  offReason() {
    if (this.gpc) return 'gpc';
    if (this.core.consentLevel === 'off') return 'consent_off';
    return null;
  }

  /** Reads the stored days and reports (full consent only); a day that is over is sent in the background. */
  async restore() {
    if (this.offReason()) return this.forget();
    if (this.core.consentLevel === 'full') {
      const got = await this.read();
      if (got.state) this.state = got.state;
      this.backlog = got.backlog;
      this.sent = got.sent;
      this.closedDay = got.closed;
    } else {
      // Below full nothing of measurement may be stored: what a withdrawal's
      // interrupted deletion left behind is deleted now.
      await this.deleteStored();
    }
    await this.roll();
  }

  /** @returns {Promise<{state: DayState | null, backlog: DayState[], sent: SentReport[], closed: number}>} */
  async read() {
    try {
      const tx = this.core.storage.db.transaction('meta', 'readonly');
      const [s, list] = await Promise.all([tx.store.get(STATE_KEY), tx.store.get(LIST_KEY), tx.done]);
      const cutoff = this.core.clock() - this.core.retention.maxAgeDays * DAY;
      const days = s && typeof s === 'object' && Array.isArray(s.backlog) ? s.backlog.map(validState).filter(Boolean) : [];
      return {
        state: validState(s?.state),
        backlog: /** @type {DayState[]} */ (days).slice(-MAX_BACKLOG),
        closed: Number.isSafeInteger(s?.closed) ? s.closed : -1,
        sent: Array.isArray(list) ? list.filter((r) => r && typeof r.at === 'number' && r.at >= cutoff && Array.isArray(r.vector)) : [],
      };
    } catch {
      return { state: null, backlog: [], sent: [], closed: -1 }; // unreadable: start afresh
    }
  }

  /**
   * Stores the days and the list if the stored consent, read in the same
   * transaction, is still full (another tab may just have lowered it);
   * else deletes them.
   */
  async write() {
    if (this.core.consentLevel !== 'full') return;
    try {
      const tx = this.core.storage.db.transaction('meta', 'readwrite');
      const consent = await tx.store.get('consent');
      if (consent === 'full') {
        // closed: a day reported early (sendNow, or session consent's hidden
        // page) stays reported when the shopper raises consent to full.
        await tx.store.put({ state: this.state, backlog: this.backlog, closed: this.closedDay }, STATE_KEY);
        await tx.store.put(this.sent, LIST_KEY);
      } else {
        await tx.store.delete(STATE_KEY);
        await tx.store.delete(LIST_KEY);
      }
      await tx.done;
    } catch {
      // A full disk: the counters stay in memory for this visit.
    }
  }

  /**
   * Takes the stored record as the state (under full consent it is the
   * truth: other tabs count into it too).
   * @param {any} s
   * @param {any} list
   */
  adopt(s, list) {
    if (!s || typeof s !== 'object') return;
    const state = validState(s.state);
    if (state) this.state = state;
    this.backlog = Array.isArray(s.backlog) ? /** @type {DayState[]} */ (s.backlog.map(validState).filter(Boolean)).slice(-MAX_BACKLOG) : [];
    if (Number.isSafeInteger(s.closed)) this.closedDay = Math.max(this.closedDay, s.closed);
    if (Array.isArray(list)) this.sent = list.filter((r) => r && typeof r.at === 'number' && Array.isArray(r.vector)).slice(-MAX_LISTED);
  }

  /**
   * Applies fn to the state. Under full consent it runs inside one
   * IndexedDB transaction that first reads the stored consent and state:
   * another tab's counts since are added to, not overwritten, and a
   * withdrawal in another tab wins (the record is deleted, fn runs on
   * memory only). Below full, fn changes memory only.
   * @template T
   * @param {() => T} fn
   * @returns {Promise<T>}
   */
  async sync(fn) {
    if (this.core.consentLevel !== 'full') return fn();
    let ran = false;
    /** @type {T} */
    let out = /** @type {any} */ (undefined);
    const run = () => {
      ran = true;
      out = fn();
    };
    try {
      const tx = this.core.storage.db.transaction('meta', 'readwrite');
      const [consent, stored, list] = await Promise.all([tx.store.get('consent'), tx.store.get(STATE_KEY), tx.store.get(LIST_KEY)]);
      if (consent === 'full') {
        this.adopt(stored, list);
        run();
        tx.store.put({ state: this.state, backlog: this.backlog, closed: this.closedDay }, STATE_KEY);
        tx.store.put(this.sent, LIST_KEY);
      } else {
        tx.store.delete(STATE_KEY);
        tx.store.delete(LIST_KEY);
        run();
      }
      await tx.done;
    } catch {
      // A full or failing disk: this visit counts in memory.
      if (!ran) run();
    }
    return out;
  }

  /** Reads the stored state (full consent), for status() and reports(). */
  async refresh() {
    if (this.core.consentLevel !== 'full' || this.offReason()) return;
    try {
      const tx = this.core.storage.db.transaction('meta', 'readonly');
      const [consent, stored, list] = await Promise.all([tx.store.get('consent'), tx.store.get(STATE_KEY), tx.store.get(LIST_KEY), tx.done]);
      if (consent === 'full') this.adopt(stored, list);
    } catch {
      // memory is what there is
    }
  }

  async deleteStored() {
    try {
      const tx = this.core.storage.db.transaction('meta', 'readwrite');
      await Promise.all([tx.store.delete(STATE_KEY), tx.store.delete(LIST_KEY), tx.done]);
    } catch {
      // restore() deletes again at the next start
    }
  }

  /** Deletes every counter, the unsent days and the list of reports sent, here and stored. */
  async forget() {
    this.state = fresh(this.today());
    this.backlog = [];
    this.sent = [];
    this.visitDay = -1;
    this.closedDay = -1;
    await this.deleteStored();
  }

  /**
   * The consent level changed (here or in another tab). Off stops
   * measuring and deletes everything at once; full to session deletes the
   * stored copy and keeps this visit's counters in memory.
   * @param {string} level
   * @param {string} previous
   */
  async onConsent(level, previous) {
    if (level === 'off') return this.forget();
    if (previous === 'full' && level !== 'full') return this.deleteStored();
    if (level === 'full') return this.write();
  }

  /** Moves a day that is over to the backlog (in memory; callers run it under sync). */
  rollNow() {
    const today = this.today();
    if (this.state.day < today) {
      const old = this.state;
      this.state = fresh(today); // a visit across midnight counts again, and draws again, for the new day
      if (hasData(old)) this.backlog = [...this.backlog, old].slice(-MAX_BACKLOG);
    }
  }

  /**
   * Moves a day that is over to the backlog and starts its upload in the
   * background; today's counting goes on at once.
   */
  async roll() {
    await this.sync(() => this.rollNow());
    if (this.backlog.some((d) => !claimed(d, this.core.clock()))) this.flush().catch(() => {});
  }

  /**
   * Sends the backlog, oldest first. Each day is claimed first (stored,
   * under full consent), so another tab does not send it too; a day whose
   * upload fails is released and waits for the next try, its report kept
   * as made: retried, never made again.
   * @returns {Promise<SentReport[]>}
   */
  flush() {
    const run = this.sending.then(async () => {
      /** @type {SentReport[]} */
      const done = [];
      while (!this.offReason()) {
        const now = this.core.clock();
        const d = await this.sync(() => {
          this.rollNow();
          const x = this.backlog.find((b) => !claimed(b, now));
          if (x) x.claim = now;
          return x ? { ...x } : null;
        });
        if (!d) break;
        const entry = await this.send(d);
        await this.sync(() => {
          const x = this.backlog.find((b) => b.day === d.day);
          if (entry || d.dropped) this.backlog = this.backlog.filter((b) => b !== x);
          else if (x) {
            x.claim = undefined;
            x.pending = d.pending;
          }
          if (entry) this.sent = [...this.sent, entry].slice(-MAX_LISTED);
        });
        if (!entry && !d.dropped) break; // the network or the module failed: the day waits for the next try
        if (entry) {
          done.push(entry);
          this.core.emit('measurereport', entry);
        }
      }
      return done;
    });
    this.sending = run.catch(() => {});
    return run;
  }

  /**
   * Today's arm, drawn on the device at the day's first recommendation and
   * kept for the day's other visits (the report's arm entry is one bit, so
   * the lift compares shopper-days); counts this visit. Null when
   * measurement is off or today is reported already (the page then gets
   * the shopper's own answer, untagged).
   * @returns {Promise<Arm | null>}
   */
  async visitArm() {
    if (this.offReason()) return null;
    const arm = await this.sync(() => {
      this.rollNow();
      const s = this.state;
      if (s.day === this.closedDay) return null;
      s.arm ??= this.random() < this.options.controlShare ? 'control' : 'personal';
      if (this.visitDay !== s.day) s.visits++;
      this.visitDay = s.day;
      return s.arm;
    });
    if (this.backlog.length) this.roll().catch(() => {});
    return arm;
  }

  /** @param {Arm} arm @param {'impressions'|'clicks'|'purchases'} what */
  bump(arm, what) {
    const i = /** @type {Record<string, number>} */ (LAYOUT.index)[`${arm}_${what}`];
    this.state.counts[i] = Math.min(this.state.counts[i] + 1, 1e6);
  }

  /**
   * Runs count on today's state, under sync, unless measurement is off or
   * today is reported already.
   * @template T
   * @param {() => T} count
   * @param {T} none
   * @returns {Promise<T>}
   */
  async counting(count, none) {
    if (this.offReason()) return none;
    return this.sync(() => {
      this.rollNow();
      return this.state.day === this.closedDay ? none : count();
    });
  }

  /**
   * Items a recommendation answer served in this visit's arm: the ones a
   * later impression, click or purchase counts for.
   * @param {{item: string}[]} items
   * @param {Arm} arm
   */
  served(items, arm) {
    return this.counting(() => {
      const shown = this.state.shown;
      for (const it of items) {
        if (Object.keys(shown).length >= MAX_SHOWN && !Object.hasOwn(shown, it.item)) break;
        shown[it.item] = arm;
      }
    }, undefined);
  }

  /** @param {string} id @returns {Arm | undefined} */
  armOf(id) {
    return Object.hasOwn(this.state.shown, id) ? this.state.shown[id] : undefined;
  }

  /**
   * The page showed these recommended items (ids, or the items of a
   * recommend answer). Items the SDK did not recommend today are ignored.
   * @param {unknown} items
   * @returns {Promise<number>} how many were counted
   */
  async shown(items) {
    const ids = idsOf(items, 'measurement.shown');
    return this.counting(() => {
      let n = 0;
      for (const id of ids) {
        const arm = this.armOf(id);
        if (!arm) continue;
        this.bump(arm, 'impressions');
        n++;
      }
      return n;
    }, 0);
  }

  /**
   * The shopper followed a recommended item; once per item per day.
   * @param {unknown} item an item id or a recommendation item
   * @returns {Promise<boolean>} whether it counted
   */
  async clicked(item) {
    const [id] = idsOf([item], 'measurement.clicked');
    return this.counting(() => {
      const arm = this.armOf(id);
      if (!arm || this.state.clicked.includes(id)) return false;
      this.state.clicked.push(id);
      this.bump(arm, 'clicks');
      return true;
    }, false);
  }

  /**
   * A purchase (rec.track): counted when the item was recommended today,
   * in the arm it was recommended in; once per item per day.
   * @param {string} id
   */
  async purchased(id) {
    return this.counting(() => {
      const arm = this.armOf(id);
      if (!arm || this.state.bought.includes(id)) return false;
      this.state.bought.push(id);
      this.bump(arm, 'purchases');
      return true;
    }, false);
  }

  /**
   * The page was hidden. Session counters live only in this worker, which
   * goes with the tab: the day is reported now, and nothing more is
   * counted for it in this worker (one report a day). Full consent keeps
   * the day stored and reports it on a later day.
   */
  async hidden() {
    if (this.offReason() || this.core.consentLevel !== 'session') return null;
    return this.sendNow();
  }

  /**
   * Reports today so far, now (the page's own end of a visit); nothing
   * more is counted for today in this worker. Resolves once the backlog's
   * uploads are done, with today's report (null if nothing was counted or
   * the upload failed: status().failure says why).
   * @returns {Promise<SentReport | null>}
   */
  async sendNow() {
    const reason = this.offReason();
    if (reason) throw new PrivrecError(Code.bad_request, `measurement.send: measurement is off (${reason === 'gpc' ? 'Global Privacy Control is on' : 'consent is off'})`);
    const day = await this.sync(() => {
      this.rollNow();
      const s = this.state;
      if (s.day !== this.closedDay && hasData(s)) {
        this.closedDay = s.day;
        this.backlog = [...this.backlog, s];
        this.state = fresh(s.day);
      }
      return s.day;
    });
    const done = await this.flush();
    return done.find((e) => e.day === dayName(day)) ?? null;
  }

  /** The vector of a day, clipped to the layout's 8 bits, with the consent one-hot of now. @param {DayState} s */
  vector(s) {
    const I = LAYOUT.index;
    const v = s.counts.map((x) => Math.min(x, LAYOUT.max));
    v[I.visits] = Math.min(s.visits, LAYOUT.max);
    v[I.arm_control] = s.arm === 'control' ? 1 : 0;
    v[I.consent_session] = v[I.consent_full] = v[I.consent_signal_limited] = 0;
    if (this.limited()) v[I.consent_signal_limited] = 1;
    else v[this.core.consentLevel === 'full' ? I.consent_full : I.consent_session] = 1;
    return v;
  }

  /**
   * Makes a day's report with the measure module (once: it is kept,
   * pending, until the leader takes it) and uploads it.
   * @param {DayState} s
   * @returns {Promise<SentReport | null>}
   */
  async send(s) {
    if (!s.pending) {
      const vector = this.vector(s);
      try {
        const [engine, leaderConfig, helperConfig] = await Promise.all([this.getEngine(), this.config(this.options.leader), this.config(this.options.helper)]);
        const r = engine.report({
          task_id: this.options.task,
          leader_config: leaderConfig,
          helper_config: helperConfig,
          measurement: vector,
          // The day's start: the report's time says which day, nothing finer.
          now: s.day * (DAY / 1000),
          time_precision: this.options.timePrecision,
        });
        s.pending = { day: s.day, report: r.report, report_id: r.report_id, time: r.time, vector, url: new URL(`tasks/${this.options.taskId}/reports`, this.options.leader).href };
      } catch (e) {
        this.fail(e);
        return null;
      }
      // Kept before the upload, so a tab that dies during it leaves the
      // same report to be retried.
      await this.sync(() => {
        const x = this.backlog.find((b) => b.day === s.day);
        if (x) x.pending = s.pending;
      });
    }
    return this.upload(s);
  }

  /**
   * Uploads a day's pending report (the pinned draft's upload request). A
   * refusal that a retry cannot change (HTTP 4xx but 408 and 429) drops
   * the report.
   * @param {DayState} s
   * @returns {Promise<SentReport | null>}
   */
  async upload(s) {
    const p = s.pending;
    if (!p) return null;
    let status = 0;
    try {
      const res = await this.core.fetch(p.url, {
        method: DAP.uploadMethod,
        headers: { 'content-type': DAP.reportType },
        body: p.report,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        // The upload outlives a tab that is closing (session consent's report at pagehide).
        keepalive: p.report.length < 60000,
        // A leader that never answers must not hold the next days' uploads.
        signal: typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(this.core.net.timeout) : undefined,
      });
      status = res.status;
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) s.dropped = true;
        throw new PrivrecError(Code.fetch_failed, `measurement: upload to ${p.url}: HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}${s.dropped ? ' (refused: the report is dropped)' : ''}`);
      }
    } catch (e) {
      this.fail(e);
      return null;
    }
    /** @type {SentReport} */
    const entry = { at: this.core.clock(), day: dayName(p.day), to: p.url, bytes: p.report.length, status, report_id: hex(p.report_id), vector: p.vector, words: words(p.vector) };
    this.failure = null;
    return entry;
  }

  /** @param {unknown} e */
  fail(e) {
    const err = PrivrecError.from(e);
    this.failure = { at: this.core.clock(), message: err.message };
  }

  /**
   * An aggregator's HpkeConfigList (GET {aggregator}/hpke_config), as
   * measure_report takes it.
   * @param {string} base
   */
  async config(base) {
    const url = new URL(DAP.hpkeConfigPath, base).href;
    const got = await open(this.core.fetch, url, { timeout: this.core.net.timeout, cache: 'no-cache' });
    return got.read(MAX_CONFIG, 'HPKE config');
  }

  /** @returns {Promise<{report: MeasureEngine['report']}>} */
  getEngine() {
    if (!this.engine) {
      const made = this.makeEngine();
      made.catch(() => {
        if (this.engine === made) this.engine = null; // tried again at the next report
      });
      this.engine = made;
    }
    return this.engine;
  }

  /** Fetches, checks and instantiates privrec-measure.wasm. */
  async loadEngine() {
    const url = this.options.wasmUrl;
    const got = await open(this.core.fetch, url, { timeout: this.core.net.timeout });
    const bytes = await got.read(MAX_MODULE, 'measure module');
    if (this.options.wasmSha256) {
      const sum = hex(await sha256(bytes));
      if (sum !== this.options.wasmSha256) throw new PrivrecError(Code.digest_mismatch, `measurement: ${url} has SHA-256 ${sum}; the page pins ${this.options.wasmSha256}`);
    }
    let mod;
    try {
      mod = await WebAssembly.compile(/** @type {BufferSource} */ (bytes));
    } catch (e) {
      throw new PrivrecError(Code.corrupt, `measurement: ${url} is not a WebAssembly module: ${e instanceof Error ? e.message : e}`);
    }
    return MeasureEngine.create(mod);
  }

  /** What measurement is doing, for the page and the dashboard. */
  status() {
    const reason = this.offReason();
    const s = this.state;
    return {
      enabled: true,
      active: !reason,
      reason,
      arm: reason ? null : this.state.arm,
      day: dayName(s.day),
      today: reason ? null : { vector: this.vector(s), words: words(this.vector(s)), reported: s.day === this.closedDay },
      waiting: this.backlog.length,
      stored: !reason && this.core.consentLevel === 'full',
      task: this.options.taskId,
      leader: this.options.leader,
      helper: this.options.helper,
      controlShare: this.options.controlShare,
      failure: this.failure,
    };
  }

  /**
   * Everything measurement holds about the shopper, for history.export():
   * today's counters and the items they count, the days not yet sent, and
   * the reports sent.
   */
  exported() {
    /** @param {DayState} s */
    const day = (s) => ({ day: dayName(s.day), arm: s.arm, vector: this.vector(s), recommended: Object.keys(s.shown), clicked: [...s.clicked], bought: [...s.bought] });
    return { today: this.offReason() ? null : day(this.state), waiting: this.backlog.map(day), reports: this.reports() };
  }

  /** Every report sent and still held (no longer than history's retention), oldest first. */
  reports() {
    const cutoff = this.core.clock() - this.core.retention.maxAgeDays * DAY;
    return this.sent.filter((r) => r.at >= cutoff).map((r) => ({ ...r, vector: [...r.vector] }));
  }
}

/** How long a claimed day is left to the tab that claimed it (its upload's time, with room). */
const CLAIM_MS = 120000;

/** @param {DayState} d @param {number} now whether another tab (or this one) is sending d */
const claimed = (d, now) => typeof d.claim === 'number' && now - d.claim < CLAIM_MS && d.claim <= now;

/** @param {DayState} s whether a day counted anything */
const hasData = (s) => s.visits > 0 || s.counts.some((x) => x > 0) || !!s.pending;

/**
 * Item ids from ids or recommendation items.
 * @param {unknown} items
 * @param {string} what
 * @returns {string[]}
 */
function idsOf(items, what) {
  if (!Array.isArray(items)) throw new PrivrecError(Code.bad_request, `${what}: want an array of item ids or recommendation items`);
  return items.map((x) => {
    const id = typeof x === 'string' ? x : x && typeof x === 'object' ? /** @type {any} */ (x).item : undefined;
    if (typeof id !== 'string' || !id) throw new PrivrecError(Code.bad_request, `${what}: ${JSON.stringify(x)} is neither an item id nor a recommendation item`);
    return id;
  });
}

