// The module's host-call profile and response contract, enforced in the SDK:
// the honest module keeps to its profile over many loads, recommendations
// and garbage collections; a host call during recommend, a write to stdout
// or stderr, or a clock read with another precision retires the instance
// with a typed error; a response outside its contract never reaches the
// page and retires the module too.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Code } from '../src/errors.js';
import { Engine, sha256 } from '../src/module.js';
import { validateResponse, catalogItems } from '../src/response.js';
import { PROFILE, ProfileViolation } from '../src/wasi.js';
import { parseKeys } from '../src/keys.js';
import { bundleFiles, bundleUrl, fixtureFetch, freshNamespace, fx, nextEvent } from './helpers/fixtures.js';

/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});

const ctx = { k: 5, context: { hour: 9, weekday: 1 } };

test("the honest module keeps to its profile: nothing in recommend, no writes, clock precision 0", async () => {
  const b = bundleFiles('v2');
  /** @type {Record<string, Record<string, number>>} */
  const calls = {};
  /** @type {Engine} */
  let e;
  const trace = (/** @type {string} */ name, /** @type {readonly (number|bigint)[]} */ args) => {
    const phase = e?.wasi.phase ?? 'init';
    const key = name === 'clock_time_get' ? `${name}(${args[0]}, ${args[1]})` : name;
    (calls[phase] ??= {})[key] = (calls[phase][key] ?? 0) + 1;
  };
  e = await Engine.create(b.wasm, { trace });
  const req = { manifest: b.manifest, signature: b.signature, weights: b.weights, catalog: b.catalog, wasm_sha256: await sha256(b.wasm), keys: parseKeys([fx.public_key]), now: fx.now, min_version: 0 };
  for (let i = 0; i < 20; i++) e.load(req);
  // Large requests, so that the allocation counter passes the collector's
  // threshold and privrec_free collects (reading the clock).
  const history = Array.from({ length: 1000 }, (_, i) => ({ item: `sku-${String(i % fx.items).padStart(3, '0')}`, kind: 'view', at: fx.now - i * 1000 }));
  for (let i = 0; i < 300; i++) e.recommend({ k: 10, history, now: fx.now, context: { hour: i % 24, weekday: i % 7 }, explain: i % 2 === 0, exclude: ['sku-001'] });
  assert.equal(e.retired, null);
  assert.equal(calls.recommend, undefined, `recommend made host calls: ${JSON.stringify(calls.recommend)}`);
  for (const [phase, byCall] of Object.entries(calls)) {
    assert.ok(!('fd_write' in byCall), `${phase} wrote`);
    for (const k of Object.keys(byCall)) {
      if (k.startsWith('clock_time_get')) assert.match(k, /, 0\)$/, `${phase}: ${k}`);
      assert.ok(PROFILE[phase].calls.includes(k.replace(/\(.*/, '')), `${phase}: ${k} is outside the profile`);
    }
  }
  test.diagnostic?.(JSON.stringify(calls));
  console.log(`# host calls by phase over 20 loads and 300 recommendations: ${JSON.stringify(calls)}`);
});

test('a host call outside the profile retires the instance with a typed error', async (t) => {
  const b = bundleFiles('v2');
  const cases = [
    { name: 'a clock read during recommend', phase: 'recommend', call: 'clock_time_get', args: [1, 0n, 0], want: /recommend: the module called the host \(clock_time_get\)/ },
    { name: 'a write to stdout', phase: 'load', call: 'fd_write', args: [1, 0, 0, 0], want: /load: the module wrote to stdout \(fd_write\)/ },
    { name: 'a write to stderr at start-up', phase: 'init', call: 'fd_write', args: [2, 0, 0, 0], want: /init: the module wrote to stderr/ },
    { name: 'randomness after start-up', phase: 'free', call: 'random_get', args: [0, 8], want: /free: the module called the host \(random_get\)/ },
    { name: 'eight bytes in the precision', phase: 'load', call: 'clock_time_get', args: [0, 0x6869737430303031n, 0], want: /read clock 0 with precision [1-9][0-9]*, not the Go runtime's \(0\)/ },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const e = await Engine.create(b.wasm, {});
      const fn = /** @type {any} */ (e.wasi.imports().wasi_snapshot_preview1)[tc.call];
      e.wasi.enter(tc.phase);
      assert.throws(() => fn(...tc.args), (err) => err instanceof ProfileViolation && err.code === Code.module_violation && tc.want.test(err.message));
    });
  }
});

