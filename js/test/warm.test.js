// Warm navigation: a page view after the first starts the kept model
// without waiting for the network, checks only the kept manifest's
// signature, expiry and version (and the module's hash, before it runs),
// writes nothing to IndexedDB when the bundle is unchanged, and swaps in a
// newer bundle fetched in the background.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core, contentName } from '../src/core.js';
import { Storage } from '../src/storage.js';
import { Code } from '../src/errors.js';
import { decodeManifest } from '../src/verify.js';
import { bundleFiles, bundleUrl, fixtureFetch, freshNamespace, fx, nextEvent } from './helpers/fixtures.js';

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

const ctx = { k: 5, context: { hour: 9, weekday: 1 } };
const load = (/** @type {Core} */ c, /** @type {string} */ name) => c.load({ bundleUrl: bundleUrl(name), publicKeys: [fx.public_key] });

/** A first visit: loads name over the network and keeps it. */
async function firstVisit(/** @type {string} */ ns, name = 'v2') {
  const c = await newCore(ns);
  await load(c, name);
  const recs = await c.recommend(ctx);
  c.close();
  return recs;
}

/** Counts IndexedDB writes of bundles (puts of a record holding weights). */
function countBundleWrites() {
  const proto = /** @type {any} */ (globalThis.IDBObjectStore).prototype;
  const put = proto.put;
  const counter = { n: 0, restore: () => (proto.put = put) };
  proto.put = function (/** @type {any} */ value, /** @type {any[]} */ ...rest) {
    if (value && typeof value === 'object' && 'weights' in value) counter.n++;
    return put.call(this, value, ...rest);
  };
  return counter;
}

/** Records the sizes of the buffers WebCrypto hashes. */
function spyDigests() {
  const subtle = globalThis.crypto.subtle;
  const digest = subtle.digest;
  /** @type {number[]} */
  const sizes = [];
  subtle.digest = /** @type {any} */ (
    function (/** @type {any} */ alg, /** @type {any} */ data) {
      sizes.push(data.byteLength);
      return digest.call(subtle, alg, data);
    }
  );
  return { sizes, restore: () => (subtle.digest = digest) };
}

test('a kept valid model starts without waiting for the network', async () => {
  const ns = freshNamespace();
  const before = await firstVisit(ns);
  // The network never answers for the manifest; the module comes from the
  // (HTTP-cached) content-addressed URL.
  const base = fixtureFetch();
  /** @type {any} */
  const hanging = (/** @type {string} */ url, /** @type {any} */ init) => (url.includes('manifest') ? new Promise(() => {}) : base(url, init));
  hanging.urls = base.urls;
  const c = await newCore(ns, hanging);
  const digests = spyDigests();
  const started = nextEvent(c, 'modelupdated');
  let info;
  try {
    info = await load(c, 'v2');
  } finally {
    digests.restore();
  }
  assert.equal(info.version, 2);
  assert.equal(info.model, 'neighbors');
  assert.equal((await started).origin, 'cache');
  assert.deepEqual(await c.recommend(ctx), before);
  const v2 = bundleFiles('v2');
  assert.ok(digests.sizes.includes(v2.wasm.length), 'the module was hashed before it ran');
  // Verify once: the SDK hashes the kept weights and catalog (IndexedDB
  // is writable by any script of the origin), and the module takes its
  // digests instead of hashing them again.
  assert.ok(digests.sizes.includes(v2.weights.length) && digests.sizes.includes(v2.catalog.length), 'the SDK hashed the kept weights and catalog before the module ran');
  const m = decodeManifest(v2.manifest);
  const wasm = /** @type {any} */ (m.artifacts.find((a) => a.name === 'wasm'));
  assert.ok(base.urls.includes(`${bundleUrl('v2')}${contentName('wasm', wasm.sha256)}`), 'the module came from its content-addressed URL');
});

