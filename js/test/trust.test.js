// The SDK does not take the module's word: it verifies every fetched or
// cached bundle itself before the module runs, refuses a module that lies
// about what it loaded, and keeps the rollback floor from the manifest it
// verified. Engine.create and Engine#load are spied on, to prove that a
// refused bundle never reached the module.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Engine } from '../src/module.js';
import { Storage } from '../src/storage.js';
import { Code } from '../src/errors.js';
import { parseKeys } from '../src/keys.js';
import { bundleFiles, bundleUrl, fixtureFetch, freshNamespace, fx } from './helpers/fixtures.js';

/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});

/** Counts module instantiations and loads, with the bytes each one got. */
const spy = { created: /** @type {Uint8Array[]} */ ([]), loads: /** @type {any[]} */ ([]) };
const realCreate = Engine.create;
const realLoad = Engine.prototype.load;
Engine.create = async function (wasm, options) {
  spy.created.push(wasm);
  return realCreate.call(this, wasm, options);
};
Engine.prototype.load = function (req) {
  spy.loads.push(req);
  return realLoad.call(this, req);
};
function resetSpy() {
  spy.created.length = 0;
  spy.loads.length = 0;
}

/**
 * A fetch serving the fixtures, where edit may change a file on its way
 * (a compromised CDN).
 * @param {(url: string, body: Uint8Array) => Uint8Array} [edit]
 */
function cdn(edit) {
  const base = fixtureFetch();
  /** @type {any} */
  const f = async (/** @type {string} */ url, /** @type {any} */ init) => {
    const res = await base(url, init);
    if (!edit || !res.ok) return res;
    return new Response(/** @type {BodyInit} */ (edit(url, new Uint8Array(await res.arrayBuffer()))));
  };
  f.base = base;
  return f;
}

/** @param {string} namespace @param {any} [fetch] */
async function newCore(namespace, fetch = fixtureFetch()) {
  const c = await Core.create({ namespace, clock: () => fx.now, fetch, keepDelay: 0 });
  open.push(c);
  return c;
}

/**
 * Points c at a bundle and runs an update, returning what it refused.
 * @param {Core} c
 * @param {string} name
 */
async function updateTo(c, name) {
  c.source = { bundleUrl: bundleUrl(name), publicKeys: [fx.public_key] };
  /** @type {any} */
  let refused = null;
  const on = (/** @type {any} */ e) => (refused = e.detail);
  c.addEventListener('updaterefused', on);
  try {
    return { info: (await c.update()).model, refused };
  } finally {
    c.removeEventListener('updaterefused', on);
  }
}

const ctx = { k: 5, context: { hour: 9, weekday: 1 } };

test('the rogue module is a real threat: alone, it "verifies" anything at version 2^53', async () => {
  const rogue = bundleFiles('substituted').wasm;
  const e = await realCreate.call(Engine, rogue);
  const b = bundleFiles('v2');
  const info = e.load({ manifest: b.manifest, signature: new Uint8Array(72), weights: b.weights, catalog: b.catalog, wasm_sha256: e.wasmSHA256, keys: parseKeys([fx.public_key]), now: fx.now, min_version: 2 });
  assert.equal(info.version, fx.rogue_version);
  assert.equal(info.version, 2 ** 53);
});

