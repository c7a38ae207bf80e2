package browsertest

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/web"
)

const chromium = "/usr/bin/chromium"

// sessionTimeout bounds the whole browser session; a healthy run takes a
// few seconds.
const sessionTimeout = 120 * time.Second

// request is one request the browser reported through CDP.
type request struct {
	session string // "page" or "worker"
	method  string
	url     string
	post    bool // the request had post data
	kind    string
}

// recorder collects CDP network events from several sessions.
type recorder struct {
	mu       sync.Mutex
	requests []request
	docCSP   []string // CSP headers of document responses
	cookies  []string // Set-Cookie headers seen on any response
}

func (r *recorder) listen(session string) func(ev any) {
	return func(ev any) {
		r.mu.Lock()
		defer r.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			r.requests = append(r.requests, request{session: session, method: ev.Request.Method, url: ev.Request.URL,
				post: ev.Request.HasPostData, kind: string(ev.Type)})
		case *network.EventResponseReceived:
			for k, v := range ev.Response.Headers {
				s, _ := v.(string)
				switch strings.ToLower(k) {
				case "content-security-policy":
					if ev.Type == network.ResourceTypeDocument {
						r.docCSP = append(r.docCSP, s)
					}
				case "set-cookie":
					r.cookies = append(r.cookies, s)
				}
			}
		}
	}
}

func (r *recorder) snapshot() ([]request, []string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests), slices.Clone(r.docCSP), slices.Clone(r.cookies)
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// demoServer starts the demo handler on a free loopback port, as privrec
// serve does, and returns its URL, the handler and its request log.
func demoServer(t *testing.T) (string, *server.Handler, func() []server.Entry) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	root := repoRoot(t)
	sdk := filepath.Join(root, "js", "dist")
	if _, err := os.Stat(filepath.Join(sdk, "privrec.js")); err != nil {
		t.Skipf("skipping: the JS SDK is not built (%v); run: cd js && npm ci && npm run build", err)
	}
	// Built from source, so the module matches the model code that trains
	// the bundle here.
	wasm := wasmtest.Module(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := demo.Bundle(wasm, priv, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log []server.Entry
	base, h := serve(t, server.Config{Site: web.Site(), SDK: os.DirFS(sdk), Bundle: files, PublicKey: pub,
		Log: func(e server.Entry) { mu.Lock(); log = append(log, e); mu.Unlock() }})
	return base, h, func() []server.Entry { mu.Lock(); defer mu.Unlock(); return slices.Clone(log) }
}

// serve starts the demo handler for cfg on a free loopback port, as privrec
// serve does, and returns its URL and the handler.
func serve(t *testing.T, cfg server.Config) (string, *server.Handler) {
	t.Helper()
	h, err := server.New(cfg)
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
	return "http://" + ln.Addr().String(), h
}

// startChromium starts Debian's chromium headless with a fresh profile and
// the flags this machine needs, plus extra; it stops at the test's end.
func startChromium(tb testing.TB, ctx context.Context, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(opts, extra...)...)
	bctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return bctx
}

func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	bctx := startChromium(t, ctx)
	// Console messages and exceptions of the page go to the test log: they
	// explain a failure (a CSP violation shows up here too).
	msgs := chromedp.Console(bctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			t.Logf("console %s: %s", m.Type, m.Text)
		}
	}()
	return bctx
}

// step runs actions, failing the test with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JS expression (awaiting a promise) and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", expr, err)
	}
	return v
}

// waitFor polls a JS condition in the page until it is true.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main')?.innerText ?? ''`))
		t.Fatalf("wait for %s (%s): %v; the page shows: %.300q", what, cond, err, text)
	}
}

// click clicks the first visible element matching the CSS selector.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	step(t, ctx, "click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// waitRender waits until the page shows view.
func waitRender(t *testing.T, ctx context.Context, view string) {
	t.Helper()
	waitFor(t, ctx, "view "+view, `document.body.dataset.view === '`+view+`' && !!document.querySelector('main > *:not(.loading)')`)
}

// idbDump returns the records of the history store of the SDK's database,
// and of its meta store, as JSON.
const idbDump = `(async () => {
  const open = indexedDB.open('privrec:demo');
  const db = await new Promise((res, rej) => { open.onsuccess = () => res(open.result); open.onerror = () => rej(open.error); });
  const all = (store) => new Promise((res, rej) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const out = { stores: [...db.objectStoreNames], events: await all('events'), meta: await all('meta') };
  db.close();
  return JSON.stringify(out);
})()`

type idb struct {
	Stores []string          `json:"stores"`
	Events []json.RawMessage `json:"events"`
	Meta   []json.RawMessage `json:"meta"`
}

