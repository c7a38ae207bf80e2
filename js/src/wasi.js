// A strict WASI preview1 shim: exactly the functions the Go runtime of
// privrec.wasm imports, and nothing else. The module cannot reach a network
// or a file system because there is no import through which it could: no
// path_*, no sock_*, no fd_read (DESIGN.md, promise 2). A module that asks
// for anything outside the allowlist is refused before it is instantiated,
// with the import's name in the error. host/ holds the same allowlist for
// wazero.

import { Code, PrivrecError } from './errors.js';

/** The WASI module name every import must come from. */
export const WASI_MODULE = 'wasi_snapshot_preview1';

/**
 * The audited import allowlist, the same as host/internal/wasi.Allowlist.
 * Ten functions are what the Go runtime imports for GOOS=wasip1; the six
 * other fd_* ones are imported by package os (linked through fmt) and are
 * inert here: no preopens (fd_prestat_get is EBADF, so the guest sees no
 * file system), fd_read is always EBADF (nothing flows in), and fds 0-2 are
 * character devices that cannot be closed or reconfigured. Changing the list
 * is an ABI change.
 * @type {readonly string[]}
 */
export const ALLOWED_IMPORTS = Object.freeze([
  'args_get',
  'args_sizes_get',
  'clock_time_get',
  'environ_get',
  'environ_sizes_get',
  'fd_close',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_prestat_dir_name',
  'fd_prestat_get',
  'fd_read',
  'fd_write',
  'poll_oneoff',
  'proc_exit',
  'random_get',
  'sched_yield',
]);

const ESUCCESS = 0;
const EBADF = 8;
const EFAULT = 21;
const EINVAL = 28;
const ENOTSUP = 58;
const FILETYPE_CHARACTER_DEVICE = 2;
// The host's limits (host/internal/wasi): what one call may make the shim do.
const MAX_SUBSCRIPTIONS = 64;
const MAX_IOVS = 1024;
const MAX_RANDOM = 1 << 20;

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const EVENTTYPE_CLOCK = 0;

/**
 * The host calls the module may make, by phase: the export running (set by
 * the Engine) decides what is allowed. The honest module's profile is small
 * and fixed: the Go runtime's start-up in _initialize (clock, randomness,
 * the sizes of its empty arguments and environment), clock reads when the
 * garbage collector runs (in privrec_load and privrec_free, sometimes
 * privrec_alloc), and nothing at all in privrec_recommend, which the
 * module promises makes no host call. No phase allows fd_write: the module
 * has nothing to say on stdout or stderr (its errors travel in envelopes),
 * and a write would carry bytes the SDK cannot vet. Every clock read must
 * pass the precision the Go runtime passes (0): another value is a channel.
 * count caps the calls of one export call.
 * @type {Readonly<Record<string, {calls: readonly string[], count: number}>>}
 */
export const PROFILE = Object.freeze({
  init: Object.freeze({
    calls: Object.freeze(['args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_time_get', 'random_get', 'fd_fdstat_get', 'fd_prestat_get', 'fd_prestat_dir_name', 'sched_yield', 'poll_oneoff']),
    count: 4096,
  }),
  load: Object.freeze({ calls: Object.freeze(['clock_time_get', 'sched_yield', 'poll_oneoff']), count: 1024 }),
  alloc: Object.freeze({ calls: Object.freeze(['clock_time_get', 'sched_yield', 'poll_oneoff']), count: 1024 }),
  free: Object.freeze({ calls: Object.freeze(['clock_time_get', 'sched_yield', 'poll_oneoff']), count: 1024 }),
  abi: Object.freeze({ calls: Object.freeze([]), count: 0 }),
  recommend: Object.freeze({ calls: Object.freeze([]), count: 0 }),
});

/**
 * Thrown from inside a host call that breaks PROFILE: it unwinds the
 * module, and the Engine retires the instance (Code.module_violation).
 */
export class ProfileViolation extends PrivrecError {
  /**
   * @param {string} phase
   * @param {string} call
   * @param {string} why
   */
  constructor(phase, call, why) {
    super(Code.module_violation, `${phase}: the module ${why} (${call}), outside its host-call profile; the module is retired`);
    this.phase = phase;
    this.call = call;
  }
}

/** Thrown (as a PrivrecError with Code.wasi_exit) when the module calls proc_exit. */
export class WasiExit extends PrivrecError {
  /** @param {number} status */
  constructor(status) {
    super(Code.wasi_exit, `module exited with status ${status}`);
    this.status = status;
  }
}

/**
 * Checks a compiled module's imports against the allowlist and throws a
 * PrivrecError naming the first import outside it.
 * @param {WebAssembly.Module} mod
 */
