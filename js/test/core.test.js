import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Storage } from '../src/storage.js';
import { Code } from '../src/errors.js';
import { bundleUrl, fixtureFetch, freshNamespace, fx, nextEvent } from './helpers/fixtures.js';

const DAY = 24 * 3600 * 1000;
/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});

/**
 * A core over the fixtures' fake CDN, loaded with bundle v2.
 * @param {{namespace?: string, retention?: any, clock?: () => number, fetch?: any, bundle?: string, load?: boolean}} [o]
 */
async function core(o = {}) {
  const c = await Core.create({
    namespace: o.namespace ?? freshNamespace(),
    retention: o.retention,
    clock: o.clock ?? (() => fx.now),
    fetch: o.fetch ?? fixtureFetch(),
  });
  open.push(c);
  if (o.load !== false) await c.load({ bundleUrl: bundleUrl(o.bundle ?? 'v2'), publicKeys: [fx.public_key] });
  return c;
}

/** @param {string} namespace */
async function storedEvents(namespace) {
  const s = await Storage.open(namespace);
  try {
    return await s.events();
  } finally {
    s.close();
  }
}

const ev = (/** @type {string} */ item, at = fx.now - DAY) => ({ item, kind: /** @type {const} */ ('view'), at });

test('consent defaults to off: nothing is kept, recommendations are contextual', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns });
  assert.equal(await c.getConsent(), 'off');
  assert.equal(await c.track(ev('sku-003')), null);
  assert.deepEqual(await c.history(), []);
  assert.deepEqual(await storedEvents(ns), []);
  const res = await c.recommend({ k: 4, context: { hour: 9, weekday: 1, device: 'mobile' } });
  assert.equal(res.items.length, 4);
  assert.ok(res.items.every((/** @type {any} */ r) => r.source === 'popular'));
});

test('session consent keeps history in memory only', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns });
  await c.setConsent('session');
  const id = await c.track({ item: 'sku-003', kind: 'purchase', at: fx.now - DAY });
  assert.match(String(id), /^mem-/);
  const list = await c.history();
  assert.equal(list.length, 1);
  assert.equal(list[0].stored, false);
  assert.deepEqual(await storedEvents(ns), [], 'nothing in IndexedDB');
  const res = await c.recommend({ k: 3 });
  assert.equal(res.items[0].source, 'history');
  const other = await core({ namespace: ns }); // another tab, or the next visit
  assert.deepEqual(await other.history(), []);
});

test('full consent stores history that a later visit sees', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns });
  await c.setConsent('full');
  const id = await c.track(ev('sku-005'));
  assert.match(String(id), /^db-\d+$/);
  c.close();
  const later = await core({ namespace: ns });
  assert.equal(await later.getConsent(), 'full');
  assert.deepEqual(
    (await later.history()).map((e) => [e.item, e.stored]),
    [['sku-005', true]],
  );
});

test('consent transitions delete at once what the new level does not allow', async (t) => {
  const cases = [
    { name: 'full to session', from: 'full', to: 'session', stored: 0, memory: 0, stays: 0 },
    { name: 'full to off', from: 'full', to: 'off', stored: 0, memory: 0, stays: 0 },
    { name: 'session to off', from: 'session', to: 'off', stored: 0, memory: 0, stays: 0 },
    { name: 'session to full keeps session events in memory only', from: 'session', to: 'full', stored: 0, memory: 2, stays: 2 },
    { name: 'full to full keeps everything', from: 'full', to: 'full', stored: 2, memory: 0, stays: 2 },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const ns = freshNamespace();
      const c = await core({ namespace: ns });
      await c.setConsent(/** @type {any} */ (tc.from));
      await c.track(ev('sku-001'));
      await c.track(ev('sku-002'));
      await c.setConsent(/** @type {any} */ (tc.to));
      assert.equal((await storedEvents(ns)).length, tc.stored, 'stored events');
      assert.equal(c.memory.length, tc.memory, 'session events');
      assert.equal((await c.history()).length, tc.stays, 'history');
      assert.equal(await c.getConsent(), tc.to);
    });
  }
});

test('a consent change in one tab reaches the others', async () => {
  const ns = freshNamespace();
  const a = await core({ namespace: ns });
  const b = await core({ namespace: ns });
  const first = nextEvent(b, 'consentchanged'); // from a's first change
  await a.setConsent('session');
  await first;
  await b.track(ev('sku-007'));
  assert.equal(b.memory.length, 1);
  const seen = nextEvent(b, 'consentchanged');
  await a.setConsent('off');
  assert.deepEqual(await seen, { consent: 'off', previous: 'session', origin: 'remote' });
  assert.equal(b.consentLevel, 'off');
  assert.equal(b.memory.length, 0, 'the other tab drops its session history');
  assert.equal(await b.track(ev('sku-008')), null);
});

