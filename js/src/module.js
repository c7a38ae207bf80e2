// The module wrapper: one instance of privrec.wasm behind the ABI of
// wasm/ABI.md. Requests go in as MessagePack written into a buffer from
// privrec_alloc; results come back as a packed i64 (ptr<<32 | len) pointing
// at a MessagePack envelope {code, message, result}.

import { decode, encode } from '@msgpack/msgpack';
import { Code, PrivrecError } from './errors.js';
import { ProfileViolation, Wasi, checkImports } from './wasi.js';

/** The ABI version this SDK speaks (model.ABIVersion). */
export const ABI_VERSION = 1;

/**
 * SHA-256 of bytes, as the module expects in LoadRequest.wasm_sha256.
 * @param {Uint8Array} bytes
 * @returns {Promise<Uint8Array>}
 */
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', /** @type {BufferSource} */ (bytes)));
}

/** @param {Uint8Array} b */
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Compiled modules by SHA-256, so a second instance of the same bytes (an
 * update that ships the same module, a reload from the last good bundle)
 * skips compilation. A compiled module holds no state of any instance.
 * @type {Map<string, WebAssembly.Module>}
 */
const compiled = new Map();

/**
 * The module compiled earlier in this worker from bytes of SHA-256 digest,
 * or undefined.
 * @param {Uint8Array} digest
 */
export function compiledModule(digest) {
  return compiled.get(hex(digest));
}

/** @param {unknown} e */
const compileError = (e) => new PrivrecError(Code.corrupt, `compile module: ${e instanceof Error ? e.message : e}`, { cause: e });

/**
 * Compiles a fetched module while its bytes are read (read: the response's
 * body, cut at the signed length) and handed to check, which must throw
 * unless the bytes are the signed module: WebAssembly.compileStreaming of a
 * clone, so the browser's code cache works for a cacheable response, yet
 * nothing compiled is ever instantiated before check passed (compiling runs
 * no code of the module). A body that passes its limit aborts the request,
 * which stops the clone too. Falls back to compiling the bytes where
 * streaming is unavailable (a response that is not application/wasm, or no
 * compileStreaming).
 * @param {Response} res
 * @param {() => Promise<Uint8Array>} read res's body
 * @param {(bytes: Uint8Array) => Promise<Uint8Array>} check resolves with the bytes' SHA-256
 * @returns {Promise<{bytes: Uint8Array, sha256: Uint8Array, module: WebAssembly.Module}>}
 */
export async function compileResponse(res, read, check) {
  const type = res.headers?.get?.('content-type') ?? '';
  const stream = typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(type);
  /** @type {Promise<WebAssembly.Module> | null} */
  let compiling = null;
  if (stream) {
    compiling = WebAssembly.compileStreaming(res.clone());
    compiling.catch(() => {}); // awaited below, or dropped when check fails
  }
  const bytes = await read();
  const sha256 = await check(bytes);
  let mod = compiled.get(hex(sha256));
  if (!mod && compiling) {
    try {
      mod = await compiling;
    } catch {
      mod = undefined; // a streaming failure: compile the bytes, which report the real error
    }
  }
  if (!mod) mod = await compileBytes(bytes);
  return { bytes, sha256, module: mod };
}

/**
 * @param {Uint8Array} bytes
 * @returns {Promise<WebAssembly.Module>}
 */
async function compileBytes(bytes) {
  try {
    return await WebAssembly.compile(/** @type {BufferSource} */ (bytes));
  } catch (e) {
    throw compileError(e);
  }
}

/**
 * One running instance of privrec.wasm. Not safe for concurrent use: exports
 * are not reentrant, and the worker serializes every call.
 */
