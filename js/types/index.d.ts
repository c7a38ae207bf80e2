// Type definitions for privrec, the browser SDK. The JS sources carry the
// same types as JSDoc; this file is the contract a storefront codes against.

/** The module's error codes (model/errors.go) and the SDK's own (100 and up). */
export declare const Code: Readonly<{
  ok: 0;
  bad_request: 1;
  corrupt: 2;
  bad_signature: 3;
  unknown_key: 4;
  expired: 5;
  rollback: 6;
  digest_mismatch: 7;
  mix_and_match: 8;
  unsupported_version: 9;
  too_large: 10;
  not_loaded: 11;
  internal: 12;
  unknown_item: 13;
  not_yet_valid: 14;
  missing_artifact: 15;
  fetch_failed: 100;
  wasi_import: 101;
  wasi_exit: 102;
  storage: 103;
  closed: 104;
  /** WebCrypto lacks SHA-256 or Ed25519, so the SDK cannot verify a bundle itself and loads none. */
  crypto_unavailable: 105;
  /** A bundle file did not arrive in time (`network.timeout`); the download was aborted. */
  timeout: 106;
  /** IndexedDB is full (QuotaExceededError); the message says what was kept. */
  quota_exceeded: 107;
  /** The module broke its host-call profile or answered outside its contract; it is retired and never called again. */
  module_violation: 108;
}>;

/** A numeric error code, one of {@link Code}. */
export type ErrorCode = (typeof Code)[keyof typeof Code];
/** The stable lower-case name of a code, e.g. "bad_signature". */
export type ErrorReason = keyof typeof Code;

/** The stable name of a code ("bad_signature"), or "code_N" for an unknown one. */
export declare function codeName(code: number): string;

/** Every error privrec rejects with. */
export declare class PrivrecError extends Error {
  constructor(code: number, message?: string, options?: { cause?: unknown });
  readonly name: 'PrivrecError';
  /** The module's code (model/errors.go), or an SDK code (100 and up). */
  readonly code: ErrorCode;
  /** The code's stable name. */
  readonly reason: ErrorReason;
  toJSON(): { name: 'PrivrecError'; code: number; reason: string; message: string };
  static from(e: unknown): PrivrecError;
}

/** off: nothing stored, contextual recommendations only; session: in memory, gone with the tab; full: stored in IndexedDB with retention. */
export type ConsentLevel = 'off' | 'session' | 'full';
export type EventKind = 'view' | 'cart' | 'purchase';

/** How long stored history is kept. Enforced on every write and on load. */
export interface Retention {
  /** Events older than this many days are deleted. Default 90. */
  maxAgeDays?: number;
  /** At most this many events are kept, the oldest deleted first. Default 1000. */
  maxEvents?: number;
}

export interface LoadOptions {
  /**
   * URL of the bundle directory: manifest.bin and manifest.sig (revalidated on every page view),
   * and the artifacts under the content-addressed names `privrec sign` writes
   * (weights.<16 hex digits of SHA-256>.bin, catalog.<…>.bin, privrec.<…>.wasm; cacheable as
   * immutable), else under weights.bin, catalog.bin and privrec.wasm.
   */
  bundleUrl: string;
  /** URL of the module; default: its content-addressed name in bundleUrl. The manifest pins its SHA-256. */
  wasmUrl?: string;
  /** Trusted Ed25519 public keys: standard base64 of the 32 bytes, the text of a privrec.pub file, or the bytes. Several allow key rotation. */
  publicKeys: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  retention?: Retention;
  /** Separates several privrec stores on one origin. Default "default". */
  namespace?: string;
  /** URL of privrec-worker.js; default: beside privrec.js. */
  workerUrl?: string | URL;
  /** A ready worker (or anything with postMessage, addEventListener and terminate), e.g. for tests. */
  worker?: WorkerLike;
  /** Timeouts and retries of the bundle's downloads. */
  network?: NetworkOptions;
  /** Consent signals the page already has, each capping the shopper's level (README: "Consent signals"). */
  signals?: ConsentSignals;
  /**
   * Turns measurement on (README: "Measurement"): one secret-shared, encrypted DAP report a day
   * to the task's two aggregators, never with consent off or Global Privacy Control on. Without
   * it, the SDK neither loads its measurement code nor makes any request for it.
   */
  measurement?: MeasurementOptions;
}

