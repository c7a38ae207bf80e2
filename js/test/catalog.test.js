import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core } from '../src/core.js';
import { Recommender } from '../src/client.js';
import { serve } from '../src/protocol.js';
import { Code } from '../src/errors.js';
import { PageCatalog, decodeItems, readRow } from '../src/catalog.js';
import { bundleUrl, fixtureFetch, freshNamespace, fx } from './helpers/fixtures.js';

/** @type {{close: () => void}[]} */
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

/** @param {string} name */
const load = (/** @type {Core} */ c, name) => c.load({ bundleUrl: bundleUrl(name), publicKeys: [fx.public_key] });

/** @param {Core} c @param {string} name */
function pointAt(c, name) {
  c.source = { bundleUrl: bundleUrl(name), publicKeys: [fx.public_key] };
}

const ASK = ['sku-000', 'sku-004', 'sku-039', 'not-an-item'];

/** What jsfixture's metaOf signs for ASK. */
function expected() {
  return [
    { id: 'sku-000', title: 'Meta Item 0', price: 5.5, currency: 'EUR', image: '/img/sku-000.jpg', url: 'https://shop.test/p/sku-000', category: 'mugs', availability: 'in_stock' },
    { id: 'sku-004', title: 'Meta Item 4', price: null, currency: 'EUR', image: '/img/sku-004.jpg', url: 'https://shop.test/p/sku-004', category: 'mugs', availability: 'out_of_stock' },
    null, // the catalog file had no row for it
    null, // not an item at all
  ];
}

test('catalog.get returns the signed page metadata, null for ids without any', async () => {
  const c = await newCore(freshNamespace());
  const info = await load(c, 'meta');
  assert.equal(info.version, fx.bundles.meta);
  assert.deepEqual(await c.catalogGet(ASK), expected());
  assert.deepEqual(await c.catalogGet([]), []);
  // Every recommended id can be looked up.
  const recs = await c.recommend({ k: 5, context: { hour: 9, weekday: 1 } });
  const metas = await c.catalogGet(recs.items.map((/** @type {any} */ r) => r.item));
  assert.equal(metas.length, recs.items.length);
  for (const [i, m] of metas.entries()) if (m) assert.equal(m.id, recs.items[i].item);
});

test('catalog.get says what is wrong with its arguments and with a bundle without metadata', async () => {
  const c = await newCore(freshNamespace());
  await assert.rejects(c.catalogGet(['sku-000']), { code: Code.not_loaded });
  await load(c, 'v2');
  await assert.rejects(c.catalogGet(['sku-000']), (e) => e.code === Code.missing_artifact && /train --catalog/.test(e.message));
  pointAt(c, 'meta');
  assert.equal((await c.update()).outcome, 'updated');
  await assert.rejects(c.catalogGet('sku-000'), { code: Code.bad_request });
  await assert.rejects(c.catalogGet([''] ), { code: Code.bad_request });
  await assert.rejects(c.catalogGet(Array(1001).fill('sku-000')), { code: Code.too_large });
});

test('a tampered or mixed-in items.bin refuses the update and keeps the last good model and its metadata', async (t) => {
  const c = await newCore(freshNamespace());
  await load(c, 'meta');
  const before = await c.recommend({ k: 5, context: { hour: 9, weekday: 1 } });
  for (const tc of [
    { bundle: 'meta-tampered', code: Code.digest_mismatch },
    { bundle: 'meta-mixed', code: Code.mix_and_match },
  ]) {
    await t.test(tc.bundle, async () => {
      pointAt(c, tc.bundle);
      /** @type {any} */
      let refused = null;
      const onRefused = (/** @type {any} */ e) => (refused = e.detail);
      c.addEventListener('updaterefused', onRefused);
      const r = await c.update();
      c.removeEventListener('updaterefused', onRefused);
      assert.equal(r.outcome, 'failed');
      assert.equal(refused?.code, tc.code);
      assert.match(refused?.message, /items/);
      assert.equal(r.model.version, fx.bundles.meta, 'still on the good bundle');
      assert.deepEqual(await c.recommend({ k: 5, context: { hour: 9, weekday: 1 } }), before);
      assert.deepEqual(await c.catalogGet(ASK), expected(), 'the metadata of the good bundle');
    });
  }
});

