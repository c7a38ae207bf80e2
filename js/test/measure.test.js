// Measurement (src/measure.js) in the core, against a double of the measure
// module's ABI (helpers/measure-double.js) and a fake pair of aggregators:
// gating by consent and GPC, the arm and its popularity fallback, the
// counters and their clipping, one report a day, storage by consent level,
// withdrawal, retries that resend the same report. measure-module.test.js
// runs the real privrec-measure.wasm.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Code } from '../src/errors.js';
import { DAY, LAYOUT, MeasureEngine, measurementOf, words } from '../src/measure.js';
import { bundleUrl, fixtureFetch, freshNamespace, fx, nextEvent } from './helpers/fixtures.js';
import { DOUBLE_REPORT_BYTES, measureDouble } from './helpers/measure-double.js';
import * as signals from '../src/signals.js';

const LEADER = 'https://leader.test/dap/';
const HELPER = 'https://helper.test/dap/';
const TASK = 'ZmllbGRob3VzZS1jby10YXNrLWlkLTAwMDAwMDAwMDA'; // 32 bytes, base64url
const CONFIG = new Uint8Array([0, 41, 1, 0, 32, 0, 1, 0, 1, 0, 32, ...new Array(32).fill(7)]);
const OPTIONS = { taskId: TASK, leader: LEADER, helper: HELPER, wasmUrl: 'https://cdn.test/privrec-measure.wasm', controlShare: 0.25 };
const I = LAYOUT.index;

/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});

/**
 * The fixtures' CDN plus two aggregators: hpke_config GETs, report uploads.
 * @param {{status?: number}} [o]
 */
function dapFetch(o = {}) {
  const cdn = fixtureFetch();
  /** @type {any} */
  const f = async (/** @type {string} */ url, /** @type {any} */ init) => {
    const method = init?.method ?? 'GET';
    f.calls.push({ url, method });
    if (url.startsWith(LEADER) || url.startsWith(HELPER)) {
      if (f.offline) throw new TypeError('fetch failed: offline');
      if (method === 'GET' && url.endsWith('/hpke_config')) return new Response(CONFIG, { headers: { 'content-type': 'application/dap-hpke-config-list' } });
      if (method === 'POST' && url.startsWith(`${LEADER}tasks/${TASK}/reports`)) {
        f.uploads.push({ url, type: init.headers['content-type'], body: init.body });
        return new Response(null, { status: f.status });
      }
      return new Response('not found', { status: 404 });
    }
    return cdn(url, init);
  };
  f.calls = [];
  f.uploads = [];
  f.status = o.status ?? 201;
  f.offline = false;
  return f;
}

/**
 * A loaded core with measurement on (unless measurement: null).
 * @param {{namespace?: string, clock?: () => number, fetch?: any, measurement?: any, draw?: number, gpc?: boolean, double?: ReturnType<typeof measureDouble>}} [o]
 */
async function core(o = {}) {
  const d = o.double ?? measureDouble();
  const c = await Core.create({
    namespace: o.namespace ?? freshNamespace(),
    clock: o.clock ?? (() => fx.now),
    fetch: o.fetch ?? dapFetch(),
    measurement: o.measurement === null ? undefined : (o.measurement ?? OPTIONS),
    gpc: o.gpc,
    measureHooks: { engine: async () => MeasureEngine.from(d.ex, d.wasi), random: () => o.draw ?? 0.9 },
  });
  open.push(c);
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  return c;
}

/** The vector a day's report should carry. @param {Partial<Record<keyof typeof I, number>>} v */
function vec(v) {
  const out = new Array(LAYOUT.length).fill(0);
  for (const [k, x] of Object.entries(v)) out[/** @type {any} */ (I)[k]] = x;
  return out;
}

/** A clock the test moves. */
function clock(t = fx.now) {
  const c = () => c.t;
  c.t = t;
  return c;
}

