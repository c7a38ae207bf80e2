package browsertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/testbundle"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/web"
)

// TestEmbeddingBundleInChromium: a large catalog's bundle of the embedding
// kind (50,000 product-quantized items) verifies in the SDK, loads in the
// module and serves recommendations on the demo page in Chromium, popular
// ones with consent off and personal ones after a few views.
func TestEmbeddingBundleInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	sdk := filepath.Join(repoRoot(t), "js", "dist")
	if _, err := os.Stat(filepath.Join(sdk, "privrec.js")); err != nil {
		t.Skipf("skipping: the JS SDK is not built (%v); run: cd js && npm ci && npm run build", err)
	}
	_, files, pub := testbundle.Embedding(t, wasmtest.Module(t), testbundle.Options{Items: 50_000, Clusters: 50, Categories: 50, Seed: 8, PageItems: true})
	base, _ := serve(t, server.Config{Site: web.Site(), SDK: os.DirFS(sdk), Bundle: files, PublicKey: pub})

	bctx := newBrowser(t, t.Context())
	step(t, bctx, "open the shop", chromedp.Navigate(base+"/"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}
	popular := eval[[]string](t, bctx, `[...document.querySelectorAll('.recs .rec')].map(e => e.dataset.item + ':' + e.dataset.source)`)
	if len(popular) == 0 {
		t.Fatal("no recommendations with the embedding bundle")
	}
	for _, r := range popular {
		if !strings.HasSuffix(r, ":popular") {
			t.Errorf("recommendation %s with consent off; want only popular ones", r)
		}
	}
	// Personal: consent on, then view items of one group through the SDK.
	personal := eval[[]string](t, bctx, `(async () => {
	  const { Recommender } = await import(JSON.parse(document.getElementById('privrec-config').textContent).sdkUrl);
	  const cfg = JSON.parse(document.getElementById('privrec-config').textContent);
	  const rec = await Recommender.load({ bundleUrl: cfg.bundleUrl, publicKeys: [cfg.publicKey], namespace: 'embedding-test' });
	  if (rec.model.model !== 'embedding') throw new Error('model kind ' + rec.model.model);
	  await rec.consent.set('session');
	  for (const item of ['sku-0000007', 'sku-0000057', 'sku-0000107']) await rec.track({ item, kind: 'view' });
	  const { items } = await rec.recommend({ k: 5, explain: true });
	  rec.close();
	  return items.map(r => r.item + ':' + r.source + ':' + (r.because ?? []).map(b => b.item).join('+'));
	})()`)
	if len(personal) == 0 || !strings.Contains(personal[0], ":history:") {
		t.Fatalf("after three views: %v; want personal recommendations with reasons", personal)
	}
	t.Logf("popular %v; personal %v", popular, personal)
}
