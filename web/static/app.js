// The demo storefront and its privacy dashboard. It uses only the public API
// of the privrec SDK (js/types/index.d.ts): the shopper's history lives in
// the SDK's worker (IndexedDB or memory), never in this page's storage, and
// the only requests this page makes are GETs of static files.
//
// The cart is kept in this module's memory only: it is gone on reload, and
// the purchase it turns into is recorded through the SDK like any event.
//
// The one thing this page keeps itself is that the shopper answered the
// consent question (ASKED_KEY = "answered" in local storage), so the banner does
// not come back on every page or visit; it holds nothing about what they
// look at.

// The SDK is imported from the versioned URL /config.json names
// (/sdk/<digest>/privrec.js), so the browser can cache it for good.
/** @type {any} */ let Recommender;
/** @type {any} */ let PrivrecError = {
  // Until the SDK is loaded, errors are plain.
  from: (/** @type {any} */ e) => ({ reason: 'error', message: e instanceof Error ? e.message : String(e) }),
};

/** Products shown per page of the grid: rendering the whole catalog (thousands) would block the page. */
const PAGE = 24;

/**
 * A product as the signed bundle's page metadata gives it (rec.catalog,
 * js/types ItemMeta): the demo reads every product from there, as a
 * storefront reads the ids it is recommended.
 * @typedef {{id: string, title: string | null, price: number | null, currency: string | null, image: string | null, url: string | null, category: string | null, availability: string | null}} Item
 */

const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
const main = $('#main');

const state = {
  /** @type {Recommender | null} */ rec: null,
  /** Products read from the bundle so far: the whole catalog once `listing` has resolved, before that what the first view needed. @type {Map<string, Item>} */
  catalog: new Map(),
  /** Ids catalog.get found no row for. @type {Set<string>} */
  unlisted: new Set(),
  /** The bundle carries no page metadata (trained without --catalog): products show by id. */
  noMeta: false,
  /** Counts the models whose products were read: a new one (modelupdated) drops what an older one's reads bring back. */
  generation: 0,
  /** The whole catalog being listed (loadCatalog), null until asked for. @type {Promise<void> | null} */
  listing: null,
  /** Set when the listing is in: the grid and its category chips show the whole catalog. */
  listed: false,
  /** How many products the catalog has (catalog.list's total). */
  total: 0,
  /** Until the listing is in, the ids of the grid's first page (firstPage). @type {string[]} */
  firstPage: [],
  /** @type {string[]} */ categories: [],
  /** @type {string[]} */ cart: [],
  category: '',
  consent: /** @type {'off'|'session'|'full'} */ ('off'),
  /** @type {{at: number, kind: string, text: string}[]} */ events: [],
  /** @type {any} */ config: null,
  renders: 0,
  viewed: '',
  /** How many products of the current category the grid shows. */
  shown: PAGE,
  marked: false,
  /** @type {{exclude: string[], heading: string} | null} the options of the strip on screen */
  recOptions: null,
  /** @type {ReturnType<typeof setInterval> | undefined} polls the worker's requests while the dashboard shows */
  netTimer: undefined,
  /** @type {PerformanceObserver | null} */
  netObserver: null,
  /** Recommended items shown on this page so far (measurement's impressions); emptied on navigation. */
  impressed: new Set(),
};

// Prices are formatted by hand, and the date formatter made on first use
// (the dashboard): the first Intl formatter of a page loads locale data, a
// long task of 40–70 ms on a cold start.
/** @type {Intl.DateTimeFormat | null} */ let whenFormat = null;
const money = {
  format: (/** @type {number | null} */ x) => (x === null ? '' : `€${(Math.round(x * 100) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`),
};
const when = { format: (/** @type {Date} */ d) => (whenFormat ??= new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' })).format(d) };
const VERB = { view: 'viewed', cart: 'added to your cart', purchase: 'bought' };
const CONSENT_LABEL = { off: 'Off', session: 'This visit', full: 'On this device' };
const CONSENT_RANK = { off: 0, session: 1, full: 2 };
/** Local storage key: the shopper answered the consent banner ("No thanks" or a yes). */
const ASKED_KEY = 'fieldhouse:consent-asked';

function answered() {
  try {
    return localStorage.getItem(ASKED_KEY) === 'answered';
  } catch {
    return false; // storage blocked: the banner shows, as on a first visit
  }
}

function markAnswered() {
  try {
    localStorage.setItem(ASKED_KEY, 'answered');
  } catch {
    // storage blocked: nothing to remember it in
  }
}

/**
 * Builds an element. Text goes through textContent, never an HTML parser, so
 * catalog data cannot inject markup.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|null|undefined|false)} children
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), (/** @type {Event} */ e) => guarded(v, e));
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/**
 * Runs an event handler. A failure is shown, and the view is rendered again
 * from the SDK's true state: a consent radio left on "Off" after the change
 * failed would tell the shopper the opposite of what happens.
 * @param {(e: Event) => unknown} fn
 * @param {Event} e
 */
async function guarded(fn, e) {
  try {
    await fn(e);
  } catch (err) {
    const pe = PrivrecError.from(err);
    toast(`That did not work (${pe.reason}): ${pe.message}`);
    render();
  }
}

