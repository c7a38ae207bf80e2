// Drop-in tracking calls: the e-commerce events a page already sends to
// Segment (analytics.js) or GA4 (gtag / dataLayer), mapped to privrec's own
// view / cart / purchase events. They are kept on the device like any other
// event: nothing here sends anything.

import { Code, PrivrecError } from './errors.js';

/** Event name → kind, and where its product ids are. */
const SHAPES = Object.freeze({
  'Product Viewed': ['view', 'segment'],
  'Product Added': ['cart', 'segment'],
  'Order Completed': ['purchase', 'segment'],
  view_item: ['view', 'ga4'],
  add_to_cart: ['cart', 'ga4'],
  purchase: ['purchase', 'ga4'],
});

const ACCEPTED = '{item, kind}, Segment "Product Viewed" / "Product Added" / "Order Completed", GA4 view_item / add_to_cart / purchase (README: "Drop-in tracking calls")';

/**
 * The privrec events of a tracking call, or null when it is privrec's own
 * {item, kind} shape. Throws bad_request for any other shape, naming the
 * accepted ones.
 * @param {any} event an event object, or an event name with props
 * @param {any} [props] the properties of a named event
 * @returns {{item: string, kind: 'view'|'cart'|'purchase'}[] | null}
 */
export function toEvents(event, props) {
  if (typeof event !== 'string') {
    if (!event || typeof event !== 'object') throw new PrivrecError(Code.bad_request, `track: want an event object, got ${event === null ? 'null' : typeof event}; accepted: ${ACCEPTED}`);
    if ('item' in event && !('event' in event)) return null;
    props = event.properties ?? event.ecommerce;
    event = event.event;
  }
  const shape = typeof event === 'string' && Object.hasOwn(SHAPES, event) ? SHAPES[/** @type {keyof SHAPES} */ (event)] : null;
  if (!shape) throw new PrivrecError(Code.bad_request, `track: unknown event ${JSON.stringify(event) ?? typeof event}; accepted: ${ACCEPTED}`);
  const [kind, vendor] = /** @type {['view'|'cart'|'purchase', string]} */ (shape);
  const [list, field] = vendor === 'ga4' ? ['items', 'item_id'] : kind === 'purchase' ? ['products', 'product_id'] : [null, 'product_id'];
  const products = list ? props?.[list] : [props];
  const where = list ? `${list}[]` : 'properties';
  if (!Array.isArray(products) || products.length === 0) throw new PrivrecError(Code.bad_request, `track: ${event} has no ${where}.${field}`);
  return products.map((p, i) => {
    const id = p?.[field];
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new PrivrecError(Code.bad_request, `track: ${event}: ${list ? `${list}[${i}]` : 'properties'}.${field} is ${JSON.stringify(id) ?? 'missing'}; want a string`);
    }
    return { item: String(id), kind };
  });
}