test('layout v1: 11 entries of 8 bits in the order the issue fixes', () => {
  assert.equal(LAYOUT.length, 11);
  assert.equal(LAYOUT.bits, 8);
  assert.deepEqual(Object.values(LAYOUT.index), [...Array(11).keys()]);
});

test('without the measurement option: off, untagged answers, no request beyond the bundle', async () => {
  const f = dapFetch();
  const c = await core({ measurement: null, fetch: f });
  await c.setConsent('full');
  assert.deepEqual(await c.measurementStatus(), { enabled: false, active: false, reason: 'not_enabled', message: undefined });
  const res = await c.recommend({ k: 4 });
  assert.equal(res.arm, undefined);
  assert.ok(res.items.every((/** @type {any} */ r) => r.arm === undefined));
  assert.equal(c.measure, null);
  assert.equal(await c.measurementCall('shown', res.items), 0);
  await assert.rejects(c.measurementCall('send'), (e) => e.code === Code.bad_request && /not enabled/.test(e.message));
  assert.ok(f.calls.every((/** @type {any} */ r) => r.method === 'GET' && r.url.startsWith('https://cdn.test/')), JSON.stringify(f.calls));
});

test('bad options are refused with what to pass', () => {
  const cases = [
    [{ ...OPTIONS, taskId: 'abc' }, /taskId must be the task's 32-byte id/],
    [{ ...OPTIONS, leader: undefined }, /leader is required/],
    [{ ...OPTIONS, helper: 'ftp://x/' }, /helper must be an http\(s\) URL/],
    [{ ...OPTIONS, wasmUrl: '' }, /wasmUrl is required/],
    [{ ...OPTIONS, controlShare: 1.5 }, /controlShare is 1.5; want the share/],
    [{ ...OPTIONS, controlShare: '0.1' }, /controlShare is "0.1"; want the share/],
    [{ ...OPTIONS, timePrecision: 0.5 }, /timePrecision is 0.5/],
    [{ ...OPTIONS, wasmSha256: 'xyz' }, /wasmSha256 must be 64 hex digits/],
  ];
  for (const [o, re] of cases) assert.throws(() => measurementOf(o), (e) => /** @type {any} */ (e).code === Code.bad_request && re.test(/** @type {any} */ (e).message), String(re));
  assert.equal(measurementOf({ ...OPTIONS, leader: 'https://l.test/dap' }).leader, 'https://l.test/dap/');
});

test('consent off and GPC: nothing counted, nothing sent, no aggregator contacted', async () => {
  for (const gpc of [false, true]) {
    const f = dapFetch();
    const c = await core({ fetch: f, gpc });
    if (gpc) await c.setConsent('full');
    const st = await c.measurementStatus();
    assert.equal(st.active, false);
    assert.equal(st.reason, gpc ? 'gpc' : 'consent_off');
    const res = await c.recommend({ k: 4 });
    assert.equal(res.arm, undefined, 'an answer is only tagged when measured');
    assert.equal(await c.measurementCall('shown', res.items), 0);
    assert.equal(await c.measurementCall('clicked', res.items[0]), false);
    await assert.rejects(c.measurementCall('send'), (e) => e.code === Code.bad_request && (gpc ? /Global Privacy Control/ : /consent is off/).test(e.message));
    assert.equal(await c.measurementCall('hidden'), null);
    assert.deepEqual(f.calls.filter((/** @type {any} */ r) => !r.url.startsWith('https://cdn.test/')), []);
  }
});

test('session: the personal arm counts impressions, clicks and purchases of recommended items, and one report goes to the leader', async () => {
  const f = dapFetch();
  const d = measureDouble();
  const c = await core({ fetch: f, double: d, draw: 0.9 });
  await c.setConsent('session');
  await c.track({ item: 'sku-003', kind: 'view', at: fx.now - 1000 });
  const res = await c.recommend({ k: 4 });
  assert.equal(res.arm, 'personal');
  assert.ok(res.items.every((/** @type {any} */ r) => r.arm === 'personal'));
  assert.ok(res.items.some((/** @type {any} */ r) => r.source === 'history'), 'the personal arm gets the shopper’s own answer');
  assert.equal(await c.measurementCall('shown', [...res.items, 'not-recommended']), 4, 'only recommended items count');
  assert.equal(await c.measurementCall('clicked', res.items[1]), true);
  assert.equal(await c.measurementCall('clicked', res.items[1].item), false, 'a click counts once per item per day');
  await c.track({ item: res.items[1].item, kind: 'purchase' });
  await c.track({ item: 'sku-077', kind: 'purchase' }); // not recommended: not counted
  await c.recommend({ k: 4 }); // same visit: one visit, same arm
  const st = await c.measurementStatus();
  assert.deepEqual(st.today.vector, vec({ consent_session: 1, personal_impressions: 4, personal_clicks: 1, personal_purchases: 1, visits: 1 }));
  assert.equal(st.stored, false);

  const sent = await nextEventAfter(c, 'measurereport', () => c.measurementCall('hidden'));
  const want = vec({ consent_session: 1, personal_impressions: 4, personal_clicks: 1, personal_purchases: 1, visits: 1 });
  assert.equal(d.requests.length, 1);
  const req = d.requests[0];
  assert.deepEqual(req.measurement, want);
  assert.equal(req.task_id.length, 32);
  assert.deepEqual([...req.leader_config], [...CONFIG]);
  assert.equal(req.now % 86400, 0, 'the report time says which day, nothing finer');
  assert.equal(req.now, Math.floor(fx.now / DAY) * 86400);
  assert.equal(req.time_precision, 86400);
  assert.deepEqual(d.phases.slice(-4), ['alloc', 'report', 'free', 'free']);
  assert.equal(f.uploads.length, 1);
  assert.equal(f.uploads[0].url, `${LEADER}tasks/${TASK}/reports`);
  assert.equal(f.uploads[0].type, 'application/dap-report');
  assert.equal(f.uploads[0].body.length, DOUBLE_REPORT_BYTES);
  assert.deepEqual(
    f.calls.filter((/** @type {any} */ r) => !r.url.startsWith('https://cdn.test/')).map((/** @type {any} */ r) => `${r.method} ${r.url}`).sort(),
    [`GET ${HELPER}hpke_config`, `GET ${LEADER}hpke_config`, `POST ${LEADER}tasks/${TASK}/reports`],
  );
  assert.equal(sent.words, 'consent: this visit; arm: personal; 4 recommendations seen, 1 clicked, 1 bought; 1 visit');
  assert.equal(sent.bytes, DOUBLE_REPORT_BYTES);
  assert.match(sent.report_id, /^[0-9a-f]{32}$/);
  assert.deepEqual((await c.measurementCall('reports')).map((/** @type {any} */ r) => r.report_id), [sent.report_id]);

  // The day is reported: nothing more counts today, and no second report.
  const again = await c.recommend({ k: 4 });
  assert.equal(again.arm, undefined);
  assert.equal(await c.measurementCall('shown', again.items), 0);
  assert.equal(await c.measurementCall('hidden'), null);
  assert.equal(f.uploads.length, 1);
});

test('the control arm gets the no-history answer, tagged, and counts in its own entries', async () => {
  const c = await core({ draw: 0.1 }); // below controlShare 0.25
  await c.setConsent('session');
  await c.track({ item: 'sku-003', kind: 'view', at: fx.now - 1000 });
  await c.track({ item: 'sku-010', kind: 'cart', at: fx.now - 500 });
  const res = await c.recommend({ k: 5 });
  assert.equal(res.arm, 'control');
  assert.ok(res.items.every((/** @type {any} */ r) => r.arm === 'control' && r.source === 'popular'));
  // The same as a shopper without history gets.
  const plain = await core({ measurement: null });
  const base = await plain.recommend({ k: 5, context: undefined });
  assert.deepEqual(res.items.map((/** @type {any} */ r) => r.item), base.items.map((/** @type {any} */ r) => r.item));
  await c.measurementCall('shown', res.items.slice(0, 3));
  await c.measurementCall('clicked', res.items[0]);
  await c.track({ item: res.items[0].item, kind: 'purchase' });
  const st = await c.measurementStatus();
  assert.deepEqual(st.today.vector, vec({ consent_session: 1, arm_control: 1, control_impressions: 3, control_clicks: 1, control_purchases: 1, visits: 1 }));
  assert.equal(words(st.today.vector), 'consent: this visit; arm: control (popular picks); 3 recommendations seen, 1 clicked, 1 bought; 1 visit');
});

test('full: counters are stored, and the first visit of a later day sends yesterday’s report once', async () => {
  const ns = freshNamespace();
  const t = clock();
  const d = measureDouble();
  const f = dapFetch();
  const c = await core({ namespace: ns, clock: t, fetch: f, double: d });
  await c.setConsent('full');
  const res = await c.recommend({ k: 3 });
  await c.measurementCall('shown', res.items);
  c.close();

  // The same day again: the counters are read back, nothing is sent.
  const same = await core({ namespace: ns, clock: t, fetch: f, double: d });
  const st = await same.measurementStatus();
  assert.equal(st.stored, true);
  assert.deepEqual(st.today.vector, vec({ consent_full: 1, personal_impressions: 3, visits: 1 }));
  const second = await same.recommend({ k: 3 }); // a second visit: counted, in the day's arm
  assert.equal(second.arm, res.arm);
  same.close();
  assert.equal(f.uploads.length, 0);

  t.t += DAY;
  const next = await core({ namespace: ns, clock: t, fetch: f, double: d });
  await next.measure?.sending; // started by Core.create, beside the model's load
  const [sent] = await next.measurementCall('reports');
  assert.deepEqual(sent.vector, vec({ consent_full: 1, personal_impressions: 3, visits: 2 }));
  assert.equal(sent.day, new Date(fx.now).toISOString().slice(0, 10));
  assert.equal(f.uploads.length, 1);
  assert.deepEqual((await next.measurementStatus()).today.vector, vec({ consent_full: 1 }));
  next.close();
  const after = await core({ namespace: ns, clock: t, fetch: f, double: d });
  await after.measure?.sending;
  assert.equal(f.uploads.length, 1, 'one report a day');
  assert.equal((await after.measurementCall('reports')).length, 1, 'the list of reports sent is kept with the history');
});

test('withdrawal stops measuring and deletes the counters and the list at once, here and stored', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns });
  await c.setConsent('full');
  const res = await c.recommend({ k: 3 });
  await c.measurementCall('shown', res.items);
  await c.measurementCall('send');
  assert.equal((await c.measurementCall('reports')).length, 1);
  const set = c.setConsent('off');
  // In memory at once, before the deletion's transaction settles.
  assert.equal((await c.measurementStatus()).reason, 'consent_off');
  assert.deepEqual(c.measure?.reports(), []);
  await set;
  await new Promise((r) => setTimeout(r, 20));
  const tx = c.storage.db.transaction('meta');
  assert.equal(await tx.store.get('measure'), undefined);
  assert.equal(await tx.store.get('measure_reports'), undefined);
  // Raised again: a fresh start, nothing from before.
  await c.setConsent('session');
  assert.deepEqual((await c.measurementStatus()).today.vector, vec({ consent_session: 1 }));
});