test('a substituted module is refused before it is instantiated', async (t) => {
  const rogue = bundleFiles('substituted').wasm;
  const genuine = bundleFiles('v2').wasm;
  const swapWasm = () => cdn((url, body) => (url.endsWith('.wasm') ? rogue : body));

  await t.test('first visit, the module swapped in transit', async () => {
    const c = await newCore(freshNamespace(), swapWasm());
    resetSpy();
    await assert.rejects(c.load({ bundleUrl: bundleUrl('v3'), publicKeys: [fx.public_key] }), (/** @type {any} */ e) => e.code === Code.digest_mismatch && /check wasm/.test(e.message));
    assert.equal(spy.created.length, 0, 'the rogue was never instantiated');
    assert.equal(spy.loads.length, 0, 'no module was asked about the bundle');
    assert.equal(await c.storage.highestVersion(), 0, 'the rollback floor did not move');
  });

  await t.test('a later visit whose HTTP cache serves a substituted module', async () => {
    const ns = freshNamespace();
    const first = await newCore(ns);
    await first.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
    const before = await first.recommend(ctx);
    first.close();
    const c = await newCore(ns, swapWasm());
    resetSpy();
    const info = await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
    assert.equal(info.version, 2);
    assert.equal(spy.created.length, 1);
    assert.deepEqual(spy.created[0], genuine, 'the stored genuine module runs, never the substituted one');
    assert.deepEqual(await c.recommend(ctx), before);
  });

  await t.test('an update naming the module already running does not fetch one', async () => {
    const c = await newCore(freshNamespace());
    await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
    resetSpy();
    // v8's directory serves a rogue privrec.wasm, but its manifest signs the
    // module this instance runs already: nothing is fetched or compiled. A
    // fresh instance of the running module loads the update, so the one in
    // use stays untouched until the update is accepted.
    const running = /** @type {any} */ (c.active).wasm;
    c.fetch = fixtureFetch();
    const { info, refused } = await updateTo(c, 'substituted');
    assert.equal(refused, null);
    assert.equal(info.version, 8);
    assert.equal(spy.created.length, 1, 'one instance of the running module');
    assert.equal(spy.created[0], running, 'the bytes already running, not fetched ones');
    assert.ok(!/** @type {any} */ (c.fetch).urls.some((/** @type {string} */ u) => u.endsWith('.wasm')), 'no module was fetched');
  });

  await t.test('an update with a new module swapped in transit', async () => {
    const c = await newCore(freshNamespace());
    await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
    const before = await c.recommend(ctx);
    // Make the running module look different, so the update must fetch one.
    /** @type {any} */ (c.engine).wasmSHA256 = new Uint8Array(32);
    c.fetch = swapWasm();
    resetSpy();
    const { info, refused } = await updateTo(c, 'v3');
    assert.equal(refused?.code, Code.digest_mismatch);
    assert.match(refused?.message, /check wasm/);
    assert.equal(refused?.origin, 'network');
    assert.equal(refused?.kept, 2);
    assert.equal(spy.created.length, 0, 'the rogue was never instantiated');
    assert.equal(spy.loads.length, 0, 'no module was asked about the bundle');
    assert.equal(info.version, 2);
    assert.equal(await c.storage.highestVersion(), 2, 'the rollback floor did not move');
    assert.deepEqual(await c.recommend(ctx), before);
  });
});

test('a substituted module with nothing to fall back on: load fails, nothing runs', async () => {
  const c = await newCore(freshNamespace());
  resetSpy();
  await assert.rejects(c.load({ bundleUrl: bundleUrl('substituted'), publicKeys: [fx.public_key] }), { code: Code.digest_mismatch });
  assert.equal(spy.created.length, 0);
  assert.equal(await c.storage.highestVersion(), 0);
  assert.equal(await c.storage.lastGood(), undefined);
});

test('the SDK itself refuses bad manifests: the module is never asked', async (t) => {
  const c = await newCore(freshNamespace());
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  const flipLast = cdn((url, body) => {
    if (!url.endsWith('manifest.sig')) return body;
    const b = new Uint8Array(body);
    b[b.length - 1] ^= 0x01;
    return b;
  });
  const cases = [
    { name: 'unknown key', bundle: 'untrusted', code: Code.unknown_key },
    { name: 'flipped signature byte', bundle: 'v3', fetch: flipLast, code: Code.bad_signature },
    { name: 'expired', bundle: 'expired', code: Code.expired },
    { name: 'rollback', bundle: 'v1', code: Code.rollback },
    { name: 'tampered weights', bundle: 'tampered', code: Code.digest_mismatch },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      c.fetch = tc.fetch ?? fixtureFetch();
      resetSpy();
      const { info, refused } = await updateTo(c, tc.bundle);
      c.fetch = fixtureFetch();
      assert.equal(refused?.code, tc.code);
      assert.match(refused?.message, /^(verify bundle|check \w+):/, 'the SDK refused it, in its own words');
      assert.equal(spy.created.length, 0, 'no module was instantiated');
      assert.equal(spy.loads.length, 0, 'no module was asked');
      assert.equal(info.version, 2);
      assert.equal(await c.storage.highestVersion(), 2);
    });
  }
});

test('a signed module that lies about what it loaded is refused; the floor comes from the manifest', async () => {
  const c = await newCore(freshNamespace());
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  const before = await c.recommend(ctx);
  resetSpy();
  const { info, refused } = await updateTo(c, 'liar');
  assert.equal(spy.loads.length, 1, 'the liar passed the SDK check and was asked');
  assert.equal(refused?.code, Code.internal);
  assert.match(refused?.message, /module reports version 9007199254740992/);
  assert.equal(info.version, 2);
  assert.equal(c.model.version, 2);
  assert.equal(await c.storage.highestVersion(), 2, 'the claimed 2^53 was not stored');
  await c.saving;
  assert.equal((await c.storage.lastGood())?.version, 2);
  assert.deepEqual(await c.recommend(ctx), before, 'the last good model still answers');
  assert.equal((await updateTo(c, 'v3')).info.version, 3, 'updates still go through');
});

