// A fuzz loop for every decoder of untrusted bytes in the SDK: the manifest
// (decodeManifest, verifyManifest), artifact headers (peekBundleId), the
// catalog walker, keys (parseKeys), the module's result envelopes
// (decodeEnvelope, then validateResponse), and records read back from
// IndexedDB (through Storage itself). Inputs are the checked-in seed corpus
// in test/fuzz/<decoder>/, mutated with a fixed seed: bit flips, byte
// changes, truncations, insertions, duplicated spans and splices of two
// seeds. The property: a decoder returns or throws a PrivrecError, nothing
// else (no TypeError, RangeError, hang or crash), and the valid seeds decode.
// PRIVREC_FUZZ_ITERS=100000 npm test -- runs longer.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrivrecError } from '../src/errors.js';
import { TrustedKeys, decodeManifest, peekBundleId, verifyManifest } from '../src/verify.js';
import { catalogItems, validateResponse } from '../src/response.js';
import { decodeEnvelope } from '../src/module.js';
import { parseKeys } from '../src/keys.js';
import { Storage, levelOf, validBundle, validEvent } from '../src/storage.js';
import { freshNamespace, fx } from './helpers/fixtures.js';
import { rawDB, req } from './helpers/faulty.js';

const ITERS = Number(process.env.PRIVREC_FUZZ_ITERS ?? 2000);
const CORPUS = join(import.meta.dirname, 'fuzz');

/** @param {string} name */
function corpus(name) {
  const dir = join(CORPUS, name);
  return readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** mulberry32 */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x7f, 0x80, 0x8f, 0x9f, 0xc0, 0xc1, 0xc4, 0xc6, 0xca, 0xcb, 0xcf, 0xd3, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff];

/**
 * One mutation of a seed (sometimes spliced with another).
 * @param {() => number} rand
 * @param {Uint8Array[]} seeds
 */
function mutate(rand, seeds) {
  const pick = (/** @type {number} */ n) => Math.floor(rand() * n);
  let b = Uint8Array.from(seeds[pick(seeds.length)]);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const i = b.length ? pick(b.length) : 0;
    switch (pick(7)) {
      case 0: // flip a bit
        if (b.length) b[i] ^= 1 << pick(8);
        break;
      case 1: // an interesting byte
        if (b.length) b[i] = INTERESTING[pick(INTERESTING.length)];
        break;
      case 2: // truncate
        b = b.slice(0, i);
        break;
      case 3: {
        // insert random bytes
        const ins = Uint8Array.from({ length: 1 + pick(8) }, () => pick(256));
        b = Uint8Array.from([...b.subarray(0, i), ...ins, ...b.subarray(i)]);
        break;
      }
      case 4: {
        // duplicate a span
        const j = Math.min(b.length, i + pick(32));
        b = Uint8Array.from([...b.subarray(0, j), ...b.subarray(i, j), ...b.subarray(j)]);
        break;
      }
      case 5: {
        // splice with another seed
        const o = seeds[pick(seeds.length)];
        b = Uint8Array.from([...b.subarray(0, i), ...o.subarray(pick(o.length + 1))]);
        break;
      }
      default: // a big length where a small one was
        if (b.length > 4) b.set([0xdd, 0xff, 0xff, 0xff], Math.min(i, b.length - 4));
    }
  }
  return b;
}

/**
 * Runs fn on ITERS mutations; anything thrown must be a PrivrecError.
 * @param {string} name
 * @param {number} seed
 * @param {(b: Uint8Array) => unknown} fn
 */