test('clear history deletes the counters too; the export holds them', async () => {
  const c = await core();
  await c.setConsent('full');
  const res = await c.recommend({ k: 2 });
  await c.measurementCall('shown', res.items);
  await c.measurementCall('clicked', res.items[0]);
  const exported = JSON.parse(await c.exportHistory());
  assert.deepEqual(exported.measurement.today.vector, vec({ consent_full: 1, personal_impressions: 2, personal_clicks: 1, visits: 1 }));
  assert.deepEqual(exported.measurement.today.recommended, res.items.map((/** @type {any} */ r) => r.item), 'the items the counters count are exported too');
  assert.deepEqual(exported.measurement.today.clicked, [res.items[0].item]);
  assert.deepEqual(exported.measurement.reports, []);
  await c.clearHistory();
  assert.deepEqual((await c.measurementStatus()).today.vector, vec({ consent_full: 1 }));
});

test('entries are clipped to 0..255 on the device', async () => {
  const d = measureDouble();
  const c = await core({ double: d });
  await c.setConsent('session');
  const res = await c.recommend({ k: 1 });
  for (let i = 0; i < 300; i++) await c.measurementCall('shown', res.items);
  await c.measurementCall('send');
  assert.equal(d.requests[0].measurement[I.personal_impressions], 255);
});