/** A DAP task (draft-ietf-ppm-dap-15, Prio3SumVec of layout v1) the page measures into. */
export interface MeasurementOptions {
  /** The task id: 32 bytes, unpadded base64url (43 characters), as the aggregators' URLs spell it. */
  taskId: string;
  /** The leader's API base URL (GET hpke_config, POST tasks/{task-id}/reports). */
  leader: string;
  /** The helper's API base URL (GET hpke_config). */
  helper: string;
  /** URL of privrec-measure.wasm, the module that makes the report. */
  wasmUrl: string;
  /** Its SHA-256 in hex; when given, any other module is refused (digest_mismatch). */
  wasmSha256?: string;
  /** The task's time precision in seconds. Default 86400. */
  timePrecision?: number;
  /** The share of shopper-days whose recommendations are the popularity fallback (the control arm), 0 ≤ x ≤ 1. Default 0.1. */
  controlShare?: number;
}

/** The arm of a measured day: personal recommendations, or the popularity fallback (control). */
export type Arm = 'personal' | 'control';

/** What measurement does now ({@link Recommender.measurement}). */
export interface MeasurementStatus {
  /** The page passed LoadOptions.measurement (and its code loaded). */
  enabled: boolean;
  /** Counting and reporting now. */
  active: boolean;
  /** Why not: the site did not enable it, its code did not load, consent is off, or GPC is on. */
  reason: 'not_enabled' | 'unavailable' | 'consent_off' | 'gpc' | null;
  message?: string;
  /** Today's arm, once drawn. */
  arm?: Arm | null;
  /** Today (UTC, YYYY-MM-DD). */
  day?: string;
  /** What today's report would encode now, and whether today was reported already. */
  today?: { vector: number[]; words: string; reported: boolean } | null;
  /** Days over whose report is not uploaded yet (retried at the next visit). */
  waiting?: number;
  /** The counters are stored (consent full) rather than in memory. */
  stored?: boolean;
  task?: string;
  leader?: string;
  helper?: string;
  controlShare?: number;
  /** The last failure to make or upload a report. */
  failure?: { at: number; message: string } | null;
}

/** A measured day as history.export() gives it. */
export interface MeasurementDay {
  day: string;
  arm: Arm | null;
  vector: number[];
  /** Items recommended that day (what impressions, clicks and purchases count for). */
  recommended: string[];
  clicked: string[];
  bought: string[];
}

/** One report sent: what the dashboard lists. */
export interface MeasurementReport {
  /** When it was uploaded (Unix ms). */
  at: number;
  /** The day it reports (UTC, YYYY-MM-DD). */
  day: string;
  /** The upload URL (the leader's). */
  to: string;
  /** The report's length in bytes (HPKE ciphertext of both shares, and their metadata). */
  bytes: number;
  /** The leader's HTTP status. */
  status: number;
  /** The report id, hex. */
  report_id: string;
  /** The measurement it encoded (layout v1, 11 entries of 0..255), kept only on this device. */
  vector: number[];
  /** The same in plain words. */
  words: string;
}

/**
 * Which consent signals cap the level the shopper chose; the strictest wins, and one that withdraws
 * deletes at once (as consent.set to a lower level does).
 */
export interface ConsentSignals {
  /** Global Privacy Control (read on the page and in the worker): on caps at "session" (true) or "off". */
  gpc?: boolean | 'off' | 'session';
  /** IAB TCF v2.2 through the page's `__tcfapi`: purposes 5 and 6 allow "session", with purpose 1 "full"; else "off". */
  tcf?: boolean;
  /** Google Consent Mode v2: `personalization_storage` from gtag('consent', …) in window.dataLayer; denied caps at "off". */
  consentMode?: boolean;
}

export type SignalName = 'gpc' | 'tcf' | 'consentMode';

/** What the consent signals decide (`rec.consent.signal`, and the "consentsignal" event). */
export interface ConsentSignalDetail {
  /** The signal that caps the level (the strictest), or null when none does. */
  signal: SignalName | null;
  /** The highest level the signals allow. */
  cap: ConsentLevel;
  /** The level in force: the shopper's choice, capped. */
  consent: ConsentLevel;
  /** Each signal's level, for the signals that have spoken. */
  signals: Partial<Record<SignalName, ConsentLevel>>;
}

/** How bundle files are downloaded. Every file is also cut at the length its signed manifest states. */
export interface NetworkOptions {
  /** ms a download may go without progress (no headers, or no new bytes) before it is aborted (code "timeout"). Default 15000. */
  timeout?: number;
  /** Extra attempts of an update (update(), and the background check at load) after a network error, a timeout or HTTP 5xx/408/429. Default 2. */
  retries?: number;
  /** ms before the first retry, doubled for each next one. Default 500. */
  backoff?: number;
}

