// Storage: the shopper's history, their consent choice, the highest model
// version accepted and the last good bundle, all in IndexedDB (through idb),
// never in cookies or localStorage. Every write that must not race another
// tab is one IndexedDB transaction: transactions over overlapping stores are
// serialized by the browser, so two tabs writing at once lose nothing, and a
// write checks the consent stored in the same transaction, so it can never
// land after a tab withdrew consent.

import { openDB } from 'idb';
import { Code, PrivrecError } from './errors.js';

const DB_VERSION = 1;
const EVENTS = 'events';
const META = 'meta';
const BUNDLES = 'bundles';
const LAST_GOOD = 'last-good';
/** The module of the last good bundle, apart: a warm start compiles it from the HTTP cache and need not read it. */
const LAST_GOOD_WASM = 'last-good-wasm';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @typedef {'off'|'session'|'full'} ConsentLevel
 * @typedef {{maxAgeDays: number, maxEvents: number}} Retention
 * @typedef {{id: number, item: string, kind: string, at: number}} StoredEvent
 * @typedef {object} StoredBundle
 * @property {number} version
 * @property {string} bundleId
 * @property {number} acceptedAt
 * @property {Uint8Array} manifest
 * @property {Uint8Array} signature
 * @property {Uint8Array} weights
 * @property {Uint8Array} catalog
 * @property {Uint8Array} wasm
 */

/** Default retention: 90 days, 1000 events (model.MaxHistory). */
export const DEFAULT_RETENTION = Object.freeze({ maxAgeDays: 90, maxEvents: 1000 });

/**
 * Fills in defaults and checks a retention policy.
 * @param {Partial<Retention>} [r]
 * @returns {Retention}
 */
export function retentionOf(r = {}) {
  const out = { ...DEFAULT_RETENTION, ...r };
  if (!(typeof out.maxAgeDays === 'number' && out.maxAgeDays > 0 && Number.isFinite(out.maxAgeDays))) {
    throw new PrivrecError(Code.bad_request, `retention.maxAgeDays is ${out.maxAgeDays}; want a finite number of days > 0`);
  }
  if (!(Number.isInteger(out.maxEvents) && out.maxEvents > 0 && out.maxEvents <= 100000)) {
    throw new PrivrecError(Code.bad_request, `retention.maxEvents is ${out.maxEvents}; want an integer in 1..100000`);
  }
  return out;
}

/** The consent levels a stored value may hold; anything else reads as 'off'. */
const LEVELS = Object.freeze(['off', 'session', 'full']);
const KINDS = Object.freeze(['view', 'cart', 'purchase']);
const MAX_ID_BYTES = 256;

/**
 * Whether e (or what caused it) is IndexedDB's QuotaExceededError: the
 * origin's storage is full.
 * @param {unknown} e
 */
export function isQuota(e) {
  for (let x = /** @type {any} */ (e), i = 0; x && i < 4; x = x.cause, i++) {
    if (x.name === 'QuotaExceededError' || x.code === Code.quota_exceeded) return true;
  }
  return false;
}

/**
 * A typed storage failure: quota_exceeded when the storage is full (kept
 * says what was kept), storage otherwise.
 * @param {unknown} e
 * @param {string} what
 * @param {string} [kept] what is kept despite the failure, for the message
 */
function storageError(e, what, kept) {
  if (e instanceof PrivrecError && (e.code === Code.storage || e.code === Code.quota_exceeded)) return e;
  const msg = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  if (isQuota(e)) {
    return new PrivrecError(Code.quota_exceeded, `${what}: this site's storage is full (${msg})${kept ? `; ${kept}` : ''}`, { cause: e });
  }
  return new PrivrecError(Code.storage, `${what}: ${msg}${kept ? `; ${kept}` : ''}`, { cause: e });
}

/**
 * Whether a record read from the events store is an event this SDK wrote:
 * any script of the origin, an older SDK or a damaged disk can leave
 * something else there.
 * @param {any} r
 * @returns {r is StoredEvent}
 */
export function validEvent(r) {
  return (
    !!r &&
    typeof r === 'object' &&
    Number.isSafeInteger(r.id) &&
    r.id > 0 &&
    typeof r.item === 'string' &&
    r.item.length > 0 &&
    r.item.length <= MAX_ID_BYTES &&
    new TextEncoder().encode(r.item).length <= MAX_ID_BYTES &&
    KINDS.includes(r.kind) &&
    Number.isSafeInteger(r.at) &&
    r.at >= 0
  );
}