test('a failed upload keeps the report and retries the same bytes; a 4xx refusal drops it', async () => {
  const ns = freshNamespace();
  const t = clock();
  const d = measureDouble();
  const f = dapFetch({ status: 503 });
  const c = await core({ namespace: ns, clock: t, fetch: f, double: d });
  await c.setConsent('full');
  await c.recommend({ k: 2 });
  assert.equal(await c.measurementCall('send'), null);
  const st = await c.measurementStatus();
  assert.match(st.failure.message, /HTTP 503/);
  assert.equal(st.waiting, 1);
  c.close();
  f.status = 201;
  t.t += DAY;
  const next = await core({ namespace: ns, clock: t, fetch: f, double: d });
  await next.measure?.sending;
  assert.equal((await next.measurementCall('reports')).length, 1);
  assert.equal(d.requests.length, 1, 'the report was made once');
  assert.equal(f.uploads.length, 2);
  assert.deepEqual([...f.uploads[1].body], [...f.uploads[0].body], 'the same report, so the leader can drop a duplicate');

  const g = dapFetch({ status: 400 });
  const e = await core({ fetch: g });
  await e.setConsent('session');
  await e.recommend({ k: 2 });
  assert.equal(await e.measurementCall('send'), null);
  const es = await e.measurementStatus();
  assert.match(es.failure.message, /HTTP 400.*dropped/);
  assert.equal(es.waiting, 0);
});

