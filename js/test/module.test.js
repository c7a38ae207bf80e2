import test from 'node:test';
import assert from 'node:assert/strict';
import { Engine, sha256 } from '../src/module.js';
import { Code } from '../src/errors.js';
import { parseKeys } from '../src/keys.js';
import { bundleFiles, fx, wasmBytes } from './helpers/fixtures.js';

const keys = parseKeys([fx.public_key]);

/**
 * @param {Engine} e
 * @param {string} name
 * @param {{minVersion?: number, now?: number}} [o]
 */
function loadBundle(e, name, o = {}) {
  const b = bundleFiles(name);
  return e.load({
    manifest: b.manifest,
    signature: b.signature,
    weights: b.weights,
    catalog: b.catalog,
    wasm_sha256: e.wasmSHA256,
    keys,
    now: o.now ?? fx.now,
    min_version: o.minVersion ?? 0,
  });
}

test('load and recommend through the ABI', async () => {
  const e = await Engine.create(wasmBytes);
  assert.equal(Buffer.from(e.wasmSHA256).toString('hex'), fx.wasm_sha256hex);
  const info = loadBundle(e, 'v2');
  assert.equal(info.version, 2);
  assert.equal(info.items, fx.items);
  assert.match(info.bundle_id, /^[0-9a-f]{32}$/);
  const res = e.recommend({ k: 3, history: [{ item: 'sku-003', kind: 'purchase', at: fx.now - 1000 }], now: fx.now, context: { hour: 15, weekday: 1 }, explain: true });
  assert.equal(res.k, 3);
  assert.equal(res.items.length, 3);
  assert.equal(res.items[0].source, 'history');
  assert.equal(res.items[0].because[0].item, 'sku-003');
});

test('recommend before load is not_loaded', async () => {
  const e = await Engine.create(wasmBytes);
  assert.throws(() => e.recommend({ k: 1, history: [], now: fx.now, context: { hour: -1, weekday: -1 }, explain: false }), { code: Code.not_loaded, reason: 'not_loaded' });
});

test('refused bundles carry the module codes and keep the last good model', async (t) => {
  const e = await Engine.create(wasmBytes);
  loadBundle(e, 'v2');
  const cases = [
    { name: 'tampered', bundle: 'tampered', code: Code.digest_mismatch },
    { name: 'expired', bundle: 'expired', code: Code.expired },
    { name: 'untrusted key', bundle: 'untrusted', code: Code.unknown_key },
    { name: 'rollback', bundle: 'v1', minVersion: 2, code: Code.rollback },
    { name: 'not yet valid', bundle: 'v3', now: fx.created - 24 * 3600 * 1000, code: Code.not_yet_valid },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.throws(() => loadBundle(e, c.bundle, c), (/** @type {any} */ err) => err.code === c.code && err.name === 'PrivrecError');
      const res = e.recommend({ k: 2, history: [], now: fx.now, context: { hour: -1, weekday: -1 }, explain: false });
      assert.equal(res.items.length, 2, 'the last good model still scores');
    });
  }
});

test('the module checks the host\'s digests (verify once), or hashes when they are absent', async (t) => {
  const e = await Engine.create(wasmBytes);
  const b = bundleFiles('v2');
  const base = { manifest: b.manifest, signature: b.signature, weights: b.weights, catalog: b.catalog, wasm_sha256: e.wasmSHA256, keys, now: fx.now, min_version: 0 };
  const digests = { weights_sha256: await sha256(b.weights), catalog_sha256: await sha256(b.catalog) };
  assert.equal(e.load({ ...base, ...digests }).version, 2, 'the SDK\'s digests of the signed bytes');
  const flipped = new Uint8Array(b.weights);
  flipped[flipped.length - 1] ^= 1;
  const cases = [
    { name: 'tampered weights, no digests: the module hashes', req: { ...base, weights: flipped }, code: Code.digest_mismatch },
    { name: 'tampered weights with their own digest', req: { ...base, ...digests, weights: flipped, weights_sha256: await sha256(flipped) }, code: Code.digest_mismatch },
    { name: 'a catalog digest that is not the manifest\'s', req: { ...base, ...digests, catalog_sha256: new Uint8Array(32) }, code: Code.digest_mismatch },
    { name: 'weights of another bundle', req: { ...base, ...digests, weights: bundleFiles('tampered').weights }, code: Code.mix_and_match },
    { name: 'a short digest', req: { ...base, weights_sha256: new Uint8Array(16) }, code: Code.bad_request },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.throws(() => e.load(c.req), (/** @type {any} */ err) => err.code === c.code);
    });
  }
});

