package browsertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/dapagg"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/dap"
	"github.com/privrec/privrec/web"
)

// netRequest is one request as CDP reported it, with what it carried.
type netRequest struct {
	session string
	method  string
	url     string
	headers map[string]string
	body    []byte
}

// netLog records every request of the page and worker sessions, headers
// and bodies included.
type netLog struct {
	mu   sync.Mutex
	reqs []netRequest
}

func (l *netLog) listen(session string) func(ev any) {
	return func(ev any) {
		e, ok := ev.(*network.EventRequestWillBeSent)
		if !ok {
			return
		}
		r := netRequest{session: session, method: e.Request.Method, url: e.Request.URL, headers: map[string]string{}}
		for k, v := range e.Request.Headers {
			s, _ := v.(string)
			r.headers[k] = s
		}
		for _, p := range e.Request.PostDataEntries {
			r.body = append(r.body, p.Bytes...)
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, r)
		l.mu.Unlock()
	}
}

func (l *netLog) snapshot() []netRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// measureSite is the demo with measurement on: the storefront handler,
// and the demo leader and helper of D2's dapagg mounted beside it on the
// same origin (as privrec serve --measure does), the uploads they received
// recorded.
type measureSite struct {
	base    string
	h       *server.Handler
	dir     *dapagg.TaskDir
	demo    *dapagg.Demo
	mu      sync.Mutex
	uploads [][]byte // bodies of the report uploads the leader took
	dap     []string // "METHOD path" of every /dap/ request
	served  []string // paths the storefront handler answered
}

func (s *measureSite) snapshot() ([][]byte, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uploads), slices.Clone(s.dap)
}

// measureFiles are the paths of the storefront handler's log that belong
// to measurement: the SDK's chunk and the module.
func (s *measureSite) measureFiles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, p := range s.served {
		if strings.Contains(p, "measure") {
			out = append(out, p)
		}
	}
	return out
}