export class Engine {
  /**
   * Compiles (unless options.module is given) and instantiates module
   * bytes with the strict WASI shim. An import outside the allowlist is
   * refused before instantiation.
   * @param {Uint8Array} wasmBytes
   * @param {import('./wasi.js').WasiOptions & {module?: WebAssembly.Module, sha256?: Uint8Array, onRetire?: (e: PrivrecError) => void}} [options]
   *   module and sha256: the bytes compiled already (compileResponse) and their digest;
   *   onRetire: told once when the instance is retired for breaking its profile
   * @returns {Promise<Engine>}
   */
  static async create(wasmBytes, options = {}) {
    const digest = options.sha256 ?? (await sha256(wasmBytes));
    const key = hex(digest);
    let mod = options.module ?? compiled.get(key);
    if (!mod) mod = await compileBytes(wasmBytes);
    if (compiled.get(key) !== mod) {
      checkImports(mod);
      compiled.clear(); // keep one: a worker runs one module at a time
      compiled.set(key, mod);
    }
    const wasi = new Wasi(options);
    const instance = await WebAssembly.instantiate(mod, wasi.imports());
    wasi.bind(instance);
    const ex = /** @type {any} */ (instance.exports);
    for (const name of ['_initialize', 'privrec_abi_version', 'privrec_alloc', 'privrec_free', 'privrec_load', 'privrec_recommend']) {
      if (typeof ex[name] !== 'function') {
        throw new PrivrecError(Code.unsupported_version, `instantiate module: it does not export ${name}`);
      }
    }
    let abi;
    try {
      wasi.enter('init');
      ex._initialize();
      wasi.enter('abi');
      abi = ex.privrec_abi_version();
    } catch (e) {
      if (e instanceof ProfileViolation) options.onRetire?.(e);
      throw e instanceof PrivrecError ? e : new PrivrecError(Code.internal, `instantiate module: it crashed: ${e instanceof Error ? e.message : e}`, { cause: e });
    }
    if (abi !== ABI_VERSION) {
      throw new PrivrecError(Code.unsupported_version, `instantiate module: ABI version ${abi}; this SDK speaks ${ABI_VERSION}`);
    }
    const engine = new Engine(ex, wasi, digest);
    engine.onRetire = options.onRetire ?? null;
    return engine;
  }

  /**
   * @param {any} exports
   * @param {Wasi} wasi
   * @param {Uint8Array} digest
   */
  constructor(exports, wasi, digest) {
    this.ex = exports;
    this.wasi = wasi;
    /** SHA-256 of the module bytes this instance runs. */
    this.wasmSHA256 = digest;
    /** Set once the module trapped or exited: its state is then unknown, and it is never called again. */
    this.broken = false;
    /** Set once the module broke its profile or its response contract: it is never called again, nor its bytes run again. @type {PrivrecError | null} */
    this.retired = null;
    /** @type {((e: PrivrecError) => void) | null} */
    this.onRetire = null;
    /** The item ids of the loaded catalog (response.js catalogItems); set by the Core. @type {{has: (id: string) => boolean} | null} */
    this.items = null;
  }

  /**
   * Retires the instance for good: it broke its host-call profile or its
   * response contract.
   * @param {PrivrecError} e
   */
  retire(e) {
    this.broken = true;
    if (this.retired) return;
    this.retired = e;
    this.onRetire?.(e);
  }

  /**
   * Loads a signed bundle (LoadRequest); throws the module's PrivrecError on
   * refusal, in which case the previously loaded model stays in place.
   * @param {object} req
   * @returns {any} the LoadResult
   */
  load(req) {
    return this.call('privrec_load', req);
  }

  /**
   * Scores a request (model.Request) and returns the model.Response.
   * @param {object} req
   * @returns {any}
   */
  recommend(req) {
    return this.call('privrec_recommend', req);
  }

  /**
   * @param {string} fn
   * @param {object} req
   */
  call(fn, req) {
    if (this.retired) throw new PrivrecError(Code.module_violation, `${fn}: the module was retired: ${this.retired.message}`);
    if (this.broken) throw new PrivrecError(Code.internal, `${fn}: the module instance crashed earlier; load the bundle again`);
    try {
      return this.unsafeCall(fn, req);
    } catch (e) {
      if (e instanceof ProfileViolation) {
        this.retire(e);
        throw e;
      }
      if (e instanceof PrivrecError && e.code !== Code.wasi_exit) throw e;
      // A trap (WebAssembly.RuntimeError) or proc_exit: the module promises
      // never to trap on bad input, so this is a bug; retire the instance.
      this.broken = true;
      throw new PrivrecError(Code.internal, `${fn}: the module crashed: ${e instanceof Error ? e.message : e} (please report it)`, { cause: e });
    }
  }

