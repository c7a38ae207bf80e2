// The real worker path: the Recommender client on the "main thread", the
// SDK's worker entry in a worker thread, bundles fetched over HTTP.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Code, PrivrecError, Recommender } from '../src/index.js';
import { FIXTURES, fx, nextEvent } from './helpers/fixtures.js';
import { nodeWorker, serveFixtures } from './helpers/worker.js';

const entry = new URL('../src/privrec-worker.js', import.meta.url);

/** Points the "live" bundle directory at one of the fixtures' bundles. */
async function publish(/** @type {string} */ name) {
  await rm(join(FIXTURES, 'live'), { recursive: true, force: true });
  await cp(join(FIXTURES, name), join(FIXTURES, 'live'), { recursive: true });
}

test('the page drives the worker: load, consent, track, recommend, history', async (t) => {
  const server = await serveFixtures();
  await publish('v2');
  const rec = await Recommender.load({ bundleUrl: `${server.url}live/`, publicKeys: [fx.public_key], worker: nodeWorker(entry) });
  t.after(async () => {
    rec.close();
    await server.close();
  });
  assert.equal(rec.model?.version, 2);

  await t.test('consent starts off and stores nothing', async () => {
    assert.equal(await rec.consent.get(), 'off');
    assert.equal(await rec.track({ item: 'sku-001', kind: 'view' }), null);
  });

  await t.test('events reach the page', async () => {
    const changed = nextEvent(rec, 'consentchanged');
    await rec.consent.set('full');
    assert.deepEqual(await changed, { consent: 'full', previous: 'off', origin: 'local' });
  });

  await t.test('track and recommend in order', async () => {
    const id = await rec.track({ item: 'sku-003', kind: 'purchase' });
    assert.match(String(id), /^db-/);
    const res = await rec.recommend({ k: 4, explain: true });
    assert.equal(res.items.length, 4);
    assert.equal(res.items[0].source, 'history');
    assert.equal(res.items[0].because[0].item, 'sku-003');
    assert.equal((await rec.history.list()).length, 1);
    assert.equal(JSON.parse(await rec.history.export()).events[0].item, 'sku-003');
  });

  await t.test('errors arrive as PrivrecError with the module code', async () => {
    await assert.rejects(rec.track(/** @type {any} */ ({ item: 'x', kind: 'like' })), (/** @type {any} */ e) => e instanceof PrivrecError && e.code === Code.bad_request);
    await assert.rejects(rec.recommend({ k: -3 }), (/** @type {any} */ e) => e instanceof PrivrecError && e.code === Code.bad_request && /k is -3/.test(e.message));
  });

  await t.test('a refused update keeps the model; a newer one replaces it', async () => {
    await publish('tampered');
    const refused = nextEvent(rec, 'updaterefused');
    assert.equal((await rec.update()).model.version, 2);
    assert.equal((await refused).reason, 'digest_mismatch');
    assert.equal((await rec.recommend({ k: 2 })).items.length, 2);

    await publish('v3');
    const updated = nextEvent(rec, 'modelupdated');
    assert.equal((await rec.update()).model.version, 3);
    assert.equal((await updated).origin, 'network');
    assert.equal(rec.model?.version, 3);
  });

  await t.test('clear deletes everything', async () => {
    assert.equal(await rec.history.clear(), 1);
    assert.deepEqual(await rec.history.list(), []);
  });

  await t.test('closed is final', async () => {
    rec.close();
    await assert.rejects(rec.recommend(), { code: Code.closed });
  });
});

test('a consent change in one worker reaches another (BroadcastChannel)', async (t) => {
  const server = await serveFixtures();
  await publish('v2');
  const opts = { bundleUrl: `${server.url}live/`, publicKeys: [fx.public_key], namespace: 'tabs' };
  const a = await Recommender.load({ ...opts, worker: nodeWorker(entry) });
  const b = await Recommender.load({ ...opts, worker: nodeWorker(entry) });
  t.after(async () => {
    a.close();
    b.close();
    await server.close();
  });
  const heard = nextEvent(b, 'consentchanged');
  await a.consent.set('session');
  assert.deepEqual(await heard, { consent: 'session', previous: 'off', origin: 'remote' });
});

test('load fails with the reason when there is no model to be had', async (t) => {
  const server = await serveFixtures();
  t.after(() => server.close());
  await assert.rejects(
    Recommender.load({ bundleUrl: `${server.url}expired/`, publicKeys: [fx.public_key], worker: nodeWorker(entry) }),
    (/** @type {any} */ e) => e instanceof PrivrecError && e.reason === 'expired',
  );
  await assert.rejects(Recommender.load(/** @type {any} */ ({ publicKeys: [fx.public_key] })), { code: Code.bad_request });
});
