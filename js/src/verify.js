// The SDK's own check of a signed bundle, before it trusts any fetched byte:
// the Ed25519 signature over the domain-separated manifest (WebCrypto), the
// manifest itself (decoded as strictly as model/bundle does), expiry, the
// rollback floor, and the length and SHA-256 of every artifact, the module
// included. Only a bundle that passes is handed to the module, with the
// digests checked here (weights_sha256, catalog_sha256: verify once, see
// wasm/ABI.md); the module verifies the signature again and compares those
// digests, the lengths and the bundle ids with the manifest instead of
// hashing the artifacts in WebAssembly. A substituted module is refused
// here, before it is compiled, and can therefore neither lie about the model
// it loaded nor raise the rollback floor.
//
// Formats and rules mirror model/bundle (bundle.go, manifest.go); refusals
// carry the module's codes, so a page sees the same reason whichever side
// refused.

import { Code, PrivrecError } from './errors.js';

/** The manifest format this SDK reads (bundle.FormatVersion): 2 added the signed model kind. */
export const MANIFEST_FORMAT = 2;
/** The model kinds a manifest may name (model.ModelKind). */
export const MODEL_KINDS = Object.freeze(/** @type {const} */ (['neighbors', 'embedding']));
/** Caps of model/bundle: bytes of manifest.bin and of each artifact. */
export const MAX_MANIFEST = 64 << 10;
const MAX_ARTIFACT = Object.freeze({ weights: 32 << 20, catalog: 32 << 20, wasm: 64 << 20, items: 16 << 20 });
const REQUIRED = /** @type {const} */ (['weights', 'catalog', 'wasm']);
const MAX_KEYS = 16;
const KEY_ID_BYTES = 8;
const SIG_BYTES = 64;
/** Size of manifest.sig: the signer's key id, then the Ed25519 signature. */
export const SIGNATURE_SIZE = KEY_ID_BYTES + SIG_BYTES;
/** How far ahead of the clock a manifest's created time may be (bundle.MaxClockSkew). */
export const MAX_CLOCK_SKEW = 5 * 60 * 1000;
const DOMAIN = new TextEncoder().encode('privrec manifest v1\x00');

// Decoder caps (manifest.go).
const MAX_FIELDS = 16;
const MAX_ART_FIELDS = 8;
const MAX_ARTIFACTS = 8;
const MAX_KEY_LEN = 32;
const MAX_NAME_LEN = 32;
const KEY_ID_LEN = 16;
const MAX_MODEL_LEN = 32;

/**
 * A manifest the SDK decoded. Times are Unix ms; version is exact (at most
 * 2^53 - 1); bundleId and keyId are lower-case hex.
 * @typedef {object} Manifest
 * @property {number} format
 * @property {number} version
 * @property {number} created
 * @property {number} expires
 * @property {string} keyId
 * @property {string} bundleId
 * @property {number} epsilon
 * @property {number} delta
 * @property {'neighbors'|'embedding'} model how the weights score (model.ModelKind)
 * @property {{name: string, length: number, sha256: Uint8Array}[]} artifacts
 * @property {{metric: string, score: number, users: number, trials: number, seconds: number, params: Record<string, number>}} [tuning]
 *   the signed record of train's hyper-parameter search, when it ran
 */

/** @param {Uint8Array} b */
export const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * WebCrypto's SubtleCrypto, or a crypto_unavailable error: the SDK fails
 * closed rather than trust a module to verify itself.
 * @param {SubtleCrypto | undefined} [subtle]
 * @returns {SubtleCrypto}
 */
function subtleOf(subtle) {
  const s = subtle ?? globalThis.crypto?.subtle;
  if (!s || typeof s.digest !== 'function' || typeof s.importKey !== 'function' || typeof s.verify !== 'function') {
    throw new PrivrecError(Code.crypto_unavailable, 'verify bundle: WebCrypto (crypto.subtle) is not available here; privrec needs a secure context (https or localhost)');
  }
  return s;
}

/**
 * @param {SubtleCrypto} subtle
 * @param {Uint8Array} data
 * @returns {Promise<Uint8Array>}
 */
async function digest(subtle, data) {
  try {
    return new Uint8Array(await subtle.digest('SHA-256', /** @type {BufferSource} */ (data)));
  } catch (e) {
    throw new PrivrecError(Code.crypto_unavailable, `verify bundle: SHA-256 failed: ${e instanceof Error ? e.message : e}`, { cause: e });
  }
}

