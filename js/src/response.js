// What the module answers is checked before the page sees it. The module is
// signed, but the audit's lesson is that a signed module can still cheat:
// a response could carry history ids in "because", the device string in
// "source", or fields the contract does not have, and the SDK would hand
// them to the page verbatim. validateResponse admits only the contract of
// model.Response: items of the loaded catalog, at most k of them, each
// once and none excluded; "because" only from the request's own history;
// "source" from the known set; no unknown fields at any level.

import { Code, PrivrecError } from './errors.js';

/** The sources a recommendation may name (model.Source). */
export const SOURCES = Object.freeze(/** @type {const} */ (['history', 'popular', 'repeat']));
/** Reasons named per recommendation (model.MaxExplain). */
const MAX_EXPLAIN = 3;
/** Recommendations per response (model.MaxK). */
const MAX_K = 100;

/** @param {string} msg */
function violation(msg) {
  return new PrivrecError(Code.module_violation, `recommend: the module's response ${msg}; the module is retired`);
}

/**
 * @param {any} o
 * @param {readonly string[]} allowed
 * @param {string} what
 */
function fieldsOnly(o, allowed, what) {
  if (!o || typeof o !== 'object' || Array.isArray(o) || o instanceof Uint8Array) throw violation(`has ${what} that is not a map`);
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw violation(`has an unknown field ${JSON.stringify(k.slice(0, 32))} in ${what}`);
  }
}

/** @param {unknown} x */
const finite = (x) => typeof x === 'number' && Number.isFinite(x);

/**
 * Checks a decoded model.Response against the request it answers and the
 * catalog of the loaded model, and returns a copy made of the checked
 * fields only. Throws module_violation on the first breach.
 * @param {any} res
 * @param {{k: number, history: readonly {item: string, kind?: string, at?: number}[], exclude?: readonly string[], explain: boolean, mode?: string}} req
 * @param {{has: (id: string) => boolean} | null} catalog the loaded catalog's item ids (null: not known, items are not checked against it)
 * @returns {{k: number, items: {item: string, score: number, source: 'history'|'popular'|'repeat', because?: {item: string, share: number}[], bought?: number, last_bought?: number}[] | null, unknown: number}}
 */
export function validateResponse(res, req, catalog) {
  fieldsOnly(res, ['k', 'items', 'unknown'], 'the response');
  if (!(Number.isInteger(res.k) && res.k >= 0 && res.k <= MAX_K)) throw violation(`names k ${String(res.k).slice(0, 32)}`);
  const want = req.k === 0 ? Math.min(10, MAX_K) : Math.min(req.k, MAX_K);
  if (req.k >= 0 && res.k !== want) throw violation(`names k ${res.k}; the request asked for ${want}`);
  if (!(Number.isInteger(res.unknown) && res.unknown >= 0 && res.unknown <= req.history.length)) {
    throw violation(`counts ${String(res.unknown).slice(0, 32)} unknown events of ${req.history.length}`);
  }
  if (res.items === null || res.items === undefined) return { k: res.k, items: null, unknown: res.unknown };
  if (!Array.isArray(res.items)) throw violation('has items that are not a list');
  if (res.items.length > res.k) throw violation(`has ${res.items.length} items; k is ${res.k}`);
  const history = new Set(req.history.map((e) => e.item));
  const excluded = new Set(req.exclude ?? []);
  const seen = new Set();
  // mode buy_again: a "repeat" item is one the history purchased, its
  // counts (with explain) within that item's purchases (wasm/ABI.md).
  /** @type {Map<string, number[]>} */
  const bought = new Map();
  for (const e of req.history) if (e.kind === 'purchase') bought.set(e.item, [...(bought.get(e.item) ?? []), e.at ?? 0]);
  const items = res.items.map((/** @type {any} */ it, /** @type {number} */ i) => {
    const what = `item ${i}`;
    fieldsOnly(it, ['item', 'score', 'source', 'because', 'bought', 'last_bought'], what);
    if (typeof it.item !== 'string') throw violation(`has ${what} without an id`);
    if (catalog && !catalog.has(it.item)) throw violation(`recommends an item that is not in the catalog`);
    if (seen.has(it.item)) throw violation(`recommends one item twice`);
    if (excluded.has(it.item)) throw violation(`recommends an excluded item`);
    seen.add(it.item);
    if (!finite(it.score)) throw violation(`gives ${what} a score that is not a finite number`);
    if (!SOURCES.includes(it.source)) throw violation(`gives ${what} a source outside ${SOURCES.join(', ')}`);
    /** @type {{item: string, score: number, source: 'history'|'popular'|'repeat', because?: {item: string, share: number}[], bought?: number, last_bought?: number}} */
    const out = { item: it.item, score: it.score, source: it.source };
    const times = bought.get(it.item);
    if (it.source === 'repeat' && (req.mode !== 'buy_again' || !times)) throw violation(`names ${what} a repeat, which the request cannot have`);
    if (it.bought !== undefined || it.last_bought !== undefined) {
      if (it.source !== 'repeat' || !req.explain || !times) throw violation(`counts purchases of ${what}, which is not an explained repeat`);
      if (!(Number.isInteger(it.bought) && it.bought >= 1 && it.bought <= times.length) || !times.includes(it.last_bought)) {
        throw violation(`counts purchases of ${what} that its history does not hold`);
      }
      out.bought = it.bought;
      out.last_bought = it.last_bought;
    }
    if (it.because !== undefined && it.because !== null) {
      if (!req.explain) throw violation(`explains ${what}, which the request did not ask for`);
      if (!Array.isArray(it.because) || it.because.length > MAX_EXPLAIN) throw violation(`gives ${what} more than ${MAX_EXPLAIN} reasons`);
      if (it.source === 'popular' && it.because.length > 0) throw violation(`explains ${what} from history, yet names it ${it.source}`);
      out.because = it.because.map((/** @type {any} */ r, /** @type {number} */ j) => {
        fieldsOnly(r, ['item', 'share'], `reason ${j} of ${what}`);
        if (typeof r.item !== 'string' || !history.has(r.item)) throw violation(`names a reason that is not in the request's history`);
        if (!(finite(r.share) && r.share >= 0 && r.share <= 1)) throw violation(`gives a reason a share outside 0..1`);
        return { item: r.item, share: r.share };
      });
    }
    return out;
  });
  return { k: res.k, items, unknown: res.unknown };
}

