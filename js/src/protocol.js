// The worker protocol. The page posts {id, method, args}; the worker answers
// {id, ok: true, value} or {id, ok: false, error: {name, code, reason,
// message}} and posts {event, detail} for events. Calls run one at a time in
// the order they arrive (a track() followed by a recommend() must see the
// event), except update(), which runs beside them: consent, history and
// recommend never wait on the network. That is safe because every call into
// the module is synchronous (exports are not reentrant, and JS never runs
// two at once), and an update swaps the model in one synchronous step.

import { Code, PrivrecError } from './errors.js';
import { Core } from './core.js';
import * as signals from './signals.js';

/**
 * The methods the page may call, by name. Anything else is refused.
 * @type {Record<string, (core: Core, ...args: any[]) => Promise<any>>}
 */
const METHODS = {
  update: (c) => c.update(),
  track: (c, ev) => c.track(ev),
  recommend: (c, opts) => c.recommend(opts),
  'consent.get': (c) => c.getConsent(),
  'consent.set': (c, level) => signals.setConsent(c, level),
  'consent.signals': (c, levels) => signals.report(c, levels),
  'history.list': (c) => c.history(),
  'history.export': (c) => c.exportHistory(),
  'history.delete': (c, id) => c.deleteEvent(id),
  'history.clear': (c) => c.clearHistory(),
  'catalog.get': (c, ids) => c.catalogGet(ids),
  'catalog.list': (c, opts) => c.catalogList(opts),
  model: async (c) => c.model,
  // Measurement (measure.js): the answers are the same whether it is on or off.
  'measurement.status': async (c) => c.measurementStatus(),
  'measurement.shown': (c, items) => c.measurementCall('shown', items),
  'measurement.clicked': (c, item) => c.measurementCall('clicked', item),
  'measurement.send': (c) => c.measurementCall('send'),
  'measurement.reports': (c) => c.measurementCall('reports'),
  'measurement.hidden': (c) => c.measurementCall('hidden'),
  // The worker's own Resource Timing entries (its fetches of the bundle and
  // the module), which the page's timeline does not hold.
  resources: async () => ({
    timeOrigin: typeof performance === 'undefined' ? 0 : performance.timeOrigin,
    entries: typeof performance === 'undefined' ? [] : performance.getEntriesByType('resource').map((e) => e.toJSON()),
  }),
};

/**
 * The events the core dispatches and the worker forwards to the page.
 * "timing" is internal: the page records it as a performance measure.
 */
export const EVENTS = Object.freeze(['modelupdated', 'updaterefused', 'updatefailed', 'consentchanged', 'historychanged', 'storagefailed', 'storagerepaired', 'moduleretired', 'consentsignal', 'measurereport', 'timing']);

/** Calls that run beside the queue: they wait on the network. */
const BESIDE = new Set(['update']);

/**
 * @typedef {object} Port
 * @property {(msg: any) => void} postMessage
 * @property {(type: 'message', fn: (e: {data: any}) => void) => void} addEventListener
 */

/**
 * Serves the protocol on port (a worker's global scope, or an adapter). The
 * first call must be "init" with the core options and load options; it
 * creates the core and loads the model.
 * @param {Port} port
 * @param {{create?: (options: any) => Promise<Core>}} [hooks] tests replace how the core is made
 */
export function serve(port, hooks = {}) {
  /** @type {Core | null} */
  let core = null;
  /** @type {Promise<unknown>} */
  let queue = Promise.resolve();

  /** @param {{id: number, method: string, args?: any[]}} msg */
  async function handle(msg) {
    const args = Array.isArray(msg.args) ? msg.args : [];
    if (msg.method === 'init') {
      if (core) throw new PrivrecError(Code.bad_request, 'init: already initialized');
      const [options] = args;
      // The manifest is asked for while the core opens its storage.
      const made = await (hooks.create ?? Core.create)({ ...(options?.core ?? {}), prefetch: options?.load?.bundleUrl ? { bundleUrl: options.load.bundleUrl, wasmUrl: options.load.wasmUrl } : undefined });
      for (const type of EVENTS) {
        made.addEventListener(type, (e) => port.postMessage({ event: type, detail: /** @type {CustomEvent} */ (e).detail }));
      }
      made.replay();
      core = made;
      await signals.attach(made, options?.core?.signals);
      return made.load(options?.load);
    }
    if (msg.method === 'close') {
      core?.close();
      core = null;
      return null;
    }
    const fn = Object.hasOwn(METHODS, msg.method) ? METHODS[msg.method] : undefined;
    if (!fn) throw new PrivrecError(Code.bad_request, `unknown method ${JSON.stringify(msg.method)}`);
    if (!core) throw new PrivrecError(Code.closed, `${msg.method}: the recommender is not initialized or was closed`);
    return fn(core, ...args);
  }

  port.addEventListener('message', (e) => {
    const msg = e.data;
    if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number') return;
    const run = async () => {
      try {
        port.postMessage({ id: msg.id, ok: true, value: await handle(msg) });
      } catch (err) {
        port.postMessage({ id: msg.id, ok: false, error: PrivrecError.from(err).toJSON() });
      }
    };
    // An update starts once the calls before it have (init included), and
    // does not hold back the ones after it.
    if (BESIDE.has(msg.method)) queue.then(run);
    else queue = queue.then(run);
  });
}