/**
 * Trusted keys imported into WebCrypto, with their key ids. Immutable once
 * made; safe to share between loads.
 */
export class TrustedKeys {
  /**
   * Imports raw 32-byte Ed25519 public keys (keys.js parses them). Fails
   * with crypto_unavailable when WebCrypto lacks Ed25519.
   * @param {readonly Uint8Array[]} raw
   * @param {SubtleCrypto} [subtle] default globalThis.crypto.subtle
   * @returns {Promise<TrustedKeys>}
   */
  static async import(raw, subtle) {
    const s = subtleOf(subtle);
    if (raw.length === 0) throw new PrivrecError(Code.bad_request, 'verify bundle: no trusted keys; pass the publisher\'s public key');
    if (raw.length > MAX_KEYS) throw new PrivrecError(Code.too_large, `verify bundle: ${raw.length} trusted keys; at most ${MAX_KEYS}`);
    const keys = [];
    for (const [i, k] of raw.entries()) {
      if (k.length !== 32) throw new PrivrecError(Code.bad_request, `verify bundle: trusted key ${i} is ${k.length} bytes; want 32`);
      let key;
      try {
        key = await s.importKey('raw', /** @type {BufferSource} */ (k), { name: 'Ed25519' }, false, ['verify']);
      } catch (e) {
        const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        throw new PrivrecError(Code.crypto_unavailable, `verify bundle: this browser's WebCrypto cannot verify Ed25519 (${what}); privrec refuses to load unverified models`, { cause: e });
      }
      keys.push({ id: toHex((await digest(s, k)).subarray(0, KEY_ID_BYTES)), key });
    }
    return new TrustedKeys(keys, s);
  }

  /**
   * @param {{id: string, key: CryptoKey}[]} keys
   * @param {SubtleCrypto} subtle
   */
  constructor(keys, subtle) {
    this.keys = Object.freeze(keys);
    this.subtle = subtle;
  }
}

/**
 * Checks signature over manifest with one of keys, and only then decodes
 * the manifest and checks its times and version, as bundle.Verify does.
 * @param {Uint8Array} manifest manifest.bin
 * @param {Uint8Array} signature manifest.sig
 * @param {{keys: TrustedKeys, now: number, minVersion: number}} opts
 * @returns {Promise<Manifest>}
 */
export async function verifyManifest(manifest, signature, opts) {
  const { keys, now, minVersion } = opts;
  if (!(Number.isSafeInteger(now) && now > 0)) {
    throw new PrivrecError(Code.bad_request, `verify bundle: now is ${now}; pass the clock in Unix ms`);
  }
  if (manifest.length > MAX_MANIFEST) {
    throw new PrivrecError(Code.too_large, `verify bundle: manifest is ${manifest.length} bytes; at most ${MAX_MANIFEST}`);
  }
  if (signature.length !== SIGNATURE_SIZE) {
    throw new PrivrecError(Code.bad_signature, `verify bundle: signature is ${signature.length} bytes; want ${SIGNATURE_SIZE}`);
  }
  const id = toHex(signature.subarray(0, KEY_ID_BYTES));
  const candidates = keys.keys.filter((k) => k.id === id);
  if (candidates.length === 0) {
    throw new PrivrecError(Code.unknown_key, `verify bundle: signed by key ${id}, which is not among the ${keys.keys.length} trusted keys`);
  }
  const payload = new Uint8Array(DOMAIN.length + manifest.length);
  payload.set(DOMAIN);
  payload.set(manifest, DOMAIN.length);
  const sig = signature.slice(KEY_ID_BYTES);
  let ok = false;
  for (const k of candidates) {
    try {
      ok = await keys.subtle.verify({ name: 'Ed25519' }, k.key, sig, payload);
    } catch (e) {
      throw new PrivrecError(Code.crypto_unavailable, `verify bundle: Ed25519 verification failed to run: ${e instanceof Error ? e.message : e}`, { cause: e });
    }
    if (ok) break;
  }
  if (!ok) throw new PrivrecError(Code.bad_signature, `verify bundle: the signature of key ${id} does not match the manifest`);

  const m = decodeManifest(manifest);
  if (m.keyId !== id) {
    throw new PrivrecError(Code.bad_signature, `verify bundle: manifest names key ${m.keyId} but is signed by key ${id}`);
  }
  if (m.created > now + MAX_CLOCK_SKEW) {
    throw new PrivrecError(Code.not_yet_valid, `verify bundle: created at ${stamp(m.created)}, after the clock (${stamp(now)})`);
  }
  if (m.expires <= now) {
    throw new PrivrecError(Code.expired, `verify bundle: expired at ${stamp(m.expires)}`);
  }
  if (m.version < minVersion) {
    throw new PrivrecError(Code.rollback, `verify bundle: version ${m.version} is below the minimum ${minVersion}`);
  }
  return m;
}