test('the kept bundle carries its metadata offline, and a tampered kept copy is not used', async () => {
  const ns = freshNamespace();
  const c = await newCore(ns);
  await load(c, 'meta');
  await c.recommend({ k: 3 });
  await c.saving;
  c.close();

  const offline = fixtureFetch();
  offline.offline = true;
  const d = await newCore(ns, offline);
  assert.equal((await load(d, 'meta')).version, fx.bundles.meta);
  assert.deepEqual(await d.catalogGet(ASK), expected());
  await d.saving;
  d.close();

  // A script of the origin rewrites the kept metadata: refused at start.
  const e = await newCore(ns, offline);
  const kept = await e.storage.lastGood();
  assert.ok(kept?.items instanceof Uint8Array, 'items kept with the bundle');
  const altered = /** @type {any} */ ({ ...kept, items: kept.items.slice() });
  altered.items[altered.items.length - 3] ^= 1;
  /** @type {any} */
  let refused = null;
  e.addEventListener('updaterefused', (/** @type {any} */ ev) => (refused = ev.detail));
  await e.storage.keep(altered);
  await assert.rejects(load(e, 'meta'));
  assert.equal(refused?.code, Code.digest_mismatch);
  assert.equal(refused?.origin, 'cache');
});

test('decodeItems refuses a wrong bundle id and unsafe URLs', async () => {
  const { encode } = await import('@msgpack/msgpack');
  const id = new Uint8Array(16).fill(1);
  const hex = '01'.repeat(16);
  const doc = (/** @type {string} */ url) => encode(['privrec/items', 1, id, [['a', 'A', 1.5, 'EUR', '', url, '', '']]]);
  assert.equal(decodeItems(doc('/p/a'), hex).get('a')?.url, '/p/a');
  assert.equal(decodeItems(doc('https://x.test/a'), hex).get('a')?.price, 1.5);
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'java\tscript:x', '\\\\evil']) {
    assert.throws(() => decodeItems(doc(bad), hex), { code: Code.corrupt }, bad);
  }
  assert.throws(() => decodeItems(doc('/p/a'), '02'.repeat(16)), { code: Code.mix_and_match });
  assert.throws(() => decodeItems(encode(['privrec/items', 2, id, []]), hex), { code: Code.unsupported_version });
  assert.throws(() => decodeItems(new Uint8Array([...doc('/p/a'), 0]), hex), { code: Code.corrupt }, 'trailing byte');
});

/**
 * A worker-like object that serves the SDK's protocol in this thread, with
 * messages structured-cloned both ways as a real worker would.
 * @param {any} coreOptions
 */
function localWorker(coreOptions) {
  /** @type {((e: {data: any}) => void)[]} */
  const page = [];
  /** @type {((e: {data: any}) => void)[]} */
  const worker = [];
  serve(
    {
      postMessage: (msg) => queueMicrotask(() => page.forEach((fn) => fn({ data: structuredClone(msg) }))),
      addEventListener: (_t, fn) => worker.push(fn),
    },
    { create: (o) => Core.create({ ...o, ...coreOptions }) },
  );
  return {
    postMessage: (/** @type {any} */ msg) => queueMicrotask(() => worker.forEach((fn) => fn({ data: structuredClone(msg) }))),
    addEventListener: (/** @type {string} */ type, /** @type {any} */ fn) => type === 'message' && page.push(fn),
    // What a terminated worker does to its core: closes it.
    terminate: () => worker.forEach((fn) => fn({ data: { id: -1, method: 'close' } })),
  };
}

