// The SDK's own verification (src/verify.js), against the bundles signed by
// the Go side (internal/jsfixture): the same refusals, with the same codes,
// as model/bundle.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Code } from '../src/errors.js';
import { parseKeys } from '../src/keys.js';
import { TrustedKeys, checkArtifact, decodeManifest, peekBundleId, verifyBundle, verifyManifest, MAX_CLOCK_SKEW } from '../src/verify.js';
import { bundleFiles, fx } from './helpers/fixtures.js';

const DAY = 24 * 3600 * 1000;
const trusted = await TrustedKeys.import(parseKeys([fx.public_key]));
const keyId = createHash('sha256').update(Buffer.from(fx.public_key, 'base64')).digest('hex').slice(0, 16);

/** @param {Uint8Array} b @param {number} i */
function flip(b, i) {
  const c = new Uint8Array(b);
  c[i < 0 ? c.length + i : i] ^= 0x01;
  return c;
}

test('decodes the manifests the Go side signs', () => {
  const b = bundleFiles('v2');
  const m = decodeManifest(b.manifest);
  assert.equal(m.format, 2);
  assert.equal(m.version, 2);
  assert.equal(m.model, 'neighbors');
  assert.equal(m.created, fx.created);
  assert.ok(m.expires > fx.now);
  assert.equal(m.keyId, keyId);
  assert.match(m.bundleId, /^[0-9a-f]{32}$/);
  assert.equal(peekBundleId(b.weights), m.bundleId, 'the weights header names the same bundle');
  assert.equal(peekBundleId(b.catalog), m.bundleId);
  assert.equal(peekBundleId(b.wasm), null, 'a module has no privrec header');
  assert.deepEqual(
    m.artifacts.map((a) => a.name),
    ['weights', 'catalog', 'wasm'],
  );
  const wasm = m.artifacts.find((a) => a.name === 'wasm');
  assert.equal(Buffer.from(/** @type {any} */ (wasm).sha256).toString('hex'), fx.wasm_sha256hex);
  assert.equal(wasm?.length, b.wasm.length);
});

test('verifyManifest refuses what bundle.Verify refuses', async (t) => {
  const v2 = bundleFiles('v2');
  const cases = [
    { name: 'good', b: v2, code: null },
    { name: 'untrusted key', b: bundleFiles('untrusted'), code: Code.unknown_key },
    { name: 'flipped signature byte', b: { ...v2, signature: flip(v2.signature, -1) }, code: Code.bad_signature },
    { name: 'flipped key id byte', b: { ...v2, signature: flip(v2.signature, 0) }, code: Code.unknown_key },
    { name: 'flipped manifest byte', b: { ...v2, manifest: flip(v2.manifest, 20) }, code: Code.bad_signature },
    { name: 'short signature', b: { ...v2, signature: v2.signature.slice(1) }, code: Code.bad_signature },
    { name: 'signature of another manifest', b: { ...v2, signature: bundleFiles('v3').signature }, code: Code.bad_signature },
    { name: 'oversized manifest', b: { ...v2, manifest: new Uint8Array(64 * 1024 + 1) }, code: Code.too_large },
    { name: 'expired', b: bundleFiles('expired'), code: Code.expired },
    { name: 'expires exactly now', b: v2, now: decodeManifest(v2.manifest).expires, code: Code.expired },
    { name: 'rollback', b: v2, minVersion: 3, code: Code.rollback },
    { name: 'same version is no rollback', b: v2, minVersion: 2, code: null },
    { name: 'not yet valid', b: v2, now: fx.created - MAX_CLOCK_SKEW - 1, code: Code.not_yet_valid },
    { name: 'within the clock skew', b: v2, now: fx.created - MAX_CLOCK_SKEW, code: null },
    { name: 'no clock', b: v2, now: 0, code: Code.bad_request },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const run = verifyManifest(tc.b.manifest, tc.b.signature, { keys: trusted, now: tc.now ?? fx.now, minVersion: tc.minVersion ?? 0 });
      if (tc.code === null) {
        assert.equal((await run).version, decodeManifest(tc.b.manifest).version);
      } else {
        await assert.rejects(run, { name: 'PrivrecError', code: tc.code });
      }
    });
  }
});

test('a rotated-in second key verifies', async () => {
  const both = await TrustedKeys.import(parseKeys([fx.public_key, fx.other_key]));
  const b = bundleFiles('untrusted');
  assert.equal((await verifyManifest(b.manifest, b.signature, { keys: both, now: fx.now, minVersion: 0 })).version, 6);
});

