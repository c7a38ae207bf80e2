// The consent signals a page already has: Global Privacy Control, IAB TCF
// v2.2 and Google Consent Mode v2. Each one, when enabled (LoadOptions.signals),
// caps the level the shopper chose: the strictest wins. The page side reads
// TCF and Consent Mode (and GPC) and reports levels to the worker; the worker
// reads GPC itself too, and is where the cap is enforced, through the core's
// own consent lowering, which deletes what the lower level does not allow.

import { Code, PrivrecError } from './errors.js';

/**
 * @typedef {import('./storage.js').ConsentLevel} ConsentLevel
 * @typedef {'gpc'|'tcf'|'consentMode'} SignalName
 * @typedef {{gpc?: boolean | 'off' | 'session', tcf?: boolean, consentMode?: boolean}} SignalOptions
 * @typedef {Partial<Record<SignalName, ConsentLevel>>} Levels
 * @typedef {{signal: SignalName | null, cap: ConsentLevel, consent: ConsentLevel, signals: Levels}} SignalState
 */

const RANK = Object.freeze({ off: 0, session: 1, full: 2 });
/** Ties go to the first of these. */
const NAMES = /** @type {const} */ (['gpc', 'tcf', 'consentMode']);
/** The longest Consent Mode wait_for_update honoured, in ms. */
const MAX_WAIT = 10000;

/** @param {unknown} v @returns {v is ConsentLevel} */
const isLevel = (v) => typeof v === 'string' && Object.hasOwn(RANK, v);

/**
 * The level GPC caps at: "session" (no lasting profile) unless the option
 * names "off".
 * @param {SignalOptions['gpc']} o
 * @returns {ConsentLevel | undefined}
 */
function gpcCap(o) {
  if (!o) return undefined;
  return o === 'off' ? 'off' : 'session';
}

/** Whether this global scope (page or worker) has GPC on. */
function gpcOn() {
  return typeof navigator !== 'undefined' && /** @type {any} */ (navigator).globalPrivacyControl === true;
}

/**
 * TCF v2.2 purposes to a level: 5 ("Create profiles to personalise
 * content") and 6 ("Use profiles to select personalised content") allow
 * session history; with 1 ("Store and/or access information on a device")
 * as well, stored history. A purpose counts when the TC data shows consent
 * to it (purpose.consents, or the site's own publisher.consents).
 * gdprApplies false lifts the cap.
 * @param {any} d TCData
 * @returns {ConsentLevel}
 */
export function tcfLevel(d) {
  if (d?.gdprApplies === false) return 'full';
  const ok = (/** @type {number} */ n) => d?.purpose?.consents?.[n] === true || d?.publisher?.consents?.[n] === true;
  if (!ok(5) || !ok(6)) return 'off';
  return ok(1) ? 'full' : 'session';
}

/**
 * Google Consent Mode's personalization_storage from gtag('consent', …)
 * commands in a dataLayer: the last "update", else the last "default".
 * @param {ArrayLike<any>} dl
 * @returns {{value: string | undefined, updated: boolean, wait: number}}
 */
export function consentModeState(dl) {
  /** @type {string | undefined} */
  let def;
  /** @type {string | undefined} */
  let upd;
  let wait = 0;
  for (let i = 0; i < dl.length; i++) {
    const e = dl[i];
    const p = e && e[0] === 'consent' && e[2] && typeof e[2] === 'object' ? e[2] : null;
    if (!p) continue;
    const v = typeof p.personalization_storage === 'string' ? p.personalization_storage : undefined;
    if (e[1] === 'default') {
      def = v ?? def;
      wait = Math.max(wait, Math.min(MAX_WAIT, Number(p.wait_for_update) || 0));
    } else if (e[1] === 'update') upd = v ?? upd;
  }
  return { value: upd ?? def, updated: upd !== undefined, wait };
}

/**
 * Watches the enabled page signals and calls report with every level known
 * so far, at once for what is already known, then on each change.
 * @param {SignalOptions} o
 * @param {(levels: Levels) => void} report
 * @returns {{levels: Levels, stop: () => void}}
 */
export function watch(o, report) {
  /** @type {Levels} */
  const levels = {};
  /** @type {(() => void)[]} */
  const stops = [];
  let started = false;
  const set = (/** @type {SignalName} */ name, /** @type {ConsentLevel} */ level) => {
    if (levels[name] === level) return;
    levels[name] = level;
    if (started) report({ ...levels });
  };
  const g = /** @type {any} */ (globalThis);
  const gpc = gpcCap(o.gpc);
  if (gpc && gpcOn()) set('gpc', gpc);
  if (o.tcf && typeof g.__tcfapi === 'function') {
    /** @type {number | undefined} */
    let listener;
    g.__tcfapi('addEventListener', 2, (/** @type {any} */ d, /** @type {boolean} */ ok) => {
      if (!ok || !d) return;
      listener = d.listenerId;
      if (d.eventStatus === 'tcloaded' || d.eventStatus === 'useractioncomplete') set('tcf', tcfLevel(d));
    });
    stops.push(() => listener !== undefined && g.__tcfapi('removeEventListener', 2, () => {}, listener));
  }
  if (o.consentMode) {
    // gtag.js and its snippet create the same array: window.dataLayer.
    const dl = (g.dataLayer ??= []);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    let waited = false;
    const scan = () => {
      const s = consentModeState(dl);
      if (s.value === undefined) return;
      if (!s.updated && s.wait > 0 && !waited) {
        // The default asks tags to wait for the CMP's update.
        timer ??= setTimeout(() => {
          waited = true;
          scan();
        }, s.wait);
        return;
      }
      set('consentMode', s.value === 'granted' ? 'full' : 'off');
    };
    const push = dl.push;
    const ours = function (/** @type {any[]} */ ...a) {
      const r = push.apply(dl, a);
      scan();
      return r;
    };
    dl.push = ours;
    scan();
    stops.push(() => {
      clearTimeout(timer);
      if (dl.push === ours) dl.push = push;
    });
  }
  started = true;
  return { levels, stop: () => stops.forEach((f) => f()) };
}