/**
 * The item ids of a catalog artifact the SDK verified ([kind, version,
 * bundle id, [[id, title, price, category, [tags]], …]], model/format.go),
 * as a set that answers has(id). The catalog lists its ids in ascending
 * byte order (EncodeCatalog), so the set keeps only where each id starts
 * and looks an id up by binary search over the bytes: no string is made
 * per item (a 100k-item catalog costs one walk over its bytes and 400 KB).
 * Ids out of order get a plain Set. Returns null when the bytes are not in
 * that shape (an older format): the module's items are then not checked
 * against the catalog.
 * @param {Uint8Array} b
 * @returns {CatalogIds | Set<string> | null}
 */
export function catalogItems(b) {
  try {
    const r = new Walker(b);
    if (r.arrayLen() < 4) return null;
    r.skip(); // kind
    r.skip(); // version
    r.skip(); // bundle id
    const n = r.arrayLen();
    const starts = new Uint32Array(n);
    const lengths = new Uint32Array(n);
    // One flat loop over the rows, the usual shapes read in place (a
    // catalog is walked on every load, in a worker whose code is not
    // optimized yet: calls per field were most of its cost); the Walker
    // skips anything else.
    const end = b.length;
    let at = r.i;
    for (let i = 0; i < n; i++) {
      let fields = b[at];
      if ((fields & 0xf0) === 0x90 && fields !== 0x90 && (b[at + 1] & 0xe0) === 0xa0) {
        fields &= 0x0f;
        const len = b[at + 1] & 0x1f;
        starts[i] = at + 2;
        lengths[i] = len;
        at += 2 + len;
      } else {
        r.i = at;
        fields = r.arrayLen();
        if (fields < 1) return null;
        const len = r.rawLen();
        r.need(len);
        starts[i] = r.i;
        lengths[i] = len;
        at = r.i + len;
      }
      for (let j = 1; j < fields; j++) {
        const c = b[at];
        if ((c & 0xe0) === 0xa0) at += 1 + (c & 0x1f);
        else if (c === 0xcb) at += 9;
        else if (c <= 0x7f || c === 0xc0 || c === 0x90 || c === 0x80) at += 1;
        else {
          r.i = at;
          r.skip();
          at = r.i;
        }
      }
      if (at > end) throw new RangeError('truncated');
    }
    const ids = new CatalogIds(b, starts, lengths);
    for (let i = 1; i < n; i++) {
      if (ids.compareAt(i, i - 1) <= 0) {
        // Not in byte order (a catalog from another encoder): a plain set.
        const text = new TextDecoder();
        return new Set(Array.from(starts, (st, j) => text.decode(b.subarray(st, st + lengths[j]))));
      }
    }
    return ids;
  } catch {
    return null;
  }
}

