// Network faults against a real HTTP server on the loopback: stalls,
// endless and oversized bodies, lying lengths, HTML pages in place of the
// bundle, server errors that pass, and a download stalled while the shopper
// withdraws consent.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { Core, contentName } from '../src/core.js';
import { Code } from '../src/errors.js';
import { open as openUrl } from '../src/net.js';
import { freshNamespace, fx, nextEvent } from './helpers/fixtures.js';
import { countingFetch, faultyServer, inProcess, stored } from './helpers/faulty.js';
import { decodeManifest } from '../src/verify.js';
import { bundleFiles } from './helpers/fixtures.js';

const srv = await faultyServer();
test.after(() => srv.close());

/** @type {Core[]} */
const open = [];
test.after(() => {
  for (const c of open.splice(0)) c.close();
});

const ctx = { k: 5, context: { hour: 9, weekday: 1 } };
// Generous: 2 cores are shared by many processes here; the stall tests hold
// their stalls open until released, so nothing waits for this.
const TIMEOUT = 3000;

/**
 * @param {{namespace?: string, fetch?: any, network?: any}} [o]
 */
async function newCore(o = {}) {
  const c = await Core.create({
    namespace: o.namespace ?? freshNamespace(),
    clock: () => fx.now,
    fetch: o.fetch ?? countingFetch(),
    keepDelay: 0,
    network: o.network ?? { timeout: TIMEOUT, retries: 0, backoff: 10 },
  });
  open.push(c);
  return c;
}

/** @param {string} dir */
const at = (dir) => ({ bundleUrl: `${srv.url}${dir}/`, publicKeys: [fx.public_key] });

/**
 * @param {Promise<any>} p
 * @returns {Promise<any>} the rejection
 */
async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('it resolved');
}

test('a stalled artifact on a first visit fails with a timeout that names it', async (t) => {
  const m = /** @type {any} */ (manifests.get('v2'));
  const weights = contentName('weights', m.artifacts.find((/** @type {any} */ a) => a.name === 'weights').sha256);
  srv.faults.set(`/v2/${weights}`, { stall: true });
  try {
    // A timeout well above what the other files take on a busy machine.
    const c = await newCore({ network: { timeout: 2000, retries: 0, backoff: 10 } });
    const t0 = performance.now();
    const e = await rejection(c.load(at('v2')));
    t.diagnostic(`gave up after ${(performance.now() - t0).toFixed(0)} ms (timeout 2000 ms of silence)`);
    assert.equal(e.code, Code.timeout, e.message);
    assert.ok(e.message.includes(`${weights}: no progress for 2000 ms`), e.message);
  } finally {
    srv.faults.clear();
    srv.release();
  }
});

test('with a kept bundle, load starts at once although the update stalls; updatefailed says timeout', async (t) => {
  const ns = freshNamespace();
  const first = await newCore({ namespace: ns });
  await first.load(at('v2'));
  await first.saving;
  first.close();
  // v3 is published, but its weights stall.
  srv.faults.set('/v3/weights.', { stall: true });
  try {
    // A timeout well above a warm start's time: load must not wait for it.
    const c = await newCore({ namespace: ns, network: { timeout: 3000, retries: 0, backoff: 10 } });
    let failedYet = false;
    const failed = nextEvent(c, 'updatefailed').then((d) => ((failedYet = true), d));
    const stalls = srv.stalls;
    const t0 = performance.now();
    const info = await c.load(at('v3'));
    const took = performance.now() - t0;
    assert.equal(info.version, 2, 'the kept model runs');
    assert.equal(failedYet, false, 'load resolved while the download is still stalled');
    t.diagnostic(`load from the kept bundle: ${took.toFixed(0)} ms, the update's download stalled`);
    while (srv.stalls === stalls) await new Promise((r) => setTimeout(r, 5));
    assert.ok((await c.recommend(ctx)).items.length > 0);
    const d = /** @type {any} */ (await failed);
    assert.equal(d.failure, 'timeout');
    assert.equal(d.code, Code.timeout);
    assert.equal(d.kept, 2);
    assert.match(d.url, /\/v3\/weights\./);
    assert.equal(c.model.version, 2);
  } finally {
    srv.faults.clear();
    srv.release();
  }
});