test('a violation inside a call retires the engine: typed, reported once, never called again', async () => {
  const b = bundleFiles('v2');
  /** @type {any[]} */
  const retired = [];
  const e = await Engine.create(b.wasm, { onRetire: (err) => retired.push(err) });
  e.load({ manifest: b.manifest, signature: b.signature, weights: b.weights, catalog: b.catalog, wasm_sha256: await sha256(b.wasm), keys: parseKeys([fx.public_key]), now: fx.now, min_version: 0 });
  // The module's export, made to call the host as a rogue build would.
  const clock = /** @type {any} */ (e.wasi.imports().wasi_snapshot_preview1).clock_time_get;
  const real = e.ex.privrec_recommend;
  e.ex = { ...e.ex, privrec_recommend: (/** @type {number} */ p, /** @type {number} */ n) => (clock(0, 0n, 0), real(p, n)) };
  assert.throws(() => e.recommend({ k: 3, history: [], now: fx.now, context: { hour: 1, weekday: 1 } }), (err) => /** @type {any} */ (err).code === Code.module_violation);
  assert.equal(retired.length, 1);
  assert.throws(() => e.recommend({ k: 3, history: [], now: fx.now, context: { hour: 1, weekday: 1 } }), /the module was retired/);
  assert.equal(retired.length, 1);
});

test('responses outside the contract are refused', async (t) => {
  const catalog = catalogItems(bundleFiles('v2').catalog);
  assert.equal(catalog?.size, fx.items, 'the catalog ids are read from the verified catalog');
  const req = { k: 3, history: [{ item: 'sku-001' }, { item: 'sku-002' }], exclude: ['sku-009'], explain: true };
  const good = { k: 3, items: [{ item: 'sku-003', score: 1, source: 'history', because: [{ item: 'sku-001', share: 0.5 }] }, { item: 'sku-004', score: 0.5, source: 'popular' }], unknown: 0 };
  assert.deepEqual(validateResponse(good, req, catalog), good);
  const edit = (/** @type {(r: any) => void} */ f) => {
    const r = structuredClone(good);
    f(r);
    return r;
  };
  const cases = [
    { name: 'a reason outside the history', res: edit((r) => (r.items[0].because[0].item = 'sku-030')), want: /reason that is not in the request's history/ },
    { name: 'the device in source', res: edit((r) => (r.items[1].source = 'mobile')), want: /source outside history, popular/ },
    { name: 'an unknown field', res: edit((r) => (r.items[1].note = 'sku-001')), want: /unknown field "note"/ },
    { name: 'an unknown top-level field', res: edit((r) => (r.trace = [1, 2])), want: /unknown field "trace"/ },
    { name: 'an unknown reason field', res: edit((r) => (r.items[0].because[0].at = 5)), want: /unknown field "at"/ },
    { name: 'an item not in the catalog', res: edit((r) => (r.items[1].item = 'history:sku-001')), want: /not in the catalog/ },
    { name: 'an excluded item', res: edit((r) => (r.items[1].item = 'sku-009')), want: /excluded/ },
    { name: 'an item twice', res: edit((r) => (r.items[1].item = 'sku-003')), want: /twice/ },
    { name: 'more than k', res: edit((r) => r.items.push({ item: 'sku-005', score: 0, source: 'popular' }, { item: 'sku-006', score: 0, source: 'popular' })), want: /4 items; k is 3/ },
    { name: 'a NaN score', res: edit((r) => (r.items[0].score = NaN)), want: /finite/ },
    { name: 'an unknown count above the history', res: edit((r) => (r.unknown = 9)), want: /unknown events/ },
    { name: 'a reason for a popular item', res: edit((r) => (r.items[1].because = [{ item: 'sku-001', share: 1 }])), want: /yet names it popular/ },
  ];
  for (const tc of cases) {
    await t.test(tc.name, () => {
      assert.throws(() => validateResponse(tc.res, req, catalog), (e) => /** @type {any} */ (e).code === Code.module_violation && tc.want.test(/** @type {any} */ (e).message));
    });
  }
  await t.test('explanations nobody asked for', () => {
    assert.throws(() => validateResponse(good, { ...req, explain: false }, catalog), /did not ask/);
  });
});

test('a module whose response breaks the contract is retired: the page never sees it, recommend fails typed, a bundle naming the same module is refused', async () => {
  const c = await Core.create({ namespace: freshNamespace(), clock: () => fx.now, fetch: fixtureFetch(), keepDelay: 0 });
  open.push(c);
  await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
  await c.setConsent('full');
  await c.track({ item: 'sku-002', kind: 'view', at: fx.now - 1000 });
  const engine = /** @type {Engine} */ (c.engine);
  const real = engine.recommend.bind(engine);
  // The response copies an item id the shopper never looked at into "because".
  engine.recommend = (req) => {
    const out = real(req);
    out.items[0] = { ...out.items[0], source: 'history', because: [{ item: 'sku-039', share: 1 }] };
    return out;
  };
  const retired = nextEvent(c, 'moduleretired');
  await assert.rejects(c.recommend({ ...ctx, explain: true }), (e) => /** @type {any} */ (e).code === Code.module_violation);
  const d = /** @type {any} */ (await retired);
  assert.equal(d.code, Code.module_violation);
  assert.equal(d.module, fx.wasm_sha256hex);
  await assert.rejects(c.recommend(ctx), /retired/);
  // The same module is never run again, whatever bundle names it.
  c.source = { bundleUrl: bundleUrl('v3'), publicKeys: [fx.public_key] };
  const r = await c.update();
  assert.equal(r.outcome, 'failed');
  assert.equal(r.failure.code, Code.module_violation);
  await assert.rejects(c.recommend(ctx), /retired/);
});
