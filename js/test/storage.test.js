// Storage faults: a full disk (QuotaExceededError on every put and add),
// records the SDK never wrote, unknown consent values, history left above
// the consent level by an interrupted withdrawal.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Code } from '../src/errors.js';
import { bundleUrl, fixtureFetch, freshNamespace, fx, nextEvent } from './helpers/fixtures.js';
import { idbFaults, plant, rawDB, req, stored } from './helpers/faulty.js';

/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});
test.afterEach(() => {
  idbFaults.quota = false;
});

const ctx = { k: 5, context: { hour: 9, weekday: 1 } };
const ev = (/** @type {string} */ item) => ({ item, kind: /** @type {const} */ ('view'), at: fx.now - 60000 });

/** @param {string} [namespace] @param {string} [bundle] */
async function loaded(namespace = freshNamespace(), bundle = 'v2') {
  const c = await Core.create({ namespace, clock: () => fx.now, fetch: fixtureFetch(), keepDelay: 0, network: { timeout: 2000, retries: 0, backoff: 1 } });
  open.push(c);
  await c.load({ bundleUrl: bundleUrl(bundle), publicKeys: [fx.public_key] });
  return c;
}

/**
 * @param {Promise<any>} p
 * @returns {Promise<any>}
 */
async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('it resolved');
}

test('withdrawal works on a full disk: the level holds, the history is deleted, the choice is stored once it can be', async (t) => {
  for (const level of /** @type {const} */ (['off', 'session'])) {
    await t.test(level, async () => {
      const ns = freshNamespace();
      const c = await loaded(ns);
      await c.setConsent('full');
      for (const item of ['sku-001', 'sku-002', 'sku-003']) await c.track(ev(item));
      idbFaults.quota = true;
      const failed = nextEvent(c, 'storagefailed');
      assert.equal(await c.setConsent(level), level);
      assert.equal(c.consentLevel, level);
      const s = await stored(ns);
      assert.deepEqual(s.events, [], 'no stored history outlives the withdrawal');
      assert.equal(s.consent, undefined, 'the stored choice is gone: it reads as off');
      const d = /** @type {any} */ (await failed);
      assert.equal(d.code, Code.quota_exceeded);
      assert.match(d.kept, /history is deleted/);
      // Another tab (or the next visit) reads off and stores nothing.
      const other = await loaded(ns);
      assert.equal(other.consentLevel, 'off');
      assert.equal(await other.track(ev('sku-004')), null);
      // Once the disk has room, the choice is stored (retried with backoff).
      idbFaults.quota = false;
      for (let i = 0; i < 100 && (await stored(ns)).consent !== level; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal((await stored(ns)).consent, level);
    });
  }
});

test('raising consent on a full disk is refused with a typed error and changes nothing', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  idbFaults.quota = true;
  const e = await rejection(c.setConsent('full'));
  assert.equal(e.code, Code.quota_exceeded);
  assert.match(e.message, /storage is full.*consent stays as it was/);
  assert.equal(c.consentLevel, 'off');
  assert.equal((await stored(ns)).consent, undefined);
});

test('an event that cannot be stored is kept in memory, and the error says so', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  await c.setConsent('full');
  await c.track(ev('sku-001'));
  idbFaults.quota = true;
  const e = await rejection(c.track(ev('sku-002')));
  assert.equal(e.code, Code.quota_exceeded);
  assert.match(e.message, /kept in this tab's memory only/);
  const h = await c.history();
  assert.deepEqual(
    h.map((x) => [x.item, x.stored]),
    [
      ['sku-001', true],
      ['sku-002', false],
    ],
  );
  assert.equal(c.consentLevel, 'full', 'the choice is not lowered by a full disk');
  assert.equal((await stored(ns)).events.length, 1);
});

