// The buy-again mode's part of the response contract (wasm/ABI.md,
// "Recommend modes"): "repeat" items, their counts, their reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Code } from '../src/errors.js';
import { validateResponse } from '../src/response.js';

const history = [
  { item: 'tea', kind: 'purchase', at: 100 },
  { item: 'tea', kind: 'purchase', at: 200 },
  { item: 'cups', kind: 'view', at: 300 },
];
const req = { k: 3, history, explain: true, mode: 'buy_again' };
const good = {
  k: 3,
  items: [
    { item: 'tea', score: 0.9, source: 'repeat', because: [{ item: 'tea', share: 0.8 }], bought: 2, last_bought: 200 },
    { item: 'saucers', score: 0.2, source: 'history', because: [{ item: 'cups', share: 1 }] },
    { item: 'jam', score: 0.1, source: 'popular' },
  ],
  unknown: 0,
};

test('a buy-again response passes, counts and all', () => {
  assert.deepEqual(validateResponse(good, req, null), good);
  const plain = { k: 1, items: [{ item: 'tea', score: 1, source: 'repeat' }], unknown: 0 };
  assert.deepEqual(validateResponse(plain, { ...req, k: 1, explain: false }, null), plain);
});

test('a response breaking the buy-again contract is a module violation', async (t) => {
  const edit = (/** @type {(r: any) => void} */ f) => {
    const r = structuredClone(good);
    f(r);
    return r;
  };
  const cases = [
    { name: 'a repeat in the default mode', res: good, req: { ...req, mode: undefined }, want: /a repeat, which the request cannot have/ },
    { name: 'a repeat of an item only viewed', res: edit((r) => (r.items[1].source = 'repeat')), req, want: /a repeat, which the request cannot have/ },
    { name: 'more purchases than the history holds', res: edit((r) => (r.items[0].bought = 3)), req, want: /does not hold/ },
    { name: 'a last purchase the history does not hold', res: edit((r) => (r.items[0].last_bought = 150)), req, want: /does not hold/ },
    { name: 'counts without explain', res: good, req: { ...req, explain: false }, want: /not an explained repeat|did not ask/ },
    { name: 'counts on a non-repeat', res: edit((r) => (r.items[1].bought = 1)), req, want: /not an explained repeat/ },
  ];
  for (const tc of cases) {
    await t.test(tc.name, () => {
      assert.throws(() => validateResponse(tc.res, tc.req, null), (e) => /** @type {any} */ (e).code === Code.module_violation && tc.want.test(/** @type {any} */ (e).message));
    });
  }
});
