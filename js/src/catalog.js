// The page metadata of a bundle (items.bin, written by privrec train
// --catalog): what a storefront shows for a recommended id (title, price,
// image, link, availability). It is signed with the bundle and checked by
// the SDK like every artifact (verify.js), then read here, in the worker,
// a row at a time as catalog.get asks: the module never sees it, so it costs
// the module neither code nor load time (js/RATIONALE.md).

import { decode, Decoder } from '@msgpack/msgpack';
import { Code, PrivrecError } from './errors.js';
import { toHex } from './verify.js';
import { CatalogIds, catalogItems } from './response.js';

/** The magic and format version of the items artifact (model/train EncodeItems). */
export const ITEMS_KIND = 'privrec/items';
export const ITEMS_VERSION = 1;
/** Ids one catalog.get may ask for. */
export const MAX_GET = 1000;
const FIELDS = 8;
const ROW = new Decoder({ maxStrLength: 4096, maxBinLength: 0, maxMapLength: 0, maxExtLength: 0 });
const AVAILABILITY = new Set(['in_stock', 'out_of_stock', 'preorder', 'backorder']);

/**
 * @typedef {import('../types/index.js').ItemMeta} ItemMeta
 */

/** @param {string} msg */
function corrupt(msg) {
  return new PrivrecError(Code.corrupt, `decode items: ${msg}; the publisher re-trains the bundle with privrec train --catalog`);
}

/**
 * Whether a URL is one a page may put in img src or a href: http(s),
 * protocol-relative or relative (what privrec train accepted). Checked
 * again here because the page trusts what catalog.get returns.
 * @param {string} s
 */