/** The ids of a catalog, by position in its bytes (catalogItems). Immutable. */
export class CatalogIds {
  /**
   * @param {Uint8Array} b
   * @param {Uint32Array} starts
   * @param {Uint32Array} lengths
   */
  constructor(b, starts, lengths) {
    this.b = b;
    this.starts = starts;
    this.lengths = lengths;
    this.size = starts.length;
    this.encoder = new TextEncoder();
  }

  /**
   * Compares the id at position i with the bytes k: <0, 0 or >0.
   * @param {number} i
   * @param {Uint8Array} k
   */
  compare(i, k) {
    const b = this.b;
    const s = this.starts[i];
    const n = this.lengths[i];
    const m = Math.min(n, k.length);
    for (let j = 0; j < m; j++) {
      const d = b[s + j] - k[j];
      if (d !== 0) return d;
    }
    return n - k.length;
  }

  /**
   * Compares the ids at positions i and j: <0, 0 or >0 (no view made:
   * catalogItems compares every id with the one before it).
   * @param {number} i
   * @param {number} j
   */
  compareAt(i, j) {
    const b = this.b;
    const s = this.starts[i];
    const t = this.starts[j];
    const n = this.lengths[i];
    const k = this.lengths[j];
    const m = Math.min(n, k);
    for (let x = 0; x < m; x++) {
      const d = b[s + x] - b[t + x];
      if (d !== 0) return d;
    }
    return n - k;
  }

  /** @param {string} id */
  has(id) {
    const k = this.encoder.encode(id);
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compare(mid, k);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/** A minimal MessagePack walker for the catalog: lengths and skips. */
class Walker {
  /** @param {Uint8Array} b */
  constructor(b) {
    this.b = b;
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.i = 0;
  }

  /** @param {number} n */
  need(n) {
    if (this.i + n > this.b.length) throw new RangeError('truncated');
  }

  /** @param {number} size */
  uint(size) {
    this.need(size);
    const x = size === 1 ? this.v.getUint8(this.i) : size === 2 ? this.v.getUint16(this.i) : this.v.getUint32(this.i);
    this.i += size;
    return x;
  }

  arrayLen() {
    this.need(1);
    const c = this.b[this.i++];
    if ((c & 0xf0) === 0x90) return c & 0x0f;
    if (c === 0xdc) return this.uint(2);
    if (c === 0xdd) return this.uint(4);
    throw new RangeError('not an array');
  }

  /** The length of the str or bin at the cursor, which moves past its header. */
  rawLen() {
    this.need(1);
    const c = this.b[this.i++];
    if ((c & 0xe0) === 0xa0) return c & 0x1f;
    if (c === 0xd9 || c === 0xc4) return this.uint(1);
    if (c === 0xda || c === 0xc5) return this.uint(2);
    if (c === 0xdb || c === 0xc6) return this.uint(4);
    throw new RangeError('not a string');
  }

  skip() {
    this.need(1);
    const c = this.b[this.i];
    if (c <= 0x7f || c >= 0xe0 || c === 0xc0 || c === 0xc2 || c === 0xc3) {
      this.i++;
      return;
    }
    if ((c & 0xe0) === 0xa0 || (c >= 0xc4 && c <= 0xc6) || (c >= 0xd9 && c <= 0xdb)) {
      const n = this.rawLen();
      this.need(n);
      this.i += n;
      return;
    }
    if ((c & 0xf0) === 0x90 || c === 0xdc || c === 0xdd) {
      for (let n = this.arrayLen(); n > 0; n--) this.skip();
      return;
    }
    this.i++;
    if ((c & 0xf0) === 0x80 || c === 0xde || c === 0xdf) {
      const n = (c & 0xf0) === 0x80 ? c & 0x0f : this.uint(c === 0xde ? 2 : 4);
      for (let k = 0; k < 2 * n; k++) this.skip();
      return;
    }
    const size = FIXED[c];
    if (size !== undefined) {
      this.need(size);
      this.i += size;
      return;
    }
    if (c >= 0xc7 && c <= 0xc9) {
      const n = this.uint(c === 0xc7 ? 1 : c === 0xc8 ? 2 : 4);
      this.need(n + 1);
      this.i += n + 1;
      return;
    }
    throw new RangeError('bad type');
  }
}

/** Bytes after the type byte of MessagePack's fixed-size types. @type {Record<number, number>} */
const FIXED = { 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17 };