export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (event: any) => void): void;
  terminate?(): void;
}

/** The model in use: verified by the SDK itself (signature, manifest, every artifact's SHA-256), then by the module, whose report must agree. */
export interface ModelInfo {
  version: number;
  key_id: string;
  /** Unix ms. */
  created: number;
  /** Unix ms. */
  expires: number;
  items: number;
  bundle_id: string;
  /** Differential privacy of training; 0 when the model is not DP. */
  epsilon: number;
  delta: number;
  /** How the model scores, as its signed manifest says. */
  model: ModelKind;
}

/** The kinds of model a bundle may hold (model.ModelKind). */
export type ModelKind = 'neighbors' | 'embedding';

/** Segment analytics.js e-commerce events (spec v2), as `{event, properties}`. */
export type SegmentEvent =
  | { event: 'Product Viewed' | 'Product Added'; properties: { product_id: string | number; [k: string]: unknown } }
  | { event: 'Order Completed'; properties: { products: ReadonlyArray<{ product_id: string | number; [k: string]: unknown }>; [k: string]: unknown } };

/** GA4 e-commerce events, as a dataLayer push `{event, ecommerce}`. */
export interface GA4Event {
  event: GA4EventName;
  ecommerce: GA4Params;
}
export type GA4EventName = 'view_item' | 'add_to_cart' | 'purchase';
export interface GA4Params {
  items: ReadonlyArray<{ item_id: string | number; [k: string]: unknown }>;
  [k: string]: unknown;
}

export interface TrackEvent {
  item: string;
  kind: EventKind;
  /** Unix ms; default now. */
  at?: number;
}

/**
 * What the page knows without any history. Without one, the SDK reads the
 * local hour and weekday from the clock and the device from the user agent;
 * a given context replaces that whole, its missing fields meaning unknown.
 */
export interface Context {
  /** 0..23 local time; -1 or missing: unknown. */
  hour?: number;
  /** 0 = Sunday .. 6; -1 or missing: unknown. */
  weekday?: number;
  /** e.g. "mobile" or "desktop"; missing: unknown. */
  device?: string;
}

export interface RecommendOptions {
  /** How many items; default 10, at most 100. */
  k?: number;
  /** Replaces the context the SDK reads from the clock and the device. */
  context?: Context;
  /** Item ids never to recommend (e.g. what is on the page). */
  exclude?: readonly string[];
  /** Only recommend items of this catalog category. */
  category?: string;
  /** Which history items are left out: purchased (default), all, none. */
  seen?: 'purchased' | 'all' | 'none';
  /** Name the history items behind each recommendation. */
  explain?: boolean;
  /**
   * default: items not bought yet. buy_again: also the shopper's past purchases, by how often and how
   * recently (source "repeat"; `seen` does not leave them out); a model trained without repeat
   * parameters answers it as default. See wasm/ABI.md, "Recommend modes".
   */
  mode?: 'default' | 'buy_again';
}

export interface Reason {
  item: string;
  /** Share of the score, 0..1. */
  share: number;
}

export interface Recommendation {
  item: string;
  score: number;
  /** The measured day's arm, when measurement is active (LoadOptions.measurement). */
  arm?: Arm;
  /** repeat: bought before (mode buy_again only). */
  source: 'history' | 'popular' | 'repeat';
  because?: Reason[];
  /** A repeat with explain: how many times the shopper bought it, and when last (Unix ms). */
  bought?: number;
  last_bought?: number;
}

export interface Recommendations {
  /** The k applied. */
  k: number;
  items: Recommendation[] | null;
  /** History events naming items the model does not know. */
  unknown: number;
  /** The measured day's arm, when measurement is active: control answers are the no-history (popularity) answer. */
  arm?: Arm;
}

/**
 * What a page shows for an item: the page metadata the bundle was signed with (privrec train
 * --catalog; {@link Recommender.catalog}). A field the catalog file left empty is null. URLs are
 * http(s), protocol-relative or relative: safe to put in img src and a href.
 */
export interface ItemMeta {
  id: string;
  title: string | null;
  price: number | null;
  /** ISO 4217 code, upper case. */
  currency: string | null;
  image: string | null;
  /** The product page. */
  url: string | null;
  category: string | null;
  availability: 'in_stock' | 'out_of_stock' | 'preorder' | 'backorder' | null;
}

