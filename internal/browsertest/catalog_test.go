package browsertest

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/web"
)

// TestStorefrontCatalog: the demo's products come from the signed bundle
// (items.bin, read with rec.catalog), not from a file of the page's own:
// the grid shows every product's title and price, the worker fetched
// items.bin and nobody asked for /catalog.json. A bundle trained without
// --catalog starts and says it has no product data.
func TestStorefrontCatalog(t *testing.T) {
	base, h, served := demoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	defer cancel()
	bctx := newBrowser(t, ctx)
	step(t, bctx, "open the shop", chromedp.Navigate(base+"/"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}
	// The first recommendations are on screen before the whole catalog is
	// listed (the listing, thousands of rows, is not on their path), and
	// once it is in, the category chips are there.
	if order := eval[string](t, bctx, `performance.getEntriesByType('mark').filter(m => m.name.startsWith('demo:')).map(m => m.name).join(' ')`); order != "demo:recommendations demo:listed" {
		t.Errorf("the page's marks: %q; want the recommendations on screen, then the catalog listed", order)
	}
	if chips := eval[int](t, bctx, `document.querySelectorAll('.filters [data-category]').length`); chips < 3 {
		t.Errorf("%d category chips once the catalog is listed; want All and the demo's categories", chips)
	}
	step(t, bctx, "show every product", chromedp.Evaluate[chromedp.Void](`(() => { for (let i = 0; i < 10; i++) document.querySelector('#more')?.click(); })()`))
	titles := eval[[]string](t, bctx, `[...document.querySelectorAll('[data-testid=grid] .card .title')].map(e => e.textContent)`)
	want := demo.PageItems()
	if len(titles) != len(want) {
		t.Fatalf("the grid shows %d products; the bundle carries %d", len(titles), len(want))
	}
	for _, it := range want[:3] {
		if !strings.Contains(strings.Join(titles, "|"), it.Title) {
			t.Errorf("the grid lacks %q", it.Title)
		}
	}
	items := server.BundlePrefix + bundledir.ContentName(bundle.NameItems, h.Manifest().Artifact(bundle.NameItems).SHA256)
	seen := map[string]bool{}
	for _, e := range served() {
		seen[e.Path] = true
	}
	if !seen[items] || seen["/catalog.json"] {
		t.Errorf("served %v; want %s and no /catalog.json", seen, items)
	}

	// The same shop with a bundle signed without page metadata.
	root := repoRoot(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := demo.Bundle(wasmtest.Module(t), priv, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m, err := bundle.Inspect(files.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	files.Items = nil
	if err := bundle.Sign(files, bundle.Meta{Version: m.Version, Created: m.Created, Expires: m.Expires, BundleID: m.BundleID}, priv); err != nil {
		t.Fatal(err)
	}
	bare, _ := serve(t, server.Config{Site: web.Site(), SDK: os.DirFS(filepath.Join(root, "js", "dist")), Bundle: files, PublicKey: pub, Namespace: "bare"})
	step(t, bctx, "open the bare shop", chromedp.Navigate(bare+"/"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}
	if text := eval[string](t, bctx, "document.querySelector('main').innerText"); !strings.Contains(text, "train it with privrec train --catalog") {
		t.Errorf("a bundle without page metadata: the shop does not say so:\n%s", text)
	}
	ids := map[string]bool{}
	for _, it := range want {
		ids[it.ID] = true
	}
	recs := eval[[]string](t, bctx, `[...document.querySelectorAll('.recs .rec .title')].map(e => e.textContent)`)
	for _, r := range recs {
		if !ids[r] {
			t.Errorf("a bundle without page metadata: the strip shows %q, not an item id", r)
		}
	}
	if len(recs) == 0 {
		t.Error("a bundle without page metadata shows no recommendations; want them by id")
	}
}
