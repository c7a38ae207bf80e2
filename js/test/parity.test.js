// Parity: on the same bundle and histories, the SDK returns exactly what
// the Go side returns (internal/jsfixture wrote the expectations). The
// requests go the way a page's would: events tracked into IndexedDB, then
// recommend() — through the core directly, through the worker protocol,
// and through the esbuild bundles when they are built.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Core, contentName } from '../src/core.js';
import { decodeManifest } from '../src/verify.js';
import { bundleFiles, bundleUrl, fixtureFetch, freshNamespace, fx } from './helpers/fixtures.js';
import { nodeWorker, serveFixtures } from './helpers/worker.js';

/** @param {any} r a model.Request as JSON */
function optionsOf(r) {
  return { k: r.k, context: r.context, exclude: r.exclude, category: r.category, seen: r.seen, explain: r.explain };
}

/**
 * Runs every parity case against an API with track/recommend/history.clear.
 * @param {import('node:test').TestContext} t
 * @param {{track: (e: any) => Promise<any>, recommend: (o: any) => Promise<any>, clear: () => Promise<any>}} api
 */
async function runCases(t, api) {
  assert.ok(fx.parity.length >= 10);
  for (const c of fx.parity) {
    await t.test(c.name, async () => {
      await api.clear();
      for (const e of c.request.history ?? []) await api.track(e);
      if (c.code) {
        await assert.rejects(api.recommend(optionsOf(c.request)), { name: 'PrivrecError', code: c.code });
        return;
      }
      const got = await api.recommend(optionsOf(c.request));
      assert.deepEqual(JSON.parse(JSON.stringify(got)), c.response);
    });
  }
}

test('parity through the core', async (t) => {
  const c = await Core.create({ namespace: freshNamespace(), clock: () => fx.now, fetch: fixtureFetch() });
  t.after(() => c.close());
  await c.load({ bundleUrl: bundleUrl(fx.parity_bundle), publicKeys: [fx.public_key] });
  await c.setConsent('full');
  await runCases(t, { track: (e) => c.track(e), recommend: (o) => c.recommend(o), clear: () => c.clearHistory() });
});

const builds = [{ name: 'sources', client: '../src/index.js', worker: new URL('../src/privrec-worker.js', import.meta.url) }];
if (existsSync(new URL('../dist/privrec.js', import.meta.url))) {
  builds.push({ name: 'esbuild bundles', client: '../dist/privrec.js', worker: new URL('../dist/privrec-worker.js', import.meta.url) });
}

for (const b of builds) {
  test(`parity through the worker (${b.name})`, async (t) => {
    const server = await serveFixtures();
    const { Recommender } = await import(b.client);
    const rec = await Recommender.load({
      bundleUrl: `${server.url}${fx.parity_bundle}/`,
      publicKeys: [fx.public_key],
      worker: nodeWorker(b.worker, { now: fx.now }),
    });
    t.after(async () => {
      rec.close();
      await server.close();
    });
    assert.equal(rec.model.version, fx.bundles[fx.parity_bundle]);
    await rec.consent.set('full');
    await runCases(t, { track: (e) => rec.track(e), recommend: (o) => rec.recommend(o), clear: () => rec.history.clear() });
    // Promise 1: the history was never sent anywhere. The only requests are
    // GETs of the bundle's static files, with no body and no query.
    // The artifacts are fetched by their content-addressed names.
    const m = decodeManifest(bundleFiles(fx.parity_bundle).manifest);
    const names = m.artifacts.map((a) => contentName(/** @type {any} */ (a.name), a.sha256));
    const files = new Set(['manifest.bin', 'manifest.sig', ...names].map((f) => `/${fx.parity_bundle}/${f}`));
    assert.equal(server.requests.length, files.size);
    for (const r of server.requests) {
      assert.equal(r.method, 'GET');
      assert.equal(r.body, 0);
      assert.ok(files.has(r.url), `unexpected request ${r.url}`);
    }
  });
}
