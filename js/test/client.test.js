// The page side: choosing full consent asks the browser to keep the
// origin's storage (navigator.storage.persist(), a Window-only API), and
// update() resolves with what happened.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Recommender } from '../src/client.js';

/**
 * A worker that answers every call with value(method).
 * @param {(method: string, args: any[]) => any} value
 */
function fakeWorker(value) {
  /** @type {((e: {data: any}) => void)[]} */
  const listeners = [];
  return {
    postMessage(/** @type {any} */ m) {
      queueMicrotask(() => {
        for (const fn of listeners) fn({ data: { id: m.id, ok: true, value: value(m.method, m.args) } });
      });
    },
    addEventListener(/** @type {string} */ type, /** @type {any} */ fn) {
      if (type === 'message') listeners.push(fn);
    },
    terminate() {},
  };
}

test('choosing full consent asks for persistent storage; other levels do not', async (t) => {
  const model = { version: 2 };
  const rec = await Recommender.load({ bundleUrl: 'https://shop.test/b/', publicKeys: 'x', worker: fakeWorker((m, a) => (m === 'init' ? model : m === 'consent.set' ? a[0] : null)) });
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  t.after(() => {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete (/** @type {any} */ (globalThis)).navigator;
  });
  let asked = 0;
  let grant = true;
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: { storage: { persisted: async () => false, persist: async () => (asked++, grant) } },
  });
  assert.equal(rec.persisted, null);
  assert.equal(await rec.consent.set('session'), 'session');
  assert.equal(asked, 0);
  assert.equal(await rec.consent.set('full'), 'full');
  assert.equal(asked, 1);
  assert.equal(rec.persisted, true);
  grant = false;
  await rec.consent.set('full');
  assert.equal(rec.persisted, false, 'a refusal is reported, never thrown');
  Object.defineProperty(globalThis, 'navigator', { configurable: true, value: {} });
  await rec.consent.set('full');
  assert.equal(rec.persisted, false, 'no StorageManager: false');
  rec.close();
});

test('update() resolves with the outcome and keeps rec.model', async () => {
  const v3 = { version: 3 };
  const rec = await Recommender.load({
    bundleUrl: 'https://shop.test/b/',
    publicKeys: 'x',
    worker: fakeWorker((m) => (m === 'init' ? { version: 2 } : m === 'update' ? { outcome: 'updated', model: v3 } : null)),
  });
  const r = await rec.update();
  assert.equal(r.outcome, 'updated');
  assert.deepEqual(rec.model, v3);
  rec.close();
});
