// Shared test helpers: the fixtures written by `go run ./internal/jsfixture`
// and a fetch that serves them from a fake CDN origin.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

if (!existsSync(join(FIXTURES, 'fixtures.json'))) {
  throw new Error(`no fixtures in ${FIXTURES}: run "go run ./internal/jsfixture -out js/test/fixtures" from the repository root (npm test does it)`);
}

/** @type {any} */
export const fx = JSON.parse(readFileSync(join(FIXTURES, 'fixtures.json'), 'utf8'));
export const wasmBytes = new Uint8Array(readFileSync(join(FIXTURES, 'privrec.wasm')));
export const publicKeyFile = readFileSync(join(FIXTURES, 'privrec.pub'), 'utf8');
export const CDN = 'https://cdn.test/';

/** @param {string} name a bundle directory of the fixtures ("v2", "tampered", …) */
export function bundleUrl(name) {
  return `${CDN}${name}/`;
}

/** @param {string} name */
export function bundleFiles(name) {
  const r = (/** @type {string} */ f) => new Uint8Array(readFileSync(join(FIXTURES, name, f)));
  return { manifest: r('manifest.bin'), signature: r('manifest.sig'), weights: r('weights.bin'), catalog: r('catalog.bin'), wasm: r('privrec.wasm') };
}

/**
 * A fetch serving the fixtures under CDN; set .offline to make every call
 * fail like a lost network. .urls records what was fetched.
 */
export function fixtureFetch() {
  /** @type {any} */
  const f = async (/** @type {string} */ url) => {
    f.urls.push(url);
    if (f.offline) throw new TypeError('fetch failed: offline');
    if (!url.startsWith(CDN)) return new Response(null, { status: 404 });
    try {
      const path = new URL(url).pathname;
      const headers = path.endsWith('.wasm') ? { 'content-type': 'application/wasm' } : undefined;
      return new Response(await readFile(join(FIXTURES, path)), { headers });
    } catch {
      return new Response(null, { status: 404 });
    }
  };
  f.offline = false;
  f.urls = [];
  return f;
}

let seq = 0;
/** A namespace no other test uses: a fresh database and channel. */
export function freshNamespace() {
  return `t${process.pid}-${++seq}`;
}

/**
 * Resolves with the detail of the next `type` event on target.
 * @param {EventTarget} target
 * @param {string} type
 */
export function nextEvent(target, type) {
  return new Promise((resolve) => target.addEventListener(type, (e) => resolve(/** @type {CustomEvent} */ (e).detail), { once: true }));
}