/**
 * Whether a record read as the last good bundle has the shape keep wrote.
 * Its bytes are verified again before use; this only keeps a damaged
 * record from reaching the verifier as something else.
 * @param {any} b
 */
export function validBundle(b) {
  return (
    !!b &&
    typeof b === 'object' &&
    typeof b.version === 'number' &&
    b.version >= 0 &&
    typeof b.bundleId === 'string' &&
    ['manifest', 'signature', 'weights', 'catalog'].every((k) => b[k] instanceof Uint8Array) &&
    (b.wasm === undefined || b.wasm instanceof Uint8Array)
  );
}

/**
 * One origin's privrec database. Safe for concurrent use, also across tabs:
 * each method is a single transaction.
 */
export class Storage {
  /**
   * @param {string} namespace separates several privrec stores on one origin
   * @returns {Promise<Storage>}
   */
  static async open(namespace) {
    if (typeof indexedDB === 'undefined') {
      throw new PrivrecError(Code.storage, 'open storage: IndexedDB is not available here');
    }
    try {
      const db = await openDB(`privrec:${namespace}`, DB_VERSION, {
        upgrade(db) {
          const events = db.createObjectStore(EVENTS, { keyPath: 'id', autoIncrement: true });
          events.createIndex('at', 'at');
          db.createObjectStore(META);
          db.createObjectStore(BUNDLES);
        },
      });
      return new Storage(db);
    } catch (e) {
      throw storageError(e, 'open storage');
    }
  }

  /** @param {import('idb').IDBPDatabase} db */
  constructor(db) {
    this.db = db;
    /** Told how many bad event records a read found and deleted. @type {((n: number) => void) | null} */
    this.onCorrupt = null;
  }

  close() {
    this.db.close();
  }

  /** @returns {Promise<ConsentLevel>} the stored choice; 'off' if none, or if it is not one of the levels */
  async consent() {
    try {
      return levelOf(await this.db.get(META, 'consent'));
    } catch (e) {
      throw storageError(e, 'read consent');
    }
  }

  /**
   * Stores a consent choice and, in the same transaction, deletes the stored
   * history unless the choice is 'full'. For a choice below 'full', a
   * failed write (a full disk) falls back to a transaction that only
   * deletes — the history and the stored choice, which then reads as 'off'
   * — so no history outlives a withdrawal; exact is then false and the
   * caller stores the choice again later.
   * @param {ConsentLevel} level
   * @returns {Promise<{deleted: number, exact: boolean, failure?: PrivrecError}>} deleted: how many stored events were deleted
   */
  async setConsent(level) {
    try {
      const tx = this.db.transaction([META, EVENTS], 'readwrite');
      let deleted = 0;
      if (level !== 'full') {
        // Deleted first: a put that fails cannot keep the deletion from
        // being requested.
        deleted = await tx.objectStore(EVENTS).count();
        await tx.objectStore(EVENTS).clear();
      }
      await tx.objectStore(META).put(level, 'consent');
      await tx.done;
      return { deleted, exact: true };
    } catch (e) {
      const failure = storageError(e, 'store consent', level === 'full' ? `consent stays as it was` : `the history was deleted and consent reads as off until it is stored`);
      if (level === 'full') throw failure;
      try {
        const tx = this.db.transaction([META, EVENTS], 'readwrite');
        const deleted = await tx.objectStore(EVENTS).count();
        await Promise.all([tx.objectStore(EVENTS).clear(), tx.objectStore(META).delete('consent'), tx.done]);
        return { deleted, exact: false, failure };
      } catch (e2) {
        throw storageError(e2, 'withdraw consent', `consent is ${level} in this tab; the stored history could not be deleted yet`);
      }
    }
  }

  /**
   * Stores an event if, at this moment, the stored consent is 'full', then
   * enforces retention, all in one transaction. id is null when nothing was
   * kept: consent is not 'full', or retention pruned the event at once.
   * @param {{item: string, kind: string, at: number}} ev
   * @param {Retention} retention
   * @param {number} now Unix ms
   * @returns {Promise<{consent: ConsentLevel, id: number | null}>}
   */
  async addEvent(ev, retention, now) {
    try {
      const tx = this.db.transaction([META, EVENTS], 'readwrite');
      const consent = levelOf(await tx.objectStore(META).get('consent'));
      let id = null;
      if (consent === 'full') {
        id = /** @type {number} */ (await tx.objectStore(EVENTS).add({ item: ev.item, kind: ev.kind, at: ev.at }));
        await pruneIn(tx.objectStore(EVENTS), retention, now);
        // An event already outside retention (too old, or older than the
        // maxEvents newest) is pruned at once: it was not kept.
        if ((await tx.objectStore(EVENTS).count(id)) === 0) id = null;
      }
      await tx.done;
      return { consent, id };
    } catch (e) {
      throw storageError(e, 'store event', "the event is kept in this tab's memory only, and forgotten when the tab closes");
    }
  }

