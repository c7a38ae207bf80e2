package browsertest

import (
	"context"
	"crypto/ed25519"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/wasmtest"
)

// bundlers are the builds js/bundlers/build.mjs writes, one directory each.
var bundlers = []string{"vite", "webpack", "esbuild"}

// TestBundlers is issue 13's "bundlers just work": js/bundlers/app, a page
// that imports 'privrec' by its package name, built with vite, webpack 5
// and esbuild from the pinned devDependencies (js/bundlers/build.mjs, once,
// a few seconds), shows recommendations in Chromium, each page on its own
// origin under privrec serve's handler and CSP (worker-src 'self': a worker
// a bundler inlined as a data: URL would be refused). A page whose worker is
// not where the SDK looks fails with an error naming the URL it tried and
// workerUrl.
func TestBundlers(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	root := repoRoot(t)
	js := filepath.Join(root, "js")
	if _, err := os.Stat(filepath.Join(js, "dist", "privrec.js")); err != nil {
		t.Skipf("skipping: the JS SDK is not built (%v); run: make js", err)
	}
	for _, dep := range []string{"vite", "webpack", "esbuild"} {
		if _, err := os.Stat(filepath.Join(js, "node_modules", dep, "package.json")); err != nil {
			t.Skipf("skipping: %s is not installed in js/node_modules (%v); run: make js", dep, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("skipping: node not found: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := t.TempDir()
	cmd := exec.CommandContext(ctx, node, filepath.Join("bundlers", "build.mjs"), out)
	cmd.Dir = js
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node bundlers/build.mjs: %v\n%s", err, b)
	} else {
		t.Logf("node bundlers/build.mjs:\n%s", b)
	}

	wasm := wasmtest.Module(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := demo.Bundle(wasm, priv, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	site := func(t *testing.T, fsys fs.FS) string {
		base, _ := serve(t, server.Config{Site: fsys, SDK: os.DirFS(filepath.Join(js, "dist")), Bundle: files, PublicKey: pub})
		return base
	}
	bctx := newBrowser(t, ctx)
	// open loads base's page in a new tab and waits until it is ready or failed.
	open := func(t *testing.T, base string) (context.Context, string) {
		tctx, cancel := chromedp.NewContext(bctx)
		t.Cleanup(cancel)
		step(t, tctx, "open the page", chromedp.Navigate(base+"/?viewed=burr-grinder"))
		waitFor(t, tctx, "the page to finish", `document.body.dataset.state !== 'loading'`)
		return tctx, eval[string](t, tctx, "document.body.dataset.state")
	}

	for _, name := range bundlers {
		t.Run(name, func(t *testing.T) {
			tctx, state := open(t, site(t, os.DirFS(filepath.Join(out, name))))
			if state != "ready" {
				t.Fatalf("the %s page failed: %s", name, eval[string](t, tctx, "document.getElementById('error').textContent"))
			}
			recs := eval[[]string](t, tctx, `[...document.querySelectorAll('#recs li')].map(li => li.textContent + ':' + li.dataset.source)`)
			if len(recs) == 0 {
				t.Fatal("no recommendations")
			}
			personal := false
			for _, r := range recs {
				personal = personal || strings.HasSuffix(r, ":history")
			}
			if !personal {
				t.Errorf("recommendations %v: none from the viewed product; the worker did not use the history", recs)
			}
			t.Logf("%s: %v", name, recs)
		})
	}

	t.Run("missing worker", func(t *testing.T) {
		// The esbuild page without its worker entry: what a build that
		// forgot it serves.
		dir := filepath.Join(out, "esbuild")
		m := fstest.MapFS{}
		for _, f := range []string{"index.html", "main.js"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			m[f] = &fstest.MapFile{Data: b, Mode: 0o644}
		}
		base := site(t, m)
		tctx, state := open(t, base)
		if state != "error" {
			t.Fatalf("the page without a worker is %q; want error", state)
		}
		msg := eval[string](t, tctx, "document.getElementById('error').textContent")
		t.Logf("the error: %s", msg)
		if want := base + "/privrec-worker.js"; !strings.Contains(msg, want) || !strings.Contains(msg, "workerUrl") {
			t.Errorf("error %q: want the URL tried (%s) and a hint at workerUrl", msg, want)
		}
	})
}
