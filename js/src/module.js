// The module wrapper: one instance of privrec.wasm behind the ABI of
// wasm/ABI.md. Requests go in as MessagePack written into a buffer from
// privrec_alloc; results come back as a packed i64 (ptr<<32 | len) pointing
// at a MessagePack envelope {code, message, result}.

import { decode, encode } from '@msgpack/msgpack';
import { Code, PrivrecError } from './errors.js';
import { Wasi, checkImports } from './wasi.js';

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
 * Compiles a fetched module while a clone of the response is read and
 * handed to check, which must throw unless the bytes are the signed module:
 * WebAssembly.compileStreaming, so the browser's code cache works for a
 * cacheable response, yet nothing compiled is ever instantiated before
 * check passed (compiling runs no code of the module). Falls back to
 * compiling the bytes where streaming is unavailable (a response that is
 * not application/wasm, or no compileStreaming).
 * @param {Response} res
 * @param {(bytes: Uint8Array) => Promise<Uint8Array>} check resolves with the bytes' SHA-256
 * @returns {Promise<{bytes: Uint8Array, sha256: Uint8Array, module: WebAssembly.Module}>}
 */
export async function compileResponse(res, check) {
  const type = res.headers?.get?.('content-type') ?? '';
  const stream = typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(type);
  const copy = stream ? res.clone() : res;
  /** @type {Promise<WebAssembly.Module> | null} */
  let compiling = null;
  if (stream) {
    compiling = WebAssembly.compileStreaming(res);
    compiling.catch(() => {}); // awaited below, or dropped when check fails
  }
  const bytes = new Uint8Array(await copy.arrayBuffer());
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
   * @param {import('./wasi.js').WasiOptions & {module?: WebAssembly.Module, sha256?: Uint8Array}} [options]
   *   module and sha256: the bytes compiled already (compileResponse) and their digest
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
    ex._initialize();
    const abi = ex.privrec_abi_version();
    if (abi !== ABI_VERSION) {
      throw new PrivrecError(Code.unsupported_version, `instantiate module: ABI version ${abi}; this SDK speaks ${ABI_VERSION}`);
    }
    return new Engine(ex, wasi, digest);
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
    if (this.broken) throw new PrivrecError(Code.internal, `${fn}: the module instance crashed earlier; load the bundle again`);
    try {
      return this.unsafeCall(fn, req);
    } catch (e) {
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
    const ptr = this.ex.privrec_alloc(bytes.length);
    if (ptr === 0) throw new PrivrecError(Code.too_large, `${fn}: request of ${bytes.length} bytes is too large`);
    let packed;
    try {
      new Uint8Array(this.wasi.view().buffer, ptr, bytes.length).set(bytes);
      packed = BigInt.asUintN(64, this.ex[fn](ptr, bytes.length));
    } finally {
      this.ex.privrec_free(ptr);
    }
    const rptr = Number(packed >> 32n);
    const rlen = Number(packed & 0xffffffffn);
    // Re-read the buffer: the call may have grown (and detached) memory.
    const out = new Uint8Array(this.wasi.view().buffer, rptr, rlen).slice();
    this.ex.privrec_free(rptr);
    /** @type {any} */
    let env;
    try {
      env = decode(out);
    } catch (e) {
      throw new PrivrecError(Code.internal, `${fn}: undecodable envelope: ${e instanceof Error ? e.message : e}`);
    }
    if (!env || typeof env !== 'object') throw new PrivrecError(Code.internal, `${fn}: envelope is not a map`);
    const code = Number(env.code ?? 0);
    if (code !== Code.ok) throw new PrivrecError(code, String(env.message ?? ''));
    // The result travels inline (msgpack.RawMessage) or as bin of MessagePack.
    return env.result instanceof Uint8Array ? decode(env.result) : env.result;
  }
}
