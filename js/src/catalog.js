// The page metadata of a bundle (items.bin, written by privrec train
// --catalog): what a storefront shows for a recommended id (title, price,
// image, link, availability). It is signed with the bundle and checked by
// the SDK like every artifact (verify.js), then decoded here, in the
// worker, on the first catalog.get: the module never sees it, so it costs
// the module neither code nor load time (js/RATIONALE.md).

import { decode } from '@msgpack/msgpack';
import { Code, PrivrecError } from './errors.js';
import { toHex } from './verify.js';

/** The magic and format version of the items artifact (model/train EncodeItems). */
export const ITEMS_KIND = 'privrec/items';
export const ITEMS_VERSION = 1;
/** Ids one catalog.get may ask for. */
export const MAX_GET = 1000;
const FIELDS = 8;
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
 * Decodes a verified items artifact ([kind, version, bundle id, [[id,
 * title, price | nil, currency, image, url, category, availability], …]])
 * into frozen ItemMeta objects by id. Strict: any other shape, a bundle id
 * other than bundleId, an id seen twice or an unsafe URL is corrupt.
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
  const text = (/** @type {unknown} */ v, /** @type {string} */ what, /** @type {number} */ i) => {
    if (typeof v !== 'string') throw corrupt(`item ${i}: ${what} is not a string`);
    return v === '' ? null : v;
  };
  for (const [i, row] of rows.entries()) {
    if (!Array.isArray(row) || row.length !== FIELDS) throw corrupt(`item ${i} is not an array of ${FIELDS}`);
    const itemId = row[0];
    if (typeof itemId !== 'string' || itemId === '') throw corrupt(`item ${i} has no id`);
    if (out.has(itemId)) throw corrupt(`item id ${JSON.stringify(itemId)} appears twice`);
    const price = row[2];
    if (price !== null && !(typeof price === 'number' && Number.isFinite(price) && price >= 0)) throw corrupt(`item ${i}: price is not a number >= 0`);
    const meta = {
      id: itemId,
      title: text(row[1], 'title', i),
      price,
      currency: text(row[3], 'currency', i),
      image: text(row[4], 'image', i),
      url: text(row[5], 'url', i),
      category: text(row[6], 'category', i),
      availability: /** @type {ItemMeta['availability']} */ (text(row[7], 'availability', i)),
    };
    for (const u of [meta.image, meta.url]) if (u !== null && !safeURL(u)) throw corrupt(`item ${JSON.stringify(itemId)}: URL ${JSON.stringify(u.slice(0, 64))} is not http(s) or relative`);
    if (meta.availability !== null && !AVAILABILITY.has(meta.availability)) throw corrupt(`item ${i}: availability ${JSON.stringify(meta.availability)}`);
    out.set(itemId, Object.freeze(meta));
  }
  return out;
}

/**
 * The page metadata of the model in use: its verified bytes, decoded on
 * the first lookup (a 100k-item catalog is tens of ms a page that never
 * asks need not spend). Immutable once made, apart from that cache.
 */
export class PageCatalog {
  /**
   * @param {Uint8Array} bytes the items artifact, checked against the manifest
   * @param {string} bundleId the manifest's, hex
   */
  constructor(bytes, bundleId) {
    this.bytes = bytes;
    this.bundleId = bundleId;
    /** @type {Map<string, Readonly<ItemMeta>> | null} */
    this.map = null;
    /** The ids in order, for list. @type {string[] | null} */
    this.ids = null;
  }

  /**
   * The metadata of each id, null for an id the catalog file did not list.
   * @param {unknown} ids
   * @returns {(Readonly<ItemMeta> | null)[]}
   */
  get(ids) {
    const list = checkIds(ids);
    this.map ??= decodeItems(this.bytes, this.bundleId);
    const map = this.map;
    return list.map((id) => map.get(id) ?? null);
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
    this.map ??= decodeItems(this.bytes, this.bundleId);
    this.ids ??= [...this.map.keys()];
    const map = this.map;
    return { total: this.ids.length, items: this.ids.slice(offset, offset + limit).map((id) => /** @type {Readonly<ItemMeta>} */ (map.get(id))) };
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