// startMeasureSite serves the demo; with measure false, without
// measurement (no task in the page config, nothing mounted at /dap/).
// control is the task's control share.
func startMeasureSite(t *testing.T, measure bool, control float64) *measureSite {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	root := repoRoot(t)
	sdk := filepath.Join(root, "js", "dist")
	for _, f := range []string{"privrec.js", "privrec-measure.js"} {
		if _, err := os.Stat(filepath.Join(sdk, f)); err != nil {
			t.Skipf("skipping: the JS SDK is not built (%v); run: make js", err)
		}
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := demo.Bundle(wasmtest.Module(t), priv, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &measureSite{base: "http://" + ln.Addr().String()}
	cfg := server.Config{Site: web.Site(), SDK: os.DirFS(sdk), Bundle: files, PublicKey: pub,
		Log: func(e server.Entry) { s.mu.Lock(); s.served = append(s.served, e.Path); s.mu.Unlock() }}
	if measure {
		day := uint64(86400)
		today := uint64(time.Now().Unix()) / day * day
		s.dir, err = dapagg.NewTaskDir(dapagg.Task{TimePrecision: day, Start: today - 7*day, End: today + 7*day, MinBatchSize: 1, ControlShare: control,
			LeaderURL: dapagg.DemoLeaderPath + "/", HelperURL: dapagg.DemoHelperPath + "/"})
		if err != nil {
			t.Fatal(err)
		}
		s.demo, err = dapagg.NewDemo(s.dir, s.base, http.DefaultClient, dapagg.AggregatorOptions{}, dapagg.AggregatorOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Measurement = &server.Measurement{TaskID: s.dir.Task.ID.String(), Leader: dapagg.DemoLeaderPath + "/", Helper: dapagg.DemoHelperPath + "/",
			TimePrecision: day, ControlShare: s.dir.Task.ControlShare, Module: wasmtest.Build(t, filepath.Join(root, "wasm", "measure"))}
	}
	s.h, err = server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", s.h)
	mux.HandleFunc("/dap/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.dap = append(s.dap, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		if s.demo == nil {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/reports") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			rw := &statusWriter{ResponseWriter: w}
			s.demo.ServeHTTP(rw, r)
			if rw.status < 300 {
				s.mu.Lock()
				s.uploads = append(s.uploads, body)
				s.mu.Unlock()
			}
			return
		}
		s.demo.ServeHTTP(w, r)
	})
	srv := server.NewHTTPServer(ln.Addr().String(), mux)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// canaries are what the measured session looks at: no request may carry
// any of them, in any part.
func canaries(t *testing.T, items []string) [][]byte {
	t.Helper()
	var out [][]byte
	titles := map[string]string{}
	for _, it := range demo.Catalog() {
		titles[it.ID] = it.Title
	}
	for _, id := range items {
		out = append(out, []byte(id), []byte(url.PathEscape(id)))
		if ti := titles[id]; ti != "" {
			out = append(out, []byte(ti), []byte(url.QueryEscape(ti)))
		}
	}
	return out
}

// shop runs a session: choose consent (unless ""), view the first
// recommended product, add it to the cart, view another, buy.
func shop(t *testing.T, bctx context.Context, consent string) []string {
	t.Helper()
	if consent != "" {
		click(t, bctx, `[data-consent-choice="`+consent+`"]`)
		waitFor(t, bctx, "consent "+consent, `document.body.dataset.consent === '`+consent+`'`)
	}
	var seen []string
	waitFor(t, bctx, "recommendations", `document.body.dataset.view === 'shop' && !!document.querySelector('.recs .rec')`)
	first := eval[string](t, bctx, `document.querySelector('.recs .rec')?.dataset.item ?? ''`)
	if first == "" {
		t.Fatal("no recommendation to follow")
	}
	// Clicked from the page's own script: a re-render (the consent banner's
	// answer) may replace the node between finding it and clicking it.
	step(t, bctx, "follow a recommendation", chromedp.Evaluate[chromedp.Void](`document.querySelector('.recs .rec a').click()`))
	waitFor(t, bctx, "product "+first, `document.querySelector('.detail[data-item="`+first+`"]') !== null`)
	click(t, bctx, `.detail button[data-add]`)
	seen = append(seen, first)
	for _, item := range tracked[:2] {
		if item == first {
			continue
		}
		step(t, bctx, "show "+item, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+item+`'`))
		waitFor(t, bctx, "product "+item, `document.querySelector('.detail[data-item="`+item+`"]') !== null`)
		seen = append(seen, item)
	}
	click(t, bctx, `a[data-nav="cart"]`)
	waitRender(t, bctx, "cart")
	click(t, bctx, `#checkout`)
	waitFor(t, bctx, "back in the shop", `document.body.dataset.view === 'shop' && !!document.querySelector('.recs .rec')`)
	return seen
}

// hidePage minimizes the tab's window, so its document becomes hidden
// (visibilitychange), and returns a function that restores it.
func hidePage(t *testing.T, bctx context.Context) func() {
	t.Helper()
	id := chromedp.FromContext(bctx).Target.TargetID
	win, err := chromedp.CallBrowser(bctx, browser.GetWindowForTarget, browser.GetWindowForTargetParams{TargetID: id})
	if err != nil {
		t.Fatalf("find the tab's window: %v", err)
	}
	set := func(state browser.WindowState) {
		if _, err := chromedp.CallBrowser(bctx, browser.SetWindowBounds, browser.SetWindowBoundsParams{WindowID: win.WindowID, Bounds: &browser.Bounds{WindowState: state}}); err != nil {
			t.Fatalf("window %s: %v", state, err)
		}
	}
	set(browser.WindowStateMinimized)
	waitFor(t, bctx, "the tab hidden", `document.visibilityState === 'hidden'`)
	return func() {
		set(browser.WindowStateNormal)
		waitFor(t, bctx, "the tab visible again", `document.visibilityState === 'visible'`)
	}
}