function toast(text) {
  const t = $('#toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(/** @type {any} */ (t).timer);
  /** @type {any} */ (t).timer = setTimeout(() => t.classList.remove('show'), 2500);
}

function logEvent(kind, text) {
  state.events.unshift({ at: Date.now(), kind, text });
  state.events.length = Math.min(state.events.length, 50);
}

function initials(title) {
  return title
    .replace(/[^A-Za-z ]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 2 && w[0] === w[0].toUpperCase())
    .slice(0, 2)
    .map((w) => w[0])
    .join('');
}

/** @param {Item} item @param {string} [size] */
function tile(item, size = '') {
  // The colour follows the category's name, so a tile drawn before the
  // whole catalog is listed keeps it after.
  let n = 0;
  for (const c of item.category ?? '') n = (n * 31 + (c.codePointAt(0) ?? 0)) >>> 0;
  // A catalog with image URLs shows them (the SDK passes only http(s) and
  // relative ones); the demo's products have none and get initials.
  if (item.image) return h('img', { class: `tile ${size}`, src: item.image, alt: '', loading: 'lazy' });
  return h('div', { class: `tile cat-${n % 8} ${size}`, 'aria-hidden': 'true' }, initials(item.title ?? item.id));
}

/**
 * Reads every product from the bundle's signed page metadata
 * (rec.catalog.list, a thousand at a time), for the grid and its category
 * chips. The first view does not wait for it: it asks only for what it
 * shows (need, firstPage), as a storefront with a product list of its own
 * asks only for the items it is recommended. A bundle trained without
 * --catalog has none: the shop then says so and shows ids.
 * @param {any} rec
 */
async function loadCatalog(rec) {
  const gen = state.generation;
  /** @type {Item[]} */
  const all = [];
  try {
    for (let offset = 0; ; offset += 1000) {
      const page = await rec.catalog.list({ offset, limit: 1000 });
      all.push(...page.items);
      if (page.items.length === 0 || all.length >= page.total) break;
    }
  } catch (e) {
    if (!missingMeta(e)) throw e;
  }
  if (gen !== state.generation) return; // a newer model's listing replaced this one
  // In the listing's order (what need() read before is in it too).
  state.catalog = new Map(all.map((i) => [i.id, i]));
  state.total = all.length;
  state.categories = [...new Set(all.map((i) => i.category).filter((c) => c !== null))].sort();
  state.listed = true;
}

/** Starts listing the whole catalog once; resolves when it is in. */
function listCatalog() {
  state.listing ??= loadCatalog(state.rec).catch((e) => {
    state.listing = null; // asked again next time
    throw e;
  });
  return state.listing;
}

/** Forgets the products of the model before (a new one came: modelupdated). */
function resetCatalog() {
  Object.assign(state, { generation: state.generation + 1, catalog: new Map(), unlisted: new Set(), noMeta: false, listing: null, listed: false, total: 0, firstPage: [], categories: [] });
}

/** catalog.get and catalog.list reject with missing_artifact for a bundle without page metadata. */
function missingMeta(e) {
  if (PrivrecError.from(e).reason !== 'missing_artifact') return false;
  if (!state.noMeta) logEvent('updaterefused', 'This bundle carries no product data (titles, prices): train it with privrec train --catalog items.csv.');
  state.noMeta = true;
  return true;
}

/**
 * Reads the products of these ids that are not read yet (catalog.get, a
 * thousand at a time).
 * @param {Iterable<string>} ids
 */
async function need(ids) {
  const { rec, generation } = state;
  const missing = [...new Set(ids)].filter((id) => !state.catalog.has(id) && !state.unlisted.has(id));
  if (state.noMeta || !missing.length) return;
  try {
    for (let i = 0; i < missing.length; i += 1000) {
      const part = missing.slice(i, i + 1000);
      const got = await rec.catalog.get(part);
      if (generation !== state.generation) return;
      got.forEach((m, j) => (m ? state.catalog.set(m.id, m) : state.unlisted.add(part[j])));
    }
  } catch (e) {
    if (!missingMeta(e)) throw e;
  }
}

/**
 * A product to show: its page metadata, or, for a bundle without any, its
 * id; undefined for an id the catalog file does not list.
 * @param {string} id
 * @returns {Item | undefined}
 */
function product(id) {
  return state.catalog.get(id) ?? (state.noMeta ? byId(id) : undefined);
}

/** @param {string} id @returns {Item} a product known by its id only */
function byId(id) {
  return { id, title: id, price: null, currency: null, image: null, url: null, category: null, availability: null };
}

// ---- SDK calls ---------------------------------------------------------------

async function track(item, kind) {
  const id = await state.rec.track({ item, kind });
  return id;
}

async function refreshConsent() {
  state.consent = await state.rec.consent.get();
  document.body.dataset.consent = state.consent;
  $('#consent-badge').textContent = CONSENT_LABEL[state.consent];
  const notice = $('#consent-notice');
  const hide = state.consent !== 'off' || answered() || location.hash.startsWith('#/privacy');
  // Hiding the notice while one of its buttons has the focus would drop
  // the keyboard user at the top of the page: hand the focus to the content.
  if (hide && !notice.hidden && notice.contains(document.activeElement)) main.focus({ preventScroll: true });
  notice.hidden = hide;
}

async function setConsent(level) {
  const previous = state.consent;
  const held = CONSENT_RANK[level] < CONSENT_RANK[previous] ? (await state.rec.history.list()).length : 0;
  await state.rec.consent.set(level);
  markAnswered();
  await refreshConsent();
  if (held) toast(`Personalisation: ${CONSENT_LABEL[level].toLowerCase()}. Deleted the ${plural(held, 'event')} that were kept.`);
  else if (level === 'off') toast('No personalisation: nothing about you is kept. You can change this on the Privacy page.');
  else toast(`Personalisation: ${CONSENT_LABEL[level].toLowerCase()}.`);
  await render();
}

/** @param {number} n @param {string} word */
function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---- views -------------------------------------------------------------------

/** The "Recommended for you" strip. */
async function recStrip({ exclude = /** @type {string[]} */ ([]), heading = 'Recommended for you' } = {}) {
  state.recOptions = { exclude, heading };
  const section = h('section', { class: 'recs', 'aria-labelledby': 'recs-h', 'data-testid': 'recs' });
  // Products already in the cart are not suggested again.
  const [res, history] = await Promise.all([
    state.rec.recommend({ k: 6, explain: true, exclude: [...new Set([...exclude, ...state.cart])] }),
    state.rec.history.list(),
  ]);
  await need((res.items ?? []).flatMap((r) => [r.item, ...(r.because ?? []).map((b) => b.item)]));
  /** @type {Map<string, string>} strongest kind per item */
  const kinds = new Map();
  const rank = { view: 0, cart: 1, purchase: 2 };
  for (const e of history) {
    const k = kinds.get(e.item);
    if (!k || rank[e.kind] > rank[k]) kinds.set(e.item, e.kind);
  }
  const items = (res.items ?? []).filter((r) => product(r.item));
  const personal = items.some((r) => r.source === 'history');
  section.dataset.personal = String(personal);
  // Measurement (off unless the shop enabled it): these suggestions were
  // shown. The SDK counts them on this device; the arm says whether today's
  // are personal or the popular picks of the comparison group.
  if (res.arm) section.dataset.arm = res.arm;
  // An impression is an item shown on a page the shopper went to: the
  // re-renders of the same page (a consent change, the cart) count once.
  const unseen = items.filter((r) => !state.impressed.has(r.item));
  for (const r of unseen) state.impressed.add(r.item);
  if (unseen.length) state.rec.measurement.shown(unseen).catch(() => {});
  section.append(
    h('h2', { id: 'recs-h' }, personal ? heading : 'Popular right now'),
    h(
      'p',
      { class: 'muted' },
      state.consent === 'off'
        ? 'Personalisation is off, so these are popular picks for this time of day. Nothing about you is used or kept.'
        : res.arm === 'control'
          ? 'Today these are popular picks for everyone, so the shop can compare them with personal ones (see Measurement on the Privacy page). Your history is kept as you chose.'
          : personal
          ? 'Chosen on this device from your history; it never leaves your browser.'
          : 'Browse a little and these will adapt to you, on this device.',
    ),
  );
  const list = h('ul', { class: 'rec-list' });
  for (const r of items) {
    // A bundle without page metadata (no train --catalog) still shows its
    // recommendations, by id.
    const item = /** @type {Item} */ (product(r.item));
    const because = (r.because ?? []).filter((b) => product(b.item));
    const reason =
      r.source === 'history' && because.length
        ? `Because you ${VERB[kinds.get(because[0].item) ?? 'view']} ${product(because[0].item)?.title}`
        : 'Popular with other shoppers';
    list.append(
      h(
        'li',
        { class: 'rec', 'data-item': r.item, 'data-source': r.source },
        h('a', { href: `#/p/${encodeURIComponent(r.item)}`, onclick: () => state.rec.measurement.clicked(r.item) }, tile(item, 'small'), h('span', { class: 'title' }, item.title)),
        h('span', { class: 'price' }, money.format(item.price)),
        h('span', { class: 'why' }, reason),
      ),
    );
  }
  if (!items.length) list.append(h('li', { class: 'muted' }, 'No suggestions yet.'));
  section.append(list);
  return section;
}

/** @param {Item} item */
function card(item) {
  return h(
    'li',
    { class: 'card', 'data-item': item.id },
    h('a', { href: `#/p/${encodeURIComponent(item.id)}`, class: 'card-link' }, tile(item), h('span', { class: 'title' }, item.title)),
    h('span', { class: 'cat' }, item.category),
    h(
      'div',
      { class: 'card-row' },
      h('span', { class: 'price' }, money.format(item.price)),
      h('button', { type: 'button', class: 'add', 'data-add': item.id, 'aria-label': `Add ${item.title} to cart`, onclick: () => addToCart(item.id) }, 'Add to cart'),
    ),
  );
}

async function shopView() {
  const [strip] = await Promise.all([recStrip(), state.listed ? null : firstPage()]);
  return [strip, h('div', { id: 'products' }, ...products())];
}

/**
 * Before the whole catalog is listed, the grid's first page: the first
 * view shows its recommendations without waiting for the listing.
 */
async function firstPage() {
  const { generation } = state;
  try {
    const page = await state.rec.catalog.list({ offset: 0, limit: PAGE });
    if (state.listed || generation !== state.generation) return;
    for (const i of page.items) state.catalog.set(i.id, i);
    state.total = page.total;
    state.firstPage = page.items.map((i) => i.id);
  } catch (e) {
    if (!missingMeta(e)) throw e;
  }
}

/** The shop's heading, category chips, grid and "show more": the whole catalog once listed, else its first page. */
function products() {
  const filters = h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter by category' });
  for (const c of ['', ...state.categories]) {
    filters.append(
      h(
        'button',
        {
          type: 'button',
          class: 'chip',
          'aria-pressed': String(state.category === c),
          'data-category': c || 'all',
          onclick: () => {
            state.category = c;
            state.shown = PAGE;
            render();
          },
        },
        c || 'All',
      ),
    );
  }
  const grid = h('ul', { class: 'grid', 'data-testid': 'grid' });
  const items = state.listed
    ? filtered()
    : state.firstPage.map((id) => /** @type {Item} */ (state.catalog.get(id)));
  const count = state.listed ? items.length : state.total;
  for (const item of items.slice(0, state.shown)) grid.append(card(item));
  const rest = count - Math.min(state.shown, count);
  const more =
    rest > 0 &&
    h(
      'p',
      { class: 'more' },
      h(
        'button',
        // Until the listing is in (a few tens of ms), the button waits for it.
        { type: 'button', id: 'more', onclick: () => listCatalog().then(() => showMore(grid, filtered(), /** @type {HTMLElement} */ (more))) },
        `Show ${Math.min(rest, PAGE)} more of ${rest}`,
      ),
    );
  // A bundle trained without --catalog (privrec serve --bundle DIR) has no product data to show.
  const none = state.noMeta && h('p', { class: 'notice', role: 'status' }, 'This bundle carries no product data (titles, prices, links): train it with privrec train --catalog items.csv.');
  return [h('h2', {}, state.category || 'All products'), none, filters, grid, more];
}

/** The listed products of the chosen category. */
function filtered() {
  return [...state.catalog.values()].filter((item) => !state.category || item.category === state.category);
}

/** Once the listing is in: the shop's products on screen get the whole catalog, the strip stays as it is. */
async function showListed() {
  const box = main.querySelector('#products');
  if (!box) return;
  const focus = focusTarget();
  box.replaceChildren(...products());
  restoreFocus(focus);
}

/**
 * Appends the next page of products to the grid without rendering the view
 * again (which would ask the model for recommendations again).
 * @param {HTMLElement} grid
 * @param {Item[]} items
 * @param {HTMLElement} more
 */
function showMore(grid, items, more) {
  const from = state.shown;
  state.shown += PAGE;
  for (const item of items.slice(from, state.shown)) grid.append(card(item));
  const rest = items.length - Math.min(state.shown, items.length);
  const btn = /** @type {HTMLElement} */ (more.querySelector('button'));
  if (rest > 0) btn.textContent = `Show ${Math.min(rest, PAGE)} more of ${rest}`;
  else more.remove();
  // The keyboard focus moves to the first new product, not back to the top.
  grid.children[from]?.querySelector('a')?.focus({ preventScroll: true });
}

async function productView(id) {
  await need([id]);
  const item = product(id);
  if (!item) return [h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the shop'))];
  // One view per visit of the page, not per re-render (consent changes,
  // events from other tabs).
  if (state.viewed !== location.hash) {
    state.viewed = location.hash;
    await track(id, 'view');
  }
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Shop'), ' / ', item.category),
    h(
      'article',
      { class: 'detail', 'data-item': id },
      tile(item, 'large'),
      h(
        'div',
        {},
        h('h1', {}, item.title),
        h('p', { class: 'price big' }, money.format(item.price)),
        h('p', {}, `From our range in ${item.category}. Well made, fairly priced, and recommended without tracking.`),
        h('button', { type: 'button', class: 'primary', 'data-add': id, onclick: () => addToCart(id) }, 'Add to cart'),
      ),
    ),
    await recStrip({ exclude: [id], heading: 'Goes well with' }),
  ];
}

async function addToCart(id) {
  state.cart.push(id);
  $('#cart-count').textContent = String(state.cart.length);
  await track(id, 'cart');
  toast(`Added ${product(id)?.title ?? id} to your cart.`);
  // The suggestions on screen drop what is now in the cart.
  rendering = rendering.then(refreshRecs, refreshRecs);
  await rendering;
}

/** Asks for the strip on screen again, without rendering the rest of the view. */
async function refreshRecs() {
  const old = main.querySelector('.recs');
  if (old && state.recOptions) old.replaceWith(await recStrip(state.recOptions));
}

async function cartView() {
  const out = [h('h1', {}, 'Your cart')];
  if (!state.cart.length) {
    out.push(h('p', { class: 'muted', 'data-testid': 'cart-empty' }, 'Your cart is empty.'), await recStrip());
    return out;
  }
  await need(state.cart);
  const list = h('ul', { class: 'cart' });
  let total = 0;
  state.cart.forEach((id, i) => {
    // (a model update may have dropped it since)
    const item = product(id) ?? byId(id);
    total += item.price ?? 0;
    list.append(
      h(
        'li',
        {},
        tile(item, 'small'),
        h('span', { class: 'title' }, item.title),
        h('span', { class: 'price' }, money.format(item.price)),
        h('button', { type: 'button', class: 'link', 'data-remove': id, 'aria-label': `Remove ${item.title}`, onclick: () => { state.cart.splice(i, 1); $('#cart-count').textContent = String(state.cart.length); render(); } }, 'Remove'),
      ),
    );
  });
  out.push(list, h('p', { class: 'total' }, 'Total ', h('strong', {}, money.format(total))));
  out.push(h('button', { type: 'button', class: 'primary', id: 'checkout', onclick: checkout }, 'Buy now'));
  out.push(await recStrip({ heading: 'You might also need' }));
  return out;
}

async function checkout() {
  const bought = [...state.cart];
  for (const id of bought) await track(id, 'purchase');
  state.cart = [];
  $('#cart-count').textContent = '0';
  toast(`Thank you! ${bought.length} item${bought.length === 1 ? '' : 's'} on the way (not really: this is a demo).`);
  location.hash = '#/';
}

function fmtTime(ms) {
  return ms ? when.format(new Date(ms)) : '—';
}

/** Plain words for the model's privacy guarantee (ε = 0 would mean perfect privacy, not none). */
function dpWords(m) {
  if (m && m.epsilon > 0) {
    return `Differentially private for each shopper in the training data (ε = ${m.epsilon}, δ = ${m.delta}): the model reveals very little about any one of them.`;
  }
  return 'Not differentially private: the shop trained this model on its order records without a formal privacy guarantee for the shoppers in them.';
}

/** @param {number} n bytes */
function bytes(n) {
  if (!Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

/**
 * The method a timing entry's kind of request uses. Resource Timing gives a
 * request's URL, size and time, not its method. Page, script, style, image
 * and worker loads are GETs, a beacon is a POST, and this page and privrec
 * only fetch with GET (the browser test holds the log against Chromium's
 * own record of methods).
 * @param {string} initiator
 */
function methodOf(initiator) {
  return initiator === 'beacon' ? 'POST' : 'GET';
}

/**
 * Every request the browser timed for this page and for the SDK's worker,
 * oldest first: the page's navigation and resource entries, and the
 * worker's (rec.resources()).
 * @returns {Promise<{url: string, verb: string, by: string, kind: string, transferred: number, size: number, at: number}[]>}
 */
async function networkLog() {
  // The measurement uploads (POSTs from the worker) by their URL: Resource
  // Timing does not say a fetch's method.
  const uploads = new Set((await state.rec.measurement.reports().catch(() => [])).map((/** @type {any} */ r) => r.to));
  /** @param {any} e @param {string} by @param {number} origin */
  const row = (e, by, origin) => ({
    url: e.name.split('#')[0], // a fragment never goes on the network
    verb: by !== 'page' && uploads.has(e.name) ? 'POST' : methodOf(e.initiatorType),
    by,
    kind: e.entryType === 'navigation' ? 'page' : e.initiatorType,
    transferred: e.transferSize ?? 0,
    size: e.decodedBodySize ?? 0,
    at: origin + e.startTime,
  });
  const page = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => row(e.toJSON(), 'page', performance.timeOrigin));
  let worker = [];
  try {
    const w = await state.rec.resources();
    worker = w.entries.map((e) => row(e, 'privrec worker', w.timeOrigin));
  } catch {
    // a closed worker has no more requests to show
  }
  return [...page, ...worker].filter((r) => !r.url.startsWith('data:')).sort((a, b) => a.at - b.at);
}

/** Fills the network log's table body. @param {HTMLElement} body @param {HTMLElement} caption */
async function fillNetworkLog(body, caption) {
  const log = await networkLog();
  const rows = log.map((r) => {
    const u = new URL(r.url);
    const where = u.origin === location.origin ? u.pathname + u.search : r.url;
    return h(
      'tr',
      { 'data-url': r.url, 'data-method': r.verb },
      h('td', { class: 'url' }, where),
      h('td', {}, r.verb),
      h('td', {}, r.by),
      h('td', {}, r.kind),
      h('td', { class: 'num' }, r.transferred ? bytes(r.transferred) : r.size ? 'cache' : '0 B'),
    );
  });
  body.replaceChildren(...rows);
  const other = log.filter((r) => new URL(r.url).origin !== location.origin).length;
  caption.textContent = `${plural(log.length, 'request')} so far, ${other ? `${other} to other sites` : 'all to this shop'}; ${bytes(log.reduce((n, r) => n + r.transferred, 0))} downloaded`;
}

async function privacyView() {
  const rec = state.rec;
  const measuring = await rec.measurement.status();
  const history = await rec.history.list();
  await need(history.map((e) => e.item));
  const m = rec.model;
  const count = (kind) => history.filter((e) => e.kind === kind).length;
  const stored = history.some((e) => e.stored);

  // What is held, why and for how long, in plain words.
  const what = history.length
    ? `${plural(history.length, 'event')}: ${count('view')} viewed, ${count('cart')} added to the cart, ${count('purchase')} bought — kept ${stored ? 'in this browser (IndexedDB) for up to 90 days and 1,000 events' : 'in this tab’s memory until you close it'}.`
    : state.consent === 'off'
      ? 'Nothing. Personalisation is off, so what you view and buy is not kept at all.'
      : 'Nothing yet. What you view, add to the cart and buy will be listed here.';
  const plain = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'p-plain', 'data-testid': 'plain' },
    h('h2', { id: 'p-plain' }, 'What this shop knows about you'),
    h('p', { class: 'summary', 'data-testid': 'summary' }, what),
    h(
      'ul',
      { class: 'plain' },
      h('li', {}, h('strong', {}, 'Why: '), 'only to pick suggestions for you. They are worked out by a model running in your browser; the shop never receives your history.'),
      h('li', {}, h('strong', {}, 'Where: '), 'on this device only. Nothing is sent to the shop or anyone else — the list of requests below is the browser’s own record.'),
      h('li', {}, h('strong', {}, 'For how long: '), state.consent === 'full' ? 'up to 90 days (at most 1,000 events), or until you delete it or turn personalisation down.' : state.consent === 'session' ? 'until you close this tab.' : 'not at all.'),
      h('li', {}, h('strong', {}, 'Also kept: '), alsoKept(answered(), measuring)),
      h('li', {}, h('strong', {}, 'The model: '), m ? `published ${fmtTime(m.created)}, valid until ${fmtTime(m.expires)}; your browser checked the shop’s signature on it before using it.` : 'none loaded.'),
    ),
    h('button', { type: 'button', id: 'update', onclick: checkUpdate }, 'Check for a newer model'),
  );

  const consent = h(
    'fieldset',
    { class: 'consent' },
    h('legend', {}, 'Personalisation'),
    ...[
      ['off', 'Off', 'Nothing is kept. Suggestions use only the time of day and your device type.'],
      ['session', 'This visit only', 'Your history is kept in this tab’s memory and forgotten when you close it.'],
      ['full', 'Remember on this device', 'Your history is stored in this browser (IndexedDB) for up to 90 days, never sent anywhere.'],
    ].map(([value, label, help]) => {
      // Lowering the level deletes what is held: say so before the choice.
      const lowers = CONSENT_RANK[value] < CONSENT_RANK[state.consent] && history.length > 0;
      const warn = lowers && h('span', { class: 'warn', 'data-testid': `warn-${value}` }, `Choosing this deletes the ${plural(history.length, 'event')} listed below${stored ? ', stored on this device,' : ''} at once.`);
      return h(
        'label',
        { class: 'choice' },
        h('input', {
          type: 'radio',
          name: 'consent',
          value,
          checked: state.consent === value,
          'aria-describedby': `help-${value}`,
          onchange: () => setConsent(/** @type {any} */ (value)),
        }),
        h('span', { id: `help-${value}` }, h('strong', {}, label), h('span', { class: 'muted' }, help), warn),
      );
    }),
  );

  const table = h('table', { class: 'history', 'data-testid': 'history' });
  table.append(h('caption', {}, `${plural(history.length, 'event')} held about you`));
  table.append(h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Kept'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))));
  const body = h('tbody');
  for (const e of [...history].sort((a, b) => b.at - a.at)) {
    const title = product(e.item)?.title ?? e.item;
    body.append(
      h(
        'tr',
        { 'data-event': e.id, 'data-item': e.item },
        h('td', {}, title),
        h('td', {}, VERB[e.kind] ?? e.kind),
        h('td', {}, fmtTime(e.at)),
        h('td', {}, e.stored ? 'this device' : 'this tab only'),
        h('td', {}, h('button', { type: 'button', class: 'link', 'aria-label': `Delete ${e.kind} of ${title}`, onclick: async () => { await rec.history.delete(e.id); toast('Deleted.'); render(); } }, 'Delete')),
      ),
    );
  }
  if (!history.length) body.append(h('tr', {}, h('td', { colspan: '5', class: 'muted' }, state.consent === 'off' ? 'Nothing: personalisation is off.' : 'Nothing yet.')));
  table.append(body);

  const exportBtn = h('button', { type: 'button', id: 'export', onclick: () => exportHistory(exportBtn) }, 'Export as JSON');
  const clearBtn = h('button', {
    type: 'button',
    id: 'clear',
    class: 'danger',
    disabled: !history.length,
    onclick: async () => {
      const n = await rec.history.clear();
      toast(`Deleted ${plural(n, 'event')}.`);
      render();
    },
  }, 'Delete everything');

  // The live network log: the browser's Resource Timing entries.
  const netBody = h('tbody');
  const netCaption = h('caption', {});
  const net = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'p-net' },
    h('h2', { id: 'p-net' }, 'Every request this page made'),
    h('p', { class: 'muted' }, `Taken live from your browser’s own timing records of this page and of the privrec worker: only downloads of the shop’s static files (the page, scripts, the product list, the signed model)${state.config?.measurement ? ', and, with measurement on, the two measurement servers’ public keys and the daily encrypted report (the one POST)' : ''}. None carries your history. The browser does not record a request’s method, so the column shows the one each kind of request uses.`),
    h('div', { class: 'netlog-wrap' }, h('table', { class: 'netlog', 'data-testid': 'netlog' }, netCaption,
      h('thead', {}, h('tr', {}, ...['Address', 'Method', 'Made by', 'Kind', 'Downloaded'].map((c) => h('th', { scope: 'col' }, c)))), netBody)),
  );
  await fillNetworkLog(netBody, netCaption);

  const facts = h('dl', { class: 'facts', 'data-testid': 'model' });
  for (const [k, v] of /** @type {[string, string][]} */ ([
    ['Model published', fmtTime(m?.created)],
    ['Valid until', fmtTime(m?.expires)],
    ['Training privacy', dpWords(m)],
    ['Products known', m ? String(m.items) : '—'],
    ['Model kind', m?.model ?? '—'],
    ['Model version', m ? String(m.version) : '—'],
    ['Signed by key', m ? m.key_id : '—'],
    ['Trusted key (from this site)', state.config.keyId],
    ['Bundle', m ? m.bundle_id : '—'],
  ])) {
    facts.append(h('dt', {}, k), h('dd', {}, v));
  }

  const events = h('ol', { class: 'events', 'data-testid': 'events' });
  for (const e of state.events) events.append(h('li', { 'data-kind': e.kind }, h('time', {}, fmtTime(e.at)), ' ', e.text));
  if (!state.events.length) events.append(h('li', { class: 'muted' }, 'No events yet.'));

  return [
    h('h1', {}, 'Your privacy'),
    h('p', { class: 'lead' }, 'Suggestions here are worked out inside your browser. What you view and buy is kept only as you choose below, and never sent to the shop.'),
    h('div', { class: 'panels' }, plain, h('section', { class: 'panel', 'aria-labelledby': 'p-consent' }, h('h2', { id: 'p-consent' }, 'Your choice'), consent)),
    h('section', { class: 'panel', 'aria-labelledby': 'p-stored' }, h('h2', { id: 'p-stored' }, 'What is kept, item by item'), table, h('div', { class: 'actions' }, exportBtn, clearBtn)),
    await measurementPanel(measuring),
    net,
    h(
      'details',
      { class: 'tech', 'data-testid': 'tech' },
      h('summary', {}, 'Technical details: the model, its signature, events'),
      h('div', { class: 'panels' },
        h('section', { class: 'panel', 'aria-labelledby': 'p-model' }, h('h2', { id: 'p-model' }, 'The model'),
          h('p', { class: 'muted' }, 'Your browser checked the signature of this model against the shop’s key before using it.'),
          facts),
        h('section', { class: 'panel', 'aria-labelledby': 'p-events' }, h('h2', { id: 'p-events' }, 'Events'), events),
      ),
    ),
  ];
}

