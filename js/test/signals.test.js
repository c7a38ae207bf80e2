// Consent signals: how TCF and Consent Mode read as levels, how the page
// watches them, and how the worker caps the shopper's level with them,
// deleting stored history through the core's own lowering.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Storage } from '../src/storage.js';
import { attach, consentModeState, report, setConsent, tcfLevel, watch } from '../src/signals.js';
import { freshNamespace, fx, nextEvent } from './helpers/fixtures.js';

const g = /** @type {any} */ (globalThis);

test('TCF v2.2 purposes map to levels', () => {
  const tc = (/** @type {number[]} */ yes, o = {}) => ({ gdprApplies: true, purpose: { consents: Object.fromEntries(yes.map((n) => [n, true])) }, ...o });
  const cases = [
    { name: 'storage and personalised content', d: tc([1, 5, 6]), want: 'full' },
    { name: 'personalised content without storage', d: tc([5, 6]), want: 'session' },
    { name: 'profile only, no selection', d: tc([1, 5]), want: 'off' },
    { name: 'storage only', d: tc([1]), want: 'off' },
    { name: 'nothing', d: tc([]), want: 'off' },
    { name: 'ads purposes do not count', d: tc([1, 2, 3, 4]), want: 'off' },
    { name: "the site's own publisher purposes", d: { gdprApplies: true, publisher: { consents: { 1: true, 5: true, 6: true } } }, want: 'full' },
    { name: 'GDPR does not apply', d: tc([], { gdprApplies: false }), want: 'full' },
    { name: 'malformed TC data', d: null, want: 'off' },
  ];
  for (const c of cases) assert.equal(tcfLevel(c.d), c.want, c.name);
});

test('Consent Mode: the last update wins over defaults; wait_for_update is read from the default', () => {
  const args = (/** @type {any[]} */ ...a) => a; // gtag pushes its arguments object
  const cases = [
    { name: 'nothing', dl: [], want: { value: undefined, updated: false, wait: 0 } },
    { name: 'default only', dl: [args('consent', 'default', { personalization_storage: 'denied', wait_for_update: 500 })], want: { value: 'denied', updated: false, wait: 500 } },
    {
      name: 'update after default',
      dl: [args('consent', 'default', { personalization_storage: 'denied' }), { event: 'gtm.js' }, args('consent', 'update', { personalization_storage: 'granted' })],
      want: { value: 'granted', updated: true, wait: 0 },
    },
    {
      name: 'a later default does not undo an update',
      dl: [args('consent', 'update', { personalization_storage: 'granted' }), args('consent', 'default', { personalization_storage: 'denied' })],
      want: { value: 'granted', updated: true, wait: 0 },
    },
    { name: 'other consent types are ignored', dl: [args('consent', 'update', { ad_storage: 'denied' })], want: { value: undefined, updated: false, wait: 0 } },
    { name: 'wait is capped at 10 s', dl: [args('consent', 'default', { personalization_storage: 'denied', wait_for_update: 1e9 })], want: { value: 'denied', updated: false, wait: 10000 } },
  ];
  for (const c of cases) assert.deepEqual(consentModeState(c.dl), c.want, c.name);
});

/** A TCF CMP stub: addEventListener calls back with the current data at once, then on every change. */
function tcfStub() {
  /** @type {Map<number, (d: any, ok: boolean) => void>} */
  const listeners = new Map();
  let next = 1;
  /** @type {any} */
  let current = { eventStatus: 'cmpuishown', gdprApplies: true, purpose: { consents: {} } };
  const api = (/** @type {string} */ cmd, /** @type {number} */ v, /** @type {any} */ cb, /** @type {any} */ param) => {
    if (cmd === 'addEventListener') {
      const id = next++;
      listeners.set(id, cb);
      cb({ ...current, listenerId: id }, true);
    } else if (cmd === 'removeEventListener') {
      cb(listeners.delete(param));
    }
  };
  return {
    api,
    listeners,
    fire(/** @type {string} */ eventStatus, /** @type {number[]} */ yes) {
      current = { eventStatus, gdprApplies: true, purpose: { consents: Object.fromEntries(yes.map((n) => [n, true])) } };
      for (const [id, cb] of listeners) cb({ ...current, listenerId: id }, true);
    },
  };
}