export function checkImports(mod) {
  for (const imp of WebAssembly.Module.imports(mod)) {
    const name = `${imp.module}.${imp.name}`;
    if (imp.module !== WASI_MODULE || imp.kind !== 'function' || !ALLOWED_IMPORTS.includes(imp.name)) {
      throw new PrivrecError(Code.wasi_import, `instantiate module: import ${name} (${imp.kind}) is not in the WASI allowlist`);
    }
  }
}

/**
 * @typedef {object} WasiOptions
 * @property {(fd: number, text: string) => void} [onOutput] receives what the
 *   module writes to stdout (1) and stderr (2); by default it is dropped.
 * @property {(name: string, args: readonly (number|bigint)[]) => void} [trace]
 *   sees every host call with its raw arguments (for audits and tests).
 * @property {() => number} [now] wall clock in ms (default Date.now).
 * @property {typeof PROFILE | null} [profile] the host calls allowed per
 *   phase (default PROFILE); null allows every allowlisted call in every
 *   phase (tests of the shim's mechanics only).
 */

/**
 * The shim for one instance. Not safe to share between instances: it reads
 * the memory of the instance bound last.
 */
export class Wasi {
  /** @param {WasiOptions} [options] */
  constructor(options = {}) {
    /** @type {WebAssembly.Memory | null} */
    this.memory = null;
    this.onOutput = options.onOutput ?? null;
    this.trace = options.trace ?? null;
    this.now = options.now ?? (() => Date.now());
    this.decoder = new TextDecoder();
    this.lastMono = 0n;
    this.epoch = performance.now();
    this.profile = options.profile === undefined ? PROFILE : options.profile;
    /** The export running (Engine sets it): what PROFILE allows now. */
    this.phase = 'init';
    /** Host calls made in the current phase. */
    this.calls = 0;
  }

  /**
   * Enters a phase: the export about to run.
   * @param {string} phase a key of PROFILE
   */
  enter(phase) {
    this.phase = phase;
    this.calls = 0;
  }

  /**
   * Throws ProfileViolation unless the profile allows call now.
   * @param {string} name
   * @param {readonly (number|bigint)[]} args
   */
  police(name, args) {
    if (!this.profile || name === 'proc_exit') return; // an exit is a crash: the Engine retires the instance anyway
    const p = this.profile[this.phase];
    if (!p || !p.calls.includes(name)) {
      const why = name === 'fd_write' ? `wrote to ${args[0] === 1 ? 'stdout' : args[0] === 2 ? 'stderr' : `fd ${args[0]}`}` : `called the host`;
      throw new ProfileViolation(this.phase, name, why);
    }
    if (++this.calls > p.count) throw new ProfileViolation(this.phase, name, `made more than ${p.count} host calls in one call`);
    if (name === 'clock_time_get' && !(args[0] <= CLOCK_MONOTONIC && BigInt(args[1]) === 0n)) {
      throw new ProfileViolation(this.phase, name, `read clock ${args[0]} with precision ${args[1]}, not the Go runtime's (0)`);
    }
  }

  /** Nanoseconds since the shim was made, strictly increasing. */
  monotonic() {
    let v = BigInt(Math.max(1, Math.trunc((performance.now() - this.epoch) * 1e6)));
    if (v <= this.lastMono) v = this.lastMono + 1n;
    this.lastMono = v;
    return v;
  }

  /**
   * Points the shim at an instance's exported memory; call once right after
   * instantiation, before _initialize.
   * @param {WebAssembly.Instance} instance
   */
  bind(instance) {
    const mem = instance.exports.memory;
    if (!(mem instanceof WebAssembly.Memory)) {
      throw new PrivrecError(Code.corrupt, 'instantiate module: it exports no memory');
    }
    this.memory = mem;
  }

  /** A fresh view: memory growth detaches old ones, so never keep it. */
  view() {
    if (!this.memory) throw new PrivrecError(Code.internal, 'wasi: no memory bound');
    return new DataView(this.memory.buffer);
  }