test('large requests survive memory growth', async () => {
  const e = await Engine.create(wasmBytes);
  loadBundle(e, 'v2');
  const exclude = Array.from({ length: 10000 }, (_, i) => `not-an-item-${i}-${'x'.repeat(100)}`);
  const history = Array.from({ length: 1000 }, (_, i) => ({ item: `sku-0${String(i % 40).padStart(2, '0')}`, kind: 'view', at: fx.now - i * 1000 }));
  for (let i = 0; i < 3; i++) {
    const res = e.recommend({ k: 10, history, now: fx.now, context: { hour: -1, weekday: -1 }, exclude, explain: true });
    assert.equal(res.items.length, 10);
  }
});

test('recommend makes no host calls', async () => {
  /** @type {string[]} */
  const calls = [];
  const e = await Engine.create(wasmBytes, { trace: (name) => calls.push(name) });
  loadBundle(e, 'v2');
  calls.length = 0;
  for (let i = 0; i < 20; i++) {
    e.recommend({ k: 10, history: [{ item: 'sku-001', kind: 'cart', at: fx.now }], now: fx.now, context: { hour: 9, weekday: 1 }, explain: true });
  }
  assert.deepEqual(calls, []);
});

// A hand-written module with the ABI's exports whose load and recommend
// trap: the SDK must turn the trap into a PrivrecError and retire the
// instance rather than call into an unknown state again.
function trappingModule() {
  /** @param {number[]} body @param {number} id */
  const section = (id, body) => [id, body.length, ...body];
  /** @param {string} s */
  const name = (s) => [s.length, ...new TextEncoder().encode(s)];
  const types = section(1, [5, 0x60, 0, 0, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 1, 0x7f, 0, 0x60, 2, 0x7f, 0x7f, 1, 0x7e]);
  const funcs = section(3, [6, 0, 1, 2, 3, 4, 4]);
  const memory = section(5, [1, 0, 1]);
  const exps = [
    ['_initialize', 0, 0],
    ['privrec_abi_version', 0, 1],
    ['privrec_alloc', 0, 2],
    ['privrec_free', 0, 3],
    ['privrec_load', 0, 4],
    ['privrec_recommend', 0, 5],
    ['memory', 2, 0],
  ];
  const exports = section(7, [exps.length, ...exps.flatMap(([n, kind, idx]) => [...name(String(n)), Number(kind), Number(idx)])]);
  const bodies = [
    [0, 0x0b],
    [0, 0x41, 1, 0x0b],
    [0, 0x41, 0x80, 0x08, 0x0b],
    [0, 0x0b],
    [0, 0x00, 0x0b],
    [0, 0x00, 0x0b],
  ];
  const code = section(10, [bodies.length, ...bodies.flatMap((b) => [b.length, ...b])]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...funcs, ...memory, ...exports, ...code]);
}

test('a trapping module is retired, not called again', async () => {
  const e = await Engine.create(trappingModule());
  const req = { k: 1, history: [], now: fx.now, context: { hour: -1, weekday: -1 }, explain: false };
  assert.throws(() => e.recommend(req), (/** @type {any} */ err) => err.code === Code.internal && /crashed: .*unreachable/.test(err.message));
  assert.equal(e.broken, true);
  assert.throws(() => e.recommend(req), (/** @type {any} */ err) => err.code === Code.internal && /crashed earlier/.test(err.message));
});
