// The network side of a bundle: every GET has a timeout (AbortController),
// every body is read as a stream and cut at a byte limit known before the
// first byte arrives (the manifest's stated length, or a cap), and every
// failure names the URL, the HTTP status and the content type. Nothing here
// reads a whole response with res.arrayBuffer(): a server that never stops
// sending, or lies about a length, costs at most the limit plus one chunk.

import { Code, PrivrecError } from './errors.js';

/**
 * Network defaults. timeout: ms a GET may go without progress (no headers,
 * or no new body bytes) before it is aborted; retries: extra attempts of an
 * update's GETs after a network error, a timeout or an HTTP 5xx/408/429;
 * backoff: ms before the first retry, doubled for each next one.
 * @typedef {{timeout: number, retries: number, backoff: number}} NetworkOptions
 */
export const DEFAULT_NETWORK = Object.freeze({ timeout: 15000, retries: 2, backoff: 500 });

/**
 * Fills in defaults and checks network options.
 * @param {Partial<NetworkOptions>} [o]
 * @returns {NetworkOptions}
 */
export function networkOf(o = {}) {
  const out = { ...DEFAULT_NETWORK, ...o };
  const check = (/** @type {string} */ name, /** @type {number} */ v, /** @type {number} */ min, /** @type {number} */ max) => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max)) {
      throw new PrivrecError(Code.bad_request, `network.${name} is ${v}; want a number in ${min}..${max}`);
    }
  };
  check('timeout', out.timeout, 1, 600000);
  check('retries', out.retries, 0, 10);
  check('backoff', out.backoff, 0, 60000);
  if (!Number.isInteger(out.retries)) throw new PrivrecError(Code.bad_request, `network.retries is ${out.retries}; want an integer`);
  return out;
}

/**
 * A failure to fetch a bundle file: fetch_failed or timeout, with the URL,
 * the status (0 when no answer came) and the content type. transient says
 * whether trying again may help.
 */
export class FetchError extends PrivrecError {
  /**
   * @param {number} code Code.fetch_failed or Code.timeout
   * @param {string} message
   * @param {{url: string, status?: number, type?: string, transient: boolean, cause?: unknown}} o
   */
  constructor(code, message, o) {
    super(code, message, { cause: o.cause });
    this.url = o.url;
    this.status = o.status ?? 0;
    this.contentType = o.type ?? '';
    this.transient = o.transient;
  }
}

/** @param {number} status */
const transientStatus = (status) => status >= 500 || status === 408 || status === 429;

/** @param {Response} res */
const typeOf = (res) => (res.headers?.get?.('content-type') ?? '').split(';')[0].trim().toLowerCase();

/**
 * A response that is not a bundle file: an HTML or text page (an error
 * page, a single-page app's index.html served for every path, a captive
 * portal) says nothing a signature check could say better.
 * @param {string} type
 */
const isPage = (type) => type === 'text/html' || type === 'application/xhtml+xml' || type.startsWith('text/');

/**
 * One GET with a deadline: resolves once headers arrived, with the
 * response and a reader that keeps the deadline for the body. A stall (no
 * headers, or no body bytes for timeout ms) aborts the request.
 * @typedef {object} Opened
 * @property {Response} res
 * @property {(limit: number, what: string, expected?: boolean) => Promise<Uint8Array>} read the body, refused once it passes limit bytes;
 *   expected: limit is the length the body should have (a signed manifest's), so one buffer of it is made at once
 * @property {() => void} abort
 */

/**
 * @param {typeof fetch} fetchFn
 * @param {string} url
 * @param {{timeout: number, cache?: RequestCache, signal?: AbortSignal}} o
 * @returns {Promise<Opened>}
 */