export interface HistoryEvent {
  /** Pass to history.delete. */
  id: string;
  item: string;
  kind: EventKind;
  at: number;
  /** true when in IndexedDB (consent full), false when in this tab's memory only. */
  stored: boolean;
}

/** What history.export() returns, as a JSON string. */
export interface HistoryExport {
  format: 'privrec-history';
  version: 1;
  exported_at: string;
  consent: ConsentLevel;
  retention: { max_age_days: number; max_events: number };
  events: HistoryEvent[];
  /** With measurement on: today's counters and the recommended items they count, days not yet sent, and the reports sent. */
  measurement?: { today: MeasurementDay | null; waiting: MeasurementDay[]; reports: MeasurementReport[] };
}

export interface ModelUpdatedDetail extends ModelInfo {
  /** network: freshly fetched; cache: the last good bundle kept on this device. */
  origin: 'network' | 'cache';
}

export interface UpdateRefusedDetail {
  code: ErrorCode;
  reason: ErrorReason;
  message: string;
  /** The version still in use, or null when none is loaded yet. */
  kept: number | null;
  /** network: a fetched bundle was refused; cache: the copy kept on this device failed its re-verification (it was altered, or expired). */
  origin: 'network' | 'cache';
}

/** What update() resolves with. */
export interface UpdateResult {
  /** updated: a newer model is in use; current: the bundle URL serves the model in use; failed: the model in use is kept (see failure). */
  outcome: 'updated' | 'current' | 'failed';
  /** The model in use. */
  model: ModelInfo;
  failure?: UpdateFailedDetail;
}

export interface UpdateFailedDetail {
  /** network: unreachable, an HTTP error or an HTML page; timeout: a download fell silent; refused: the bundle failed verification or exceeded its stated length; storage: the rollback floor could not be stored (the update is refused). */
  failure: 'network' | 'timeout' | 'refused' | 'storage';
  code: ErrorCode;
  reason: ErrorReason;
  message: string;
  /** The file that failed, when a download failed. */
  url?: string;
  /** Its HTTP status (0: no answer). */
  status?: number;
  /** The version still in use, or null when none is loaded yet. */
  kept: number | null;
  origin: 'network' | 'cache';
}

export interface StorageFailedDetail {
  /** What could not be stored: "consent" (a withdrawal: the stored history is deleted first, the choice stored again later). */
  operation: 'consent';
  code: ErrorCode;
  reason: ErrorReason;
  message: string;
  /** What holds despite the failure. */
  kept: string;
}

export interface StorageRepairedDetail {
  /** How many damaged records were found and deleted. */
  deleted: number;
  what: 'history';
}

export interface ModuleRetiredDetail {
  /** module_violation */
  code: ErrorCode;
  reason: ErrorReason;
  message: string;
  /** SHA-256 (hex) of the retired module: it never runs again in this worker. */
  module: string;
  version: number | null;
}

export interface ConsentChangedDetail {
  consent: ConsentLevel;
  previous: ConsentLevel;
  /** local: this tab changed it; remote: another tab did. */
  origin: 'local' | 'remote';
}

export interface HistoryChangedDetail {
  origin: 'remote';
}

export interface RecommenderEventMap {
  modelupdated: CustomEvent<ModelUpdatedDetail>;
  updaterefused: CustomEvent<UpdateRefusedDetail>;
  updatefailed: CustomEvent<UpdateFailedDetail>;
  consentchanged: CustomEvent<ConsentChangedDetail>;
  historychanged: CustomEvent<HistoryChangedDetail>;
  storagefailed: CustomEvent<StorageFailedDetail>;
  storagerepaired: CustomEvent<StorageRepairedDetail>;
  moduleretired: CustomEvent<ModuleRetiredDetail>;
  /** What the consent signals decide changed. */
  consentsignal: CustomEvent<ConsentSignalDetail>;
  /** A measurement report was uploaded. */
  measurereport: CustomEvent<MeasurementReport>;
}

/**
 * An on-device recommender. The model runs in a dedicated worker; the
 * shopper's history never leaves the browser.
 */
export declare class Recommender extends EventTarget {
  /** Starts the worker and loads the signed bundle (or the last good one kept on this device), which the SDK verifies with WebCrypto before the module runs. */
  static load(options: LoadOptions): Promise<Recommender>;
  private constructor(worker: WorkerLike);