function safeURL(s) {
  if (/[\u0000-\u0020\u007f\\]/.test(s)) return false;
  const m = /^([^:/?#]*):/.exec(s);
  return !m || /^https?$/i.test(m[1]);
}

/**
 * One row of the items artifact as a frozen ItemMeta, checked: the shape,
 * a price >= 0 or null, URLs a page may use, a known availability.
 * @param {unknown} row
 * @param {number} i its position, for messages
 * @returns {Readonly<ItemMeta>}
 */
function rowMeta(row, i) {
  if (!Array.isArray(row) || row.length !== FIELDS) throw corrupt(`item ${i} is not an array of ${FIELDS}`);
  const text = (/** @type {unknown} */ v, /** @type {string} */ what) => {
    if (typeof v !== 'string') throw corrupt(`item ${i}: ${what} is not a string`);
    return v === '' ? null : v;
  };
  const itemId = row[0];
  if (typeof itemId !== 'string' || itemId === '') throw corrupt(`item ${i} has no id`);
  const price = row[2];
  if (price !== null && !(typeof price === 'number' && Number.isFinite(price) && price >= 0)) throw corrupt(`item ${i}: price is not a number >= 0`);
  const meta = {
    id: itemId,
    title: text(row[1], 'title'),
    price,
    currency: text(row[3], 'currency'),
    image: text(row[4], 'image'),
    url: text(row[5], 'url'),
    category: text(row[6], 'category'),
    availability: /** @type {ItemMeta['availability']} */ (text(row[7], 'availability')),
  };
  for (const u of [meta.image, meta.url]) if (u !== null && !safeURL(u)) throw corrupt(`item ${JSON.stringify(itemId)}: URL ${JSON.stringify(u.slice(0, 64))} is not http(s) or relative`);
  if (meta.availability !== null && !AVAILABILITY.has(meta.availability)) throw corrupt(`item ${i}: availability ${JSON.stringify(meta.availability)}`);
  return Object.freeze(meta);
}

/**
 * Decodes a verified items artifact ([kind, version, bundle id, [[id,
 * title, price | nil, currency, image, url, category, availability], …]])
 * whole into frozen ItemMeta objects by id. Strict: any other shape, a
 * bundle id other than bundleId, an id seen twice or an unsafe URL is
 * corrupt. PageCatalog uses it only for artifacts its index cannot read.
 * @param {Uint8Array} bytes
 * @param {string} bundleId the verified manifest's, hex
 * @returns {Map<string, Readonly<ItemMeta>>}
 */
export function decodeItems(bytes, bundleId) {
  /** @type {any} */
  let doc;
  try {
    doc = decode(bytes, { maxStrLength: 4096, maxBinLength: 16, maxMapLength: 0, maxExtLength: 0 });
  } catch (e) {
    throw corrupt(e instanceof Error ? e.message : String(e));
  }
  if (!Array.isArray(doc) || doc.length !== 4) throw corrupt('not [kind, version, bundle id, items]');
  const [kind, version, id, rows] = doc;
  if (kind !== ITEMS_KIND) throw corrupt(`artifact is a ${JSON.stringify(String(kind).slice(0, 32))}`);
  if (version !== ITEMS_VERSION) {
    throw new PrivrecError(Code.unsupported_version, `decode items: format version ${version}; this SDK reads version ${ITEMS_VERSION}: update the SDK`);
  }
  if (!(id instanceof Uint8Array) || toHex(id) !== bundleId) throw new PrivrecError(Code.mix_and_match, 'decode items: they name another bundle than the manifest');
  if (!Array.isArray(rows)) throw corrupt('items is not an array');
  /** @type {Map<string, Readonly<ItemMeta>>} */
  const out = new Map();
  for (const [i, row] of rows.entries()) {
    const meta = rowMeta(row, i);
    if (out.has(meta.id)) throw corrupt(`item id ${JSON.stringify(meta.id)} appears twice`);
    out.set(meta.id, meta);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One row of an items artifact as model/train EncodeItems writes it (a
 * fixarray of 8: id and title strings, a float64 price or nil, five
 * strings), read straight from the bytes, or undefined for any other
 * encoding, which the general decoder then reads (and names what is
 * wrong; strings that are not UTF-8 too). A page of the demo's grid reads
 * a thousand of these in a worker that has just started, before V8 has
 * optimized anything, where the general decoder's layers cost about twice
 * this. Exported for tests.
 * @param {Uint8Array} b
 * @param {number} at where the row starts
 * @param {number} end where the next one starts
 * @returns {unknown[] | undefined}
 */
export function readRow(b, at, end) {
  if (b[at] !== 0x98) return undefined;
  const row = new Array(FIELDS);
  let i = at + 1;
  for (let f = 0; f < FIELDS; f++) {
    const c = b[i];
    if (f === 2 && (c === 0xc0 || c === 0xcb)) {
      if (c === 0xc0) {
        row[f] = null;
        i++;
      } else {
        if (i + 9 > end) return undefined;
        row[f] = new DataView(b.buffer, b.byteOffset + i + 1, 8).getFloat64(0);
        i += 9;
      }
      continue;
    }
    let len;
    if ((c & 0xe0) === 0xa0) {
      len = c & 0x1f;
      i += 1;
    } else if (c === 0xd9 && i + 1 < end) {
      len = b[i + 1];
      i += 2;
    } else if (c === 0xda && i + 2 < end) {
      len = (b[i + 1] << 8) | b[i + 2];
      i += 3;
    } else {
      return undefined;
    }
    if (i + len > end || len > 4096) return undefined;
    let ascii = true;
    for (let k = i; k < i + len; k++) if (b[k] > 0x7f) ascii = false;
    if (ascii) row[f] = String.fromCharCode.apply(null, /** @type {any} */ (b.subarray(i, i + len)));
    else {
      try {
        row[f] = utf8.decode(b.subarray(i, i + len));
      } catch {
        return undefined; // not UTF-8: the general decoder's reading stands
      }
    }
    i += len;
  }
  return i === end ? row : undefined;
}

/**
 * Where each row of an items artifact starts, read without decoding it,
 * or null when the bytes are not exactly what model/train EncodeItems
 * writes (its 34-byte header for bundleId, ids in strictly ascending byte
 * order, each row a fixarray of 8 starting with its id): PageCatalog then
 * decodes the whole artifact instead.
 * @param {Uint8Array} b
 * @param {string} bundleId
 * @returns {{ids: CatalogIds, rows: Uint32Array} | null}
 */
function indexRows(b, bundleId) {
  const head = [0x94, 0xa0 + ITEMS_KIND.length, ...new TextEncoder().encode(ITEMS_KIND), ITEMS_VERSION, 0xc4, 16];
  if (b.length < head.length + 16 || head.some((c, i) => b[i] !== c) || toHex(b.subarray(head.length, head.length + 16)) !== bundleId) return null;
  const ids = catalogItems(b);
  if (!(ids instanceof CatalogIds)) return null;
  const n = ids.size;
  const rows = new Uint32Array(n + 1);
  const at = head.length + 16;
  const first = at + (n < 16 ? 1 : n < 65536 ? 3 : 5);
  for (let i = 0; i < n; i++) {
    const len = ids.lengths[i];
    const start = ids.starts[i] - (len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5) - 1;
    if (b[start] !== 0x98 || (i === 0 && start !== first)) return null;
    rows[i] = start;
  }
  rows[n] = b.length; // the rows are the artifact's last element: trailing bytes fail the last row's decode
  return { ids, rows };
}

/**
 * The page metadata of the model in use: its verified bytes, indexed on
 * the first lookup (one walk over the bytes that makes no string) and
 * decoded a row at a time, only the rows asked for. Decoding a 100k-item
 * artifact whole took 0.5-0.9 s in node on a loaded machine, which would
 * hold up the worker's other calls; a lookup now costs a binary search and
 * one small decode. Safe to share: it only fills its caches.
 */
export class PageCatalog {
  /**
   * @param {Uint8Array} bytes the items artifact, checked against the manifest
   * @param {string} bundleId the manifest's, hex
   */
  constructor(bytes, bundleId) {
    this.bytes = bytes;
    this.bundleId = bundleId;
    /** @type {{ids: CatalogIds, rows: Uint32Array} | null | undefined} undefined until built, null when the bytes need a whole decode */
    this.index = undefined;
    /** The whole decode, for artifacts indexRows cannot read. @type {Map<string, Readonly<ItemMeta>> | null} */
    this.map = null;
    /** @type {Map<number, Readonly<ItemMeta>>} rows decoded so far */
    this.rows = new Map();
    this.encoder = new TextEncoder();
  }

  /** Builds the index, or the whole decode when the index cannot be made. */
  prepare() {
    if (this.index === undefined) {
      this.index = indexRows(this.bytes, this.bundleId);
      if (!this.index) this.map = decodeItems(this.bytes, this.bundleId);
    }
  }

  /** @param {number} i */
  row(i) {
    let meta = this.rows.get(i);
    if (!meta) {
      const { rows } = /** @type {{rows: Uint32Array}} */ (this.index);
      let doc;
      try {
        doc = readRow(this.bytes, rows[i], rows[i + 1]) ?? ROW.decode(this.bytes.subarray(rows[i], rows[i + 1]));
      } catch (e) {
        throw corrupt(`item ${i}: ${e instanceof Error ? e.message : e}`);
      }
      meta = rowMeta(doc, i);
      this.rows.set(i, meta);
    }
    return meta;
  }

  /**
   * The metadata of each id, null for an id the catalog file did not list.
   * @param {unknown} ids
   * @returns {(Readonly<ItemMeta> | null)[]}
   */
  get(ids) {
    const list = checkIds(ids);
    this.prepare();
    if (this.map) {
      const map = this.map;
      return list.map((id) => map.get(id) ?? null);
    }
    const index = /** @type {{ids: CatalogIds}} */ (this.index).ids;
    return list.map((id) => {
      const k = this.encoder.encode(id);
      let lo = 0;
      let hi = index.size - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const c = index.compare(mid, k);
        if (c === 0) return this.row(mid);
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
      return null;
    });
  }

  /**
   * A page of the whole catalog, in id order: for a page that has no
   * product list of its own (the demo's grid).
   * @param {unknown} [opts] {offset, limit}: limit 1..MAX_GET, default 100
   * @returns {{total: number, items: Readonly<ItemMeta>[]}}
   */
  list(opts = {}) {
    const o = /** @type {any} */ (opts ?? {});
    const offset = o.offset ?? 0;
    const limit = o.limit ?? 100;
    if (typeof o !== 'object' || !Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_GET) {
      throw new PrivrecError(Code.bad_request, `catalog.list: pass {offset, limit} with offset >= 0 and limit 1..${MAX_GET}`);
    }
    this.prepare();
    if (this.map) {
      const all = [...this.map.values()];
      return { total: all.length, items: all.slice(offset, offset + limit) };
    }
    const total = /** @type {{ids: CatalogIds}} */ (this.index).ids.size;
    const items = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) items.push(this.row(i));
    return { total, items };
  }
}

/**
 * @param {unknown} ids
 * @returns {string[]}
 */
export function checkIds(ids) {
  if (!Array.isArray(ids)) throw new PrivrecError(Code.bad_request, 'catalog.get: pass an array of item ids, e.g. rec.catalog.get(recs.items.map((r) => r.item))');
  if (ids.length > MAX_GET) throw new PrivrecError(Code.too_large, `catalog.get: ${ids.length} ids; at most ${MAX_GET} per call`);
  for (const id of ids) {
    if (typeof id !== 'string' || id === '') throw new PrivrecError(Code.bad_request, `catalog.get: ids must be non-empty strings; got ${JSON.stringify(id)}`);
  }
  return ids;
}
