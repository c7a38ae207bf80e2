// The randomized fault-injection test: with a fixed seed, 1,200 operations
// through the worker protocol (its real queue) mix consent changes, tracks,
// recommendations, history edits, updates that run beside the queue (to
// newer, older and tampered bundles), downloads that stall or fail, a disk
// that fills up and empties, records the SDK never wrote, and new visits.
// After every operation, read around the SDK:
//   - no stored history above the consent level: unless both the stored
//     consent and the tab's level are full, the events store is empty;
//   - the rollback floor is never below the model in use.
// Every response is also checked: its reasons come from the history.
import 'fake-indexeddb/auto';
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, freshNamespace, fx } from './helpers/fixtures.js';
import { idbFaults, inProcess, plant, stored } from './helpers/faulty.js';

const SEED = 0x5eed1234;
const OPERATIONS = 1200;

/** mulberry32: a small PRNG with a fixed seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`randomized faults (seed ${SEED.toString(16)}, ${OPERATIONS} operations) never leave history above consent or the floor below the model`, async (t) => {
  const rand = rng(SEED);
  const pick = (/** @type {readonly any[]} */ xs) => xs[Math.floor(rand() * xs.length)];
  const stats = /** @type {Record<string, number>} */ ({});
  const count = (/** @type {string} */ k) => (stats[k] = (stats[k] ?? 0) + 1);

  /** Network faults, drawn per request. */
  const net = { stall: 0.1, fail: 0.05 };
  /** @type {any} */
  const fetch = async (/** @type {string} */ url, /** @type {RequestInit} */ init) => {
    const path = new URL(url).pathname;
    const r = rand();
    if (r < net.fail) {
      count('fetch failed');
      throw new TypeError('fetch failed: connection reset');
    }
    let data;
    try {
      data = readFileSync(join(FIXTURES, path));
    } catch {
      return new Response(null, { status: 404 });
    }
    const headers = { 'content-type': path.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream', 'content-length': String(data.length) };
    if (r < net.fail + net.stall) {
      count('fetch stalled');
      // Half the body, then silence until the SDK aborts.
      const body = new ReadableStream({
        start(ctl) {
          ctl.enqueue(new Uint8Array(data.subarray(0, data.length >> 1)));
          init.signal?.addEventListener('abort', () => ctl.error(init.signal?.reason ?? new Error('aborted')), { once: true });
        },
      });
      return new Response(body, { headers });
    }
    return new Response(new Uint8Array(data), { headers });
  };

  const ns = freshNamespace();
  const coreOptions = { fetch, clock: () => fx.now, keepDelay: 0, network: { timeout: 40, retries: 1, backoff: 5 } };
  const bundles = ['v2', 'v3', 'v1', 'tampered', 'expired'];
  const at = (/** @type {string} */ b) => ({ bundleUrl: `https://cdn.test/${b}/`, publicKeys: [fx.public_key] });

  /** Starts a visit: a new worker over the same database. */
  async function visit() {
    for (;;) {
      const w = inProcess(coreOptions);
      try {
        await w.call('init', { core: { namespace: ns }, load: at(pick(['v2', 'v3'])) });
        return w;
      } catch (e) {
        count(`visit failed: ${/** @type {any} */ (e).reason}`);
        w.core?.close();
      }
    }
  }

  let w = await visit();
  /** @type {Promise<any>[]} */
  const updates = [];
  const items = Array.from({ length: fx.items }, (_, i) => `sku-${String(i).padStart(3, '0')}`);

  /** @param {string} when */
  async function check(when) {
    const s = await stored(ns);
    const storedLevel = ['off', 'session', 'full'].includes(s.consent) ? s.consent : 'off';
    const events = s.events;
    if (storedLevel !== 'full' || w.core.consentLevel !== 'full') {
      assert.deepEqual(events, [], `${when}: ${events.length} stored events with consent ${storedLevel} stored and ${w.core.consentLevel} in the tab`);
    }
    const model = w.core.model;
    if (model) assert.ok((s.floor ?? 0) >= model.version, `${when}: floor ${s.floor} below the model in use (version ${model.version})`);
  }

  t.after(() => {
    w.core?.close();
    idbFaults.quota = false;
  });
  for (let i = 0; i < OPERATIONS; i++) {
    const r = rand();
    let op;
    try {
      if (r < 0.15) {
        op = 'consent';
        await w.call('consent.set', pick(['off', 'session', 'full', 'full']));
      } else if (r < 0.4) {
        op = 'track';
        await w.call('track', { item: pick(items), kind: pick(['view', 'cart', 'purchase']), at: fx.now - Math.floor(rand() * 86400000) });
      } else if (r < 0.55) {
        op = 'recommend';
        const history = new Set((await w.call('history.list')).map((/** @type {any} */ e) => e.item));
        const out = await w.call('recommend', { k: 1 + Math.floor(rand() * 10), context: { hour: 9, weekday: 1 }, explain: true });
        for (const rec of out.items ?? []) for (const b of rec.because ?? []) assert.ok(history.has(b.item), 'a reason outside the history');
      } else if (r < 0.62) {
        op = 'update';
        w.core.source = at(pick(bundles));
        // Beside the queue: not awaited here.
        updates.push(w.call('update').catch((e) => count(`update rejected: ${e.reason}`)));
      } else if (r < 0.7) {
        op = 'quota';
        idbFaults.quota = !idbFaults.quota;
      } else if (r < 0.77) {
        op = 'corrupt';
        // A record the SDK never wrote, where stored history may be.
        const s = await stored(ns);
        if (s.consent === 'full') {
          await plant(ns, pick([{ item: 7, kind: 'view', at: fx.now }, { item: 'sku-001', kind: 'hover', at: fx.now }, { item: 'sku-002', kind: 'view', at: 'now' }, { kind: 'view' }]));
        }
      } else if (r < 0.82) {
        op = 'history';
        const h = await w.call('history.list');
        if (h.length > 0 && rand() < 0.7) await w.call('history.delete', pick(h).id);
        else await w.call('history.clear');
      } else if (r < 0.86) {
        op = 'network';
        net.stall = pick([0, 0.1, 0.5]);
        net.fail = pick([0, 0.05, 0.3]);
      } else if (r < 0.89) {
        op = 'visit';
        await Promise.all(updates.splice(0));
        w.core.close();
        w = await visit();
      } else {
        op = 'export';
        JSON.parse(await w.call('history.export'));
      }
      count(op);
    } catch (e) {
      const reason = /** @type {any} */ (e).reason ?? String(e);
      if (reason !== 'quota_exceeded' && reason !== 'storage' && reason !== 'not_loaded') throw e;
      count(`${op} ${reason}`);
    }
    await check(`after operation ${i} (${op})`);
  }
  await Promise.all(updates.splice(0));
  await check('at the end');
  w.core.close();
  idbFaults.quota = false;
  t.diagnostic(JSON.stringify(stats));
  assert.ok((stats['fetch stalled'] ?? 0) > 10 && (stats.quota ?? 0) > 10 && (stats.corrupt ?? 0) > 10 && (stats.consent ?? 0) > 10, 'every kind of fault happened');
});