/** @param {number} ms */
function stamp(ms) {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Checks that data is the artifact the manifest calls name: its length and
 * SHA-256 (bundle.Manifest.Check). Weights, catalog or items whose header
 * names another bundle are mix_and_match; any other difference is
 * digest_mismatch. "items" (the page metadata, catalog.js) is optional: a
 * manifest that does not list it fails here with missing_artifact.
 * @param {Manifest} m
 * @param {'weights'|'catalog'|'wasm'|'items'} name
 * @param {Uint8Array} data
 * @param {SubtleCrypto} [subtle]
 */
export async function checkArtifact(m, name, data, subtle) {
  const s = subtleOf(subtle);
  const a = m.artifacts.find((x) => x.name === name);
  if (!a) throw new PrivrecError(Code.missing_artifact, `check ${name}: the manifest lists no such artifact`);
  if (data.length > MAX_ARTIFACT[name]) {
    throw new PrivrecError(Code.too_large, `check ${name}: ${data.length} bytes; at most ${MAX_ARTIFACT[name]}`);
  }
  if (data.length === a.length && equalBytes(await digest(s, data), a.sha256)) return;
  // A .wasm carries no bundle id: a different module is always a mismatch.
  const id = name === 'wasm' ? null : peekBundleId(data);
  if (id !== null && id !== m.bundleId) {
    throw new PrivrecError(Code.mix_and_match, `check ${name}: it belongs to bundle ${id}, the manifest to bundle ${m.bundleId}`);
  }
  if (data.length !== a.length) {
    throw new PrivrecError(Code.digest_mismatch, `check ${name}: ${data.length} bytes; the manifest says ${a.length}`);
  }
  throw new PrivrecError(Code.digest_mismatch, `check ${name}: SHA-256 differs from the manifest`);
}

/**
 * Everything the SDK checks before it instantiates a module or hands it a
 * bundle: the signed manifest (verifyManifest), then weights, catalog and
 * the module bytes against it, in the module's order.
 * @param {{manifest: Uint8Array, signature: Uint8Array, weights: Uint8Array, catalog: Uint8Array, wasm: Uint8Array, items?: Uint8Array}} b
 * @param {{keys: TrustedKeys, now: number, minVersion: number}} opts
 * @returns {Promise<Manifest>}
 */
export async function verifyBundle(b, opts) {
  const m = await verifyManifest(b.manifest, b.signature, opts);
  for (const name of REQUIRED) await checkArtifact(m, name, b[name], opts.keys.subtle);
  if (listsItems(m)) await checkArtifact(m, 'items', b.items ?? new Uint8Array(0), opts.keys.subtle);
  return m;
}

/**
 * Whether a verified manifest lists the optional page metadata.
 * @param {Manifest} m
 */
export function listsItems(m) {
  return m.artifacts.some((a) => a.name === 'items');
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A strict reader of the MessagePack subset the manifest uses. Every
 * method checks the type byte first, so a nil or a negative number never
 * reads as a zero or a huge unsigned; the first error is thrown.
 */
class Reader {
  /** @param {Uint8Array} b */
  constructor(b) {
    this.b = b;
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.i = 0;
  }

  /** @param {string} what @param {number} n */
  need(what, n) {
    if (this.i + n > this.b.length) throw corrupt(`${what}: truncated`);
  }

  /** @param {string} what */
  peek(what) {
    this.need(what, 1);
    return this.b[this.i];
  }

  /** @param {string} what @param {number} c */
  unexpected(what, c) {
    return corrupt(`${what}: unexpected MessagePack type 0x${c.toString(16).padStart(2, '0')}`);
  }

  /** @param {string} what @param {number} size 1, 2 or 4 */
  uintN(what, size) {
    this.need(what, size);
    const x = size === 1 ? this.v.getUint8(this.i) : size === 2 ? this.v.getUint16(this.i) : this.v.getUint32(this.i);
    this.i += size;
    return x;
  }

  /**
   * A map or array header, checked against max.
   * @param {string} what
   * @param {'map'|'array'} kind
   * @param {number} max
   */
  length(what, kind, max) {
    const c = this.peek(what);
    const [fix, b16, b32] = kind === 'map' ? [0x80, 0xde, 0xdf] : [0x90, 0xdc, 0xdd];
    let n;
    if ((c & 0xf0) === fix) {
      this.i++;
      n = c & 0x0f;
    } else if (c === b16 || c === b32) {
      this.i++;
      n = this.uintN(what, c === b16 ? 2 : 4);
    } else {
      throw this.unexpected(what, c);
    }
    if (n > max) throw new PrivrecError(Code.too_large, `decode manifest: ${what} has ${n} entries; at most ${max}`);
    return n;
  }

  /**
   * A str or bin of at most max bytes.
   * @param {string} what
   * @param {'str'|'bin'} kind
   * @param {number} max
   */
  raw(what, kind, max) {
    const c = this.peek(what);
    let n;
    if (kind === 'str' && (c & 0xe0) === 0xa0) {
      this.i++;
      n = c & 0x1f;
    } else if ((kind === 'str' && c >= 0xd9 && c <= 0xdb) || (kind === 'bin' && c >= 0xc4 && c <= 0xc6)) {
      this.i++;
      const step = kind === 'str' ? c - 0xd9 : c - 0xc4;
      n = this.uintN(what, [1, 2, 4][step]);
    } else {
      throw this.unexpected(what, c);
    }
    if (n > max) throw new PrivrecError(Code.too_large, `decode manifest: ${what} is ${n} bytes; at most ${max}`);
    this.need(what, n);
    const out = this.b.slice(this.i, this.i + n);
    this.i += n;
    return out;
  }

  /** @param {string} what @param {number} max */
  str(what, max) {
    return new TextDecoder().decode(this.raw(what, 'str', max));
  }

  /** @param {string} what @param {number} size */
  fixedBin(what, size) {
    const b = this.raw(what, 'bin', size);
    if (b.length !== size) throw corrupt(`${what} is ${b.length} bytes; want ${size}`);
    return b;
  }

  /**
   * An integer of any MessagePack width, as a BigInt; unsigned only if
   * signed is false. A uint64 above 2^63-1 is refused where signed.
   * @param {string} what
   * @param {boolean} signed
   * @returns {bigint}
   */
  int(what, signed) {
    const c = this.peek(what);
    this.i++;
    if (c <= 0x7f) return BigInt(c);
    if (signed && c >= 0xe0) return BigInt(c - 0x100);
    const v = this.v;
    /** @type {Record<number, [number, (o: number) => number | bigint]>} */
    const widths = {
      0xcc: [1, (o) => v.getUint8(o)],
      0xcd: [2, (o) => v.getUint16(o)],
      0xce: [4, (o) => v.getUint32(o)],
      0xcf: [8, (o) => v.getBigUint64(o)],
    };
    if (signed) {
      Object.assign(widths, {
        0xd0: [1, (/** @type {number} */ o) => v.getInt8(o)],
        0xd1: [2, (/** @type {number} */ o) => v.getInt16(o)],
        0xd2: [4, (/** @type {number} */ o) => v.getInt32(o)],
        0xd3: [8, (/** @type {number} */ o) => v.getBigInt64(o)],
      });
    }
    const w = widths[c];
    if (!w) {
      this.i--;
      throw this.unexpected(what, c);
    }
    this.need(what, w[0]);
    const x = BigInt(w[1](this.i));
    this.i += w[0];
    if (signed && x > 0x7fffffffffffffffn) throw corrupt(`${what}: ${x} overflows int64`);
    return x;
  }

  /** @param {string} what */
  float(what) {
    const c = this.peek(what);
    if (c !== 0xcb) throw this.unexpected(what, c);
    this.i++;
    this.need(what, 8);
    const x = this.v.getFloat64(this.i);
    this.i += 8;
    return x;
  }
}

/** @param {string} msg */
function corrupt(msg) {
  return new PrivrecError(Code.corrupt, `decode manifest: ${msg}`);
}

/**
 * Decodes manifest.bin as strictly as model/bundle: the format version
 * first, every length capped before anything is allocated, no unknown,
 * duplicate or missing fields, no trailing bytes, then the checks of
 * Manifest.validate. Call it on verified bytes only (verifyManifest does).
 * @param {Uint8Array} b
 * @returns {Manifest}
 */
export function decodeManifest(b) {
  if (b.length > MAX_MANIFEST) throw new PrivrecError(Code.too_large, `decode manifest: ${b.length} bytes; at most ${MAX_MANIFEST}`);
  const r = new Reader(b);
  const n = r.length('manifest', 'map', MAX_FIELDS);
  if (n === 0 || r.str('manifest key', MAX_KEY_LEN) !== 'format') {
    throw corrupt('not a privrec manifest: the first field is not "format"');
  }
  const format = r.int('format', true);
  if (format !== BigInt(MANIFEST_FORMAT)) {
    const advice =
      format >= 1n && format < BigInt(MANIFEST_FORMAT)
        ? 'it predates the signed model kind: the publisher re-signs the bundle with a current privrec (privrec sign)'
        : 'the bundle was made by a newer privrec: update the SDK';
    throw new PrivrecError(Code.unsupported_version, `decode manifest: manifest format ${format}; this SDK reads format ${MANIFEST_FORMAT}: ${advice}`);
  }
  /** @type {any} */
  const m = { format: MANIFEST_FORMAT };
  const seen = new Set(['format']);
  for (let i = 1; i < n; i++) {
    const key = r.str('manifest key', MAX_KEY_LEN);
    if (seen.has(key)) throw corrupt(`field ${JSON.stringify(key)} appears twice`);
    seen.add(key);
    switch (key) {
      case 'version': {
        const v = r.int(key, false);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new PrivrecError(Code.too_large, `decode manifest: version ${v} is above 2^53-1, the largest this SDK compares exactly`);
        }
        m.version = Number(v);
        break;
      }
      case 'created':
      case 'expires':
        // Number() is monotonic, so ordering checks stay right even for
        // times beyond 2^53 ms (which no real manifest holds).
        m[key] = Number(r.int(key, true));
        break;
      case 'key_id':
        m.keyId = r.str(key, KEY_ID_LEN);
        break;
      case 'bundle_id':
        m.bundleId = toHex(r.fixedBin(key, 16));
        break;
      case 'epsilon':
      case 'delta':
        m[key] = r.float(key);
        break;
      case 'model':
        m.model = r.str(key, MAX_MODEL_LEN);
        break;
      case 'artifacts':
        m.artifacts = artifacts(r);
        break;
      case 'tuning':
        m.tuning = tuning(r);
        break;
      default:
        throw corrupt(`unknown field ${JSON.stringify(key)}`);
    }
  }
  for (const key of ['version', 'created', 'expires', 'key_id', 'bundle_id', 'epsilon', 'delta', 'model', 'artifacts']) {
    if (!seen.has(key)) throw corrupt(`field ${JSON.stringify(key)} is missing`);
  }
  validate(m);
  if (r.i !== b.length) throw corrupt(`${b.length - r.i} trailing bytes`);
  return m;
}

/**
 * The optional tuning record, as strictly as model/bundle: every field
 * required, finite figures, at most 16 uniquely named parameters.
 * @param {Reader} r
 */
function tuning(r) {
  const n = r.length('tuning', 'map', 8);
  /** @type {any} */
  const t = { params: Object.create(null) };
  const seen = new Set();
  for (let i = 0; i < n; i++) {
    const key = r.str('tuning key', MAX_KEY_LEN);
    if (seen.has(key)) throw corrupt(`tuning: field ${JSON.stringify(key)} appears twice`);
    seen.add(key);
    if (key === 'metric') t.metric = r.str('tuning.metric', 32);
    else if (key === 'score' || key === 'seconds') t[key] = r.float(`tuning.${key}`);
    else if (key === 'users' || key === 'trials') t[key] = Number(r.int(`tuning.${key}`, true));
    else if (key === 'params') {
      const k = r.length('tuning.params', 'map', 16);
      for (let j = 0; j < k; j++) {
        const name = r.str('tuning.params key', MAX_KEY_LEN);
        const v = r.float('tuning.params value');
        if (name === '' || Object.hasOwn(t.params, name)) throw invalid(`tuned parameter ${JSON.stringify(name)} is empty or appears twice`);
        if (!Number.isFinite(v)) throw invalid(`tuned ${name} is ${v}; want a finite value`);
        t.params[name] = v;
      }
    } else throw corrupt(`tuning: unknown field ${JSON.stringify(key)}`);
  }
  for (const key of ['metric', 'score', 'users', 'trials', 'seconds', 'params']) {
    if (!seen.has(key)) throw corrupt(`tuning: field ${JSON.stringify(key)} is missing`);
  }
  if (t.metric === '') throw invalid('tuning metric is empty');
  for (const key of ['score', 'seconds', 'users', 'trials']) {
    if (!(Number.isFinite(t[key]) && t[key] >= 0)) throw invalid(`tuning ${key} is ${t[key]}; want a finite value >= 0`);
  }
  return t;
}

/** @param {Reader} r */
function artifacts(r) {
  const n = r.length('artifacts', 'array', MAX_ARTIFACTS);
  const out = [];
  for (let i = 0; i < n; i++) {
    const what = `artifacts[${i}]`;
    const fields = r.length(what, 'map', MAX_ART_FIELDS);
    /** @type {any} */
    const a = {};
    const seen = new Set();
    for (let j = 0; j < fields; j++) {
      const key = r.str(`${what} key`, MAX_KEY_LEN);
      if (seen.has(key)) throw corrupt(`${what}: field ${JSON.stringify(key)} appears twice`);
      seen.add(key);
      if (key === 'name') a.name = r.str(`${what}.name`, MAX_NAME_LEN);
      else if (key === 'length') a.length = Number(r.int(`${what}.length`, true));
      else if (key === 'sha256') a.sha256 = r.fixedBin(`${what}.sha256`, 32);
      else throw corrupt(`${what}: unknown field ${JSON.stringify(key)}`);
    }
    for (const key of ['name', 'length', 'sha256']) {
      if (!seen.has(key)) throw corrupt(`${what}: field ${JSON.stringify(key)} is missing`);
    }
    out.push(a);
  }
  return out;
}

/** @param {string} msg */
function invalid(msg) {
  return new PrivrecError(Code.corrupt, `check manifest: ${msg}`);
}

/**
 * The checks of bundle.Manifest.validate, which need no clock or floor.
 * @param {Manifest} m
 */
function validate(m) {
  if (!/^[0-9a-fA-F]{16}$/.test(m.keyId)) throw invalid(`key id ${JSON.stringify(m.keyId)} is not 16 hex digits`);
  if (/^0+$/.test(m.bundleId)) throw invalid('bundle id is zero');
  if (!(m.created > 0 && m.expires > m.created)) throw invalid(`created ${m.created}, expires ${m.expires}; want 0 < created < expires`);
  for (const [name, v] of [['epsilon', m.epsilon], ['delta', m.delta]]) {
    if (!(Number.isFinite(v) && /** @type {number} */ (v) >= 0)) throw invalid(`${name} is ${v}; want a finite value >= 0`);
  }
  if (m.delta >= 1) throw invalid(`delta is ${m.delta}; want < 1`);
  if (!MODEL_KINDS.includes(/** @type {any} */ (m.model))) throw invalid(`model kind ${JSON.stringify(m.model)}; want ${MODEL_KINDS.map((k) => JSON.stringify(k)).join(' or ')}`);
  const seen = new Set();
  for (const a of m.artifacts) {
    if (!Object.hasOwn(MAX_ARTIFACT, a.name)) throw invalid(`unknown artifact ${JSON.stringify(a.name)}`);
    if (seen.has(a.name)) throw invalid(`artifact ${JSON.stringify(a.name)} is listed twice`);
    seen.add(a.name);
    const limit = MAX_ARTIFACT[/** @type {keyof typeof MAX_ARTIFACT} */ (a.name)];
    if (a.length < 0) throw invalid(`artifact ${JSON.stringify(a.name)} has length ${a.length}`);
    if (a.length > limit) throw new PrivrecError(Code.too_large, `check manifest: artifact ${JSON.stringify(a.name)} is ${a.length} bytes; at most ${limit}`);
  }
  for (const name of REQUIRED) {
    if (!seen.has(name)) throw new PrivrecError(Code.missing_artifact, `check manifest: no ${JSON.stringify(name)} artifact`);
  }
}

/**
 * The bundle id a weights, catalog or items artifact names in its header
 * ([kind, version, bundle id, ...]), or null when there is no readable
 * header. Safe on unverified bytes: it reads a few dozen bytes.
 * @param {Uint8Array} data
 * @returns {string | null}
 */
export function peekBundleId(data) {
  try {
    const r = new Reader(data);
    if (r.length('artifact', 'array', 64) < 3) return null;
    r.str('kind', 32);
    if (r.int('version', false) > 1n << 16n) return null;
    return toHex(r.fixedBin('bundle id', 16));
  } catch {
    return null;
  }
}