test('a tampered cached bundle is refused on load and reported', async (t) => {
  const rogue = bundleFiles('substituted').wasm;
  const v3 = bundleFiles('v3');
  /** @param {Uint8Array} b */
  const flipped = (b) => {
    const c = new Uint8Array(b);
    c[c.length - 1] ^= 0x01;
    return c;
  };
  // The SDK hashes a kept module, weights and catalog (WebCrypto) before
  // the module runs, which then takes the SDK's digests (verify once): a
  // tampered kept copy never reaches a module.
  const cases = [
    { name: 'weights flipped', edit: (/** @type {any} */ b) => ({ ...b, weights: flipped(b.weights) }), code: Code.digest_mismatch, instantiated: 0 },
    { name: 'catalog flipped', edit: (/** @type {any} */ b) => ({ ...b, catalog: flipped(b.catalog) }), code: Code.digest_mismatch, instantiated: 0 },
    { name: 'weights of another bundle', edit: (/** @type {any} */ b) => ({ ...b, weights: v3.weights }), code: Code.mix_and_match, instantiated: 0 },
    { name: 'module replaced by the rogue', edit: (/** @type {any} */ b) => ({ ...b, wasm: rogue }), code: Code.digest_mismatch, instantiated: 0 },
    { name: 'manifest of a newer bundle, old signature', edit: (/** @type {any} */ b) => ({ ...b, manifest: v3.manifest }), code: Code.bad_signature, instantiated: 0 },
    { name: 'version field inflated and module replaced', edit: (/** @type {any} */ b) => ({ ...b, version: 2 ** 53, wasm: rogue }), code: Code.digest_mismatch, instantiated: 0 },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const ns = freshNamespace();
      const first = await newCore(ns);
      await first.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
      first.close();
      // Another script of the origin edits the stored copy.
      const s = await Storage.open(ns);
      const stored = await s.lastGood();
      await s.db.put('bundles', tc.edit(stored), 'last-good');
      s.close();

      // An offline visit: only the cache could serve.
      const offline = fixtureFetch();
      offline.offline = true;
      const c = await newCore(ns, offline);
      /** @type {any[]} */
      const refused = [];
      c.addEventListener('updaterefused', (e) => refused.push(/** @type {CustomEvent} */ (e).detail));
      resetSpy();
      await assert.rejects(c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] }), { code: tc.code });
      assert.equal(spy.created.length, tc.instantiated, 'the kept module was not instantiated');
      for (const w of spy.created) assert.deepEqual(w, bundleFiles('v2').wasm, 'only the genuine module ever runs');
      assert.deepEqual(
        refused.map((r) => [r.origin, r.code, r.kept]),
        [['cache', tc.code, null]],
      );
      await assert.rejects(c.recommend(), { code: Code.not_loaded });
      assert.equal(await c.storage.highestVersion(), 2);

      // Back online, the genuine bundle loads and replaces the bad copy.
      c.fetch = fixtureFetch();
      assert.equal((await c.update()).model.version, 2);
      await c.saving;
      const again = await c.storage.lastGood();
      assert.equal(again?.version, 2);
      assert.deepEqual(again?.wasm, bundleFiles('v2').wasm);
    });
  }
});

test('without WebCrypto Ed25519 the SDK fails closed', async () => {
  const c = await newCore(freshNamespace());
  const desc = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(globalThis, 'crypto'));
  const broken = Object.create(globalThis.crypto);
  Object.defineProperty(broken, 'subtle', {
    value: Object.assign(Object.create(globalThis.crypto.subtle), {
      importKey: async () => {
        throw new DOMException('Unrecognized algorithm name', 'NotSupportedError');
      },
    }),
  });
  Object.defineProperty(globalThis, 'crypto', { value: broken, configurable: true });
  resetSpy();
  try {
    await assert.rejects(c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] }), (/** @type {any} */ e) => e.code === Code.crypto_unavailable && /Ed25519/.test(e.message));
  } finally {
    Object.defineProperty(globalThis, 'crypto', desc);
  }
  assert.equal(spy.created.length, 0, 'no module-only fallback');
  assert.equal(await c.storage.highestVersion(), 0);
});
