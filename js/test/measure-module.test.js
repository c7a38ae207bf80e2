// The real measure module (dist/privrec-measure.wasm, `make measure-wasm`;
// or PRIVREC_MEASURE_WASM=path) under the SDK's WASI shim and its
// measurement profile: the report it makes has the pinned draft's layout
// and the size wasm/measure/layout.json states, its shares are sealed to
// the configs given, and measure_report makes no host call but random_get.
// Also: the JS layout mirrors model/dap's (layout.json).
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Core } from '../src/core.js';
import { Code, PrivrecError } from '../src/errors.js';
import { DAY, LAYOUT, MEASURE_ABI_VERSION, MEASURE_PROFILE, MeasureEngine } from '../src/measure.js';
import { Wasi, checkImports } from '../src/wasi.js';
import { bundleUrl, fixtureFetch, freshNamespace, fx } from './helpers/fixtures.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const layout = JSON.parse(readFileSync(join(ROOT, 'wasm', 'measure', 'layout.json'), 'utf8'));
const WASM = process.env.PRIVREC_MEASURE_WASM || join(ROOT, 'dist', 'privrec-measure.wasm');
const skip = existsSync(WASM) ? false : `${WASM} is missing: run make measure-wasm (or set PRIVREC_MEASURE_WASM)`;

test('the JS layout mirrors model/dap (wasm/measure/layout.json)', () => {
  assert.equal(LAYOUT.version, layout.version);
  assert.equal(LAYOUT.length, layout.length);
  assert.equal(LAYOUT.bits, layout.bits);
  assert.equal(LAYOUT.max, layout.max_entry);
  assert.equal(MEASURE_ABI_VERSION, layout.measure_abi_version);
  assert.deepEqual(Object.entries(LAYOUT.index), layout.entries.map((/** @type {any} */ e) => [e.name, e.index]));
});

/**
 * An HpkeConfigList (DAP-15: HpkeConfig configs<0..2^16-1>) of one
 * X25519 / HKDF-SHA256 / AES-128-GCM config.
 * @param {number} id
 */
async function configList(id) {
  const kp = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']));
  const pub = new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey));
  const cfg = [id, 0x00, 0x20, 0x00, 0x01, 0x00, 0x01, pub.length >> 8, pub.length & 255, ...pub];
  return new Uint8Array([cfg.length >> 8, cfg.length & 255, ...cfg]);
}

/** A reader of the draft's TLS presentation syntax. @param {Uint8Array} b */
function reader(b) {
  let i = 0;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const r = {
    u8: () => v.getUint8(i++),
    u16: () => ((i += 2), v.getUint16(i - 2)),
    u32: () => ((i += 4), v.getUint32(i - 4)),
    u64: () => ((i += 8), Number(v.getBigUint64(i - 8))),
    bytes: (/** @type {number} */ n) => b.slice(i, (i += n)),
    /** @param {2|4} w */
    opaque: (w) => r.bytes(w === 2 ? r.u16() : r.u32()),
    rest: () => b.length - i,
  };
  return r;
}

/** Parses a Report (DAP-15 Section 4.5.2). @param {Uint8Array} b */
function parseReport(b) {
  const r = reader(b);
  const id = r.bytes(16);
  const time = r.u64();
  const extensions = r.opaque(2);
  const publicShare = r.opaque(4);
  const share = () => ({ config: r.u8(), enc: r.opaque(2), payload: r.opaque(4) });
  const leader = share();
  const helper = share();
  return { id, time, extensions, publicShare, leader, helper, trailing: r.rest() };
}

async function realEngine(/** @type {{trace?: (name: string) => void}} */ o = {}) {
  const mod = await WebAssembly.compile(readFileSync(WASM));
  checkImports(mod); // the privrec allowlist
  if (!o.trace) return MeasureEngine.create(mod);
  const wasi = new Wasi({ profile: /** @type {any} */ (MEASURE_PROFILE), trace: o.trace });
  const inst = await WebAssembly.instantiate(mod, wasi.imports());
  wasi.bind(inst);
  return MeasureEngine.from(inst.exports, wasi);
}

const TASK = new Uint8Array(32).map((_, i) => i + 1);