func readIDB(t *testing.T, ctx context.Context) idb {
	t.Helper()
	var d idb
	if err := json.Unmarshal([]byte(eval[string](t, ctx, idbDump)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// openDashboard starts the demo server and a browser on the privacy
// dashboard, once the page has loaded its model; both stop with the test.
func openDashboard(t *testing.T) context.Context {
	t.Helper()
	base, _, _ := demoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	step(t, bctx, "open the dashboard", chromedp.Navigate(base+"/#/privacy"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}
	waitRender(t, bctx, "privacy")
	return bctx
}

// tracked are the items the session views, carts and buys.
var tracked = []string{"burr-grinder", "tamper", "espresso-beans"}

// TestShoppingSession is promise 4 end to end: a full shopping session in
// Chromium, with every request recorded by the browser (page and worker
// sessions) and by the server.
func TestShoppingSession(t *testing.T) {
	base, h, served := demoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	defer cancel()
	bctx := newBrowser(t, ctx)
	rec := &recorder{}
	if err := chromedp.Listen(bctx, rec.listen("page")); err != nil {
		t.Fatal(err)
	}
	shots, err := os.MkdirTemp("", "privrec-browsertest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots and the export go to %s", shots)
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: shots}); err != nil {
		t.Fatalf("set download behaviour: %v", err)
	}

	// Arrive: consent is off, recommendations are popular ones.
	step(t, bctx, "open the shop", chromedp.Navigate(base+"/"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}
	if got := eval[string](t, bctx, "document.body.dataset.consent"); got != "off" {
		t.Fatalf("consent at first visit is %q; want off", got)
	}
	popular := eval[[]string](t, bctx, `[...document.querySelectorAll('.recs .rec')].map(e => e.dataset.item + ':' + e.dataset.source)`)
	if len(popular) == 0 {
		t.Fatal("no recommendations at first visit")
	}
	for _, r := range popular {
		if !strings.HasSuffix(r, ":popular") {
			t.Errorf("recommendation %s with consent off; want only popular ones", r)
		}
	}

	// The worker is a target of its own: attach to it so its requests are
	// recorded from here on (its first fetches are covered by the server log).
	workerCtx := attachWorker(t, bctx)
	if err := chromedp.Listen(workerCtx, rec.listen("worker")); err != nil {
		t.Fatal(err)
	}

	// Opt in, browse, cart, buy.
	click(t, bctx, `[data-consent-choice="full"]`)
	waitFor(t, bctx, "consent full", `document.body.dataset.consent === 'full'`)
	for _, item := range tracked[:2] {
		step(t, bctx, "show "+item, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+item+`'`))
		waitFor(t, bctx, "product "+item, `document.querySelector('.detail[data-item="`+item+`"]') !== null`)
		click(t, bctx, `.detail button[data-add]`)
	}
	step(t, bctx, "show espresso-beans", chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/espresso-beans'`))
	waitFor(t, bctx, "product espresso-beans", `document.querySelector('.detail[data-item="espresso-beans"]') !== null`)
	waitFor(t, bctx, "cart count", `document.querySelector('#cart-count').textContent === '2'`)
	click(t, bctx, `a[data-nav="cart"]`)
	waitRender(t, bctx, "cart")
	click(t, bctx, `#checkout`)
	waitFor(t, bctx, "personal recommendations after the purchase",
		`document.body.dataset.view === 'shop' && document.querySelector('.recs')?.dataset.personal === 'true'`)
	personal := eval[[]string](t, bctx, `[...document.querySelectorAll('.recs .rec')].map(e => e.dataset.item + ':' + e.dataset.source)`)
	if slices.Equal(personal, popular) {
		t.Errorf("recommendations did not change after the purchase: %v", personal)
	}
	why := eval[string](t, bctx, `document.querySelector('.recs .rec[data-source="history"] .why')?.textContent ?? ''`)
	if !strings.HasPrefix(why, "Because you ") {
		t.Errorf("first personal recommendation explains %q; want \"Because you …\"", why)
	}
	t.Logf("recommendations: before %v, after %v (%s)", popular, personal, why)
	screenshot(t, bctx, filepath.Join(shots, "storefront.png"))

	// History is in IndexedDB, and nowhere else.
	d := readIDB(t, bctx)
	events := string(joinRaw(d.Events))
	for _, item := range tracked {
		if !strings.Contains(events, item) {
			t.Errorf("IndexedDB history lacks %s with consent full: %s", item, events)
		}
	}
	checkNoHistoryOutsideIDB(t, bctx)

	// The dashboard: stored history, export, the model's facts.
	click(t, bctx, `a[data-nav="privacy"]`)
	waitRender(t, bctx, "privacy")
	rows := eval[int](t, bctx, `document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length`)
	if rows != len(d.Events) {
		t.Errorf("dashboard lists %d events; IndexedDB holds %d", rows, len(d.Events))
	}
	facts := eval[string](t, bctx, `document.querySelector('[data-testid="model"]').textContent`)
	m := h.Manifest()
	for _, want := range []string{m.KeyID, "Not differentially private", "Model version"} {
		if !strings.Contains(facts, want) {
			t.Errorf("model facts %q lack %q", facts, want)
		}
	}
	click(t, bctx, `#export`)
	exported := waitFile(t, ctx, filepath.Join(shots, "privrec-history.json"))
	var ex struct {
		Format  string `json:"format"`
		Consent string `json:"consent"`
		Events  []struct {
			Item, Kind string
		} `json:"events"`
	}
	if err := json.Unmarshal(exported, &ex); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if ex.Format != "privrec-history" || ex.Consent != "full" || len(ex.Events) != len(d.Events) {
		t.Errorf("export: format %q consent %q, %d events; want privrec-history, full, %d", ex.Format, ex.Consent, len(ex.Events), len(d.Events))
	}
	// A model update check runs in the worker: its requests must show up in
	// the worker session (so the recording of that session works).
	click(t, bctx, `#update`)
	waitFor(t, bctx, "the update check", `document.querySelector('#toast').textContent.startsWith('Model version')`)
	screenshot(t, bctx, filepath.Join(shots, "dashboard.png"))

	// Delete one event from the dashboard: it leaves IndexedDB too.
	click(t, bctx, `[data-testid="history"] tbody tr[data-event] button`)
	waitFor(t, bctx, "one event fewer", fmt.Sprintf(`document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length === %d`, len(d.Events)-1))
	if got := readIDB(t, bctx); len(got.Events) != len(d.Events)-1 {
		t.Errorf("IndexedDB holds %d events after one delete; want %d", len(got.Events), len(d.Events)-1)
	}

	// Withdraw consent: history is gone at once, and after a reload.
	click(t, bctx, `input[name="consent"][value="off"]`)
	waitFor(t, bctx, "consent off", `document.body.dataset.consent === 'off'`)
	if d := readIDB(t, bctx); len(d.Events) != 0 {
		t.Errorf("IndexedDB still holds %d events after consent off", len(d.Events))
	}
	step(t, bctx, "reload", chromedp.Reload())
	waitFor(t, bctx, "the page to load again", `document.body.dataset.ready === 'true'`)
	waitRender(t, bctx, "privacy")
	if got := eval[string](t, bctx, "document.body.dataset.consent"); got != "off" {
		t.Errorf("consent after reload is %q; want off", got)
	}
	if n := eval[int](t, bctx, `document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length`); n != 0 {
		t.Errorf("dashboard lists %d events after consent off and reload", n)
	}
	if d := readIDB(t, bctx); len(d.Events) != 0 {
		t.Errorf("IndexedDB holds %d events after reload", len(d.Events))
	}
	checkNoHistoryOutsideIDB(t, bctx)
	screenshot(t, bctx, filepath.Join(shots, "dashboard-off.png"))

	// The network log, as the browser saw it.
	reqs, csps, cookies := rec.snapshot()
	checkRequests(t, base, h, reqs)
	if len(csps) == 0 {
		t.Error("no document response recorded")
	}
	for _, c := range csps {
		if !strings.Contains(c, "connect-src 'self'") {
			t.Errorf("document CSP %q lacks connect-src 'self'", c)
		}
	}
	if len(cookies) > 0 {
		t.Errorf("responses set cookies: %v", cookies)
	}
	// And as the server saw it.
	checkServed(t, h, served())
	checkHeaders(t, base)
}

func joinRaw(list []json.RawMessage) []byte {
	var out []byte
	for _, r := range list {
		out = append(out, r...)
	}
	return out
}

// attachWorker finds the SDK's dedicated worker and attaches a context to it.
func attachWorker(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	res, err := chromedp.CallBrowser(bctx, target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		t.Fatalf("list targets: %v", err)
	}
	for _, ti := range res.TargetInfos {
		if ti.Type == "worker" && strings.HasSuffix(ti.URL, "/privrec-worker.js") {
			wctx, cancel := chromedp.NewContext(bctx, chromedp.WithTargetID(ti.TargetID))
			t.Cleanup(cancel)
			if err := chromedp.Do(wctx); err != nil {
				t.Fatalf("attach to the worker: %v", err)
			}
			return wctx
		}
	}
	var seen []string
	for _, ti := range res.TargetInfos {
		seen = append(seen, string(ti.Type)+" "+ti.URL)
	}
	t.Fatalf("no privrec worker among the targets: %v", seen)
	return nil
}

func checkNoHistoryOutsideIDB(t *testing.T, ctx context.Context) {
	t.Helper()
	outside := eval[string](t, ctx, `JSON.stringify({ls: {...localStorage}, ss: {...sessionStorage}, cookie: document.cookie})`)
	for _, item := range tracked {
		if strings.Contains(outside, item) {
			t.Errorf("history item %s found outside IndexedDB: %s", item, outside)
		}
	}
	if c := eval[string](t, ctx, "document.cookie"); c != "" {
		t.Errorf("document.cookie is %q; want none", c)
	}
	res, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (*network.GetCookiesResult, error) {
		r, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		return &r, err
	})
	if err != nil {
		t.Fatalf("get cookies: %v", err)
	}
	if len(res.Cookies) > 0 {
		t.Errorf("the browser holds %d cookies; want none", len(res.Cookies))
	}
}

// checkRequests asserts promise 4 on the browser's network log.
func checkRequests(t *testing.T, base string, h *server.Handler, reqs []request) {
	t.Helper()
	known := map[string]bool{"/": true}
	for _, p := range h.Paths() {
		known[p] = true
	}
	origin, _ := url.Parse(base)
	bySession := map[string]int{}
	for _, r := range reqs {
		bySession[r.session]++
		u, err := url.Parse(r.url)
		if err != nil {
			t.Errorf("%s request to an unparsable URL %q", r.session, r.url)
			continue
		}
		if u.Scheme == "blob" && strings.HasPrefix(u.Opaque, base+"/") {
			continue // the export's download: a same-origin blob, never on the network
		}
		switch {
		case u.Scheme != origin.Scheme || u.Host != origin.Host:
			t.Errorf("%s request to another origin: %s %s", r.session, r.method, r.url)
		case r.method != http.MethodGet && r.method != http.MethodHead:
			t.Errorf("%s request with method %s: %s", r.session, r.method, r.url)
		case r.post:
			t.Errorf("%s request with a body: %s", r.session, r.url)
		case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
			t.Errorf("%s request with a query or fragment: %s", r.session, r.url)
		case !known[u.Path]:
			t.Errorf("%s request for a path the server does not serve: %s", r.session, u.Path)
		}
	}
	t.Logf("browser requests by session: %v", bySession)
	if bySession["page"] == 0 || bySession["worker"] == 0 {
		t.Errorf("requests recorded by session %v; want some from the page and from the worker", bySession)
	}
}

// checkServed asserts promise 4 on the server's own log: it saw every
// request, including the worker's first fetches that no CDP session could.
func checkServed(t *testing.T, h *server.Handler, log []server.Entry) {
	t.Helper()
	known := map[string]bool{"/": true}
	for _, p := range h.Paths() {
		known[p] = true
	}
	seen := map[string]bool{}
	for _, e := range log {
		seen[e.Path] = true
		if (e.Method != http.MethodGet && e.Method != http.MethodHead) || e.HasQuery || e.HasBody || !known[e.Path] ||
			(e.Status != http.StatusOK && e.Status != http.StatusNotModified) {
			t.Errorf("server served %v", e)
		}
	}
	for _, p := range expectedPaths(h) {
		if !seen[p] {
			t.Errorf("the server never served %s; the session did not run as expected", p)
		}
	}
	t.Logf("the server answered %d requests", len(log))
}

// expectedPaths are the files a page view fetches: the page, the SDK from
// its versioned directory, the manifest and the artifacts by their
// content-addressed names.
func expectedPaths(h *server.Handler) []string {
	sdk := strings.TrimSuffix(h.Page().SDKURL, "privrec.js")
	out := []string{"/", sdk + "privrec.js", sdk + "privrec-worker.js",
		"/bundle/manifest.bin", "/bundle/manifest.sig"}
	for _, p := range h.Paths() {
		if strings.HasPrefix(p, server.SitePrefix) && strings.HasSuffix(p, "/app.js") {
			out = append(out, p) // index.html names app.js by a versioned URL
		}
	}
	for _, a := range h.Manifest().Artifacts {
		out = append(out, server.BundlePrefix+bundledir.ContentName(a.Name, a.SHA256))
	}
	return out
}

// checkHeaders checks the headers of a few responses from outside the
// browser.
func checkHeaders(t *testing.T, base string) {
	t.Helper()
	for _, p := range []string{"/", "/sdk/privrec-worker.js", "/bundle/privrec.wasm", "/missing"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if len(resp.Cookies()) > 0 {
			t.Errorf("%s sets cookies", p)
		}
	}
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	step(t, ctx, "scroll to the top", chromedp.Evaluate[chromedp.Void]("window.scrollTo(0, 0)"))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// waitFile waits for the download at path to complete.
func waitFile(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		b, err := os.ReadFile(path)
		if err == nil && json.Valid(b) {
			return b
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no download at %s: %v", path, ctx.Err())
		case <-tick.C:
		}
	}
}