test('watch reports TCF only on tcloaded / useractioncomplete, and Consent Mode pushes', async (t) => {
  const stub = tcfStub();
  g.__tcfapi = stub.api;
  g.dataLayer = [['consent', 'default', { personalization_storage: 'granted' }]];
  t.after(() => {
    delete g.__tcfapi;
    delete g.dataLayer;
  });
  /** @type {any[]} */
  const reports = [];
  const w = watch({ tcf: true, consentMode: true }, (l) => reports.push(l));
  assert.deepEqual(w.levels, { consentMode: 'full' }, 'the CMP UI being shown says nothing yet');
  stub.fire('useractioncomplete', [1, 5, 6]);
  stub.fire('cmpuishown', []);
  g.dataLayer.push(['consent', 'update', { personalization_storage: 'denied' }]);
  stub.fire('tcloaded', [5, 6]);
  assert.deepEqual(reports, [
    { consentMode: 'full', tcf: 'full' },
    { consentMode: 'off', tcf: 'full' },
    { consentMode: 'off', tcf: 'session' },
  ]);
  w.stop();
  assert.equal(stub.listeners.size, 0, 'the TCF listener is removed');
  g.dataLayer.push(['consent', 'update', { personalization_storage: 'granted' }]);
  assert.equal(reports.length, 3, 'a stopped watch reports nothing');
  assert.equal(g.dataLayer.length, 3, 'pushes still reach the dataLayer');
});

test('a Consent Mode default with wait_for_update is acted on only if no update comes in time', async (t) => {
  g.dataLayer = [['consent', 'default', { personalization_storage: 'denied', wait_for_update: 30 }]];
  t.after(() => delete g.dataLayer);
  /** @type {any[]} */
  const reports = [];
  const a = watch({ consentMode: true }, (l) => reports.push(l));
  assert.deepEqual(a.levels, {});
  g.dataLayer.push(['consent', 'update', { personalization_storage: 'granted' }]);
  assert.deepEqual(reports, [{ consentMode: 'full' }], 'the update in time decides');
  a.stop();

  g.dataLayer = [['consent', 'default', { personalization_storage: 'denied', wait_for_update: 30 }]];
  reports.length = 0;
  const b = watch({ consentMode: true }, (l) => reports.push(l));
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(reports, [{ consentMode: 'off' }], 'no update: the default holds');
  b.stop();
});

/** @param {string} namespace */
async function storedEvents(namespace) {
  const s = await Storage.open(namespace);
  try {
    return await s.events();
  } finally {
    s.close();
  }
}

/** A core (no model needed) with full consent and two stored events. */
async function fullCore(t, namespace = freshNamespace()) {
  const c = await Core.create({ namespace, clock: () => fx.now });
  t.after(() => c.close());
  await c.setConsent('full');
  await c.track({ item: 'sku-001', kind: 'view', at: fx.now - 1000 });
  await c.track({ item: 'sku-002', kind: 'cart', at: fx.now - 500 });
  assert.equal((await storedEvents(namespace)).length, 2);
  return c;
}

test('worker: a signal that withdraws deletes at once; the strictest decides; the choice returns when allowed', async (t) => {
  const ns = freshNamespace();
  const c = await fullCore(t, ns);
  await attach(c, { tcf: true, consentMode: true });

  let signal = nextEvent(c, 'consentsignal');
  let s = await report(c, { tcf: 'full', consentMode: 'full' });
  assert.deepEqual(s, { signal: null, cap: 'full', consent: 'full', signals: { tcf: 'full', consentMode: 'full' } });
  assert.deepEqual(await signal, s);
  assert.equal((await storedEvents(ns)).length, 2, 'granted signals keep the history');

  s = await report(c, { tcf: 'session', consentMode: 'full' });
  assert.equal(s.signal, 'tcf');
  assert.equal(c.consentLevel, 'session');
  assert.deepEqual(await storedEvents(ns), [], 'lowering to session deleted the stored history');
  assert.equal(await c.storage.consent(), 'session');

  s = await report(c, { tcf: 'session', consentMode: 'off' });
  assert.deepEqual([s.signal, s.cap, s.consent], ['consentMode', 'off', 'off']);

  assert.equal(await setConsent(c, 'full'), 'off', 'the shopper cannot choose above the cap');
  assert.equal(await c.track({ item: 'sku-003', kind: 'view' }), null);

  s = await report(c, { tcf: 'full', consentMode: 'full' });
  assert.deepEqual([s.signal, s.consent], [null, 'full'], "the shopper's last choice returns once no signal caps it");
  assert.equal(await c.storage.consent(), 'full');
  assert.match(String(await c.track({ item: 'sku-004', kind: 'view' })), /^db-/);

  await assert.rejects(setConsent(c, /** @type {any} */ ('all')), /use 'off', 'session' or 'full'/);
});