test('checkArtifact refuses what Manifest.Check refuses', async (t) => {
  const v2 = bundleFiles('v2');
  const m = decodeManifest(v2.manifest);
  const cases = [
    { name: 'good weights', art: 'weights', data: v2.weights, code: null },
    { name: 'good module', art: 'wasm', data: v2.wasm, code: null },
    { name: 'weights of another bundle', art: 'weights', data: bundleFiles('tampered').weights, code: Code.mix_and_match },
    { name: 'flipped weights byte', art: 'weights', data: flip(v2.weights, -1), code: Code.digest_mismatch },
    { name: 'truncated catalog', art: 'catalog', data: v2.catalog.slice(0, -1), code: Code.digest_mismatch },
    { name: 'catalog of another bundle', art: 'catalog', data: bundleFiles('v3').catalog, code: Code.mix_and_match },
    { name: 'substituted module', art: 'wasm', data: bundleFiles('substituted').wasm, code: Code.digest_mismatch },
    { name: 'module one byte longer', art: 'wasm', data: new Uint8Array([...v2.wasm, 0]), code: Code.digest_mismatch },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const run = checkArtifact(m, /** @type {any} */ (tc.art), tc.data);
      if (tc.code === null) await run;
      else await assert.rejects(run, { name: 'PrivrecError', code: tc.code });
    });
  }
});

test('verifyBundle checks every artifact, the module included', async (t) => {
  const cases = [
    { name: 'v2', bundle: 'v2', code: null },
    { name: 'tampered weights', bundle: 'tampered', code: Code.digest_mismatch },
    { name: 'substituted module', bundle: 'substituted', code: Code.digest_mismatch },
    { name: 'signed rogue module (only the LoadResult check catches it)', bundle: 'liar', code: null },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      const run = verifyBundle(bundleFiles(tc.bundle), { keys: trusted, now: fx.now, minVersion: 0 });
      if (tc.code === null) assert.equal((await run).version, fx.bundles[tc.bundle]);
      else await assert.rejects(run, { code: tc.code });
    });
  }
});

test('no WebCrypto Ed25519 fails closed', async (t) => {
  const notSupported = Object.assign(Object.create(globalThis.crypto.subtle), {
    importKey: async () => {
      throw new DOMException('Unrecognized algorithm name', 'NotSupportedError');
    },
  });
  const cases = [
    { name: 'no subtle at all', subtle: /** @type {any} */ ({}) },
    { name: 'Ed25519 not supported', subtle: notSupported },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      await assert.rejects(TrustedKeys.import(parseKeys([fx.public_key]), tc.subtle), (/** @type {any} */ e) => e.code === Code.crypto_unavailable && e.reason === 'crypto_unavailable');
    });
  }
});

// A minimal MessagePack writer with explicit types, so a test can write what
// the Go encoder never would: duplicate keys, wrong types, odd widths.
/** @typedef {{map: [any, any][]} | {arr: any[]} | {f64: number} | {raw: number[]} | string | number | bigint | Uint8Array} Mp */
/** @param {Mp} v @returns {number[]} */
function mp(v) {
  const be = (/** @type {number} */ n, /** @type {number} */ bytes) => Array.from({ length: bytes }, (_, i) => (n >>> (8 * (bytes - 1 - i))) & 0xff);
  if (typeof v === 'string') {
    const b = [...new TextEncoder().encode(v)];
    return b.length < 32 ? [0xa0 | b.length, ...b] : [0xd9, b.length, ...b];
  }
  if (v instanceof Uint8Array) return [0xc4, v.length, ...v];
  if (typeof v === 'bigint') {
    const d = new DataView(new ArrayBuffer(9));
    d.setUint8(0, 0xcf);
    d.setBigUint64(1, v);
    return [...new Uint8Array(d.buffer)];
  }
  if (typeof v === 'number') {
    if (v >= 0 && v < 128) return [v];
    if (v < 0 && v >= -32) return [v & 0xff];
    if (v >= 0 && v < 2 ** 32) return [0xce, ...be(v, 4)];
    return mp(v < 0 ? BigInt.asUintN(64, BigInt(v)) : BigInt(v)).map((x, i) => (i === 0 && v < 0 ? 0xd3 : x));
  }
  if ('f64' in v) {
    const d = new DataView(new ArrayBuffer(9));
    d.setUint8(0, 0xcb);
    d.setFloat64(1, v.f64);
    return [...new Uint8Array(d.buffer)];
  }
  if ('raw' in v) return v.raw;
  if ('arr' in v) return [0x90 | v.arr.length, ...v.arr.flatMap(mp)];
  const head = v.map.length < 16 ? [0x80 | v.map.length] : [0xde, ...be(v.map.length, 2)];
  return [...head, ...v.map.flatMap(([k, x]) => [...mp(k), ...mp(x)])];
}