test('a tab that has not heard of a withdrawal yet still stores nothing', async () => {
  const ns = freshNamespace();
  const a = await core({ namespace: ns });
  const b = await core({ namespace: ns });
  const heard = nextEvent(b, 'consentchanged');
  await a.setConsent('full');
  await heard;
  // b does not hear the withdrawal (its message is still on the way): its
  // cached consent is stale.
  const onmessage = /** @type {BroadcastChannel} */ (b.channel).onmessage;
  /** @type {BroadcastChannel} */ (b.channel).onmessage = null;
  await a.setConsent('off');
  assert.equal(b.consentLevel, 'full');
  /** @type {BroadcastChannel} */ (b.channel).onmessage = onmessage;
  assert.equal(await b.track(ev('sku-009')), null);
  assert.deepEqual(await storedEvents(ns), []);
  assert.equal(b.consentLevel, 'off');
});

test('two tabs writing at once lose nothing', async () => {
  const ns = freshNamespace();
  const a = await core({ namespace: ns });
  const b = await core({ namespace: ns });
  const heard = nextEvent(b, 'consentchanged');
  await a.setConsent('full');
  await heard;
  const writes = [];
  for (let i = 0; i < 60; i++) {
    writes.push(a.track(ev(`sku-0${String(i % 40).padStart(2, '0')}`, fx.now - i)));
    writes.push(b.track(ev(`sku-0${String((i + 7) % 40).padStart(2, '0')}`, fx.now - i)));
  }
  const ids = await Promise.all(writes);
  assert.equal(new Set(ids).size, 120);
  assert.ok(ids.every((id) => id?.startsWith('db-')));
  assert.equal((await storedEvents(ns)).length, 120);
  assert.equal((await a.history()).length, 120);
  assert.equal((await b.history()).length, 120);
});

test('retention by count keeps the most recent events', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns, retention: { maxEvents: 5 } });
  await c.setConsent('full');
  for (let i = 0; i < 9; i++) await c.track(ev(`sku-00${i}`, fx.now - (9 - i) * 1000));
  assert.deepEqual(
    (await c.history()).map((e) => e.item),
    ['sku-004', 'sku-005', 'sku-006', 'sku-007', 'sku-008'],
  );
});

test('retention by age applies on write and on load', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns, retention: { maxAgeDays: 30 } });
  await c.setConsent('full');
  await c.track(ev('sku-001', fx.now - 40 * DAY)); // too old already: pruned on write
  await c.track(ev('sku-002', fx.now - 10 * DAY));
  await c.track(ev('sku-003', fx.now - 1 * DAY));
  assert.deepEqual((await storedEvents(ns)).map((e) => e.item), ['sku-002', 'sku-003']);
  c.close();
  // A visit 25 days later: sku-002 is now 35 days old.
  const later = await core({ namespace: ns, retention: { maxAgeDays: 30 }, clock: () => fx.now + 25 * DAY });
  assert.deepEqual((await storedEvents(ns)).map((e) => e.item), ['sku-003']);
  assert.deepEqual((await later.history()).map((e) => e.item), ['sku-003']);
});

test('a tighter retention on load prunes what an older page stored', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns });
  await c.setConsent('full');
  for (let i = 0; i < 6; i++) await c.track(ev(`sku-01${i}`, fx.now - i * DAY));
  c.close();
  await core({ namespace: ns, retention: { maxEvents: 2 }, load: false });
  assert.deepEqual((await storedEvents(ns)).map((e) => e.item), ['sku-011', 'sku-010']);
});

test('export gives everything held, as JSON; delete and clear remove it', async () => {
  const ns = freshNamespace();
  const c = await core({ namespace: ns });
  await c.setConsent('session');
  const memId = await c.track(ev('sku-020', fx.now - 3 * DAY));
  await c.setConsent('full');
  const dbId = await c.track({ item: 'sku-021', kind: 'cart', at: fx.now - 2 * DAY });
  await c.track({ item: 'sku-022', kind: 'purchase', at: fx.now - DAY });
  const doc = JSON.parse(await c.exportHistory());
  assert.equal(doc.format, 'privrec-history');
  assert.equal(doc.consent, 'full');
  assert.deepEqual(
    doc.events.map((/** @type {any} */ e) => [e.item, e.kind, e.stored]),
    [
      ['sku-020', 'view', false],
      ['sku-021', 'cart', true],
      ['sku-022', 'purchase', true],
    ],
  );
  assert.equal(await c.deleteEvent(String(dbId)), true);
  assert.equal(await c.deleteEvent(String(dbId)), false);
  assert.equal(await c.deleteEvent(String(memId)), true);
  assert.deepEqual((await c.history()).map((e) => e.item), ['sku-022']);
  assert.equal(await c.clearHistory(), 1);
  assert.deepEqual(await c.history(), []);
  assert.deepEqual(await storedEvents(ns), []);
  assert.equal(JSON.parse(await c.exportHistory()).events.length, 0);
});