test('an endless artifact is refused after reading at most its stated length + 64 KiB', async (t) => {
  for (const name of ['weights', 'catalog', 'privrec']) {
    await t.test(name, async () => {
      const suffix = name === 'privrec' ? '/v2/privrec.' : `/v2/${name}.`;
      srv.faults.set(suffix, { endless: true });
      const f = countingFetch();
      try {
        const c = await newCore({ fetch: f, network: { timeout: 5000, retries: 0, backoff: 10 } });
        const e = await rejection(c.load(at('v2')));
        assert.equal(e.code, Code.too_large, e.message);
        const path = Object.keys(f.pulled).find((p) => p.startsWith(suffix));
        assert.ok(path, 'the artifact was fetched');
        const length = /** @type {number} */ (artifactLength('v2', name === 'privrec' ? 'wasm' : name));
        const read = f.pulled[/** @type {string} */ (path)];
        t.diagnostic(`${name}: stated ${length} B, the SDK read ${read} B, the server wrote ${srv.sent[/** @type {string} */ (path)]} B before the connection closed`);
        assert.ok(read <= length + (64 << 10), `read ${read} bytes; stated ${length}`);
      } finally {
        srv.faults.clear();
      }
    });
  }
});

test('an endless manifest or signature is refused at its cap', async (t) => {
  for (const [file, cap] of /** @type {const} */ ([['manifest.bin', 64 << 10], ['manifest.sig', 4 << 10]])) {
    await t.test(file, async () => {
      srv.faults.set(`/v2/${file}`, { endless: true });
      const f = countingFetch();
      try {
        const c = await newCore({ fetch: f, network: { timeout: 5000, retries: 0, backoff: 10 } });
        const e = await rejection(c.load(at('v2')));
        assert.equal(e.code, Code.too_large, e.message);
        const read = f.pulled[`/v2/${file}`];
        t.diagnostic(`${file}: cap ${cap} B, the SDK read ${read} B`);
        assert.ok(read <= cap + (64 << 10), `read ${read} bytes`);
      } finally {
        srv.faults.clear();
      }
    });
  }
});

test('a stalled module fetch at a warm start gives way to the stored module', async (t) => {
  const ns = freshNamespace();
  const first = await newCore({ namespace: ns });
  await first.load(at('v2'));
  await first.recommend(ctx);
  await first.saving;
  first.close();
  srv.faults.set('/v2/privrec.', { stall: true });
  try {
    const c = await newCore({ namespace: ns, network: { timeout: 60000, retries: 0, backoff: 10 } });
    const t0 = performance.now();
    const info = await c.load(at('v2'));
    t.diagnostic(`warm start with the module's fetch stalled: ${(performance.now() - t0).toFixed(0)} ms (gives way after 3 s of silence)`);
    assert.equal(info.version, 2);
    assert.ok((await c.recommend(ctx)).items.length > 0);
  } finally {
    srv.faults.clear();
    srv.release();
  }
});

test('a Content-Length above the stated length is refused before the body is read', async () => {
  srv.faults.set('/v2/catalog.', { declare: 256 << 20 });
  const f = countingFetch();
  try {
    const c = await newCore({ fetch: f });
    const e = await rejection(c.load(at('v2')));
    assert.equal(e.code, Code.too_large, e.message);
    assert.match(e.message, /catalog.*268435456 bytes \(Content-Length\)/);
    const path = /** @type {string} */ (Object.keys(f.pulled).find((p) => p.startsWith('/v2/catalog.')) ?? '');
    assert.ok((f.pulled[path] ?? 0) <= 64 << 10, `read ${f.pulled[path]} bytes`);
  } finally {
    srv.faults.clear();
  }
});

test('a Content-Length below the real length cuts the artifact: refused as a mismatch', async () => {
  srv.faults.set('/v2/weights.', { declare: 100 });
  try {
    const c = await newCore();
    const e = await rejection(c.load(at('v2')));
    assert.equal(e.code, Code.digest_mismatch, e.message);
    assert.match(e.message, /100 bytes; the manifest says/);
  } finally {
    srv.faults.clear();
  }
});

