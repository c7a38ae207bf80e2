package browsertest

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
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
	const n, dims, sub = 50_000, 64, 16
	rng := rand.New(rand.NewPCG(8, 8))
	centers := make([][]float32, 50)
	for c := range centers {
		centers[c] = make([]float32, dims)
		for d := range centers[c] {
			centers[c][d] = float32(rng.NormFloat64())
		}
	}
	vecs := make([]float32, n*dims)
	for i := 0; i < n; i++ {
		for d := 0; d < dims; d++ {
			vecs[i*dims+d] = centers[i%len(centers)][d] + float32(0.3*rng.NormFloat64())
		}
	}
	emb, err := train.QuantizeEmbedding(vecs, dims, sub, nil, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := &model.Spec{Items: make([]string, n), Popularity: make([]float32, n), Embedding: emb, Params: model.DefaultParams()}
	catalog := make([]model.Item, n)
	for i := range spec.Items {
		spec.Items[i] = fmt.Sprintf("sku-%06d", i)
		spec.Popularity[i] = float32(1 / float64(1+i))
		catalog[i] = model.Item{ID: spec.Items[i], Title: fmt.Sprintf("Product %d", i), Price: 9.99, Category: fmt.Sprintf("group %d", i%len(centers))}
	}
	files, id, err := train.Pack(spec, catalog, wasmtest.Module(t))
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := bundle.Sign(files, bundle.Meta{Version: 1, Created: now.UnixMilli(), Expires: now.Add(time.Hour).UnixMilli(), BundleID: id}, priv); err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Config{Site: web.Site(), SDK: os.DirFS(sdk), Bundle: files, PublicKey: pub})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewHTTPServer(ln.Addr().String(), h)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()

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
	  for (const item of ['sku-000007', 'sku-000057', 'sku-000107']) await rec.track({ item, kind: 'view' });
	  const { items } = await rec.recommend({ k: 5, explain: true });
	  rec.close();
	  return items.map(r => r.item + ':' + r.source + ':' + (r.because ?? []).map(b => b.item).join('+'));
	})()`)
	if len(personal) == 0 || !strings.Contains(personal[0], ":history:") {
		t.Fatalf("after three views: %v; want personal recommendations with reasons", personal)
	}
	t.Logf("popular %v; personal %v", popular, personal)
}
