// Errors cross the wasm boundary as a numeric code plus a message
// (model/errors.go). PrivrecError keeps that code so a page can branch on it
// exactly as the Go harness does with errors.Is.

/**
 * The module's error codes (model/errors.go), by stable name. They are part of
 * the ABI and never change meaning.
 * @readonly
 * @enum {number}
 */
export const Code = Object.freeze({
  ok: 0,
  bad_request: 1,
  corrupt: 2,
  bad_signature: 3,
  unknown_key: 4,
  expired: 5,
  rollback: 6,
  digest_mismatch: 7,
  mix_and_match: 8,
  unsupported_version: 9,
  too_large: 10,
  not_loaded: 11,
  internal: 12,
  unknown_item: 13,
  not_yet_valid: 14,
  missing_artifact: 15,
  // SDK-side codes: failures that happen outside the module. They start at
  // 100 so they can never collide with a future module code.
  fetch_failed: 100, // a bundle file could not be fetched (offline, 404)
  wasi_import: 101, // the module asks for an import outside the allowlist
  wasi_exit: 102, // the module called proc_exit
  storage: 103, // IndexedDB failed or is unavailable
  closed: 104, // the recommender was closed
  crypto_unavailable: 105, // WebCrypto lacks SHA-256 or Ed25519: the SDK cannot verify a bundle itself, so it loads none
  timeout: 106, // a bundle file did not arrive in time (network.timeout): the download was aborted
  quota_exceeded: 107, // IndexedDB is full (QuotaExceededError): the message says what was kept
  module_violation: 108, // the module broke its call profile or answered outside its contract: it is retired
});

/** @type {Map<number, string>} */
const names = new Map(Object.entries(Code).map(([name, code]) => [code, name]));

/**
 * The stable lower-case name of a code ("bad_signature"), as Go's Code.String.
 * @param {number} code
 * @returns {string}
 */
export function codeName(code) {
  return names.get(code) ?? `code_${code}`;
}

/**
 * An error from privrec: the module's code and message, or an SDK-side code
 * (100 and above). Compare `err.code` with {@link Code}.
 */
export class PrivrecError extends Error {
  /**
   * @param {number} code one of {@link Code}
   * @param {string} [message]
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message || codeName(code), options);
    this.name = 'PrivrecError';
    /** @type {number} */
    this.code = code;
    /** @type {string} */
    this.reason = codeName(code);
  }

  /** A structured-clone-safe form, for postMessage. */
  toJSON() {
    return { name: this.name, code: this.code, reason: this.reason, message: this.message };
  }

  /**
   * Rebuilds an error received over postMessage, or wraps any other thrown
   * value as an internal error.
   * @param {unknown} e
   * @returns {PrivrecError}
   */
  static from(e) {
    if (e instanceof PrivrecError) return e;
    const o = /** @type {any} */ (e);
    if (o && typeof o === 'object' && typeof o.code === 'number' && o.name === 'PrivrecError') {
      return new PrivrecError(o.code, String(o.message ?? ''));
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new PrivrecError(Code.internal, msg, { cause: e });
  }
}
