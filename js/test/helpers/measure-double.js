// A test double of privrec-measure.wasm's exports (wasm/measure, ABI 1):
// the same calls over a WebAssembly.Memory, a MessagePack request in and an
// envelope {code, message, result} out, so measure.js's MeasureEngine runs
// its real alloc/copy/free/decode path. It checks each request as the
// module does (a 32-byte task id, two config lists, 11 entries of 0..255)
// and answers with a report of a fixed length whose bytes are random: like
// HPKE ciphertext, they do not depend on the measurement. It also records
// what it was asked, which the real module never can.

import { decode, encode } from '@msgpack/msgpack';

/** The length of the double's reports (the real module's depends on the VDAF). */
export const DOUBLE_REPORT_BYTES = 1234;

/**
 * @param {{fail?: number}} [o] fail: answer every report with this error code
 */
export function measureDouble(o = {}) {
  const memory = new WebAssembly.Memory({ initial: 2 });
  let top = 1024;
  /** @type {any[]} */
  const requests = [];
  /** @type {string[]} */
  const phases = [];
  const alloc = (/** @type {number} */ n) => {
    const p = top;
    top += (n + 7) & ~7;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    return p;
  };
  const answer = (/** @type {any} */ env) => {
    const bytes = encode(env);
    const p = alloc(bytes.length);
    new Uint8Array(memory.buffer, p, bytes.length).set(bytes);
    return (BigInt(p) << 32n) | BigInt(bytes.length);
  };
  const ex = {
    memory,
    _initialize() {},
    measure_abi_version: () => 1,
    measure_alloc: alloc,
    measure_free() {},
    measure_report(/** @type {number} */ ptr, /** @type {number} */ len) {
      /** @type {any} */
      let req;
      try {
        req = decode(new Uint8Array(memory.buffer, ptr, len).slice());
      } catch (e) {
        return answer({ code: 1, message: `measure_report: undecodable request: ${e}`, result: null });
      }
      requests.push(req);
      if (o.fail) return answer({ code: o.fail, message: 'measure_report: refused (double)', result: null });
      const bad = (/** @type {string} */ m) => answer({ code: 1, message: `measure_report: ${m}`, result: null });
      if (!(req.task_id instanceof Uint8Array) || req.task_id.length !== 32) return bad('task_id must be 32 bytes');
      if (!(req.leader_config instanceof Uint8Array) || !(req.helper_config instanceof Uint8Array)) return bad('leader_config and helper_config are required');
      if (!Array.isArray(req.measurement) || req.measurement.length !== 11 || !req.measurement.every((/** @type {any} */ x) => Number.isInteger(x) && x >= 0 && x <= 255)) return bad('measurement must be 11 entries of 0..255');
      if (!Number.isInteger(req.time_precision) || req.time_precision < 1) return bad('time_precision must be positive');
      const report = crypto.getRandomValues(new Uint8Array(DOUBLE_REPORT_BYTES));
      const id = crypto.getRandomValues(new Uint8Array(16));
      return answer({ code: 0, message: '', result: { report, report_id: id, time: Math.floor(req.now / req.time_precision) * req.time_precision } });
    },
  };
  const wasi = {
    enter: (/** @type {string} */ p) => phases.push(p),
    view: () => new DataView(memory.buffer),
  };
  return { ex, wasi, requests, phases };
}
