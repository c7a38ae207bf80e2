package browsertest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
	"github.com/privrec/privrec/web"
)

// BenchmarkNavigation measures the demo storefront serving the Online
// Retail model in headless Chromium: navigation to the first
// recommendation on screen, on a first visit (cold: empty HTTP cache and
// IndexedDB) and on the two page views after it (warm), split into the
// SDK's steps (the privrec:* performance measures); the main thread's long
// tasks; and the bytes of module and SDK the server sent, brotli as
// served. Each repeat is a fresh browser profile. It prints a table of
// medians and reports warm/cold as a metric; run it with
//
//	go test ./internal/browsertest -run '^$' -bench Navigation -benchtime 1x
//
// PRIVREC_BENCH_REPEATS sets the repeats (default 5), PRIVREC_BENCH_PAUSE
// the time between page views (default 3s: a shopper reads a page before
// the next; Chromium writes a module's code cache a little after it ran),
// PRIVREC_BENCH_SDK the SDK build served (default js/dist: another one, to
// compare two), PRIVREC_BENCH_JSFLAGS V8 flags for Chromium. It needs what the
// browser tests need, plus ../shared/datasets/uci-online-retail and node
// (js/scripts/precompress.mjs writes the module's brotli at quality 11,
// as `make demo` does; the result is cached in the temp directory).
func BenchmarkNavigation(b *testing.B) {
	env := navigationServer(b)
	repeats := 5
	if s := os.Getenv("PRIVREC_BENCH_REPEATS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("PRIVREC_BENCH_REPEATS=%q; want a positive integer", s)
		}
		repeats = n
	}
	views := []string{"cold", "warm", "warm 2"}
	runs := make([][]visit, len(views))
	var transfer [3][]int64 // per view: bytes of module + SDK sent
	for i := 0; i < b.N*repeats; i++ {
		got := env.session(b, len(views))
		for v := range views {
			runs[v] = append(runs[v], got[v])
			transfer[v] = append(transfer[v], got[v].moduleSDKBytes)
		}
	}
	b.StopTimer()

	cold := median(firsts(runs[0]))
	fmt.Printf("\nChromium, demo page serving the Online Retail model (%d items), medians of %d fresh profiles, ms\n", env.items, len(runs[0]))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprint(w, "step\t")
	for _, v := range views {
		fmt.Fprintf(w, "%s\t", v)
	}
	fmt.Fprintln(w)
	for _, step := range steps {
		fmt.Fprintf(w, "%s\t", step.label)
		for v := range views {
			fmt.Fprintf(w, "%s\t", ms(median(stepTimes(runs[v], step.names))))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "navigation → first recommendation\t")
	for v := range views {
		fmt.Fprintf(w, "%s\t", ms(median(firsts(runs[v]))))
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "× cold\t")
	for v := range views {
		fmt.Fprintf(w, "%.2f\t", median(firsts(runs[v]))/cold)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "main-thread long tasks > 50 ms (all runs)\t")
	for v := range views {
		all := 0
		for _, r := range runs[v] {
			all += r.longTasks
		}
		fmt.Fprintf(w, "%d\t", all)
	}
	fmt.Fprintln(w)
	for _, row := range []struct {
		label string
		get   func(visit) float64
	}{
		{"longest main-thread task (max)", func(r visit) float64 { return r.longestTask }},
		{"longest SDK script on the main thread (max)", func(r visit) float64 { return r.longestSDKScript }},
	} {
		fmt.Fprintf(w, "%s\t", row.label)
		for v := range views {
			var worst []float64
			for _, r := range runs[v] {
				worst = append(worst, row.get(r))
			}
			fmt.Fprintf(w, "%s\t", ms(slices.Max(worst)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "module + SDK sent (KB, brotli as served)\t")
	for v := range views {
		fmt.Fprintf(w, "%.1f\t", float64(slices.Max(transfer[v]))/1000)
	}
	fmt.Fprintln(w)
	w.Flush()
	fmt.Printf("module %d bytes, %d brotli; SDK %d bytes, %d brotli\n\n", env.moduleBytes, env.moduleBrotli, env.sdkBytes, env.sdkBrotli)

	b.ReportMetric(cold, "cold-ms")
	b.ReportMetric(median(firsts(runs[1])), "warm-ms")
	b.ReportMetric(median(firsts(runs[1]))/cold, "warm/cold")
	b.ReportMetric(float64(slices.Max(transfer[0])), "first-visit-module+sdk-B")
	b.ReportMetric(float64(slices.Max(transfer[1])), "repeat-module+sdk-B")
}

// steps are the table's rows: SDK measures, summed when several.
var steps = []struct {
	label string
	names []string
}{
	{"fetch: manifest (revalidated)", []string{"privrec:fetch:manifest"}},
	{"fetch: artifacts", []string{"privrec:fetch"}},
	{"fetch: the module's bytes (HTTP cache when warm)", []string{"privrec:fetch:wasm"}},
	{"verify: signature, expiry, version", []string{"privrec:verify:manifest"}},
	{"verify: SHA-256 of weights + catalog", []string{"privrec:verify:weights", "privrec:verify:catalog"}},
	{"verify: SHA-256 of the module", []string{"privrec:verify:wasm"}},
	{"compile (streaming, from the fetch)", []string{"privrec:compile"}},
	{"instantiate", []string{"privrec:instantiate"}},
	{"load (in the module)", []string{"privrec:load"}},
	{"first recommend (in the module)", []string{"privrec:recommend"}},
	{"Recommender.load, page side", []string{"privrec:start"}},
}

// visit is what one page view measured.
type visit struct {
	first            float64            // ms from navigation start to recommendations on screen
	measures         map[string]float64 // privrec:* durations, summed by name
	longTasks        int                // main-thread tasks over 50 ms (longtask entries)
	longestSDKScript float64            // the longest script entry of the SDK's files in a long animation frame, with the microtasks it ran
	longestTask      float64
	moduleSDKBytes   int64 // body bytes of the module and SDK files the server sent
}

func firsts(vs []visit) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = v.first
	}
	return out
}

// stepTimes returns, per visit, the summed duration of names; NaN-free:
// a step a visit did not run (the cached module skips compile) counts 0.
func stepTimes(vs []visit, names []string) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		for _, n := range names {
			out[i] += v.measures[n]
		}
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(x float64) string {
	if x == 0 {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// navEnv is the demo server of the benchmark.
type navEnv struct {
	base                                           string
	handler                                        *server.Handler
	items                                          int
	moduleBytes, moduleBrotli, sdkBytes, sdkBrotli int
	mu                                             sync.Mutex
	log                                            []server.Entry
	modulePath, sdkDir                             string
	pause                                          time.Duration // between page views
}

// navigationServer trains the Online Retail model, signs it and serves it
// with the built SDK, the module precompressed at brotli quality 11.
func navigationServer(b *testing.B) *navEnv {
	b.Helper()
	if _, err := os.Stat(chromium); err != nil {
		b.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	root := repoRoot(b)
	data := filepath.Join(root, "..", "shared", "datasets", "uci-online-retail", "online_retail.csv.gz")
	if _, err := os.Stat(data); err != nil {
		b.Skipf("skipping: the Online Retail log is not at %s (../shared/datasets beside the repository)", data)
	}
	sdk := filepath.Join(root, "js", "dist")
	if d := os.Getenv("PRIVREC_BENCH_SDK"); d != "" { // another build of the SDK, to compare two
		sdk = d
	}
	if _, err := os.Stat(filepath.Join(sdk, "privrec.js.br")); err != nil {
		b.Skipf("skipping: the JS SDK is not built (%v); run: cd js && npm ci && npm run build", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		b.Skip("skipping: node is needed to precompress the module (js/scripts/precompress.mjs)")
	}
	wasm := wasmtest.Module(b)
	pre := precompressModule(b, root, wasm)

	f, err := os.Open(data)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	log, _, err := train.ReadUCI(f)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	spec, err := train.Train(log, train.DefaultConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	files, id, err := train.Pack(spec, log.Catalog, wasm)
	if err != nil {
		b.Fatal(err)
	}
	// The page metadata a shop signs with train --catalog (the demo page
	// lists its products from it): the log's descriptions and prices.
	meta := make([]train.ItemMeta, len(log.Catalog))
	for i, it := range log.Catalog {
		meta[i] = train.ItemMeta{ID: it.ID, Title: it.Title, Price: &log.Catalog[i].Price, Currency: "GBP", Category: it.Category}
	}
	if files.Items, err = train.EncodeItems(meta, id); err != nil {
		b.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if err := bundle.Sign(files, bundle.Meta{Version: 1, Created: now.UnixMilli(), Expires: now.Add(24 * time.Hour).UnixMilli(), BundleID: id}, priv); err != nil {
		b.Fatal(err)
	}
	b.Logf("trained and signed the Online Retail model in %v: weights %d bytes, catalog %d, page metadata %d", time.Since(start).Round(time.Millisecond), len(files.Weights), len(files.Catalog), len(files.Items))

	env := &navEnv{items: len(log.Catalog), moduleBytes: len(wasm), pause: 3 * time.Second}
	if s := os.Getenv("PRIVREC_BENCH_PAUSE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("PRIVREC_BENCH_PAUSE=%q: %v", s, err)
		}
		env.pause = d
	}
	h, err := server.New(server.Config{Site: web.Site(), SDK: os.DirFS(sdk), Bundle: files, PublicKey: pub, Precompressed: os.DirFS(pre),
		Log: func(e server.Entry) { env.mu.Lock(); env.log = append(env.log, e); env.mu.Unlock() }})
	if err != nil {
		b.Fatal(err)
	}
	env.handler = h
	m := h.Manifest()
	env.modulePath = server.BundlePrefix + bundledir.ContentName(bundle.NameWasm, m.Artifact(bundle.NameWasm).SHA256)
	env.sdkDir = strings.TrimSuffix(h.Page().SDKURL, "privrec.js")
	if st, err := os.Stat(filepath.Join(pre, "privrec.wasm.br")); err == nil {
		env.moduleBrotli = int(st.Size())
	}
	for _, name := range []string{"privrec.js", "privrec-worker.js"} {
		if st, err := os.Stat(filepath.Join(sdk, name)); err == nil {
			env.sdkBytes += int(st.Size())
		}
		if st, err := os.Stat(filepath.Join(sdk, name+".br")); err == nil {
			env.sdkBrotli += int(st.Size())
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := server.NewHTTPServer(ln.Addr().String(), h)
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	env.base = "http://" + ln.Addr().String()
	return env
}

// precompressModule writes privrec.wasm.br and .gz for wasm with node (as
// make demo does) into a directory kept across runs, keyed by the module's
// SHA-256: quality 11 takes tens of seconds.
func precompressModule(b *testing.B, root string, wasm []byte) string {
	b.Helper()
	sum := sha256.Sum256(wasm)
	dir := filepath.Join(os.TempDir(), "privrec-bench-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "privrec.wasm.br")); err == nil {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "privrec.wasm"), wasm, 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(root, "js", "scripts", "precompress.mjs"), filepath.Join(dir, "privrec.wasm"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		b.Fatalf("precompress the module: %v: %s", err, out)
	}
	b.Logf("%s", strings.TrimSpace(string(out)))
	return dir
}

// observe runs before any script of each page: it records long tasks and
// long animation frames (whose scripts say where the time went).
const observe = `(() => {
  window.__privrecBench = { longtasks: [], loaf: [] };
  const keep = (list, e) => list.push(e.toJSON ? e.toJSON() : { duration: e.duration });
  try { new PerformanceObserver((l) => l.getEntries().forEach((e) => keep(window.__privrecBench.longtasks, e))).observe({ type: 'longtask', buffered: true }); } catch {}
  try { new PerformanceObserver((l) => l.getEntries().forEach((e) => keep(window.__privrecBench.loaf, e))).observe({ type: 'long-animation-frame', buffered: true }); } catch {}
})()`

// collect reads what one page view measured.
const collect = `JSON.stringify({
  first: performance.getEntriesByName('demo:recommendations')[0]?.startTime ?? 0,
  measures: performance.getEntriesByType('measure').filter((m) => m.name.startsWith('privrec:')).map((m) => ({ name: m.name, duration: m.duration })),
  longtasks: window.__privrecBench.longtasks.map((e) => e.duration),
  loaf: window.__privrecBench.loaf.map((e) => ({ duration: e.duration, scripts: (e.scripts ?? []).map((s) => ({ url: s.sourceURL ?? '', duration: s.duration })) })),
})`

// debugCollect shows where a page view's time went (PRIVREC_BENCH_DEBUG=1).
const debugCollect = `JSON.stringify({
  marks: performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]),
  measures: performance.getEntriesByType('measure').map((m) => [m.name, Math.round(m.startTime), Math.round(m.duration)]),
  resources: performance.getEntriesByType('resource').map((r) => [r.name.replace(location.origin, ''), Math.round(r.startTime), Math.round(r.responseEnd), r.transferSize]),
  nav: performance.getEntriesByType('navigation').map((n) => [Math.round(n.responseEnd), Math.round(n.domContentLoadedEventEnd)]),
  longtasks: window.__privrecBench.longtasks.map((e) => [Math.round(e.startTime), Math.round(e.duration)]),
  loaf: window.__privrecBench.loaf.filter((e) => e.duration > 50).map((e) => ({ start: Math.round(e.startTime), d: Math.round(e.duration), render: Math.round(e.renderStart ? e.duration - (e.renderStart - e.startTime) : 0), scripts: (e.scripts ?? []).map((s) => [s.invoker, s.invokerType, s.sourceURL?.replace(location.origin, ''), s.sourceFunctionName, s.sourceCharPosition, Math.round(s.duration), Math.round(s.forcedStyleAndLayoutDuration), Math.round(s.pauseDuration), Math.round(s.executionStart - s.startTime)]) })),
})`

// session opens a fresh profile and makes n page views, alternating / and
// /index.html so that each is a navigation of its own, not a reload.
func (env *navEnv) session(b *testing.B, n int) []visit {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bctx := newBenchBrowser(b, ctx)
	if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: observe}); err != nil {
		b.Fatalf("add the observer script: %v", err)
	}
	var out []visit
	for i := 0; i < n; i++ {
		env.mu.Lock()
		env.log = nil
		env.mu.Unlock()
		path := "/"
		if i%2 == 1 {
			path = "/index.html"
		}
		if err := chromedp.Do(bctx, chromedp.Navigate(env.base+path)); err != nil {
			b.Fatalf("page view %d: navigate: %v", i, err)
		}
		wctx, wcancel := context.WithTimeout(bctx, 60*time.Second)
		_, err := chromedp.Run(wctx, chromedp.Poll[bool](`document.body.dataset.ready === 'error' || performance.getEntriesByName('demo:recommendations').length > 0`, chromedp.WithPollingInterval(10*time.Millisecond)))
		wcancel()
		if err != nil {
			b.Fatalf("page view %d: no recommendations: %v", i, err)
		}
		if ready, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.dataset.ready`)); ready == "error" {
			text, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
			b.Fatalf("page view %d: the page did not start: %s", i, text)
		}
		// Let the background check, IndexedDB and the code cache settle, as
		// they would before a shopper's next page view.
		time.Sleep(env.pause)
		if os.Getenv("PRIVREC_BENCH_DEBUG") != "" {
			dbg, _ := chromedp.Run(bctx, chromedp.Evaluate[string](debugCollect))
			b.Logf("page view %d: %s", i, dbg)
		}
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[string](collect))
		if err != nil {
			b.Fatalf("page view %d: collect: %v", i, err)
		}
		var got struct {
			First    float64 `json:"first"`
			Measures []struct {
				Name     string  `json:"name"`
				Duration float64 `json:"duration"`
			} `json:"measures"`
			Longtasks []float64 `json:"longtasks"`
			LoAF      []struct {
				Duration float64 `json:"duration"`
				Scripts  []struct {
					URL      string  `json:"url"`
					Duration float64 `json:"duration"`
				} `json:"scripts"`
			} `json:"loaf"`
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			b.Fatal(err)
		}
		v := visit{first: got.First, measures: map[string]float64{}}
		for _, m := range got.Measures {
			v.measures[m.Name] += m.Duration
		}
		for _, d := range got.Longtasks {
			if d > 50 {
				v.longTasks++
			}
			v.longestTask = max(v.longestTask, d)
		}
		for _, f := range got.LoAF {
			for _, sc := range f.Scripts {
				if strings.Contains(sc.URL, server.SDKPrefix) {
					v.longestSDKScript = max(v.longestSDKScript, sc.Duration)
				}
			}
		}
		env.mu.Lock()
		for _, e := range env.log {
			if e.Path == env.modulePath || strings.HasPrefix(e.Path, env.sdkDir) {
				v.moduleSDKBytes += e.Bytes
			}
		}
		env.mu.Unlock()
		out = append(out, v)
	}
	return out
}

// newBenchBrowser is newBrowser for a benchmark: a fresh profile, the
// flags of the browser tests, no console forwarding.
func newBenchBrowser(b *testing.B, ctx context.Context) context.Context {
	b.Helper()
	var extra []chromedp.ExecAllocatorOption
	if f := os.Getenv("PRIVREC_BENCH_JSFLAGS"); f != "" { // e.g. V8 flags, to experiment
		extra = append(extra, chromedp.Flag("js-flags", f))
	}
	return startChromium(b, ctx, extra...)
}