  /**
   * @param {string} fn
   * @param {object} req
   */
  unsafeCall(fn, req) {
    const bytes = encode(req, { ignoreUndefined: true });
    const wasi = this.wasi;
    wasi.enter('alloc');
    const ptr = this.ex.privrec_alloc(bytes.length);
    if (ptr === 0) throw new PrivrecError(Code.too_large, `${fn}: request of ${bytes.length} bytes is too large`);
    let packed;
    try {
      new Uint8Array(wasi.view().buffer, ptr, bytes.length).set(bytes);
      wasi.enter(fn === 'privrec_recommend' ? 'recommend' : 'load');
      packed = BigInt.asUintN(64, this.ex[fn](ptr, bytes.length));
    } finally {
      wasi.enter('free');
      this.ex.privrec_free(ptr);
    }
    const rptr = Number(packed >> 32n);
    const rlen = Number(packed & 0xffffffffn);
    // Re-read the buffer: the call may have grown (and detached) memory.
    const out = new Uint8Array(wasi.view().buffer, rptr, rlen).slice();
    wasi.enter('free');
    this.ex.privrec_free(rptr);
    return decodeEnvelope(out, fn);
  }
}

/** An envelope's size cap: a response of MaxK items is a few KiB; a LoadResult less. */
const MAX_ENVELOPE = 1 << 20;

/**
 * Decodes a result envelope ({code, message, result}, wasm/ABI.md) the
 * module wrote: bytes from a module are untrusted. A module error becomes
 * its PrivrecError; anything that is not an envelope is internal.
 * @param {Uint8Array} out
 * @param {string} fn the export that answered
 * @returns {any} the result
 */
export function decodeEnvelope(out, fn) {
  if (out.length > MAX_ENVELOPE) throw new PrivrecError(Code.internal, `${fn}: envelope of ${out.length} bytes; at most ${MAX_ENVELOPE}`);
  /** @type {any} */
  let env;
  try {
    env = decode(out, { maxStrLength: MAX_ENVELOPE, maxBinLength: MAX_ENVELOPE, maxArrayLength: 1 << 16, maxMapLength: 1 << 10, maxExtLength: 0 });
  } catch (e) {
    throw new PrivrecError(Code.internal, `${fn}: undecodable envelope: ${e instanceof Error ? e.message : e}`);
  }
  if (!env || typeof env !== 'object' || Array.isArray(env) || env instanceof Uint8Array) throw new PrivrecError(Code.internal, `${fn}: envelope is not a map`);
  const code = env.code ?? 0;
  if (!(Number.isInteger(code) && code >= 0 && code <= 0xffff)) throw new PrivrecError(Code.internal, `${fn}: envelope code is not a small unsigned integer`);
  if (code !== Code.ok) {
    const message = typeof env.message === 'string' ? env.message.slice(0, 4096) : '';
    // A module error is one of the module's codes (below 100): an SDK-side
    // code from a module would pass for the SDK's own word.
    throw new PrivrecError(code < 100 ? code : Code.internal, message);
  }
  // The result travels inline (msgpack.RawMessage) or as bin of MessagePack.
  if (!(env.result instanceof Uint8Array)) return env.result;
  try {
    return decode(env.result, { maxStrLength: MAX_ENVELOPE, maxBinLength: MAX_ENVELOPE, maxArrayLength: 1 << 16, maxMapLength: 1 << 10, maxExtLength: 0 });
  } catch (e) {
    throw new PrivrecError(Code.internal, `${fn}: undecodable result: ${e instanceof Error ? e.message : e}`);
  }
}