test('worker: GPC read in the worker caps before anything else runs', async (t) => {
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { globalPrivacyControl: true } });
  t.after(() => {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete g.navigator;
  });
  const ns = freshNamespace();
  const c = await fullCore(t, ns);
  const signal = nextEvent(c, 'consentsignal');
  await attach(c, { gpc: true });
  assert.deepEqual(await signal, { signal: 'gpc', cap: 'session', consent: 'session', signals: { gpc: 'session' } });
  assert.deepEqual(await storedEvents(ns), []);
  // The page cannot lift what the worker read.
  assert.equal((await report(c, {})).consent, 'session');
  assert.equal(await setConsent(c, 'full'), 'session');

  const strict = await fullCore(t);
  await attach(strict, { gpc: 'off' });
  assert.equal(strict.consentLevel, 'off', 'gpc: "off" caps at off');
});

test('worker: without signals enabled, consent is untouched and reports are refused', async (t) => {
  const ns = freshNamespace();
  const c = await fullCore(t, ns);
  await attach(c, undefined);
  await attach(c, { gpc: false, tcf: false });
  assert.equal(await setConsent(c, 'full'), 'full');
  assert.equal((await storedEvents(ns)).length, 2);
  assert.throws(() => report(c, { tcf: 'off' }), /no signal is enabled/);
});

test('page and worker: a TCF revocation in the CMP deletes at once; the cap lifts back to the choice; close stops listening', async (t) => {
  const { nodeWorker, serveFixtures } = await import('./helpers/worker.js');
  const { Recommender } = await import('../src/index.js');
  const server = await serveFixtures();
  const stub = tcfStub();
  stub.fire('tcloaded', [1, 5, 6]);
  g.__tcfapi = stub.api;
  const rec = await Recommender.load({
    bundleUrl: `${server.url}v2/`,
    publicKeys: [fx.public_key],
    worker: nodeWorker(new URL('../src/privrec-worker.js', import.meta.url)),
    signals: { tcf: true },
  });
  t.after(async () => {
    rec.close();
    delete g.__tcfapi;
    await server.close();
  });
  assert.deepEqual(rec.consent.signal, { signal: null, cap: 'full', consent: 'off', signals: { tcf: 'full' } });
  assert.equal(await rec.consent.set('full'), 'full');
  assert.match(String(await rec.track({ item: 'sku-003', kind: 'purchase' })), /^db-/);

  let next = nextEvent(rec, 'consentsignal');
  stub.fire('useractioncomplete', []);
  assert.deepEqual(await next, { signal: 'tcf', cap: 'off', consent: 'off', signals: { tcf: 'off' } });
  assert.equal(rec.consent.signal?.consent, 'off');
  assert.deepEqual(await rec.history.list(), []);
  assert.equal(await rec.consent.set('full'), 'off');

  next = nextEvent(rec, 'consentsignal');
  stub.fire('useractioncomplete', [1, 5, 6]);
  assert.equal((await next).consent, 'full', "the shopper's choice returns");
  assert.equal(await rec.consent.get(), 'full');

  rec.close();
  assert.equal(stub.listeners.size, 0, 'close removes the TCF listener');
});

test('worker: another tab raising consent cannot lift this tab’s cap; the lowering reaches that tab too', async (t) => {
  const ns = freshNamespace();
  const a = await Core.create({ namespace: ns, clock: () => fx.now });
  const b = await Core.create({ namespace: ns, clock: () => fx.now });
  t.after(() => {
    a.close();
    b.close();
  });
  await attach(a, { tcf: true });
  await report(a, { tcf: 'session' });
  assert.equal(a.consentLevel, 'off', 'the stored level was off: the cap does not raise it');
  const capped = nextEvent(a, 'consentsignal');
  await b.setConsent('full'); // the other tab, without signals; it broadcasts as it returns
  const lowered = nextEvent(b, 'consentchanged');
  assert.deepEqual(await capped, { signal: 'tcf', cap: 'session', consent: 'session', signals: { tcf: 'session' } });
  assert.deepEqual(await lowered, { consent: 'session', previous: 'full', origin: 'remote' });
  assert.equal(b.consentLevel, 'session');
  assert.equal(await a.storage.consent(), 'session');
});
