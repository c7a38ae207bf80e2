// A tiny storefront page as a developer would write it after `npm install
// privrec`: the package name, nothing else. build.mjs bundles it with vite,
// webpack and esbuild; internal/browsertest checks each page in Chromium.
// The server (privrec serve's handler) gives it the bundle's URL and public
// key in /config.json; ?viewed=ID is the product the shopper looks at.
import { Recommender } from 'privrec';

async function main() {
  const config = await (await fetch('/config.json')).json();
  const rec = await Recommender.load({
    bundleUrl: config.bundleUrl,
    publicKeys: config.publicKey,
  });
  await rec.consent.set('session');
  await rec.track({ item: new URLSearchParams(location.search).get('viewed') ?? '', kind: 'view' });
  const { items } = await rec.recommend({ k: 5, explain: true });
  const list = /** @type {HTMLElement} */ (document.getElementById('recs'));
  for (const r of items) {
    const li = document.createElement('li');
    li.textContent = r.item;
    li.dataset.source = r.source;
    list.append(li);
  }
  document.body.dataset.state = 'ready';
}

main().catch((/** @type {any} */ e) => {
  /** @type {HTMLElement} */ (document.getElementById('error')).textContent = `${e?.reason ?? 'error'}: ${e?.message ?? e}`;
  document.body.dataset.state = 'error';
});