// checkMeasureRequests: same origin; GETs of paths the handler serves, or
// of the two HPKE config endpoints; POSTs only to the leader's report
// upload, with a body of dap.ReportSize bytes of type application/dap-report;
// no query, and no canary anywhere in a URL, a header or a body.
func checkMeasureRequests(t *testing.T, s *measureSite, reqs []netRequest, canary [][]byte) (uploads int) {
	t.Helper()
	known := map[string]bool{"/": true}
	for _, p := range s.h.Paths() {
		known[p] = true
	}
	origin, _ := url.Parse(s.base)
	upload := ""
	if s.dir != nil {
		upload = dapagg.DemoLeaderPath + "/tasks/" + s.dir.Task.ID.String() + "/reports"
	}
	configs := map[string]bool{dapagg.DemoLeaderPath + "/hpke_config": true, dapagg.DemoHelperPath + "/hpke_config": true}
	for _, r := range reqs {
		u, err := url.Parse(r.url)
		if err != nil {
			t.Errorf("%s request to an unparsable URL %q", r.session, r.url)
			continue
		}
		if u.Scheme == "blob" || u.Scheme == "about" {
			continue
		}
		for _, c := range canary {
			all := r.url + "\n" + fmt.Sprint(r.headers)
			if strings.Contains(all, string(c)) || bytes.Contains(r.body, c) {
				t.Errorf("%s %s %s carries the canary %q", r.session, r.method, r.url, c)
			}
		}
		switch {
		case u.Scheme != origin.Scheme || u.Host != origin.Host:
			t.Errorf("%s request to another origin: %s %s", r.session, r.method, r.url)
		case u.RawQuery != "" || u.ForceQuery:
			t.Errorf("%s request with a query: %s", r.session, r.url)
		case r.method == http.MethodPost && upload != "" && u.Path == upload:
			uploads++
			if len(r.body) != dap.ReportSize {
				t.Errorf("upload of %d bytes; a report is %d", len(r.body), dap.ReportSize)
			}
			if ct := headerOf(r.headers, "content-type"); ct != dap.MediaReport {
				t.Errorf("upload with content type %q; want %s", ct, dap.MediaReport)
			}
		case r.method != http.MethodGet && r.method != http.MethodHead:
			t.Errorf("%s request with method %s: %s", r.session, r.method, r.url)
		case len(r.body) > 0:
			t.Errorf("%s GET with a body: %s", r.session, r.url)
		case known[u.Path]:
		case s.dir != nil && configs[u.Path]:
		default:
			t.Errorf("%s request for a path the site does not serve: %s %s", r.session, r.method, u.Path)
		}
	}
	return uploads
}