  /**
   * Deletes events older than retention.maxAgeDays and, beyond
   * retention.maxEvents, the oldest ones.
   * @param {Retention} retention
   * @param {number} now
   * @returns {Promise<number>} how many events were deleted
   */
  async prune(retention, now) {
    try {
      const tx = this.db.transaction(EVENTS, 'readwrite');
      const n = await pruneIn(tx.store, retention, now);
      await tx.done;
      return n;
    } catch (e) {
      throw storageError(e, 'enforce retention');
    }
  }

  /**
   * The stored events, oldest first (by time, then by id). Records that are
   * not events this SDK wrote are left out and deleted (onCorrupt hears how
   * many).
   * @returns {Promise<StoredEvent[]>}
   */
  async events() {
    /** @type {any[]} */
    let all;
    try {
      // Read by key, not through the index: a record whose "at" is not a
      // valid key is in the store but not in the index, and must be found
      // to be deleted.
      all = await this.db.getAll(EVENTS);
    } catch (e) {
      throw storageError(e, 'read history');
    }
    const good = all.filter(validEvent);
    if (good.length < all.length) {
      const bad = all.filter((r) => !validEvent(r));
      await this.deleteRecords(bad);
      this.onCorrupt?.(bad.length);
    }
    return good.sort((a, b) => a.at - b.at || a.id - b.id);
  }

  /**
   * Deletes records of the events store by their own key (whatever it is).
   * @param {any[]} records
   */
  async deleteRecords(records) {
    try {
      const tx = this.db.transaction(EVENTS, 'readwrite');
      const keys = await Promise.all(records.map((r) => (r && typeof r === 'object' && 'id' in r ? r.id : undefined)));
      await Promise.all([...keys.filter((k) => k !== undefined).map((k) => tx.store.delete(k)), tx.done]);
    } catch {
      // A bad record that cannot be deleted now is left out again on the next read.
    }
  }

  /**
   * @param {number} id
   * @returns {Promise<boolean>} whether it existed
   */
  async deleteEvent(id) {
    try {
      const tx = this.db.transaction(EVENTS, 'readwrite');
      const found = (await tx.store.count(id)) > 0;
      if (found) await tx.store.delete(id);
      await tx.done;
      return found;
    } catch (e) {
      throw storageError(e, 'delete event');
    }
  }

  /** @returns {Promise<number>} how many events were deleted */
  async clearEvents() {
    try {
      const tx = this.db.transaction(EVENTS, 'readwrite');
      const n = await tx.store.count();
      await tx.store.clear();
      await tx.done;
      return n;
    } catch (e) {
      throw storageError(e, 'clear history');
    }
  }

  /**
   * The highest model version ever accepted, 0 if none. A damaged record
   * (not a version) reads as 0: the floor is raised again by the next
   * model the SDK verifies, and the kept bundle is re-verified anyway.
   * @returns {Promise<number>}
   */
  async highestVersion() {
    try {
      return floorOf(await this.db.get(META, 'highest_version'));
    } catch (e) {
      throw storageError(e, 'read highest version');
    }
  }

  /**
   * Raises the highest version accepted (never lowers it): the rollback
   * floor. version must come from a manifest the SDK verified itself,
   * never from the module.
   * @param {number} version
   */
  async raiseFloor(version) {
    try {
      const tx = this.db.transaction(META, 'readwrite');
      const highest = floorOf(await tx.store.get('highest_version'));
      if (version > highest) await tx.store.put(version, 'highest_version');
      await tx.done;
    } catch (e) {
      throw storageError(e, 'store version floor', `the update to version ${version} is refused and the model in use kept`);
    }
  }