/**
 * The "Also kept" line of the plain summary: the banner's note, and
 * measurement's counters when it runs.
 * @param {boolean} asked
 * @param {any} m rec.measurement.status()
 */
function alsoKept(asked, m) {
  const parts = [];
  if (asked) parts.push('a note that you answered the question about personalisation, so this shop does not ask again (this browser’s local storage)');
  if (m.active) parts.push(`a few counts of how the suggestions did today, for the shop’s once-a-day encrypted report (see Measurement below; ${m.stored ? 'kept with your history' : 'in this tab only'})`);
  return parts.length ? `${parts.join('; and ')}.` : 'nothing else.';
}

/**
 * The dashboard's Measurement section: whether the shop measures how its
 * suggestions do and, if not, why; what today's report would say; and every
 * report sent, in plain words (the SDK keeps that list no longer than the
 * history, and deletes it with it).
 */
async function measurementPanel(/** @type {any} */ st) {
  const reports = st.enabled ? await state.rec.measurement.reports() : [];
  const section = h('section', { class: 'panel measurement', 'aria-labelledby': 'p-measure', 'data-testid': 'measurement', 'data-active': String(st.active), 'data-reason': st.reason ?? '' }, h('h2', { id: 'p-measure' }, 'Measurement'));
  if (!st.active) {
    const why = {
      not_enabled: 'Off: this shop has not turned measurement on, so nothing about how its suggestions do is counted or sent.',
      unavailable: `Off: this shop turned measurement on, but it could not start in this browser (${st.message ?? 'unknown'}). Nothing is counted or sent.`,
      consent_off: 'Off, because personalisation is off: nothing is counted and nothing is sent.',
      gpc: 'Off, because your browser sends Global Privacy Control: nothing is counted and nothing is sent.',
    }[st.reason ?? 'not_enabled'];
    section.append(h('p', { 'data-testid': 'measurement-off' }, why));
  } else {
    section.append(
      h('p', {}, 'To learn whether its suggestions help, this shop counts on your device how many suggestions you saw, clicked and bought. Once a day those few numbers are sent as two encrypted halves, one to each of two separate servers (DAP with Prio3): neither half alone says anything, and the shop only learns totals over many shoppers.'),
      h('p', { class: 'muted', 'data-testid': 'measurement-today' }, `Today (${st.day}, UTC) so far: ${st.today?.words ?? '—'}${st.today?.reported ? ' (already sent)' : ''}. Kept ${st.stored ? 'in this browser with your history' : 'in this tab’s memory only'}.`),
      st.controlShare
        ? h('p', { class: 'muted' }, `On about ${Math.max(1, Math.round(st.controlShare * 100))}% of days you are shown popular picks instead of personal ones, so the shop can compare the two. Today: ${st.arm === 'control' ? 'popular picks' : st.arm === 'personal' ? 'personal' : 'not decided yet'}.`)
        : h('p', { class: 'muted' }, 'This shop holds no days back for comparison: your suggestions are always personal.'),
    );
    if (st.failure) section.append(h('p', { class: 'warn', 'data-testid': 'measurement-failure' }, `The last report could not be sent (${st.failure.message}); it is tried again on your next visit.`));
  }
  if (st.enabled) {
    const table = h('table', { class: 'history reports', 'data-testid': 'reports' });
    table.append(h('caption', {}, `${plural(reports.length, 'report')} sent`));
    table.append(h('thead', {}, h('tr', {}, ...['When', 'Sent to', 'What it said', 'Size'].map((c) => h('th', { scope: 'col' }, c)))));
    const body = h('tbody');
    for (const r of [...reports].reverse()) {
      const u = new URL(r.to);
      body.append(
        h('tr', { 'data-report': r.report_id, 'data-day': r.day, 'data-vector': JSON.stringify(r.vector) },
          h('td', {}, `${fmtTime(r.at)} (for ${r.day})`),
          h('td', { class: 'url' }, u.origin === location.origin ? u.pathname : u.host),
          h('td', {}, r.words),
          h('td', { class: 'num' }, `${bytes(r.bytes)}, encrypted`)),
      );
    }
    if (!reports.length) body.append(h('tr', {}, h('td', { colspan: '4', class: 'muted' }, 'No report sent yet.')));
    table.append(body);
    section.append(table);
  }
  return section;
}