test('a module error or a module outside its ABI is reported, never uploaded', async () => {
  const f = dapFetch();
  const c = await core({ fetch: f, double: measureDouble({ fail: 1 }) });
  await c.setConsent('session');
  await c.recommend({ k: 2 });
  assert.equal(await c.measurementCall('send'), null);
  assert.match((await c.measurementStatus()).failure.message, /refused \(double\)/);
  assert.equal(f.uploads.length, 0);

  const d = measureDouble();
  d.ex.measure_abi_version = () => 2;
  assert.throws(() => MeasureEngine.from(d.ex, d.wasi), /ABI version 2; this SDK speaks 1/);
});

/**
 * Runs fn and resolves with the detail of the type event it causes.
 * @param {EventTarget} target
 * @param {string} type
 * @param {() => Promise<unknown>} fn
 */
async function nextEventAfter(target, type, fn) {
  const got = nextEvent(target, type);
  await fn();
  return got;
}

test('a day reported with session consent stays reported when consent is raised to full', async () => {
  const ns = freshNamespace();
  const f = dapFetch();
  const c = await core({ namespace: ns, fetch: f });
  await c.setConsent('session');
  await c.recommend({ k: 2 });
  assert.ok(await c.measurementCall('hidden'));
  await c.setConsent('full');
  c.close();
  const next = await core({ namespace: ns, fetch: f }); // the same day, a new page
  const res = await next.recommend({ k: 2 });
  assert.equal(res.arm, undefined, 'today is reported: not counted again');
  assert.equal((await next.measurementStatus()).today.reported, true);
  assert.equal(f.uploads.length, 1);
});