test('an unchanged bundle is not verified, compiled or written again', async () => {
  const ns = freshNamespace();
  await firstVisit(ns);
  const f = fixtureFetch();
  const c = await newCore(ns, f);
  const writes = countBundleWrites();
  try {
    await load(c, 'v2');
    await c.checking; // the background check of the bundle URL
    assert.equal((await c.update()).model.version, 2);
  } finally {
    writes.restore();
  }
  assert.equal(writes.n, 0, 'IndexedDB was not rewritten');
  const names = f.urls.map((/** @type {string} */ u) => u.slice(bundleUrl('v2').length));
  assert.deepEqual(
    names.filter((/** @type {string} */ n) => !n.startsWith('manifest.')),
    [contentName('wasm', /** @type {any} */ (decodeManifest(bundleFiles('v2').manifest).artifacts.find((a) => a.name === 'wasm')).sha256)],
    'only the module (from the HTTP cache) besides the manifest: no weights or catalog',
  );
  assert.equal(names.filter((/** @type {string} */ n) => n === 'manifest.bin').length, 2, 'the manifest was revalidated by the background check and by update()');
});

test('a newer manifest is fetched beside the kept model and swapped in', async () => {
  const ns = freshNamespace();
  const v2recs = await firstVisit(ns);
  const c = await newCore(ns);
  /** @type {any[]} */
  const updates = [];
  c.addEventListener('modelupdated', (e) => updates.push(/** @type {CustomEvent} */ (e).detail));
  const writes = countBundleWrites();
  let info;
  try {
    info = await load(c, 'v3'); // the site now publishes v3
    assert.equal(info.version, 2, 'the kept model starts at once');
    assert.deepEqual(await c.recommend(ctx), v2recs);
    await c.checking;
    await c.saving;
  } finally {
    writes.restore();
  }
  assert.deepEqual(
    updates.map((u) => [u.version, u.origin]),
    [
      [2, 'cache'],
      [3, 'network'],
    ],
  );
  assert.equal(c.model.version, 3);
  assert.notDeepEqual(await c.recommend({ k: 10, context: { hour: -1, weekday: -1 } }), v2recs);
  assert.equal(await c.storage.highestVersion(), 3);
  assert.equal(writes.n, 1, 'the new bundle was kept once');
  assert.equal((await c.storage.lastGood())?.version, 3);
});

test('a refused background update keeps the kept model and is reported', async () => {
  const ns = freshNamespace();
  await firstVisit(ns, 'v3');
  const c = await newCore(ns);
  const refused = nextEvent(c, 'updaterefused');
  assert.equal((await load(c, 'v1')).version, 3); // a mirror serving an old bundle
  const r = /** @type {any} */ (await refused);
  assert.deepEqual([r.code, r.origin, r.kept], [Code.rollback, 'network', 3]);
  await c.checking;
  assert.equal(c.model.version, 3);
});

test('a kept copy that fails its checks falls back to the network', async () => {
  const ns = freshNamespace();
  await firstVisit(ns);
  // Expire the kept copy by moving the clock past v2's expiry: the fresh
  // download is expired too, so the reason is the cache's refusal.
  const expired = fixtureFetch();
  expired.offline = true;
  const late = await Core.create({ namespace: ns, clock: () => 4102444800000 * 2, fetch: expired });
  open.push(late);
  const refused = nextEvent(late, 'updaterefused');
  await assert.rejects(load(late, 'v2'), { code: Code.expired });
  assert.equal(/** @type {any} */ (await refused).origin, 'cache');
});

test('the manifest asked for while storage opens is the one load uses', async () => {
  const f = fixtureFetch();
  const c = await Core.create({ namespace: freshNamespace(), clock: () => fx.now, fetch: f, keepDelay: 0, prefetch: { bundleUrl: bundleUrl('v2') } });
  open.push(c);
  assert.ok(f.urls.includes(`${bundleUrl('v2')}manifest.bin`), 'asked for before load');
  assert.equal((await load(c, 'v2')).version, 2);
  assert.equal(f.urls.filter((/** @type {string} */ u) => u.endsWith('manifest.bin')).length, 1, 'and not again');
  // Another bundle URL is fetched afresh.
  const g = fixtureFetch();
  const d = await Core.create({ namespace: freshNamespace(), clock: () => fx.now, fetch: g, keepDelay: 0, prefetch: { bundleUrl: bundleUrl('v1') } });
  open.push(d);
  assert.equal((await load(d, 'v3')).version, 3);
});

