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
 * One running instance of privrec.wasm. Not safe for concurrent use: exports
 * are not reentrant, and the worker serializes every call.
 */
export class Engine {
  /**
   * Compiles and instantiates module bytes with the strict WASI shim. An
   * import outside the allowlist is refused before instantiation.
   * @param {Uint8Array} wasmBytes
   * @param {import('./wasi.js').WasiOptions} [options]
   * @returns {Promise<Engine>}
   */
  static async create(wasmBytes, options) {
    const digest = await sha256(wasmBytes);
    const key = hex(digest);
    let mod = compiled.get(key);
    if (!mod) {
      try {
        mod = await WebAssembly.compile(/** @type {BufferSource} */ (wasmBytes));
      } catch (e) {
        throw new PrivrecError(Code.corrupt, `compile module: ${e instanceof Error ? e.message : e}`, { cause: e });
      }
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