/** The fields of a valid manifest, in Go's order; tests edit a copy. */
function fields() {
  const id = new Uint8Array(16).fill(0xab);
  const art = (/** @type {string} */ name) => ({ map: [['name', name], ['length', 10], ['sha256', new Uint8Array(32)]] });
  return /** @type {[string, Mp][]} */ ([
    ['format', 2],
    ['version', 7],
    ['created', fx.created],
    ['expires', fx.created + DAY],
    ['key_id', keyId],
    ['bundle_id', id],
    ['epsilon', { f64: 1.5 }],
    ['delta', { f64: 1e-6 }],
    ['model', 'embedding'],
    ['artifacts', { arr: [art('weights'), art('catalog'), art('wasm')] }],
  ]);
}

/** @param {(f: [string, Mp][]) => void} edit */
function manifest(edit = () => {}) {
  const f = fields();
  edit(f);
  return new Uint8Array(mp({ map: f }));
}

/** @param {[string, Mp][]} f @param {string} key @param {Mp} v */
const set = (f, key, v) => {
  const i = f.findIndex(([k]) => k === key);
  f[i] = [key, v];
};

test('decodeManifest is as strict as model/bundle', async (t) => {
  assert.equal(decodeManifest(manifest()).version, 7, 'the writer makes valid manifests');
  const arts = (/** @type {any[]} */ ...names) => ({ arr: names.map((n) => ({ map: [['name', n], ['length', 10], ['sha256', new Uint8Array(32)]] })) });
  const cases = [
    { name: 'trailing byte', b: new Uint8Array([...manifest(), 0xc0]), code: Code.corrupt },
    { name: 'truncated', b: manifest().slice(0, -5), code: Code.corrupt },
    { name: 'empty', b: new Uint8Array(0), code: Code.corrupt },
    { name: 'not a map', b: new Uint8Array(mp({ arr: [1, 2] })), code: Code.corrupt },
    { name: 'format not first', b: manifest((f) => f.push(/** @type {any} */ (f.shift()))), code: Code.corrupt },
    { name: 'format 3 (newer)', b: manifest((f) => set(f, 'format', 3)), code: Code.unsupported_version, message: /newer privrec/ },
    { name: 'format 1 (before the model kind)', b: manifest((f) => { set(f, 'format', 1); f.splice(f.findIndex(([k]) => k === 'model'), 1); }), code: Code.unsupported_version, message: /re-signs/ },
    { name: 'no model kind', b: manifest((f) => f.splice(f.findIndex(([k]) => k === 'model'), 1)), code: Code.corrupt, message: /"model" is missing/ },
    { name: 'unknown model kind', b: manifest((f) => set(f, 'model', 'ease')), code: Code.corrupt, message: /model kind "ease"/ },
    { name: 'model kind as bin', b: manifest((f) => set(f, 'model', new TextEncoder().encode('neighbors'))), code: Code.corrupt },
    { name: 'model kind too long', b: manifest((f) => set(f, 'model', 'n'.repeat(33))), code: Code.too_large },
    { name: 'model kind neighbors', b: manifest((f) => set(f, 'model', 'neighbors')), code: null },
    { name: 'unknown field', b: manifest((f) => f.push(['extra', 1])), code: Code.corrupt },
    { name: 'tuning record', b: manifest((f) => f.splice(9, 0, ['tuning', ((/** @type {[any, any][]} */ ...edit) => ({ map: [['metric', 'ndcg@10'], ['score', { f64: 0.1 }], ['users', 1763], ['trials', 45], ['seconds', { f64: 120.5 }], ['params', { map: [['lambda', { f64: 150 }], ['train-half-life', { f64: 62.2 }]] }], ...edit] }))()])), code: null },
    { name: 'tuning field twice', b: manifest((f) => f.splice(9, 0, ['tuning', ((/** @type {[any, any][]} */ ...edit) => ({ map: [['metric', 'ndcg@10'], ['score', { f64: 0.1 }], ['users', 1763], ['trials', 45], ['seconds', { f64: 120.5 }], ['params', { map: [['lambda', { f64: 150 }], ['train-half-life', { f64: 62.2 }]] }], ...edit] }))(['users', 2])])), code: Code.corrupt },
    { name: 'tuning NaN score', b: manifest((f) => f.splice(9, 0, ['tuning', { map: [['metric', 'ndcg@10'], ['score', { f64: NaN }], ['users', 1], ['trials', 1], ['seconds', { f64: 1 }], ['params', { map: [] }]] }])), code: Code.corrupt },
    { name: 'tuning without params', b: manifest((f) => f.splice(9, 0, ['tuning', { map: [['metric', 'ndcg@10'], ['score', { f64: 0.1 }], ['users', 1], ['trials', 1], ['seconds', { f64: 1 }]] }])), code: Code.corrupt },
    { name: 'missing field', b: manifest((f) => f.splice(1, 1)), code: Code.corrupt },
    { name: 'duplicate field', b: manifest((f) => f.push(['version', 8])), code: Code.corrupt },
    { name: 'too many fields', b: manifest((f) => f.push(...Array.from({ length: 8 }, (_, i) => /** @type {[string, Mp]} */ ([`x${i}`, 1])))), code: Code.too_large },
    { name: 'negative version', b: manifest((f) => set(f, 'version', -1)), code: Code.corrupt },
    { name: 'version as a float', b: manifest((f) => set(f, 'version', { f64: 7 })), code: Code.corrupt },
    { name: 'version 2^53 (beyond exact comparison)', b: manifest((f) => set(f, 'version', 2n ** 53n)), code: Code.too_large },
    { name: 'version 2^53-1', b: manifest((f) => set(f, 'version', 2n ** 53n - 1n)), code: null },
    { name: 'created overflows int64', b: manifest((f) => set(f, 'created', 2n ** 63n)), code: Code.corrupt },
    { name: 'expires before created', b: manifest((f) => set(f, 'expires', fx.created)), code: Code.corrupt },
    { name: 'epsilon as an int', b: manifest((f) => set(f, 'epsilon', 1)), code: Code.corrupt },
    { name: 'NaN epsilon', b: manifest((f) => set(f, 'epsilon', { f64: NaN })), code: Code.corrupt },
    { name: 'delta 1', b: manifest((f) => set(f, 'delta', { f64: 1 })), code: Code.corrupt },
    { name: 'short key id', b: manifest((f) => set(f, 'key_id', 'abcd')), code: Code.corrupt },
    { name: 'long key id', b: manifest((f) => set(f, 'key_id', 'a'.repeat(17))), code: Code.too_large },
    { name: 'key id not hex', b: manifest((f) => set(f, 'key_id', 'z'.repeat(16))), code: Code.corrupt },
    { name: 'zero bundle id', b: manifest((f) => set(f, 'bundle_id', new Uint8Array(16))), code: Code.corrupt },
    { name: 'short bundle id', b: manifest((f) => set(f, 'bundle_id', new Uint8Array(15).fill(1))), code: Code.corrupt },
    { name: 'bundle id as str', b: manifest((f) => set(f, 'bundle_id', 'x'.repeat(16))), code: Code.corrupt },
    { name: 'no wasm artifact', b: manifest((f) => set(f, 'artifacts', arts('weights', 'catalog'))), code: Code.missing_artifact },
    { name: 'unknown artifact', b: manifest((f) => set(f, 'artifacts', arts('weights', 'catalog', 'wasm', 'js'))), code: Code.corrupt },
    { name: 'artifact twice', b: manifest((f) => set(f, 'artifacts', arts('weights', 'catalog', 'wasm', 'wasm'))), code: Code.corrupt },
    { name: 'nine artifacts', b: manifest((f) => set(f, 'artifacts', arts(...Array(9).fill('wasm')))), code: Code.too_large },
    {
      name: 'module above its cap',
      b: manifest((f) => set(f, 'artifacts', { arr: ['weights', 'catalog', 'wasm'].map((n) => ({ map: [['name', n], ['length', n === 'wasm' ? 2 ** 26 + 1 : 1], ['sha256', new Uint8Array(32)]] })) })),
      code: Code.too_large,
    },
    { name: 'map32 header with a huge count', b: new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff]), code: Code.too_large },
    { name: 'str32 key with a huge length', b: new Uint8Array([0x81, 0xdb, 0xff, 0xff, 0xff, 0xff]), code: Code.too_large },
  ];
  for (const tc of cases) {
    await t.test(tc.name, () => {
      if (tc.code === null) decodeManifest(tc.b);
      else assert.throws(() => decodeManifest(tc.b), (/** @type {any} */ e) => e.name === 'PrivrecError' && e.code === tc.code && (!tc.message || tc.message.test(e.message)));
    });
  }
});