/** Keeps the dashboard's network log live: new page entries as they come, the worker's every 2 s. */
function watchNetwork() {
  clearInterval(state.netTimer);
  state.netTimer = undefined;
  if (document.body.dataset.view !== 'privacy') return;
  const refresh = () => {
    const body = main.querySelector('[data-testid="netlog"] tbody');
    const caption = main.querySelector('[data-testid="netlog"] caption');
    if (body && caption) fillNetworkLog(/** @type {HTMLElement} */ (body), /** @type {HTMLElement} */ (caption));
  };
  state.netTimer = setInterval(refresh, 2000);
  if (!state.netObserver && typeof PerformanceObserver === 'function') {
    state.netObserver = new PerformanceObserver(() => {
      if (document.body.dataset.view === 'privacy') refresh();
    });
    state.netObserver.observe({ type: 'resource' });
  }
}

async function exportHistory(btn) {
  const json = await state.rec.history.export();
  const data = JSON.parse(json);
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const a = h('a', { href: url, download: 'privrec-history.json', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  btn.dataset.exported = String(data.events.length);
  toast(`Exported ${data.events.length} event${data.events.length === 1 ? '' : 's'} as privrec-history.json.`);
}

async function checkUpdate() {
  try {
    await state.rec.update();
    toast(`Model version ${state.rec.model?.version ?? 'none'} is in use.`);
  } catch (e) {
    toast(`Update failed: ${PrivrecError.from(e).message}`);
  }
  render();
}

// ---- routing -----------------------------------------------------------------

let rendering = Promise.resolve();
let renderedHash = '';

/**
 * Where the keyboard focus is inside main, so a re-render of the same view
 * can put it back on the copy of that control (or, when the control is gone,
 * say a deleted row's button, on the one now in its place). Without this,
 * each choice on the dashboard throws a keyboard user back to the top.
 */
function focusTarget() {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || el === main || !main.contains(el)) return null;
  let exact = '';
  if (el.id) exact = `#${CSS.escape(el.id)}`;
  else if (el instanceof HTMLInputElement && el.name) exact = `input[name="${CSS.escape(el.name)}"][value="${CSS.escape(el.value)}"]`;
  else if (el.dataset.category !== undefined) exact = `[data-category="${CSS.escape(el.dataset.category)}"]`;
  const kind = el.tagName.toLowerCase() + [...el.classList].map((c) => `.${CSS.escape(c)}`).join('');
  return { exact, kind, index: [...main.querySelectorAll(kind)].indexOf(el) };
}

/** @param {{exact: string, kind: string, index: number} | null} t */
function restoreFocus(t) {
  if (!t) return;
  /** @type {HTMLElement | null} */
  let el = t.exact ? main.querySelector(t.exact) : null;
  if (!el) {
    const same = main.querySelectorAll(t.kind);
    el = /** @type {HTMLElement | null} */ (same[Math.min(t.index, same.length - 1)] ?? null);
  }
  if (!el || /** @type {any} */ (el).disabled) el = main;
  el.focus({ preventScroll: true });
}

function render() {
  rendering = rendering.then(renderNow, renderNow);
  return rendering;
}

async function renderNow() {
  const hash = location.hash || '#/';
  let route = 'shop';
  /** @type {any[]} */ let nodes;
  try {
    await refreshConsent();
    if (hash.startsWith('#/p/')) {
      route = 'product';
      nodes = await productView(decodeURIComponent(hash.slice(4)));
    } else if (hash === '#/cart') {
      route = 'cart';
      nodes = await cartView();
    } else if (hash === '#/privacy') {
      route = 'privacy';
      nodes = await privacyView();
    } else {
      nodes = await shopView();
    }
  } catch (e) {
    const err = PrivrecError.from(e);
    nodes = [h('div', { class: 'error', role: 'alert' }, h('h1', {}, 'Something went wrong'), h('p', {}, `${err.reason}: ${err.message}`))];
  }
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (/** @type {HTMLElement} */ (a).dataset.nav === route) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Same view re-rendered (a choice, a deletion, another tab's change):
  // keep the keyboard focus. A new view gets it on main (hashchange).
  const focus = hash === renderedHash ? focusTarget() : null;
  main.replaceChildren(...nodes);
  // For measurements (internal/browsertest's navigation benchmark): when
  // the first recommendations are on screen.
  if (!state.marked && main.querySelector('.recs .rec')) {
    state.marked = true;
    performance.mark('demo:recommendations');
  }
  restoreFocus(focus);
  renderedHash = hash;
  document.body.dataset.view = route;
  watchNetwork();
  document.body.dataset.renders = String(++state.renders);
}

async function start() {
  // The dashboard's network log reads the page's Resource Timing entries:
  // room for a long visit, beyond the default 250.
  performance.setResourceTimingBufferSize?.(5000);
  try {
    // privrec serve writes the config into the page; else it is fetched.
    const inline = document.getElementById('privrec-config');
    const config = inline ? JSON.parse(inline.textContent ?? '') : await fetch('/config.json').then((r) => r.json());
    const sdk = await import(config.sdkUrl);
    Recommender = sdk.Recommender;
    PrivrecError = sdk.PrivrecError;
    state.config = config;
    const loading = Recommender.load({
      bundleUrl: config.bundleUrl,
      wasmUrl: config.wasmUrl || undefined,
      publicKeys: config.publicKey,
      namespace: config.namespace,
      retention: { maxAgeDays: 90, maxEvents: 1000 },
      // privrec serve --measure writes the task into the page config; without it there is none.
      measurement: config.measurement || undefined,
    });
    loading.catch(() => {}); // awaited below
    const rec = await loading;
    state.rec = rec;
    // Titles, prices and links travel in the signed bundle: no catalog
    // file of the page's own, and nothing a mirror could alter unseen. The
    // first view reads only what it shows; the whole list follows it.
    logEvent('modelupdated', `Model version ${rec.model?.version} loaded and verified (key ${rec.model?.key_id}).`);
    rec.addEventListener('modelupdated', (e) => {
      logEvent('modelupdated', `Model updated to version ${e.detail.version} (${e.detail.origin}).`);
      resetCatalog();
      listCatalog().then(render, () => render());
    });
    rec.addEventListener('updaterefused', (e) => {
      logEvent('updaterefused', `Update refused: ${e.detail.reason} — ${e.detail.message}. Kept version ${e.detail.kept ?? 'none'}.`);
      render();
    });
    rec.addEventListener('consentchanged', (e) => {
      logEvent('consentchanged', `Consent changed from ${e.detail.previous} to ${e.detail.consent}${e.detail.origin === 'remote' ? ' in another tab' : ''}.`);
      if (e.detail.origin === 'remote') render();
    });
    rec.addEventListener('historychanged', () => render());
    rec.addEventListener('measurereport', (e) => {
      logEvent('measurereport', `Measurement report for ${e.detail.day} sent to ${new URL(e.detail.to).host} (${bytes(e.detail.bytes)}, encrypted): ${e.detail.words}.`);
      if (document.body.dataset.view === 'privacy') render();
    });
    for (const b of document.querySelectorAll('[data-consent-choice]')) {
      b.addEventListener('click', (e) => guarded(() => setConsent(/** @type {any} */ (/** @type {HTMLElement} */ (b).dataset.consentChoice)), e));
    }
    window.addEventListener('hashchange', () => {
      state.viewed = '';
      state.impressed.clear();
      render().then(() => main.focus({ preventScroll: true }));
      window.scrollTo(0, 0);
    });
    await render();
    await listCatalog();
    performance.mark('demo:listed');
    rendering = rendering.then(showListed, showListed);
    await rendering;
    document.body.dataset.ready = 'true';
  } catch (e) {
    const err = PrivrecError.from(e);
    main.replaceChildren(h('div', { class: 'error', role: 'alert' }, h('h1', {}, 'The recommender could not start'), h('p', {}, `${err.reason}: ${err.message}`)));
    document.body.dataset.ready = 'error';
  }
}

start();