  /**
   * Keeps an accepted bundle as the last good one, unless its version is
   * below the floor (another tab accepted a newer one). The transaction
   * starts now, so closing the database after this call still lets it
   * finish. b.version must come from a manifest the SDK verified, and
   * module is its module's length and SHA-256 as that manifest names them
   * (keptModule: a hint, never trusted).
   * @param {StoredBundle} b
   * @param {{length: number, sha256: Uint8Array}} [module]
   * @returns {Promise<void>}
   */
  keep(b, module) {
    /** @type {any} */
    let tx;
    try {
      tx = this.db.transaction([META, BUNDLES], 'readwrite');
    } catch (e) {
      return Promise.reject(storageError(e, 'store bundle'));
    }
    return (async () => {
      const highest = floorOf(await tx.objectStore(META).get('highest_version'));
      // Compared with the floor, not with the stored bundle's own version
      // field: the SDK re-verifies that bundle when it loads it, but a
      // script that inflated the field must not pin it here for good.
      if (b.version >= highest) {
        const { wasm, ...rest } = b;
        await Promise.all([
          tx.objectStore(BUNDLES).put(rest, LAST_GOOD),
          tx.objectStore(BUNDLES).put(wasm, LAST_GOOD_WASM),
          module ? tx.objectStore(META).put({ length: module.length, sha256: module.sha256 }, 'last_good_module') : tx.objectStore(META).delete('last_good_module'),
        ]);
      }
      await tx.done;
    })().catch((e) => {
      throw storageError(e, 'store bundle', 'the model runs, and the next visit downloads it again');
    });
  }

  /**
   * Raises the floor and keeps the bundle (raiseFloor, then keep).
   * @param {StoredBundle} b
   */
  async accept(b) {
    await this.raiseFloor(b.version);
    await this.keep(b);
  }

  /**
   * The last good bundle. With {module: false} its wasm is read only if
   * it is stored in the same record (older SDKs did); otherwise read it
   * with lastGoodModule when needed.
   * @param {{module?: boolean}} [opts]
   * @returns {Promise<(Omit<StoredBundle, 'wasm'> & {wasm?: Uint8Array}) | undefined>}
   */
  async lastGood(opts = {}) {
    try {
      const tx = this.db.transaction(BUNDLES);
      const b = await tx.store.get(LAST_GOOD);
      if (!validBundle(b)) {
        await tx.done;
        return undefined; // none, or not what keep wrote: the network is needed
      }
      if (!b.wasm && opts.module !== false) {
        const w = await tx.store.get(LAST_GOOD_WASM);
        if (w instanceof Uint8Array) b.wasm = w;
      }
      await tx.done;
      return b;
    } catch (e) {
      throw storageError(e, 'read last good bundle');
    }
  }

  /**
   * Which module the last good bundle names, stored beside it so a warm
   * start can fetch and compile it while the bundle is read. A hint: the
   * SDK uses what it compiled only if the verified manifest names it.
   * @returns {Promise<{length: number, sha256: Uint8Array} | undefined>}
   */
  async keptModule() {
    try {
      const v = await this.db.get(META, 'last_good_module');
      return v && Number.isSafeInteger(v.length) && v.sha256 instanceof Uint8Array && v.sha256.length === 32 ? v : undefined;
    } catch (e) {
      throw storageError(e, 'read kept module');
    }
  }

  /** @returns {Promise<Uint8Array | undefined>} the module of the last good bundle */
  async lastGoodModule() {
    try {
      const w = await this.db.get(BUNDLES, LAST_GOOD_WASM);
      return w instanceof Uint8Array ? w : undefined;
    } catch (e) {
      throw storageError(e, 'read last good module');
    }
  }
}

/**
 * A stored consent value as a level: anything unknown is 'off'.
 * @param {unknown} v
 * @returns {ConsentLevel}
 */
export function levelOf(v) {
  return LEVELS.includes(/** @type {any} */ (v)) ? /** @type {ConsentLevel} */ (v) : 'off';
}

/**
 * A stored rollback floor as a version: anything that is not one is 0.
 * @param {unknown} v
 */
function floorOf(v) {
  return Number.isSafeInteger(v) && /** @type {number} */ (v) >= 0 ? /** @type {number} */ (v) : 0;
}

/**
 * @param {any} store the events store of a readwrite transaction
 * @param {Retention} retention
 * @param {number} now
 * @returns {Promise<number>}
 */
async function pruneIn(store, retention, now) {
  let deleted = 0;
  const index = store.index('at');
  const cutoff = now - retention.maxAgeDays * DAY_MS;
  for (let c = await index.openCursor(IDBKeyRange.upperBound(cutoff, true)); c; c = await c.continue()) {
    await c.delete();
    deleted++;
  }
  let excess = (await store.count()) - retention.maxEvents;
  for (let c = excess > 0 ? await index.openCursor() : null; c && excess > 0; c = await c.continue()) {
    await c.delete();
    excess--;
    deleted++;
  }
  return deleted;
}