/** @type {WeakMap<object, {wanted: ConsentLevel, worker: ConsentLevel | undefined, levels: Levels, last: string}>} */
const states = new WeakMap();

/**
 * @typedef {{consentLevel: ConsentLevel, setConsent: (level: ConsentLevel) => Promise<ConsentLevel>, emit: (type: string, detail: object) => void} & EventTarget} Capped
 */

/**
 * The strictest of the levels and which signal set it.
 * @param {NonNullable<ReturnType<typeof states.get>>} st
 */
function decide(st) {
  /** @type {Levels} */
  const signals = { ...st.levels };
  if (st.worker && RANK[st.worker] < RANK[signals.gpc ?? 'full']) signals.gpc = st.worker;
  /** @type {ConsentLevel} */
  let cap = 'full';
  /** @type {SignalName | null} */
  let signal = null;
  for (const n of NAMES) {
    const l = signals[n];
    if (l && RANK[l] < RANK[cap]) [cap, signal] = [l, n];
  }
  return { signal, cap, signals };
}

/**
 * Brings the core's level to min(the shopper's choice, the cap) and tells
 * the page ("consentsignal") when what decides it changed.
 * @param {Capped} core
 * @param {NonNullable<ReturnType<typeof states.get>>} st
 * @param {ConsentLevel} [chosen] a level the shopper just set: always set, even if unchanged
 * @returns {Promise<SignalState>}
 */
async function apply(core, st, chosen) {
  const d = decide(st);
  const level = RANK[st.wanted] <= RANK[d.cap] ? st.wanted : d.cap;
  if (chosen || level !== core.consentLevel) await core.setConsent(level);
  /** @type {SignalState} */
  const state = { ...d, consent: core.consentLevel };
  const key = JSON.stringify(state);
  if (key !== st.last) {
    st.last = key;
    core.emit('consentsignal', state);
  }
  return state;
}

/**
 * Worker side, once the core is made: reads GPC in the worker, applies the
 * cap, and follows other tabs' choices. Nothing when no signal is enabled.
 * @param {Capped} core
 * @param {SignalOptions | undefined} o
 */
export async function attach(core, o) {
  if (!o || !(o.gpc || o.tcf || o.consentMode)) return;
  const gpc = gpcCap(o.gpc);
  const st = { wanted: core.consentLevel, worker: gpc && gpcOn() ? gpc : undefined, levels: {}, last: '' };
  states.set(core, st);
  core.addEventListener('consentchanged', (e) => {
    const d = /** @type {CustomEvent} */ (e).detail;
    if (d.origin !== 'remote') return;
    st.wanted = d.consent;
    apply(core, st).catch(() => {}); // a failed deletion is reported as storagefailed
  });
  // A deletion that failed does not stop the model loading: the lower
  // level holds in memory, and the core retries the deletion.
  await apply(core, st).catch(() => {});
}

/**
 * The page's signal levels (watch), applied in the worker.
 * @param {Capped} core
 * @param {any} levels
 */
export function report(core, levels) {
  const st = states.get(core);
  if (!st) throw new PrivrecError(Code.bad_request, 'consent.signals: no signal is enabled (LoadOptions.signals)');
  /** @type {Levels} */
  const got = {};
  for (const n of NAMES) if (isLevel(levels?.[n])) got[n] = levels[n];
  st.levels = got;
  return apply(core, st);
}

/**
 * consent.set under the signals: the shopper's choice, capped.
 * @param {Capped} core
 * @param {ConsentLevel} level
 */
export async function setConsent(core, level) {
  const st = states.get(core);
  if (!st || !isLevel(level)) return core.setConsent(level); // the core names a bad level
  st.wanted = level;
  return (await apply(core, st, level)).consent;
}

/** @type {WeakMap<object, {state: SignalState | null, stop: () => void}>} */
const pages = new WeakMap();

/**
 * Page side, once the worker has loaded: watches the signals, reports them,
 * and keeps the last "consentsignal" for rec.consent.signal.
 * @param {EventTarget & {call: (method: string, ...args: any[]) => Promise<any>}} rec
 * @param {SignalOptions | undefined} o
 */
export async function start(rec, o) {
  if (!o || !(o.gpc || o.tcf || o.consentMode)) return;
  const page = { state: /** @type {SignalState | null} */ (null), stop: () => {} };
  pages.set(rec, page);
  rec.addEventListener('consentsignal', (e) => {
    page.state = /** @type {CustomEvent} */ (e).detail;
  });
  const w = watch(o, (levels) => rec.call('consent.signals', levels).catch(() => {}));
  page.stop = w.stop;
  // A deletion that failed is reported as "storagefailed"; the level holds.
  page.state = await rec.call('consent.signals', w.levels).catch(() => page.state);
}

/**
 * What decides the consent level now, or null without signals.
 * @param {object} rec
 * @returns {SignalState | null}
 */
export const signalOf = (rec) => pages.get(rec)?.state ?? null;

/** @param {object} rec */
export const stop = (rec) => pages.get(rec)?.stop();

/**
 * Whether a signal holds the worker's level below the shopper's own choice
 * (measurement's "signal-limited" consent entry); false without signals.
 * @param {object} core
 */
export function limited(core) {
  const st = states.get(core);
  return !!st && RANK[/** @type {ConsentLevel} */ (/** @type {any} */ (core).consentLevel)] < RANK[st.wanted];
}