test('a consent signal holding the level below the shopper’s choice reports as signal-limited', async () => {
  const d = measureDouble();
  const c = await core({ double: d });
  await signals.attach(c, { tcf: true });
  await signals.setConsent(c, 'full'); // the shopper's choice
  await signals.report(c, { tcf: 'session' }); // the CMP allows only session history
  assert.equal(c.consentLevel, 'session');
  await c.recommend({ k: 2 });
  assert.deepEqual((await c.measurementStatus()).today.vector, vec({ consent_signal_limited: 1, visits: 1 }));
  await signals.report(c, { tcf: 'full' }); // lifted
  assert.deepEqual((await c.measurementStatus()).today.vector, vec({ consent_full: 1, visits: 1 }));
  await signals.setConsent(c, 'session'); // the shopper's own lower choice is not "limited"
  assert.deepEqual((await c.measurementStatus()).today.vector, vec({ consent_session: 1, visits: 1 }));
});

test('an upload that never gets an answer times out and stays for the next try', async () => {
  const f = dapFetch();
  const never = async (/** @type {string} */ url, /** @type {any} */ init) => {
    if (init?.method === 'POST') {
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal.reason)));
    }
    return f(url, init);
  };
  const c = await Core.create({
    namespace: freshNamespace(),
    clock: () => fx.now,
    fetch: /** @type {any} */ (never),
    network: { timeout: 200 },
    measurement: OPTIONS,
    measureHooks: { engine: async () => { const d = measureDouble(); return MeasureEngine.from(d.ex, d.wasi); }, random: () => 0.9 },
  });
  open.push(c);
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  await c.setConsent('session');
  await c.recommend({ k: 2 });
  const t0 = Date.now();
  assert.equal(await c.measurementCall('send'), null);
  assert.ok(Date.now() - t0 < 5000);
  const st = await c.measurementStatus();
  assert.equal(st.waiting, 1, 'kept for the next try');
  assert.ok(st.failure);
});

test('full: two tabs count into one stored day, and only one of them sends it', async () => {
  const ns = freshNamespace();
  const t = clock();
  const f = dapFetch();
  const d = measureDouble();
  const a = await core({ namespace: ns, clock: t, fetch: f, double: d });
  await a.setConsent('full');
  const b = await core({ namespace: ns, clock: t, fetch: f, double: d }); // a second tab
  const ra = await a.recommend({ k: 2 });
  const rb = await b.recommend({ k: 3 });
  await a.measurementCall('shown', ra.items);
  await b.measurementCall('shown', rb.items);
  await a.measurementCall('shown', ra.items);
  const want = vec({ consent_full: 1, personal_impressions: 7, visits: 2 });
  assert.deepEqual((await a.measurementStatus()).today.vector, want, 'each tab’s counts add up in the stored day');
  assert.deepEqual((await b.measurementStatus()).today.vector, want);
  t.t += DAY;
  await Promise.all([a.recommend({ k: 1 }), b.recommend({ k: 1 })]); // both tabs see the new day
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([a.measure?.sending, b.measure?.sending]);
  }
  assert.equal(f.uploads.length, 1, 'one report for the day');
  assert.deepEqual(d.requests[0].measurement, want);
  assert.equal((await b.measurementCall('reports')).length, 1, 'both tabs list it');
});

test('measurement code that does not load leaves recommendations working and says why', async () => {
  const f = dapFetch();
  const c = await Core.create({
    namespace: freshNamespace(),
    clock: () => fx.now,
    fetch: f,
    measurement: OPTIONS,
    measureHooks: { load: () => Promise.reject(new TypeError('Failed to fetch dynamically imported module: privrec-measure.js')) },
  });
  open.push(c);
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  await c.setConsent('session');
  const res = await c.recommend({ k: 3 });
  assert.equal(res.items.length, 3);
  assert.equal(res.arm, undefined);
  const st = await c.measurementStatus();
  assert.equal(st.reason, 'unavailable');
  assert.match(st.message, /privrec-measure\.js, beside privrec-worker\.js\) did not load: Failed to fetch/);
  await assert.rejects(c.measurementCall('send'), (e) => e.code === Code.bad_request && /unavailable/.test(e.message));
  assert.deepEqual(f.calls.filter((/** @type {any} */ r) => !r.url.startsWith('https://cdn.test/')), []);
});