export async function open(fetchFn, url, o) {
  const ctl = new AbortController();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let timedOut = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new FetchError(Code.timeout, `fetch ${url}: no progress for ${o.timeout} ms; aborted`, { url, transient: true }));
    }, o.timeout);
  };
  const disarm = () => clearTimeout(timer);
  const onOuter = () => ctl.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onOuter, { once: true });
  const done = () => {
    disarm();
    o.signal?.removeEventListener('abort', onOuter);
  };
  /** @param {unknown} e @param {number} status @param {string} type */
  const failure = (e, status, type) => {
    if (e instanceof FetchError) return e;
    if (timedOut) return /** @type {FetchError} */ (ctl.signal.reason);
    const msg = e instanceof Error ? e.message : String(e);
    return new FetchError(Code.fetch_failed, `fetch ${url}: ${msg}`, { url, status, type, transient: true, cause: e });
  };
  arm();
  /** @type {Response} */
  let res;
  try {
    res = await fetchFn(url, { credentials: 'same-origin', signal: ctl.signal, ...(o.cache ? { cache: o.cache } : {}) });
  } catch (e) {
    done();
    throw failure(e, 0, '');
  }
  const type = typeOf(res);
  if (!res.ok) {
    done();
    res.body?.cancel().catch(() => {});
    const hint = res.status === 404 || res.status === 410 ? ': is the bundle published there?' : '';
    throw new FetchError(Code.fetch_failed, `fetch ${url}: HTTP ${res.status}${type ? ` (${type})` : ''}${hint}`, { url, status: res.status, type, transient: transientStatus(res.status) });
  }
  if (isPage(type)) {
    done();
    res.body?.cancel().catch(() => {});
    throw new FetchError(Code.fetch_failed, `fetch ${url}: got ${type} (HTTP ${res.status}): is the bundle published there?`, { url, status: res.status, type, transient: false });
  }
  const encoded = (res.headers?.get?.('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  const declared = Number(res.headers?.get?.('content-length') ?? NaN);

  /**
   * @param {number} limit
   * @param {string} what
   */
  const tooLarge = (limit, what) =>
    new PrivrecError(Code.too_large, `fetch ${url}: ${what} is more than ${limit} bytes; refused without reading further`);

  /**
   * Pulls res's body through the deadline and the limit, chunk by chunk.
   * @param {ReadableStream<Uint8Array>} body
   * @param {number} limit
   * @param {string} what
   * @param {(chunk: Uint8Array, total: number) => void} sink
   */
  const pump = async (body, limit, what, sink) => {
    const reader = body.getReader();
    let total = 0;
    try {
      for (;;) {
        arm();
        const { done: end, value } = await reader.read();
        if (end) break;
        if (total + value.length > limit) {
          ctl.abort(tooLarge(limit, what));
          reader.cancel().catch(() => {});
          throw tooLarge(limit, what);
        }
        sink(value, total);
        total += value.length;
      }
    } catch (e) {
      if (e instanceof PrivrecError && e.code === Code.too_large) throw e;
      throw failure(e, res.status, type);
    } finally {
      done();
    }
    return total;
  };

  return {
    res,
    abort: () => {
      done();
      ctl.abort();
    },
    async read(limit, what, expected = false) {
      if (!encoded && Number.isFinite(declared) && declared > limit) {
        done();
        ctl.abort();
        throw new PrivrecError(Code.too_large, `fetch ${url}: ${what} is ${declared} bytes (Content-Length); at most ${limit}`);
      }
      if (!res.body) {
        done();
        return new Uint8Array(0);
      }
      // One buffer of the expected size when the length is known (the
      // manifest's, or an uncoded body's Content-Length), so a large
      // artifact is never copied while it grows: a brotli-coded module
      // read from the HTTP cache was copied seven times over, doubling
      // from 64 KiB.
      const size = expected ? limit : !encoded && Number.isFinite(declared) && declared >= 0 ? declared : Math.min(limit, 1 << 16);
      let buf = new Uint8Array(size);
      const total = await pump(res.body, limit, what, (chunk, at) => {
        if (at + chunk.length > buf.length) {
          const next = new Uint8Array(Math.min(limit, Math.max(at + chunk.length, buf.length * 2)));
          next.set(buf.subarray(0, at));
          buf = next;
        }
        buf.set(chunk, at);
      });
      return total === buf.length ? buf : buf.slice(0, total);
    },
  };
}

/**
 * Sleeps ms.
 * @param {number} ms
 */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs attempt up to 1 + retries times while it fails with a transient
 * FetchError, waiting backoff, 2 × backoff, … between attempts.
 * @template T
 * @param {() => Promise<T>} attempt
 * @param {{retries: number, backoff: number}} o
 * @returns {Promise<T>}
 */
export async function retrying(attempt, o) {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof FetchError && e.transient) || i >= o.retries) throw e;
      await sleep(o.backoff * 2 ** i);
    }
  }
}