test('an update on a full disk is refused as a storage failure: model and floor stay together', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  /** @type {string[]} */
  const seen = [];
  for (const type of ['modelupdated', 'updaterefused', 'updatefailed']) c.addEventListener(type, () => seen.push(type));
  idbFaults.quota = true;
  c.source = { bundleUrl: bundleUrl('v3'), publicKeys: [fx.public_key] };
  const r = await c.update();
  assert.equal(r.outcome, 'failed');
  assert.equal(r.failure.failure, 'storage');
  assert.equal(r.failure.code, Code.quota_exceeded);
  assert.match(r.failure.message, /update to version 3 is refused and the model in use kept/);
  assert.deepEqual(seen, ['updatefailed'], 'a storage failure is not a refusal of the bundle, nor a switch');
  assert.equal(c.model.version, 2);
  assert.equal((await stored(ns)).floor, 2);
  assert.ok((await c.recommend(ctx)).items.length > 0, 'the model in use answers');
  idbFaults.quota = false;
  const r2 = await c.update();
  assert.equal(r2.outcome, 'updated');
  assert.equal(r2.model.version, 3);
  assert.equal((await stored(ns)).floor, 3);
});

test('records the SDK never wrote are left out, deleted and counted', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  await c.setConsent('full');
  await c.track(ev('sku-001'));
  const bad = [
    { item: 42, kind: 'view', at: fx.now - 1000 },
    { item: 'sku-002', kind: 'hover', at: fx.now - 1000 },
    { item: 'sku-003', kind: 'view', at: 'yesterday' },
    { item: 'x'.repeat(300), kind: 'view', at: fx.now - 1000 },
    { item: 'sku-004', kind: 'cart', at: -5 },
  ];
  for (const r of bad) await plant(ns, r);
  assert.equal((await stored(ns)).events.length, 1 + bad.length);
  const repaired = nextEvent(c, 'storagerepaired');
  const out = await c.recommend({ ...ctx, explain: true });
  assert.ok(out.items.length > 0, 'recommend works despite them');
  assert.deepEqual(await repaired, { deleted: bad.length, what: 'history' });
  assert.deepEqual(
    (await c.history()).map((e) => e.item),
    ['sku-001'],
  );
  assert.equal((await stored(ns)).events.length, 1, 'the bad records are gone');
});

test('an unknown stored consent value means off, and stored history is deleted at load', async (t) => {
  for (const value of ['maybe', 1, null, { level: 'full' }, 'FULL']) {
    await t.test(JSON.stringify(value), async () => {
      const ns = freshNamespace();
      const c = await loaded(ns);
      await c.setConsent('full');
      await c.track(ev('sku-001'));
      c.close();
      await plant(ns, { store: 'meta', key: 'consent', value });
      const again = await loaded(ns);
      assert.equal(again.consentLevel, 'off');
      assert.deepEqual((await stored(ns)).events, []);
      assert.equal(await again.track(ev('sku-002')), null);
    });
  }
});

test('history stored beyond the stored consent is deleted at the next load', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  await c.setConsent('session');
  c.close();
  // An interrupted withdrawal, or an older SDK: events under session.
  await plant(ns, { item: 'sku-001', kind: 'view', at: fx.now - 1000 });
  const again = await loaded(ns);
  assert.equal(again.consentLevel, 'session');
  assert.deepEqual((await stored(ns)).events, []);
  assert.deepEqual(await again.history(), []);
});

test('a damaged last-good record is not used; the network gives the model', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  await c.saving;
  c.close();
  await rawDB(ns, async (db) => {
    const tx = db.transaction('bundles', 'readwrite');
    await req(tx.objectStore('bundles').put({ version: 2, manifest: 'not bytes' }, 'last-good'));
  });
  const again = await loaded(ns);
  assert.equal(again.model.version, 2);
});

test('a choice made after a withdrawal whose write failed is not overwritten by its retries', async () => {
  const ns = freshNamespace();
  const c = await loaded(ns);
  await c.setConsent('full');
  idbFaults.quota = true;
  await c.setConsent('session'); // stored as deleted; retried later
  idbFaults.quota = false;
  await c.setConsent('full'); // the shopper changes their mind before the retry
  await c.track(ev('sku-001'));
  await new Promise((r) => setTimeout(r, 1200)); // past the first retries
  const s = await stored(ns);
  assert.equal(s.consent, 'full');
  assert.equal(s.events.length, 1, 'the retry did not delete the new history');
  assert.equal(c.consentLevel, 'full');
});
