import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Code } from '../src/errors.js';
import { bundleUrl, fixtureFetch, freshNamespace, fx, nextEvent, publicKeyFile } from './helpers/fixtures.js';

/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});

/** @param {string} namespace @param {any} [fetch] */
async function newCore(namespace, fetch = fixtureFetch()) {
  const c = await Core.create({ namespace, clock: () => fx.now, fetch, keepDelay: 0 });
  open.push(c);
  return c;
}

/** @param {Core} c @param {string} name */
function pointAt(c, name) {
  c.source = { bundleUrl: bundleUrl(name), publicKeys: [fx.public_key] };
}

test('load emits modelupdated and accepts the key file format', async () => {
  const c = await newCore(freshNamespace());
  const updated = nextEvent(c, 'modelupdated');
  const info = await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: publicKeyFile });
  assert.equal(info.version, 2);
  assert.deepEqual(await updated, { ...info, origin: 'network' });
});

test('refused updates keep the last good model', async (t) => {
  const ns = freshNamespace();
  const c = await newCore(ns);
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  const before = await c.recommend({ k: 5, context: { hour: 9, weekday: 1 } });
  const cases = [
    { name: 'rollback to v1', bundle: 'v1', code: Code.rollback },
    { name: 'tampered weights', bundle: 'tampered', code: Code.digest_mismatch },
    { name: 'expired manifest', bundle: 'expired', code: Code.expired },
    { name: 'untrusted key', bundle: 'untrusted', code: Code.unknown_key },
    { name: 'missing bundle', bundle: 'nowhere', code: null },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      pointAt(c, tc.bundle);
      /** @type {any} */
      let refused = null;
      const onRefused = (/** @type {any} */ e) => (refused = e.detail);
      c.addEventListener('updaterefused', onRefused);
      const info = (await c.update()).model;
      c.removeEventListener('updaterefused', onRefused);
      assert.equal(info.version, 2, 'still on v2');
      if (tc.code === null) {
        assert.equal(refused, null, 'an unreachable bundle is not a refusal');
      } else {
        assert.equal(refused?.code, tc.code);
        assert.equal(refused?.kept, 2);
      }
      assert.deepEqual(await c.recommend({ k: 5, context: { hour: 9, weekday: 1 } }), before);
    });
  }
});

test('a newer bundle replaces the model and becomes the rollback floor', async () => {
  const ns = freshNamespace();
  const c = await newCore(ns);
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  const v2 = await c.recommend({ k: 10, context: { hour: -1, weekday: -1 } });
  pointAt(c, 'v3');
  const updated = nextEvent(c, 'modelupdated');
  assert.equal((await c.update()).model.version, 3);
  assert.equal((await updated).version, 3);
  assert.notDeepEqual(await c.recommend({ k: 10, context: { hour: -1, weekday: -1 } }), v2, 'the v3 model scores differently');
  assert.equal(await c.storage.highestVersion(), 3);

  // The next visit is offline: the last good bundle still recommends.
  const offline = fixtureFetch();
  offline.offline = true;
  const next = await newCore(ns, offline);
  const fromCache = nextEvent(next, 'modelupdated');
  assert.equal((await next.load({ bundleUrl: bundleUrl('v3'), publicKeys: [fx.public_key] })).version, 3);
  assert.equal((await fromCache).origin, 'cache');
  assert.ok(offline.urls.length > 0, 'it did try the network');

  // A visit served an old bundle (rollback attack) falls back to the cache too.
  const rolled = await newCore(ns);
  const refused = nextEvent(rolled, 'updaterefused');
  assert.equal((await rolled.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] })).version, 3);
  assert.equal((await refused).code, Code.rollback);
});

test('no model at all is an error with the reason', async (t) => {
  const cases = [
    { name: 'tampered, nothing cached', bundle: 'tampered', offline: false, code: Code.digest_mismatch },
    { name: 'offline, nothing cached', bundle: 'v2', offline: true, code: Code.fetch_failed },
    { name: 'not found', bundle: 'nowhere', offline: false, code: Code.fetch_failed },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const f = fixtureFetch();
      f.offline = tc.offline;
      const c = await newCore(freshNamespace(), f);
      await assert.rejects(c.load({ bundleUrl: bundleUrl(tc.bundle), publicKeys: [fx.public_key] }), { name: 'PrivrecError', code: tc.code });
      await assert.rejects(c.recommend(), { code: Code.not_loaded });
      // Consent and history still work without a model.
      await c.setConsent('off');
      assert.deepEqual(await c.history(), []);
    });
  }
});

test('bad keys are refused before anything is fetched', async (t) => {
  const cases = [
    { name: 'none', keys: [] },
    { name: 'short', keys: ['AAAA'] },
    { name: 'not base64', keys: ['not a key!'] },
    { name: 'private key file', keys: 'privrec-ed25519-private-v1\n' + fx.public_key + '\n' },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const f = fixtureFetch();
      const c = await newCore(freshNamespace(), f);
      await assert.rejects(c.load({ bundleUrl: bundleUrl('v2'), publicKeys: /** @type {any} */ (tc.keys) }), { code: Code.bad_request });
      assert.deepEqual(f.urls, []);
    });
  }
});

test('a trusted second key (rotation) verifies', async () => {
  const c = await newCore(freshNamespace());
  const info = await c.load({ bundleUrl: bundleUrl('untrusted'), publicKeys: [fx.public_key, fx.other_key] });
  assert.equal(info.version, 6);
});