test('an HTML page in place of the bundle is named as one, with its URL and type', async (t) => {
  const cases = [
    { name: 'text/html for manifest.sig', path: '/v2/manifest.sig', fault: { html: true }, want: /got text\/html from .*\/v2\/manifest\.sig|fetch .*\/v2\/manifest\.sig: got text\/html \(HTTP 200\): is the bundle published there\?/ },
    { name: 'an HTML page sent as octet-stream', path: '/v2/manifest.bin', fault: { html: true, type: 'application/octet-stream' }, want: /\/v2\/manifest\.bin: got an HTML or text page, not the bundle's manifest/ },
    { name: 'a 404 page', path: '/v2/manifest.bin', fault: { html: true, status: 404 }, want: /\/v2\/manifest\.bin: HTTP 404 \(text\/html\): is the bundle published there\?/ },
    { name: 'a 500', path: '/v2/manifest.sig', fault: { status: 500 }, want: /\/v2\/manifest\.sig: HTTP 500 \(text\/plain\)/ },
  ];
  for (const tc of cases) {
    await t.test(tc.name, async () => {
      srv.faults.set(tc.path, /** @type {any} */ (tc.fault));
      try {
        const c = await newCore();
        const e = await rejection(c.load(at('v2')));
        assert.equal(e.code, Code.fetch_failed, e.message);
        assert.match(e.message, tc.want);
        assert.doesNotMatch(e.message, /signature is \d+ bytes/);
      } finally {
        srv.faults.clear();
      }
    });
  }
});

test('an update retries with backoff through server errors', async () => {
  const c = await newCore({ network: { timeout: TIMEOUT, retries: 2, backoff: 20 } });
  await c.load(at('v2'));
  srv.faults.set('/v3/manifest.bin', { fail: 2 });
  try {
    c.source = at('v3');
    const before = srv.requests.filter((p) => p === '/v3/manifest.bin').length;
    const r = await c.update();
    assert.equal(r.outcome, 'updated');
    assert.equal(r.model.version, 3);
    assert.equal(srv.requests.filter((p) => p === '/v3/manifest.bin').length - before, 3, 'two 503s, then the file');
    // Out of retries: the update fails, says why, and keeps the model.
    srv.faults.set('/v3/manifest.bin', { fail: 5 });
    c.source = at('v3');
    /** @type {any[]} */
    const events = [];
    c.addEventListener('updatefailed', (e) => events.push(/** @type {CustomEvent} */ (e).detail));
    c.active = null; // make the unchanged manifest look new, so the check goes to the network
    const r2 = await c.update();
    assert.equal(r2.outcome, 'failed');
    assert.equal(r2.failure.failure, 'network');
    assert.equal(r2.failure.status, 503);
    assert.equal(r2.model.version, 3);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0], r2.failure);
    // A refusal is a failure too, reported as refused.
    srv.faults.clear();
    c.source = at('v1');
    const r3 = await c.update();
    assert.equal(r3.outcome, 'failed');
    assert.equal(r3.failure.failure, 'refused');
    assert.equal(r3.failure.code, Code.rollback);
    const r4 = await c.update();
    assert.equal(r4.outcome, 'failed', 'v1 is still refused');
    c.source = at('v3');
    assert.equal((await c.update()).outcome, 'current');
  } finally {
    srv.faults.clear();
  }
});