func headerOf(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// measureBrowser opens the shop in a fresh browser with both sessions
// (page, worker) recorded; gpc emulates Global Privacy Control.
func measureBrowser(t *testing.T, s *measureSite, gpc bool) (context.Context, *netLog) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	log := &netLog{}
	if err := chromedp.Listen(bctx, log.listen("page")); err != nil {
		t.Fatal(err)
	}
	if gpc {
		if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });`}); err != nil {
			t.Fatal(err)
		}
	}
	step(t, bctx, "open the shop", chromedp.Navigate(s.base+"/"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}
	if err := chromedp.Listen(attachWorker(t, bctx), log.listen("worker")); err != nil {
		t.Fatal(err)
	}
	return bctx, log
}

// TestMeasurementSession is issue 14's browser bar. With measurement on, a
// session with session consent sends one report when the page is hidden,
// and one with full consent sends the day's report on the first visit of a
// later day: the network log holds the static GETs, the two HPKE config
// GETs and those uploads of dap.ReportSize bytes, no canary anywhere; the
// leader and helper aggregate them and the collector's sum is what the
// dashboard says the reports encoded. With consent off or GPC on, nothing
// reaches /dap/; with measurement off, the page asks for none of it.
func TestMeasurementSession(t *testing.T) {
	t.Run("on", func(t *testing.T) {
		s := startMeasureSite(t, true, 0)
		var seen []string
		var vectors [][]int64

		// Session consent: the day is reported when the page is hidden.
		bctx, log := measureBrowser(t, s, false)
		if got := eval[string](t, bctx, `document.querySelector('.recs')?.dataset.arm ?? ''`); got != "" {
			t.Errorf("recommendations tagged %q with consent off; measurement is off then", got)
		}
		seen = append(seen, shop(t, bctx, "session")...)
		if got := eval[string](t, bctx, `document.querySelector('.recs')?.dataset.arm ?? ''`); got != "personal" {
			t.Errorf("the strip's arm is %q; want personal (control share 0)", got)
		}
		if up, _ := s.snapshot(); len(up) != 0 {
			t.Fatalf("%d uploads before the page was hidden", len(up))
		}
		back := hidePage(t, bctx)
		waitUploads(t, s, 1, "after the page was hidden (session consent)")
		back()
		vectors = append(vectors, listedReports(t, bctx, 1)...)
		if plain := eval[string](t, bctx, `document.querySelector('[data-testid="plain"]').textContent`); !strings.Contains(plain, "once-a-day encrypted report") {
			t.Errorf("the plain summary does not say measurement's counters are kept: %q", plain)
		}
		reqs := log.snapshot()

		// Full consent, another shopper: the day is stored, and the first
		// visit of a later day (the stored day moved back one, then a
		// reload) reports it.
		bctx, log = measureBrowser(t, s, false)
		seen = append(seen, shop(t, bctx, "full")...)
		waitFor(t, bctx, "the day's counters stored", `(async () => { const d = JSON.parse(await `+idbDump+`); return d.meta.some(m => m && m.state && m.state.visits > 0); })()`)
		step(t, bctx, "move the stored day back a day", chromedp.Evaluate[chromedp.Void](yesterdayScript, chromedp.EvalAwaitPromise))
		if up, _ := s.snapshot(); len(up) != 1 {
			t.Fatalf("%d uploads before the later day's visit; want 1", len(up))
		}
		step(t, bctx, "reload: the first visit of a later day", chromedp.Reload())
		waitFor(t, bctx, "the page to load again", `document.body.dataset.ready === 'true'`)
		if err := chromedp.Listen(attachWorker(t, bctx), log.listen("worker")); err != nil {
			t.Fatal(err)
		}
		waitUploads(t, s, 2, "at the next day's visit (full consent)")
		vectors = append(vectors, listedReports(t, bctx, 1)...)
		// The dashboard's own network log shows the upload, as a POST.
		waitFor(t, bctx, "the upload in the dashboard's network log", `[...document.querySelectorAll('[data-testid="netlog"] tr[data-method="POST"]')].some(r => r.dataset.url.endsWith('/reports'))`)
		if n := eval[int](t, bctx, `document.querySelectorAll('[data-testid="netlog"] tr[data-method="POST"]').length`); n != 1 {
			t.Errorf("the dashboard's network log shows %d POSTs; want the one upload", n)
		}
		if *screenshotDir != "" {
			step(t, bctx, "show the Measurement panel", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="measurement"]').scrollIntoView()`))
			png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(*screenshotDir, "dashboard-measurement.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		reqs = append(reqs, log.snapshot()...)

		// The SDK's measurement chunk and the module were fetched (from the
		// worker, before any CDP session could see it: the server's log).
		files := s.measureFiles()
		t.Logf("measurement files served: %v", files)
		if !slices.ContainsFunc(files, func(p string) bool { return strings.HasSuffix(p, "/privrec-measure.js") }) ||
			!slices.ContainsFunc(files, func(p string) bool { return strings.HasPrefix(p, server.MeasurePrefix) }) {
			t.Errorf("measurement files served %v; want the SDK's privrec-measure.js and the module", files)
		}

		// The network log, as the browser saw it: the worker's requests from
		// the moment the test attached to it (the first upload; the second
		// is made as the reloaded page starts, before any session can attach,
		// so the leader's log below covers it).
		if n := checkMeasureRequests(t, s, reqs, canaries(t, seen)); n != 1 {
			t.Errorf("the browser saw %d uploads; want 1", n)
		}
		uploads, dapReqs := s.snapshot()
		t.Logf("requests to /dap/: %v", dapReqs)
		upload := "POST " + dapagg.DemoLeaderPath + "/tasks/" + s.dir.Task.ID.String() + "/reports"
		allowed := map[string]bool{upload: true, "GET " + dapagg.DemoLeaderPath + "/hpke_config": true, "GET " + dapagg.DemoHelperPath + "/hpke_config": true}
		posts := 0
		for _, r := range dapReqs {
			if !allowed[r] {
				t.Errorf("request to the aggregators: %s", r)
			}
			if r == upload {
				posts++
			}
		}
		if posts != 2 || len(uploads) != 2 {
			t.Errorf("%d uploads reached the leader, %d taken; want 2", posts, len(uploads))
		}
		for _, body := range uploads {
			var rep dap.Report
			if err := rep.UnmarshalBinary(body); err != nil {
				t.Fatalf("upload is not a DAP report: %v", err)
			}
			if len(body) != dap.ReportSize {
				t.Errorf("the leader got a report of %d bytes; want %d", len(body), dap.ReportSize)
			}
			if rep.Metadata.Time%86400 != 0 {
				t.Errorf("report time %d says more than the day", rep.Metadata.Time)
			}
			for _, c := range canaries(t, seen) {
				if bytes.Contains(body, c) {
					t.Errorf("report carries the canary %q", c)
				}
			}
		}

		// The aggregate the collector gets is the sum of what the dashboards say.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.demo.Leader.Aggregate(ctx); err != nil {
			t.Fatalf("aggregate: %v", err)
		}
		col, err := dapagg.NewCollector(s.dir.Task, s.dir.Collector, s.base+dapagg.DemoLeaderPath, http.DefaultClient)
		if err != nil {
			t.Fatal(err)
		}
		res, err := col.Collect(ctx, dapagg.Interval{Start: s.dir.Task.Start, Duration: s.dir.Task.End - s.dir.Task.Start})
		if err != nil {
			t.Fatalf("collect: %v", err)
		}
		want := make([]int64, dap.MeasurementLength)
		for _, v := range vectors {
			for i := range want {
				want[i] += v[i]
			}
		}
		if res.ReportCount != 2 || !slices.Equal(res.Aggregate, want) {
			t.Errorf("collected %d reports, aggregate %v; the dashboards' reports sum to %v", res.ReportCount, res.Aggregate, want)
		}
		t.Logf("collected %d reports: %v", res.ReportCount, res.Aggregate)
	})

	for _, c := range []struct {
		name, consent, reason string
		gpc                   bool
	}{
		{"consent off", "off", "consent_off", false},
		{"GPC", "full", "gpc", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startMeasureSite(t, true, 0)
			bctx, log := measureBrowser(t, s, c.gpc)
			seen := shop(t, bctx, c.consent)
			if got := eval[string](t, bctx, `document.querySelector('.recs')?.dataset.arm ?? ''`); got != "" {
				t.Errorf("recommendations tagged %q; measurement is off", got)
			}
			back := hidePage(t, bctx)
			time.Sleep(time.Second)
			back()
			click(t, bctx, `a[data-nav="privacy"]`)
			waitRender(t, bctx, "privacy")
			if got := eval[string](t, bctx, `document.querySelector('[data-testid="measurement"]').dataset.reason`); got != c.reason {
				t.Errorf("the dashboard says measurement is off because %q; want %q", got, c.reason)
			}
			t.Logf("the dashboard says: %s", eval[string](t, bctx, `document.querySelector('[data-testid="measurement-off"]').textContent`))
			if n := checkMeasureRequests(t, s, log.snapshot(), canaries(t, seen)); n != 0 {
				t.Errorf("%d uploads", n)
			}
			if _, d := s.snapshot(); len(d) != 0 {
				t.Errorf("requests reached /dap/: %v", d)
			}
		})
	}

	// The control arm: every day is control here, so a shopper with a
	// history gets the popular picks, tagged, and the report says so.
	t.Run("control", func(t *testing.T) {
		s := startMeasureSite(t, true, 1)
		bctx, _ := measureBrowser(t, s, false)
		shop(t, bctx, "session")
		got := eval[[]string](t, bctx, `[document.querySelector('.recs').dataset.arm, ...[...document.querySelectorAll('.recs .rec')].map(e => e.dataset.source)]`)
		if got[0] != "control" || slices.ContainsFunc(got[1:], func(src string) bool { return src != "popular" }) {
			t.Errorf("control day: strip arm and sources %v; want control and only popular", got)
		}
		hidePage(t, bctx)()
		waitUploads(t, s, 1, "after the page was hidden (control arm)")
		v := listedReportsOfArm(t, bctx, 1, "arm: control (popular picks)")
		if v[0][dap.IndexArmControl] != 1 || v[0][dap.IndexControlImpressions] == 0 || v[0][dap.IndexPersonalImpressions] != 0 {
			t.Errorf("control day's report %v", v[0])
		}
	})

	t.Run("off", func(t *testing.T) {
		s := startMeasureSite(t, false, 0)
		bctx, log := measureBrowser(t, s, false)
		seen := shop(t, bctx, "full")
		click(t, bctx, `a[data-nav="privacy"]`)
		waitRender(t, bctx, "privacy")
		if got := eval[string](t, bctx, `document.querySelector('[data-testid="measurement"]').dataset.reason`); got != "not_enabled" {
			t.Errorf("the dashboard says measurement is off because %q; want not_enabled", got)
		}
		if plain := eval[string](t, bctx, `document.querySelector('[data-testid="plain"]').textContent`); strings.Contains(plain, "encrypted report") {
			t.Errorf("the plain summary speaks of measurement while it is off: %q", plain)
		}
		reqs := log.snapshot()
		checkMeasureRequests(t, s, reqs, canaries(t, seen))
		for _, r := range reqs {
			if r.method != http.MethodGet || strings.Contains(r.url, "measure") || strings.Contains(r.url, "/dap/") {
				t.Errorf("with measurement off: %s %s", r.method, r.url)
			}
		}
		if _, d := s.snapshot(); len(d) != 0 {
			t.Errorf("requests reached /dap/: %v", d)
		}
		if f := s.measureFiles(); len(f) != 0 {
			t.Errorf("with measurement off the page fetched %v", f)
		}
	})
}