test('bad input is a typed bad_request', async (t) => {
  const c = await core();
  await c.setConsent('full');
  const cases = [
    { name: 'unknown kind', call: () => c.track(/** @type {any} */ ({ item: 'x', kind: 'like' })) },
    { name: 'empty item', call: () => c.track({ item: '', kind: 'view' }) },
    { name: 'long item', call: () => c.track({ item: 'x'.repeat(300), kind: 'view' }) },
    { name: 'float time', call: () => c.track({ item: 'x', kind: 'view', at: 1.5 }) },
    { name: 'float k', call: () => c.recommend({ k: 2.5 }) },
    { name: 'negative k (from the module)', call: () => c.recommend({ k: -1 }) },
    { name: 'consent level', call: () => c.setConsent(/** @type {any} */ ('always')) },
    { name: 'bad seen (from the module)', call: () => c.recommend({ seen: 'everything' }) },
  ];
  for (const tc of cases) {
    await t.test(tc.name, () => assert.rejects(tc.call(), { name: 'PrivrecError', code: Code.bad_request }));
  }
});

test('retention options are validated', async () => {
  await assert.rejects(Core.create({ namespace: freshNamespace(), retention: { maxEvents: 0 } }), { code: Code.bad_request });
  await assert.rejects(Core.create({ namespace: freshNamespace(), retention: { maxAgeDays: -1 } }), { code: Code.bad_request });
});

test('an event already outside retention is not kept, and track says so', async (t) => {
  const cases = [
    { name: 'full, older than maxAgeDays', consent: 'full', at: fx.now - 40 * DAY },
    { name: 'full, older than the maxEvents newest', consent: 'full', at: fx.now - 20 * DAY },
    { name: 'session, older than maxAgeDays', consent: 'session', at: fx.now - 40 * DAY },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const ns = freshNamespace();
      const c = await core({ namespace: ns, retention: { maxAgeDays: 30, maxEvents: 2 }, load: false });
      await c.setConsent(/** @type {any} */ (tc.consent));
      await c.track(ev('sku-001', fx.now - 2 * DAY));
      await c.track(ev('sku-002', fx.now - 1 * DAY));
      assert.equal(await c.track(ev('sku-003', tc.at)), null, 'nothing was kept');
      assert.deepEqual((await c.history()).map((e) => e.item), ['sku-001', 'sku-002']);
      assert.equal(c.memory.length, tc.consent === 'session' ? 2 : 0, 'session events');
    });
  }
});

test('a withdrawal heard while a write is in flight is not undone by it', async (t) => {
  // Tab b still believes consent is full. Another tab lowers it to session
  // (b's write reads that) and then to off, which b hears before its write
  // returns: b must end at off, holding nothing.
  const cases = [
    { name: 'during track', run: (/** @type {Core} */ b) => b.track(ev('sku-030')), want: null },
    { name: 'during getConsent', run: (/** @type {Core} */ b) => b.getConsent(), want: 'off' },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const ns = freshNamespace();
      const b = await core({ namespace: ns, load: false });
      await b.setConsent('full');
      const other = await Storage.open(ns); // another tab's storage: no broadcast
      t.after(() => other.close());
      await other.setConsent('session');
      for (const m of ['addEvent', 'consent']) {
        const orig = /** @type {any} */ (b.storage)[m].bind(b.storage);
        /** @type {any} */ (b.storage)[m] = async (/** @type {any[]} */ ...args) => {
          const r = await orig(...args);
          await other.setConsent('off');
          b.onRemote({ type: 'consent', consent: 'session' });
          b.onRemote({ type: 'consent', consent: 'off' });
          return r;
        };
      }
      assert.equal(await tc.run(b), tc.want);
      assert.equal(b.consentLevel, 'off');
      assert.deepEqual(b.memory, [], 'no session history after the withdrawal');
      assert.equal(await b.track(ev('sku-031')), null);
    });
  }
});