test('rec.catalog.get through the worker protocol', async () => {
  const rec = await Recommender.load({
    bundleUrl: bundleUrl('meta'),
    publicKeys: [fx.public_key],
    namespace: freshNamespace(),
    worker: localWorker({ clock: () => fx.now, fetch: fixtureFetch(), keepDelay: 0 }),
  });
  open.push(rec);
  assert.deepEqual(await rec.catalog.get(ASK), expected());
  const page = await rec.catalog.list({ offset: 1, limit: 2 });
  assert.equal(page.total, fx.items - 2, 'every item but the two without a catalog row');
  assert.deepEqual(page.items.map((/** @type {any} */ m) => m.id), ['sku-001', 'sku-002']);
  assert.equal((await rec.catalog.list({ limit: 1000 })).items.length, fx.items - 2);
  await assert.rejects(rec.catalog.list({ limit: 0 }), { code: Code.bad_request });
  await assert.rejects(rec.catalog.get(/** @type {any} */ (42)), { code: Code.bad_request });
});

test('PageCatalog reads rows one at a time, and falls back to a whole decode for bytes it cannot index', async () => {
  const { encode } = await import('@msgpack/msgpack');
  const id = new Uint8Array(16).fill(4);
  const hex = '04'.repeat(16);
  /** @param {string} item @param {string} url */
  const row = (item, url = `/p/${item}`) => [item, `T ${item}`, 2, 'EUR', '', url, 'c', 'in_stock'];
  const rows = Array.from({ length: 40 }, (_, i) => row(`id-${String(i).padStart(2, '0')}`));
  rows[7] = row('id-07', 'javascript:alert(1)');
  const sorted = new PageCatalog(encode(['privrec/items', 1, id, rows]), hex);
  assert.deepEqual(sorted.get(['id-03', 'id-39', 'nope']).map((m) => m?.title ?? null), ['T id-03', 'T id-39', null]);
  assert.ok(sorted.index, 'EncodeItems-shaped bytes are indexed');
  assert.equal(sorted.rows.size, 2, 'only the rows asked for were decoded');
  assert.throws(() => sorted.get(['id-07']), { code: Code.corrupt }, 'an unsafe URL is refused when its row is read');
  assert.equal(sorted.list({ offset: 38, limit: 5 }).items.length, 2);

  const shuffled = new PageCatalog(encode(['privrec/items', 1, id, [row('b'), row('a')]]), hex);
  assert.deepEqual(shuffled.get(['a', 'b', 'c']).map((m) => m?.id ?? null), ['a', 'b', null]);
  assert.equal(shuffled.index, null, 'ids out of order: decoded whole');
  assert.throws(() => new PageCatalog(encode(['privrec/items', 1, id, [row('a'), row('a')]]), hex).get(['a']), { code: Code.corrupt }, 'an id twice');
  assert.throws(() => new PageCatalog(encode(['privrec/items', 1, id, [row('a')]]), '05'.repeat(16)).get(['a']), { code: Code.mix_and_match });
  const trailing = encode(['privrec/items', 1, id, [row('a'), row('b')]]);
  assert.throws(() => new PageCatalog(new Uint8Array([...trailing, 0xc0]), hex).get(['b']), { code: Code.corrupt }, 'a trailing byte');

  // The fixture's items.bin (Go's EncodeItems) takes the indexed path and agrees with the whole decode.
  const { readFileSync } = await import('node:fs');
  const { FIXTURES } = await import('./helpers/fixtures.js');
  const bytes = new Uint8Array(readFileSync(`${FIXTURES}/meta/items.bin`));
  const m = (await import('../src/verify.js')).decodeManifest(new Uint8Array(readFileSync(`${FIXTURES}/meta/manifest.bin`)));
  const pc = new PageCatalog(bytes, m.bundleId);
  const all = decodeItems(bytes, m.bundleId);
  assert.deepEqual(pc.list({ limit: 1000 }).items, [...all.values()]);
  assert.ok(pc.index, 'Go-encoded bytes are indexed');
});

