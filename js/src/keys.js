// Trusted keys: raw 32-byte Ed25519 public keys. The page may give them as
// Uint8Array, as standard base64, or as the text of a privrec public key file
// (internal/bundledir: "privrec-ed25519-public-v1\n<base64>\n").

import { Code, PrivrecError } from './errors.js';

/** The first line of a privrec public key file. */
export const PUBLIC_KEY_HEADER = 'privrec-ed25519-public-v1';
const KEY_SIZE = 32;
const MAX_KEYS = 16;

/**
 * @param {string} s
 * @returns {Uint8Array | null}
 */
function fromBase64(s) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Parses one key. Errors never quote key material.
 * @param {string | Uint8Array} k
 * @param {number} i
 * @returns {Uint8Array}
 */
export function parseKey(k, i = 0) {
  if (k instanceof Uint8Array) {
    if (k.length !== KEY_SIZE) throw new PrivrecError(Code.bad_request, `publicKeys[${i}] is ${k.length} bytes; want ${KEY_SIZE}`);
    return new Uint8Array(k);
  }
  if (typeof k !== 'string') throw new PrivrecError(Code.bad_request, `publicKeys[${i}] must be a base64 string, a key file's text or 32 bytes`);
  let text = k.replace(/\r/g, '').trim();
  const lines = text.split('\n');
  if (lines.length === 2 && lines[0] === PUBLIC_KEY_HEADER) {
    text = lines[1].trim();
  } else if (lines.length !== 1) {
    throw new PrivrecError(Code.bad_request, `publicKeys[${i}] is not a ${PUBLIC_KEY_HEADER} file`);
  }
  const raw = fromBase64(text);
  if (!raw || raw.length !== KEY_SIZE) {
    throw new PrivrecError(Code.bad_request, `publicKeys[${i}] is not ${KEY_SIZE} bytes of standard base64`);
  }
  return raw;
}

/**
 * Parses the trusted keys; several keys allow rotation.
 * @param {readonly (string|Uint8Array)[] | string | Uint8Array | undefined} keys
 * @returns {Uint8Array[]}
 */
export function parseKeys(keys) {
  const list = typeof keys === 'string' || keys instanceof Uint8Array ? [keys] : keys;
  if (!Array.isArray(list) || list.length === 0) {
    throw new PrivrecError(Code.bad_request, 'publicKeys: at least one trusted Ed25519 public key is required');
  }
  if (list.length > MAX_KEYS) throw new PrivrecError(Code.bad_request, `publicKeys: ${list.length} keys; at most ${MAX_KEYS}`);
  return list.map(parseKey);
}