  /** The import object: only the allowlisted functions. */
  imports() {
    /** @type {Record<string, Function>} */
    const fns = {
      args_get: () => ESUCCESS,
      args_sizes_get: (/** @type {number} */ argc, /** @type {number} */ size) => {
        const v = this.view();
        v.setUint32(argc, 0, true);
        v.setUint32(size, 0, true);
        return ESUCCESS;
      },
      environ_get: () => ESUCCESS,
      environ_sizes_get: (/** @type {number} */ count, /** @type {number} */ size) => {
        const v = this.view();
        v.setUint32(count, 0, true);
        v.setUint32(size, 0, true);
        return ESUCCESS;
      },
      clock_time_get: (/** @type {number} */ id, /** @type {bigint} */ _precision, /** @type {number} */ out) => {
        let ns;
        if (id === CLOCK_REALTIME) ns = BigInt(Math.trunc(this.now())) * 1000000n;
        else if (id === CLOCK_MONOTONIC) ns = this.monotonic();
        else return EINVAL;
        this.view().setBigUint64(out, ns, true);
        return ESUCCESS;
      },
      fd_close: (/** @type {number} */ fd) => (fd > 2 ? EBADF : ESUCCESS),
      fd_fdstat_get: (/** @type {number} */ fd, /** @type {number} */ buf) => {
        if (fd > 2) return EBADF;
        // A character device with no rights and no flags: package os then
        // leaves fds 0-2 alone.
        new Uint8Array(this.view().buffer, buf, 24).fill(0)[0] = FILETYPE_CHARACTER_DEVICE;
        return ESUCCESS;
      },
      fd_fdstat_set_flags: (/** @type {number} */ fd) => (fd > 2 ? EBADF : ENOTSUP),
      fd_prestat_get: () => EBADF,
      fd_prestat_dir_name: () => EBADF,
      fd_read: () => EBADF,
      fd_write: (/** @type {number} */ fd, /** @type {number} */ iovs, /** @type {number} */ n, /** @type {number} */ nwritten) => {
        if (fd !== 1 && fd !== 2) return EBADF;
        if (n > MAX_IOVS) return EINVAL;
        const v = this.view();
        let total = 0;
        const parts = [];
        for (let i = 0; i < n; i++) {
          const ptr = v.getUint32(iovs + i * 8, true);
          const len = v.getUint32(iovs + i * 8 + 4, true);
          parts.push(new Uint8Array(v.buffer, ptr, len).slice());
          total += len;
        }
        v.setUint32(nwritten, total, true);
        if (this.onOutput) {
          for (const p of parts) this.onOutput(fd, this.decoder.decode(p));
        }
        return ESUCCESS;
      },
      random_get: (/** @type {number} */ buf, /** @type {number} */ len) => {
        if (len > MAX_RANDOM) return EINVAL;
        // The whole range is checked (RangeError: EFAULT) before a byte is
        // written; getRandomValues fills at most 65536 bytes per call.
        const dst = new Uint8Array(this.view().buffer, buf, len);
        for (let off = 0; off < len; off += 65536) {
          const tmp = new Uint8Array(Math.min(65536, len - off));
          crypto.getRandomValues(tmp);
          dst.set(tmp, off);
        }
        return ESUCCESS;
      },
      poll_oneoff: (/** @type {number} */ inPtr, /** @type {number} */ outPtr, /** @type {number} */ nsubs, /** @type {number} */ nevents) => {
        // The Go runtime polls only to sleep when idle. A browser cannot
        // block, so every clock subscription fires at once; fd ones fail.
        if (nsubs === 0 || nsubs > MAX_SUBSCRIPTIONS) return EINVAL;
        const v = this.view();
        // Both ranges are checked (RangeError: EFAULT) before anything is
        // written, as the host does.
        new Uint8Array(v.buffer, inPtr, nsubs * 48);
        new Uint8Array(v.buffer, outPtr, nsubs * 32);
        new Uint8Array(v.buffer, nevents, 4);
        for (let i = 0; i < nsubs; i++) {
          const sub = inPtr + i * 48;
          const ev = outPtr + i * 32;
          const tag = v.getUint8(sub + 8);
          v.setBigUint64(ev, v.getBigUint64(sub, true), true);
          v.setUint16(ev + 8, tag === EVENTTYPE_CLOCK ? ESUCCESS : EBADF, true);
          v.setUint8(ev + 10, tag);
          for (let j = 11; j < 32; j++) v.setUint8(ev + j, 0);
        }
        v.setUint32(nevents, nsubs, true);
        return ESUCCESS;
      },
      proc_exit: (/** @type {number} */ status) => {
        throw new WasiExit(status);
      },
      sched_yield: () => ESUCCESS,
    };
    /** @type {Record<string, Function>} */
    const out = {};
    for (const name of ALLOWED_IMPORTS) {
      const fn = fns[name];
      const trace = this.trace;
      // A guest pointer outside memory is EFAULT, never a JS exception
      // thrown through the guest (proc_exit is the one deliberate unwind).
      // Every i32 of these signatures is a u32 (fd, pointer, length, id),
      // but JS receives i32s signed: read them back as unsigned, or fd
      // 0xffffffff passes "fd > 2" and a length of 2^31 or more loops zero
      // times and reports success.
      out[name] = (/** @type {any[]} */ ...raw) => {
        const args = raw.map((a) => (typeof a === 'number' ? a >>> 0 : a));
        if (trace) trace(name, args);
        this.police(name, args);
        try {
          return fn(...args);
        } catch (e) {
          if (e instanceof RangeError) return EFAULT;
          throw e;
        }
      };
    }
    return { [WASI_MODULE]: out };
  }
}