  /** The model in use. */
  readonly model: ModelInfo | null;
  /** Whether the browser granted persistent storage when the shopper chose full consent; null until then. */
  readonly persisted: boolean | null;

  /** Records what the shopper did, as far as consent allows; resolves with the event id, or null when nothing was kept. */
  track(event: TrackEvent): Promise<string | null>;
  /**
   * A Segment or GA4 e-commerce event, mapped to view / cart / purchase and kept on this device like any
   * other; resolves with one id (or null) per product. Any other shape rejects with bad_request.
   */
  track(event: SegmentEvent | GA4Event): Promise<(string | null)[]>;
  /** The analytics.js / gtag call form: `track('Product Viewed', properties)`, `track('purchase', {items})`. */
  track(name: 'Product Viewed' | 'Product Added' | 'Order Completed' | GA4EventName, properties: object): Promise<(string | null)[]>;
  recommend(options?: RecommendOptions): Promise<Recommendations>;
  /** Checks for a newer bundle, with retries, beside the other calls (none waits for it); resolves with what happened. */
  update(): Promise<UpdateResult>;
  /** Stops the worker. */
  close(): void;
  /**
   * The worker's Resource Timing entries, as `PerformanceResourceTiming.toJSON()` gives them: every
   * request the worker made (the bundle's files, the module). Their times are relative to the
   * worker's `timeOrigin`. The page's own requests are in the page's timeline.
   */
  resources(): Promise<{ timeOrigin: number; entries: ResourceEntry[] }>;

  readonly consent: {
    get(): Promise<ConsentLevel>;
    /**
     * Lowering consent takes effect at once, in memory and in every tab, then deletes the stored history;
     * if storage fails, it still deletes (and stores the level again later, "storagefailed"), or rejects
     * with a typed error only when even the deletion failed. Raising it to full is stored first (a full disk
     * rejects with quota_exceeded and leaves it as it was), then asks for persistent storage.
     */
    set(level: ConsentLevel): Promise<ConsentLevel>;
    /** What the consent signals decide now (LoadOptions.signals); null without signals. set() resolves with the capped level. */
    readonly signal: ConsentSignalDetail | null;
  };

  /** The page metadata of the model in use. */
  readonly catalog: {
    /**
     * One {@link ItemMeta} per id, in order, or null for an id the catalog file did not list; at most
     * 1000 ids a call. Rejects with missing_artifact when the bundle was trained without --catalog.
     */
    get(ids: readonly string[]): Promise<(ItemMeta | null)[]>;
    /**
     * A page of the whole catalog in id order, for a page with no product list of its own: `total` items
     * in all; `limit` 1..1000 (default 100), `offset` default 0. Rejects as get does.
     */
    list(options?: { offset?: number; limit?: number }): Promise<{ total: number; items: ItemMeta[] }>;
  };

  /**
   * Measurement (LoadOptions.measurement): what the page showed and the shopper followed, counted on
   * this device; purchases are counted from track(). Every call works, and counts nothing, when
   * measurement is off.
   */
  readonly measurement: {
    status(): Promise<MeasurementStatus>;
    /** These recommended items were shown; resolves with how many counted (items recommended today). */
    shown(items: ReadonlyArray<string | Recommendation>): Promise<number>;
    /** The shopper followed this recommended item; counted once per item per day. */
    clicked(item: string | Recommendation): Promise<boolean>;
    /** Reports today now (the page's own end of a visit); nothing more is counted today. Rejects with bad_request when measurement is off. */
    send(): Promise<MeasurementReport | null>;
    /** Every report sent and still held (kept no longer than history), oldest first. */
    reports(): Promise<MeasurementReport[]>;
  };

  readonly history: {
    list(): Promise<HistoryEvent[]>;
    /** Everything held about the shopper, as a JSON string ({@link HistoryExport}). */
    export(): Promise<string>;
    delete(id: string): Promise<boolean>;
    /** Deletes everything; resolves with how many events were deleted. */
    clear(): Promise<number>;
  };

  addEventListener<K extends keyof RecommenderEventMap>(
    type: K,
    listener: (this: Recommender, ev: RecommenderEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof RecommenderEventMap>(
    type: K,
    listener: (this: Recommender, ev: RecommenderEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** One Resource Timing entry of the worker ({@link Recommender.resources}). */
export interface ResourceEntry {
  name: string;
  initiatorType: string;
  startTime: number;
  duration: number;
  transferSize: number;
  encodedBodySize: number;
  decodedBodySize: number;
  [field: string]: unknown;
}