test('the kept-module hint is only a hint', async () => {
  const ns = freshNamespace();
  const before = await firstVisit(ns);
  // Another script of the origin points the hint at other bytes.
  const { Storage } = await import('../src/storage.js');
  const s = await Storage.open(ns);
  await s.db.put('meta', { length: 5, sha256: new Uint8Array(32).fill(7) }, 'last_good_module');
  s.close();
  const f = fixtureFetch();
  const c = await newCore(ns, f);
  assert.equal((await load(c, 'v2')).version, 2);
  assert.deepEqual(await c.recommend(ctx), before);
  const wasm = /** @type {any} */ (decodeManifest(bundleFiles('v2').manifest).artifacts.find((a) => a.name === 'wasm'));
  assert.ok(f.urls.includes(`${bundleUrl('v2')}${contentName('wasm', wasm.sha256)}`), 'the module the verified manifest names was fetched');
});

test('a page view after the first asks for the kept module while storage opens, and once', async () => {
  const ns = freshNamespace();
  const before = await firstVisit(ns);
  const wasm = /** @type {any} */ (decodeManifest(bundleFiles('v2').manifest).artifacts.find((a) => a.name === 'wasm'));
  const moduleUrl = `${bundleUrl('v2')}${contentName('wasm', wasm.sha256)}`;
  const f = fixtureFetch();
  const c = await Core.create({ namespace: ns, clock: () => fx.now, fetch: f, keepDelay: 0, prefetch: { bundleUrl: bundleUrl('v2') } });
  open.push(c);
  // Core.create has only started it; give the hint's read a turn.
  for (let i = 0; i < 20 && !f.urls.includes(moduleUrl); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(f.urls.includes(moduleUrl), 'the kept module is asked for before load');
  assert.equal((await load(c, 'v2')).version, 2);
  assert.deepEqual(await c.recommend(ctx), before);
  assert.equal(f.urls.filter((/** @type {string} */ u) => u === moduleUrl).length, 1, 'and not again');
  // A load of another bundle URL does not take it.
  const g = fixtureFetch();
  const d = await Core.create({ namespace: ns, clock: () => fx.now, fetch: g, keepDelay: 0, prefetch: { bundleUrl: bundleUrl('v1') } });
  open.push(d);
  assert.equal((await load(d, 'v2')).version, 2);
  assert.deepEqual(await d.recommend(ctx), before);
  assert.ok(g.urls.includes(moduleUrl), 'the module of the bundle load was given');
});

test('steps timed while the core is created reach whoever listens once it is (replay)', async () => {
  const ns = freshNamespace();
  await firstVisit(ns);
  // The consent read is slow: the kept module, asked for once IndexedDB
  // is open, is fetched, hashed and compiled before create resolves.
  const consent = Storage.prototype.consent;
  Storage.prototype.consent = async function () {
    await new Promise((r) => setTimeout(r, 1500));
    return consent.call(this);
  };
  /** @type {Core} */
  let c;
  try {
    c = await Core.create({ namespace: ns, clock: () => fx.now, fetch: fixtureFetch(), keepDelay: 0, prefetch: { bundleUrl: bundleUrl('v2') } });
  } finally {
    Storage.prototype.consent = consent;
  }
  open.push(c);
  /** @type {string[]} */
  const names = [];
  c.addEventListener('timing', (e) => names.push(/** @type {CustomEvent} */ (e).detail.name));
  assert.deepEqual(names, [], 'nothing before replay');
  c.replay();
  assert.ok(names.includes('privrec:fetch:wasm') && names.includes('privrec:compile'), `the module was fetched and compiled while the core was created: ${names.join(', ')}`);
  c.replay();
  assert.equal(names.filter((n) => n === 'privrec:compile').length, 1, 'once');
});