test('readRow reads a row as the general decoder does, or leaves it to it', async () => {
  const { encode, decode } = await import('@msgpack/msgpack');
  const { readFileSync } = await import('node:fs');
  const { FIXTURES } = await import('./helpers/fixtures.js');
  /** What the general decoder makes of b, or the error it throws. */
  const general = (/** @type {Uint8Array} */ b) => {
    try {
      return { row: decode(b, { maxStrLength: 4096, maxBinLength: 0, maxMapLength: 0, maxExtLength: 0 }) };
    } catch (e) {
      return { error: e };
    }
  };
  const base = ['sku-1', 'Mug', 5.5, 'EUR', '', 'https://shop.test/p/sku-1', 'mugs', 'in_stock'];
  // The shapes Go's EncodeItems writes: read here.
  const read = [
    base,
    ['sku-2', 'Tasse à café, 日本 ☕', null, '', '/img/a.jpg', '', 'Küche', ''],
    ['s', 'x'.repeat(31), 0.25, 'GBP', 'y'.repeat(32), 'z'.repeat(255), 'w'.repeat(256), 'preorder'],
    ['big', 'é'.repeat(2048), 1e300, 'EUR', '', '', '', 'backorder'],
  ];
  for (const row of read) {
    const b = encode(row);
    assert.deepEqual(readRow(b, 0, b.length), general(b).row, JSON.stringify(row).slice(0, 40));
  }
  // Anything else is the general decoder's: an integer price, other lengths, a non-string, bad UTF-8, a long string, extra bytes.
  const bad = Uint8Array.from([0x98, 0xa1, 0x61, 0xa2, 0xc3, 0x28, 0xc0, 0xa0, 0xa0, 0xa0, 0xa0, 0xa0]);
  for (const b of [
    encode(['a', 'b', 5, 'EUR', '', '', '', '']),
    encode(base.slice(0, 7)),
    encode([...base, 'more']),
    encode(['a', 7, 1.5, '', '', '', '', '']),
    encode(['a', 'x'.repeat(5000), 1.5, '', '', '', '', '']),
    bad,
    Uint8Array.from([...encode(base), 0xc0]),
  ]) {
    assert.equal(readRow(b, 0, b.length), undefined);
  }
  assert.equal(typeof general(bad).row?.[1], 'string', 'the general decoder reads bad UTF-8 its own way');

  // Every row of Go's items.bin, and those rows with a byte changed or cut short: whatever readRow reads, the general decoder reads the same.
  const bytes = new Uint8Array(readFileSync(`${FIXTURES}/meta/items.bin`));
  const m = (await import('../src/verify.js')).decodeManifest(new Uint8Array(readFileSync(`${FIXTURES}/meta/manifest.bin`)));
  const pc = new PageCatalog(bytes, m.bundleId);
  pc.prepare();
  const { rows } = /** @type {{rows: Uint32Array}} */ (pc.index);
  let fast = 0;
  let seed = 7;
  const rand = (/** @type {number} */ n) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  for (let i = 0; i + 1 < rows.length; i++) {
    const row = bytes.slice(rows[i], rows[i + 1]);
    assert.deepEqual(readRow(row, 0, row.length), general(row).row);
    for (let k = 0; k < 400; k++) {
      const b = row.slice(0, k % 10 === 0 ? rand(row.length) : row.length);
      if (k % 10 !== 0) b[rand(b.length)] = rand(256);
      const got = readRow(b, 0, b.length);
      if (got === undefined) continue;
      fast++;
      assert.deepEqual(got, general(b).row, `row ${i}, mutation ${k}`);
    }
  }
  assert.ok(fast > 1000, `the mutated rows readRow read: ${fast}`);
});