async function fuzz(name, seed, fn) {
  const seeds = corpus(name);
  const rand = rng(seed);
  let refused = 0;
  for (let i = 0; i < ITERS; i++) {
    const b = mutate(rand, seeds);
    try {
      await fn(b);
    } catch (e) {
      if (!(e instanceof PrivrecError)) {
        assert.fail(`${name} input ${i} (${Buffer.from(b).toString('hex').slice(0, 200)}): threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      refused++;
    }
  }
  return refused;
}

test('manifest decoder', async () => {
  for (const s of corpus('manifest')) assert.ok(decodeManifest(s).version >= 1, 'a seed decodes');
  const refused = await fuzz('manifest', 1, (b) => decodeManifest(b));
  assert.ok(refused > 0 && refused < ITERS, `${refused} of ${ITERS} refused`);
});

test('manifest and signature through verifyManifest', async () => {
  const keys = await TrustedKeys.import(parseKeys([fx.public_key, fx.other_key].filter(Boolean)));
  const manifests = corpus('manifest');
  const sigs = corpus('signature');
  const rand = rng(2);
  for (let i = 0; i < Math.min(ITERS, 500); i++) {
    const j = Math.floor(rand() * manifests.length);
    const m = rand() < 0.5 ? manifests[j] : mutate(rand, manifests);
    const s = rand() < 0.5 ? sigs[j] : mutate(rand, sigs);
    try {
      await verifyManifest(m, s, { keys, now: fx.now, minVersion: 0 });
    } catch (e) {
      assert.ok(e instanceof PrivrecError, `threw ${e}`);
    }
  }
});

test('artifact headers and the catalog walker', async () => {
  const seed = catalogItems(corpus('catalog')[0]);
  assert.equal(seed?.size, fx.items);
  for (let i = 0; i < fx.items; i++) assert.ok(seed?.has(`sku-${String(i).padStart(3, '0')}`), `sku ${i}`);
  assert.ok(!seed?.has('sku-'), 'a prefix of an id is not an id');
  assert.ok(!seed?.has(`sku-${String(fx.items).padStart(3, '0')}`));
  await fuzz('catalog', 3, (b) => {
    const ids = catalogItems(b);
    assert.ok(ids === null || typeof ids.has === 'function');
    if (ids) for (const id of ['sku-001', '', 'zzz']) assert.equal(typeof ids.has(id), 'boolean');
    const id = peekBundleId(b);
    assert.ok(id === null || /^[0-9a-f]{32}$/.test(id));
  });
  await fuzz('artifact', 4, (b) => {
    const id = peekBundleId(b);
    assert.ok(id === null || /^[0-9a-f]{32}$/.test(id));
  });
});

test('key decoder', async () => {
  for (const s of corpus('key')) assert.equal(parseKeys(new TextDecoder().decode(s))[0].length, 32);
  await fuzz('key', 5, (b) => {
    const text = new TextDecoder().decode(b);
    for (const k of parseKeys(text)) assert.equal(k.length, 32);
  });
  await fuzz('key', 6, (b) => parseKeys([b]));
});

test('result envelopes, then the response contract', async () => {
  const catalog = new Set(Array.from({ length: fx.items }, (_, i) => `sku-${String(i).padStart(3, '0')}`));
  const request = { k: 2, history: [{ item: 'sku-002' }], explain: true };
  assert.equal(decodeEnvelope(corpus('envelope')[2], 'privrec_recommend').k, 2);
  await fuzz('envelope', 7, (b) => {
    const res = decodeEnvelope(b, 'privrec_recommend');
    const out = validateResponse(res, request, catalog);
    // Whatever passes is the contract and nothing else.
    assert.deepEqual(Object.keys(out).sort(), ['items', 'k', 'unknown']);
    for (const it of out.items ?? []) {
      assert.ok(catalog.has(it.item));
      for (const r of it.because ?? []) assert.equal(r.item, 'sku-002');
    }
  });
});

test('records read back from IndexedDB', async () => {
  // Values as any script of the origin could leave them: the seeds, parsed
  // from mutated JSON where it still parses, and odd structured values.
  const odd = [undefined, null, 0, -1, 2 ** 53, NaN, '', 'full ', [], {}, new Uint8Array(3), { id: 'x' }, { id: 1, item: 'a', kind: 'view', at: 1, extra: new Array(3) }];
  const rand = rng(8);
  const seeds = corpus('record');
  /** @type {any[]} */
  const values = [...odd];
  for (let i = 0; i < Math.min(ITERS, 600); i++) {
    try {
      values.push(JSON.parse(new TextDecoder().decode(mutate(rand, seeds))));
    } catch {
      // not JSON any more: skip
    }
  }
  for (const v of values) {
    assert.ok(['off', 'session', 'full'].includes(levelOf(v)));
    assert.equal(typeof validEvent(v), 'boolean');
    assert.equal(typeof validBundle(v), 'boolean');
  }
  // Through Storage: every value stored as an event, as the consent and as
  // the last good bundle; reads return only valid data, and bad events are
  // deleted.
  const ns = freshNamespace();
  const s = await Storage.open(ns);
  try {
    let bad = 0;
    s.onCorrupt = (n) => (bad += n);
    await rawDB(ns, async (db) => {
      const tx = db.transaction(['events', 'meta', 'bundles'], 'readwrite');
      let k = 1;
      for (const v of values) {
        // The events store has keyPath "id": a value that is not an object
        // with a valid key cannot be stored there at all.
        try {
          await req(tx.objectStore('events').put(v && typeof v === 'object' && !Array.isArray(v) ? { ...v, id: typeof v.id === 'number' && v.id > 0 ? v.id + 1e6 : k++ } : { id: k++, item: v }));
        } catch {
          // a value IndexedDB refuses: nothing stored
        }
      }
      await req(tx.objectStore('meta').put(values[Math.floor(values.length / 2)], 'consent'));
      await req(tx.objectStore('bundles').put(values[values.length - 1], 'last-good'));
    });
    const events = await s.events();
    assert.ok(events.every(validEvent));
    assert.ok(bad > 0, 'bad records were found');
    assert.equal((await s.events()).length, events.length, 'and deleted');
    assert.ok(['off', 'session', 'full'].includes(await s.consent()));
    const last = await s.lastGood();
    assert.ok(last === undefined || validBundle(last));
  } finally {
    s.close();
  }
});

test('the catalog walker reads every field shape, and agrees with a full decode on mutated catalogs', async () => {
  const { encode, decode } = await import('@msgpack/msgpack');
  const { bundleFiles } = await import('./helpers/fixtures.js');
  /** The ids a full decode finds in b, as bytes: null when b is not a catalog, undefined when it is not well-formed. */
  const decoded = (/** @type {Uint8Array} */ b) => {
    let doc;
    try {
      doc = decode(b, { rawStrings: true });
    } catch {
      return undefined; // no oracle
    }
    if (!Array.isArray(doc) || doc.length < 4 || !Array.isArray(doc[3])) return null;
    const ids = [];
    for (const row of doc[3]) {
      if (!Array.isArray(row) || row.length < 1 || !(row[0] instanceof Uint8Array)) return null;
      ids.push(row[0]);
    }
    return ids;
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const agree = (/** @type {Uint8Array} */ b, /** @type {string} */ what) => {
    const want = decoded(b);
    if (want === undefined) return false;
    const got = catalogItems(b);
    if (want === null) {
      assert.equal(got, null, what);
      return true;
    }
    assert.ok(got, `${what}: catalogItems found no catalog; a full decode found ${want.length} ids`);
    // Ids that are not UTF-8 have no string for has() to look up.
    let ids;
    try {
      ids = new Set(want.map((id) => utf8.decode(id)));
    } catch {
      return true;
    }
    assert.equal(got.size, ids.size, what);
    for (const id of ids) assert.ok(got.has(id), `${what}: ${id}`);
    return true;
  };
  // Every MessagePack shape a row's fields can take, in rows EncodeItems-like or not.
  const fields = [null, true, false, 0, 127, -1, -32, -33, 200, 70000, 2 ** 33, -(2 ** 33), 1.5, 'x', 'v'.repeat(20), 'y'.repeat(40), 'z'.repeat(300), Uint8Array.of(1, 2), [], [1, 'a', [2]], {}, { a: 1, b: [2] }];
  const rows = fields.map((f, i) => [`id-${String(i).padStart(2, '0')}`, f, 'tail', f]);
  const head = ['privrec/catalog', 2, new Uint8Array(16)];
  assert.ok(agree(encode([...head, rows, []]), 'every field shape'));
  assert.ok(agree(encode([...head, [...rows].reverse(), []]), 'ids out of order'));
  assert.ok(agree(encode([...head, rows.map((r) => [r[0]])]), 'rows of the id alone'));
  assert.ok(agree(encode([...head, [['a'.repeat(40), 1]]]), 'an id longer than a fixstr'));
  assert.ok(agree(encode([...head, [['q'.repeat(20), 1], ['r'.repeat(31), 2]]]), 'fixstr ids of 16 bytes and more'));
  assert.ok(agree(encode([...head, Array.from({ length: 20 }, (_, i) => [`k${i}`, ...fields.slice(0, 16)])]), 'rows of 17 fields'));
  assert.equal(catalogItems(encode([...head, [[]]])), null, 'an empty row');
  assert.equal(catalogItems(encode([...head, [[5]]])), null, 'an id that is not a string');
  // The fixture's catalog, mutated: where a full decode reads it, the walker finds the same ids.
  const base = bundleFiles('v2').catalog;
  let seed = 11;
  const rand = (/** @type {number} */ n) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  let checked = 0;
  for (let k = 0; k < 3000; k++) {
    const b = base.slice(0, k % 10 === 0 ? rand(base.length) : base.length);
    for (let j = 0; j <= k % 3; j++) b[rand(b.length)] = rand(256);
    const got = catalogItems(b);
    assert.ok(got === null || typeof got.has === 'function');
    if (agree(b, `mutation ${k}`)) checked++;
  }
  assert.ok(checked > 300, `mutations a full decode read: ${checked}`);
});