test('the real module makes a report of the pinned layout, sealed to both configs, within its host-call profile', { skip }, async () => {
  /** @type {{phase: string, name: string}[]} */
  const calls = [];
  let engine = /** @type {MeasureEngine} */ (/** @type {unknown} */ (null));
  engine = await realEngine({ trace: (name) => calls.push({ phase: /** @type {any} */ (engine)?.wasi.phase ?? 'init', name }) });
  const [leader, helper] = await Promise.all([configList(7), configList(9)]);
  const now = Math.floor(fx.now / 1000);
  const measurement = [0, 1, 0, 0, 12, 3, 1, 0, 0, 0, 2];
  calls.length = 0;
  const r = engine.report({ task_id: TASK, leader_config: leader, helper_config: helper, measurement, now, time_precision: 3600 });
  assert.equal(r.report.length, layout.report_size, 'the size layout.json states');
  assert.equal(r.time, Math.floor(now / 3600) * 3600);
  const p = parseReport(r.report);
  assert.equal(p.trailing, 0);
  assert.deepEqual([...p.id], [...r.report_id]);
  assert.equal(p.time, r.time);
  assert.equal(p.extensions.length, 0);
  assert.equal(p.leader.config, 7);
  assert.equal(p.helper.config, 9);
  assert.equal(p.leader.enc.length, 32, 'an X25519 encapsulated key');
  assert.equal(p.helper.enc.length, 32);
  // The shares, the HPKE keys and the report id come from random_get; the
  // Go runtime may read the (monotonic, precision-0: the shim checks)
  // clock. Nothing else is allowed (MEASURE_PROFILE).
  const made = calls.filter((c) => c.phase === 'report').map((c) => c.name);
  assert.ok(made.includes('random_get'), 'the report’s randomness comes from the host');
  assert.deepEqual([...new Set(made)].filter((n) => n !== 'random_get' && n !== 'clock_time_get'), []);
  console.log(`measure_report host calls: ${JSON.stringify(Object.fromEntries([...new Set(made)].map((n) => [n, made.filter((x) => x === n).length])))}`);

  // Another measurement: the same size, fresh ids and shares.
  const r2 = engine.report({ task_id: TASK, leader_config: leader, helper_config: helper, measurement: [1, 0, 0, 1, 0, 0, 0, 255, 200, 100, 255], now, time_precision: 3600 });
  assert.equal(r2.report.length, r.report.length, 'the size does not depend on the counters');
  assert.notDeepEqual([...r2.report_id], [...r.report_id]);

  // A bad request is an error code, never a trap; the instance still works.
  assert.throws(
    () => engine.report({ task_id: TASK, leader_config: new Uint8Array([0, 0]), helper_config: helper, measurement, now, time_precision: 3600 }),
    (e) => e instanceof PrivrecError && e.code < 100 && /leader/.test(e.message),
  );
  assert.throws(
    () => engine.report({ task_id: TASK, leader_config: leader, helper_config: helper, measurement: [256, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], now, time_precision: 3600 }),
    (e) => e instanceof PrivrecError && e.code === Code.bad_request,
  );
  assert.equal(engine.report({ task_id: TASK, leader_config: leader, helper_config: helper, measurement, now, time_precision: 3600 }).report.length, layout.report_size);
});

test('through the core: the uploaded body is the real module’s report', { skip }, async () => {
  const [leaderCfg, helperCfg] = await Promise.all([configList(1), configList(2)]);
  const cdn = fixtureFetch();
  /** @type {Uint8Array[]} */
  const uploads = [];
  const task = Buffer.from(TASK).toString('base64url');
  const fetch = async (/** @type {string} */ url, /** @type {any} */ init) => {
    if (url === 'https://leader.test/hpke_config') return new Response(leaderCfg);
    if (url === 'https://helper.test/hpke_config') return new Response(helperCfg);
    if (url === `https://leader.test/tasks/${task}/reports` && init?.method === 'POST') {
      uploads.push(init.body);
      return new Response(null, { status: 201 });
    }
    return cdn(url, init);
  };
  const c = await Core.create({
    namespace: freshNamespace(),
    clock: () => fx.now,
    fetch: /** @type {any} */ (fetch),
    measurement: { taskId: task, leader: 'https://leader.test/', helper: 'https://helper.test/', wasmUrl: 'https://cdn.test/unused.wasm' },
    measureHooks: { engine: () => realEngine(), random: () => 0.5 },
  });
  try {
    await c.load({ bundleUrl: bundleUrl('v2'), publicKeys: [fx.public_key] });
    await c.setConsent('session');
    const res = await c.recommend({ k: 3 });
    await c.measurementCall('shown', res.items);
    const sent = await c.measurementCall('send');
    assert.ok(sent, JSON.stringify((await c.measurementStatus()).failure));
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0].length, layout.report_size);
    const p = parseReport(uploads[0]);
    assert.equal(p.time, Math.floor(fx.now / DAY) * 86400);
    assert.equal(sent.report_id, Buffer.from(p.id).toString('hex'));
    assert.equal(sent.words, 'consent: this visit; arm: personal; 3 recommendations seen, 0 clicked, 0 bought; 1 visit');
  } finally {
    c.close();
  }
});
