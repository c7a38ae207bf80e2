// Drop-in tracking calls: Segment and GA4 e-commerce events map to privrec's
// view / cart / purchase events, and stay local: the client posts only
// "track" calls to the worker.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Code, PrivrecError, Recommender } from '../src/index.js';
import { toEvents } from '../src/shapes.js';

test('Segment and GA4 shapes map to privrec events', () => {
  const cases = [
    { name: 'Segment Product Viewed', args: [{ event: 'Product Viewed', properties: { product_id: 'sku-1', price: 9 } }], want: [{ item: 'sku-1', kind: 'view' }] },
    { name: 'Segment Product Added, call form', args: ['Product Added', { product_id: 'sku-2', quantity: 2 }], want: [{ item: 'sku-2', kind: 'cart' }] },
    {
      name: 'Segment Order Completed',
      args: [{ event: 'Order Completed', properties: { order_id: 'o1', products: [{ product_id: 'a' }, { product_id: 42 }] } }],
      want: [
        { item: 'a', kind: 'purchase' },
        { item: '42', kind: 'purchase' },
      ],
    },
    { name: 'GA4 view_item, dataLayer form', args: [{ event: 'view_item', ecommerce: { currency: 'EUR', items: [{ item_id: 'sku-3' }] } }], want: [{ item: 'sku-3', kind: 'view' }] },
    { name: 'GA4 add_to_cart, gtag form', args: ['add_to_cart', { items: [{ item_id: 'sku-4', item_name: 'Mug' }] }], want: [{ item: 'sku-4', kind: 'cart' }] },
    {
      name: 'GA4 purchase',
      args: ['purchase', { transaction_id: 't1', items: [{ item_id: 'x' }, { item_id: 'y' }] }],
      want: [
        { item: 'x', kind: 'purchase' },
        { item: 'y', kind: 'purchase' },
      ],
    },
    { name: "privrec's own shape passes through", args: [{ item: 'sku-1', kind: 'view' }], want: null },
  ];
  for (const c of cases) assert.deepEqual(toEvents(...c.args), c.want, c.name);
});

test('unknown or incomplete shapes get a typed error that says what is accepted', () => {
  const cases = [
    { name: 'unknown Segment event', args: [{ event: 'Product Clicked', properties: { product_id: 'a' } }], msg: /unknown event "Product Clicked"; accepted: .*Product Viewed.*view_item.*README/ },
    { name: 'unknown GA4 event', args: ['select_item', { items: [{ item_id: 'a' }] }], msg: /unknown event "select_item"/ },
    { name: 'no event at all', args: [{ foo: 1 }], msg: /unknown event undefined/ },
    { name: 'not an object', args: [7], msg: /want an event object, got number; accepted:/ },
    { name: 'Segment without product_id', args: [{ event: 'Product Viewed', properties: { sku: 'a' } }], msg: /properties\.product_id is missing/ },
    { name: 'Segment without properties', args: [{ event: 'Product Added' }], msg: /properties\.product_id is missing/ },
    { name: 'Order Completed without products', args: [{ event: 'Order Completed', properties: { order_id: 'o' } }], msg: /Order Completed has no products\[\]\.product_id/ },
    { name: 'GA4 with empty items', args: ['purchase', { items: [] }], msg: /purchase has no items\[\]\.item_id/ },
    { name: 'GA4 item without item_id', args: ['view_item', { items: [{ item_id: 'a' }, { item_name: 'b' }] }], msg: /items\[1\]\.item_id is missing/ },
  ];
  for (const c of cases) {
    assert.throws(
      () => toEvents(...c.args),
      (/** @type {any} */ e) => e instanceof PrivrecError && e.code === Code.bad_request && c.msg.test(e.message),
      c.name,
    );
  }
});

/** A worker that answers every call and records what the client posted. */
function recordingWorker() {
  /** @type {any[]} */
  const posted = [];
  /** @type {((e: any) => void)[]} */
  const listeners = [];
  return {
    posted,
    postMessage(/** @type {any} */ m) {
      posted.push(m);
      const value = m.method === 'track' ? `mem-${posted.length}` : null;
      queueMicrotask(() => listeners.forEach((f) => f({ data: { id: m.id, ok: true, value } })));
    },
    addEventListener(/** @type {string} */ type, /** @type {(e: any) => void} */ fn) {
      if (type === 'message') listeners.push(fn);
    },
  };
}

test('rec.track posts one local track call per product, and nothing for an unknown shape', async () => {
  const w = recordingWorker();
  const rec = new Recommender(w);
  const ids = await rec.track({ event: 'Order Completed', properties: { products: [{ product_id: 'a' }, { product_id: 'b' }] } });
  assert.equal(ids.length, 2);
  assert.deepEqual(
    w.posted.map((m) => [m.method, m.args]),
    [
      ['track', [{ item: 'a', kind: 'purchase' }]],
      ['track', [{ item: 'b', kind: 'purchase' }]],
    ],
  );
  assert.equal(await rec.track({ item: 'c', kind: 'view' }), 'mem-3');
  assert.deepEqual(w.posted[2].args, [{ item: 'c', kind: 'view' }]);
  await assert.rejects(rec.track('Checkout Started', {}), (/** @type {any} */ e) => e.code === Code.bad_request);
  assert.equal(w.posted.length, 3, 'an unknown shape reaches nothing');
});