test('with an update stalled, consent off completes and deletes at once; recommend answers from the model in use', async (t) => {
  const ns = freshNamespace();
  const w = inProcess({ fetch: countingFetch(), clock: () => fx.now, keepDelay: 0, network: { timeout: 60000, retries: 0, backoff: 10 } });
  await w.call('init', { core: { namespace: ns }, load: at('v2') });
  await w.call('consent.set', 'full');
  for (const item of ['sku-003', 'sku-011', 'sku-042']) await w.call('track', { item, kind: 'view', at: fx.now - 60000 });
  assert.equal((await stored(ns)).events.length, 3);
  const personal = await w.call('recommend', ctx);

  srv.faults.set('/v3/weights.', { stall: true });
  try {
    w.core.source = at('v3');
    let settled = false;
    const stalls = srv.stalls;
    const update = w.call('update').finally(() => (settled = true));
    // The update is held open: its weights stall.
    while (srv.stalls === stalls) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    assert.deepEqual(await w.call('recommend', ctx), personal, 'the model in use answers');
    const t1 = performance.now();
    assert.equal(await w.call('consent.set', 'off'), 'off');
    const t2 = performance.now();
    const s = await stored(ns);
    assert.deepEqual(s.events, [], 'the stored history is gone');
    assert.equal(s.consent, 'off');
    assert.equal(settled, false, 'the update is still stalled');
    const after = await w.call('recommend', ctx);
    assert.ok(after.items.every((/** @type {any} */ r) => r.source === 'popular'), 'contextual only, with consent off');
    assert.equal(await w.call('track', { item: 'sku-005', kind: 'view' }), null);
    // The bar (100 ms) is held structurally: consent off completed and
    // deleted while the download is still stalled. The time is reported.
    t.diagnostic(`with the update stalled: recommend ${(t1 - t0).toFixed(1)} ms, consent off and deletion ${(t2 - t1).toFixed(1)} ms`);
    srv.release(); // the server drops the stalled download
    const r = await update;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.failure.failure, 'network');
    assert.equal(r.model.version, 2);
  } finally {
    srv.faults.clear();
    srv.release();
    w.core.close();
  }
});

/**
 * The manifest's stated length of an artifact of a fixture bundle, read
 * from the bundle's manifest.
 * @param {string} dir
 * @param {'weights'|'catalog'|'wasm'} name
 */
function artifactLength(dir, name) {
  const m = manifests.get(dir);
  return m?.artifacts.find((/** @type {any} */ a) => a.name === name)?.length;
}

const manifests = new Map(['v2', 'v3'].map((d) => [d, decodeManifest(bundleFiles(d).manifest)]));

test('a body read at the length a manifest states is one buffer of it, coded or not; shorter is kept as is, longer refused', async () => {
  const body = Uint8Array.from({ length: (5 << 16) + 123 }, (_, i) => (i * 31) & 0xff);
  /** @param {Uint8Array} b @param {Record<string, string>} headers */
  const served = (b, headers) => async () => {
    let at = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (at >= b.length) return c.close();
        c.enqueue(b.slice(at, at + (1 << 16)));
        at += 1 << 16;
      },
    });
    return new Response(stream, { headers });
  };
  for (const headers of [{ 'content-encoding': 'br' }, {}]) {
    const got = await openUrl(/** @type {any} */ (served(body, headers)), 'https://cdn.test/x.wasm', { timeout: 5000 });
    // Count the large buffers made while reading (net.js's, by its global
    // Uint8Array): one, where growing from 64 KiB made four and a copy.
    const Plain = globalThis.Uint8Array;
    let made = 0;
    globalThis.Uint8Array = /** @type {any} */ (
      class extends Plain {
        /** @param {any[]} a */
        constructor(...a) {
          super(...a);
          if (typeof a[0] === 'number' && a[0] >= 1 << 16) made++;
        }
      }
    );
    /** @type {Uint8Array} */
    let out;
    try {
      out = await got.read(body.length, 'the module', true);
    } finally {
      globalThis.Uint8Array = Plain;
    }
    assert.deepEqual(new Plain(out), body, JSON.stringify(headers));
    assert.equal(made, 1, `${JSON.stringify(headers)}: one buffer, of the stated length`);
    const short = await (await openUrl(/** @type {any} */ (served(body.subarray(0, 1000), headers)), 'https://cdn.test/x.wasm', { timeout: 5000 })).read(body.length, 'the module', true);
    assert.deepEqual(short, body.subarray(0, 1000), 'a short body is what it is (checkArtifact refuses it)');
    await assert.rejects(
      (await openUrl(/** @type {any} */ (served(body, headers)), 'https://cdn.test/x.wasm', { timeout: 5000 })).read(body.length - 1, 'the module', true),
      (/** @type {any} */ e) => e.code === Code.too_large,
    );
  }
});