// waitUploads waits until the leader has taken n reports.
func waitUploads(t *testing.T, s *measureSite, n int, when string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for up, _ := s.snapshot(); len(up) < n; up, _ = s.snapshot() {
		if time.Now().After(deadline) {
			t.Fatalf("%d reports uploaded, want %d %s", len(up), n, when)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// listedReports opens the dashboard and returns the vectors of the n
// reports it lists, checking their plain words.
func listedReports(t *testing.T, bctx context.Context, n int) [][]int64 {
	return listedReportsOfArm(t, bctx, n, "arm: personal")
}

func listedReportsOfArm(t *testing.T, bctx context.Context, n int, arm string) [][]int64 {
	t.Helper()
	step(t, bctx, "the dashboard", chromedp.Evaluate[chromedp.Void](`location.hash = '#/privacy'`))
	waitRender(t, bctx, "privacy")
	waitFor(t, bctx, fmt.Sprintf("%d reports listed", n), fmt.Sprintf(`document.querySelectorAll('[data-testid="reports"] tr[data-report]').length === %d`, n))
	words := eval[[]string](t, bctx, `[...document.querySelectorAll('[data-testid="reports"] tr[data-report]')].map(r => r.textContent)`)
	for _, w := range words {
		if !strings.Contains(w, arm) || !strings.Contains(w, "recommendations seen") || !strings.Contains(w, "encrypted") {
			t.Errorf("report row %q", w)
		}
	}
	t.Logf("the dashboard lists: %q", words)
	var out [][]int64
	for _, v := range eval[[]string](t, bctx, `[...document.querySelectorAll('[data-testid="reports"] tr[data-report]')].map(r => r.dataset.vector)`) {
		var x []int64
		if err := json.Unmarshal([]byte(v), &x); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// yesterdayScript moves the stored measurement day (the SDK's meta record
// "measure") back by one day, as if the visit had been yesterday.
const yesterdayScript = `(async () => {
  const open = indexedDB.open('privrec:demo');
  const db = await new Promise((res, rej) => { open.onsuccess = () => res(open.result); open.onerror = () => rej(open.error); });
  const tx = db.transaction('meta', 'readwrite');
  const store = tx.objectStore('meta');
  const m = await new Promise((res, rej) => { const r = store.get('measure'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  if (!m || !m.state) throw new Error('no stored measurement day');
  m.state.day -= 1;
  store.put(m, 'measure');
  await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
  db.close();
})()`
