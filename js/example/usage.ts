// Type-checked against types/index.d.ts by `npm run typecheck` (tsc --noEmit):
// the embedding snippet of the README, as a storefront would write it.
import { Code, PrivrecError, Recommender, type ConsentLevel, type ConsentSignalDetail, type Recommendation } from 'privrec';

export async function main(): Promise<void> {
  const rec = await Recommender.load({
    bundleUrl: '/bundle/',
    publicKeys: ['base64-of-your-32-byte-ed25519-public-key='],
    retention: { maxAgeDays: 30, maxEvents: 500 },
    signals: { gpc: true, tcf: true, consentMode: true },
  });

  rec.addEventListener('modelupdated', (e) => console.log('model', e.detail.version, 'from', e.detail.origin));
  rec.addEventListener('updaterefused', (e) => console.warn('update refused:', e.detail.reason, 'kept', e.detail.kept));
  rec.addEventListener('consentchanged', (e) => render(e.detail.consent));

  const level: ConsentLevel = await rec.consent.get();
  if (level === 'off') await rec.consent.set('session');

  await rec.track({ item: 'sku-123', kind: 'view' });
  await rec.track({ item: 'sku-123', kind: 'purchase', at: Date.now() });
  // The page's Segment and GA4 calls, kept on the device: one id (or null) per product.
  const ids: (string | null)[] = await rec.track({ event: 'Order Completed', properties: { products: [{ product_id: 'sku-123' }] } });
  await rec.track('view_item', { items: [{ item_id: 'sku-124' }] });
  console.log(ids.length);
  const decided: ConsentSignalDetail | null = rec.consent.signal;
  if (decided?.signal) console.log(`consent is ${decided.consent} because of ${decided.signal}`);
  rec.addEventListener('consentsignal', (e) => render(e.detail.consent));

  const { items } = await rec.recommend({ k: 8, exclude: ['sku-123'], explain: true });
  const first: Recommendation | undefined = items?.[0];
  console.log(first?.item, first?.score.toFixed(3), first?.because?.map((r) => r.item));

  const json = await rec.history.export();
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  console.log('download', url);
  for (const e of await rec.history.list()) if (e.kind === 'view') await rec.history.delete(e.id);
  await rec.history.clear();

  try {
    await rec.update();
  } catch (err) {
    if (err instanceof PrivrecError && err.code === Code.fetch_failed) console.log('offline:', err.reason);
  }
  rec.close();
}

function render(level: ConsentLevel): void {
  document.body.dataset.consent = level;
}
