package browsertest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/bundle"
)

// sdkSite serves a bare page that loads the built SDK (js/dist) with the
// bundle under /b/, which a test may swap and whose chosen files it may
// stall: a storefront stripped to what the SDK does, so the tests drive
// the SDK's API directly (window.rec) in Chromium.
type sdkSite struct {
	t    *testing.T
	url  string
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey

	mu      sync.Mutex
	files   map[string][]byte // by file name under /b/
	stall   string            // a file name whose download stalls after half its bytes
	stalled chan string       // told when a stalled download has begun
	release chan struct{}     // closed to end the stalls
}

// bundleFiles names a bundle's files as privrec sign writes them: the
// manifest, its signature and each artifact under its plain and its
// content-addressed name.
func bundleFiles(f *bundle.Files) map[string][]byte {
	out := map[string][]byte{"manifest.bin": f.Manifest, "manifest.sig": f.Signature}
	for _, a := range []struct {
		name, plain string
		data        []byte
	}{{bundle.NameWeights, bundledir.WeightsFile, f.Weights}, {bundle.NameCatalog, bundledir.CatalogFile, f.Catalog}, {bundle.NameWasm, bundledir.WasmFile, f.Wasm}, {bundle.NameItems, bundledir.ItemsFile, f.Items}} {
		if a.data == nil {
			continue // items.bin is optional
		}
		out[a.plain] = a.data
		out[bundledir.ContentName(a.name, sha256.Sum256(a.data))] = a.data
	}
	return out
}

// newSDKSite starts the site with a demo bundle of wasm, signed at now.
func newSDKSite(t *testing.T, wasm []byte, now time.Time) *sdkSite {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	root := repoRoot(t)
	sdk := filepath.Join(root, "js", "dist")
	if _, err := os.Stat(filepath.Join(sdk, "privrec.js")); err != nil {
		t.Skipf("skipping: the JS SDK is not built (%v); run: cd js && npm ci && npm run build", err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &sdkSite{t: t, pub: pub, priv: priv, stalled: make(chan string, 16), release: make(chan struct{})}
	s.swap(s.sign(wasm, now))
	mux := http.NewServeMux()
	mux.Handle("/sdk/", http.StripPrefix("/sdk/", http.FileServer(http.Dir(sdk))))
	mux.HandleFunc("/b/", s.serveBundle)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, sdkPage, base64.StdEncoding.EncodeToString(pub))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() {
		s.end()
		srv.Close()
	})
	s.url = "http://" + ln.Addr().String()
	return s
}

// sdkPage loads the SDK and exposes it as window.rec, with every event it
// dispatched in window.events.
const sdkPage = `<!doctype html><meta charset="utf-8"><title>privrec SDK</title>
<script type="module">
import { Recommender } from '/sdk/privrec.js';
window.events = [];
try {
  const rec = await Recommender.load({ bundleUrl: '/b/', publicKeys: ['%s'], namespace: 'faults', network: { timeout: 60000, retries: 0 } });
  for (const type of ['modelupdated', 'updaterefused', 'updatefailed', 'consentchanged', 'storagefailed', 'storagerepaired', 'moduleretired']) {
    rec.addEventListener(type, (e) => window.events.push({ type, detail: e.detail }));
  }
  window.rec = rec;
  document.body.dataset.ready = 'true';
} catch (e) {
  document.body.dataset.ready = 'false';
  document.body.dataset.error = String(e && e.message);
}
</script><body data-ready="">`

func (s *sdkSite) sign(wasm []byte, now time.Time) *bundle.Files {
	s.t.Helper()
	f, err := demo.Bundle(wasm, s.priv, now)
	if err != nil {
		s.t.Fatal(err)
	}
	return f
}

// swap makes /b/ serve f from now on.
func (s *sdkSite) swap(f *bundle.Files) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = bundleFiles(f)
}

// stallOn makes downloads of the file name stall after half its bytes.
func (s *sdkSite) stallOn(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall = name
}

// end releases every stalled download (the server then drops them).
func (s *sdkSite) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func (s *sdkSite) serveBundle(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/b/")
	s.mu.Lock()
	data, ok := s.files[name]
	stall := name == s.stall
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	typ := "application/octet-stream"
	if strings.HasSuffix(name, ".wasm") {
		typ = "application/wasm"
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Header().Set("Cache-Control", "no-cache")
	if !stall {
		w.Write(data)
		return
	}
	w.Write(data[:len(data)/2])
	w.(http.Flusher).Flush()
	s.stalled <- name
	select {
	case <-s.release:
	case <-r.Context().Done():
	}
	// Dropped mid-body: the client sees the connection end early.
	panic(http.ErrAbortHandler)
}

// open starts Chromium on the site and waits for the SDK to load.
func (s *sdkSite) open(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	step(t, bctx, "open the page", chromedp.Navigate(s.url+"/"))
	waitFor(t, bctx, "the SDK to load", `document.body.dataset.ready !== ''`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the SDK did not load: %s", eval[string](t, bctx, "document.body.dataset.error"))
	}
	return bctx
}

// TestStalledUpdateWithdrawal is issue 12's first bar in Chromium: with an
// update's weights download stalled, recommend answers from the model in
// use and consent.set('off') completes and deletes the stored history,
// while the download is still held open; the update then fails and says so.
func TestStalledUpdateWithdrawal(t *testing.T) {
	wasm := wasmtest.Module(t)
	now := time.Now()
	s := newSDKSite(t, wasm, now.Add(-time.Minute))
	bctx := s.open(t)
	items := eval[[]string](t, bctx, `(async () => {
	  await rec.consent.set('full');
	  for (const item of ['burr-grinder', 'tamper', 'espresso-beans']) await rec.track({ item, kind: 'view' });
	  return (await rec.history.list()).map((e) => e.item);
	})()`)
	if len(items) != 3 {
		t.Fatalf("history %v; want 3 events", items)
	}
	if d := readIDBOf(t, bctx, "faults"); len(d.Events) != 3 {
		t.Fatalf("IndexedDB holds %d events under full consent; want 3", len(d.Events))
	}
	// The items and sources (scores decay with the clock between calls).
	const answer = `(r) => JSON.stringify(r.items.map((it) => it.item + ':' + it.source))`
	personal := eval[string](t, bctx, `rec.recommend({ k: 5, context: { hour: 9, weekday: 1 } }).then(`+answer+`)`)

	// A newer bundle is published; its weights stall half-way.
	next := s.sign(wasm, now)
	s.swap(next)
	s.stallOn(bundledir.ContentName(bundle.NameWeights, sha256.Sum256(next.Weights)))
	step(t, bctx, "start the update", chromedp.Evaluate[chromedp.Void](`window.updateDone = false; window.update = rec.update().then((r) => (window.updateDone = true, r), (e) => (window.updateDone = true, { error: e.message }))`))
	select {
	case name := <-s.stalled:
		t.Logf("the update's download of %s is stalled", name)
	case <-time.After(30 * time.Second):
		t.Fatal("the update never asked for the new weights")
	}

	type timed struct {
		Recommend string  `json:"recommend"`
		RecMs     float64 `json:"recMs"`
		Consent   string  `json:"consent"`
		OffMs     float64 `json:"offMs"`
		Pending   bool    `json:"pending"`
	}
	var got timed
	if err := json.Unmarshal([]byte(eval[string](t, bctx, `(async () => {
	  const t0 = performance.now();
	  const r = await rec.recommend({ k: 5, context: { hour: 9, weekday: 1 } });
	  const t1 = performance.now();
	  const consent = await rec.consent.set('off');
	  const t2 = performance.now();
	  return JSON.stringify({ recommend: (`+answer+`)(r), recMs: t1 - t0, consent, offMs: t2 - t1, pending: !window.updateDone });
	})()`)), &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("with the download stalled: recommend %.1f ms, consent off (with the deletion) %.1f ms", got.RecMs, got.OffMs)
	if got.Recommend != personal {
		t.Errorf("recommend during the stalled update answered %s; want the model in use's %s", got.Recommend, personal)
	}
	if got.Consent != "off" || !got.Pending {
		t.Errorf("consent %q, update still pending %v; want off while the download is still stalled", got.Consent, got.Pending)
	}
	d := readIDBOf(t, bctx, "faults")
	if len(d.Events) != 0 {
		t.Errorf("IndexedDB holds %d events after consent off; want none", len(d.Events))
	}
	if eval[bool](t, bctx, "window.updateDone") {
		t.Error("the update finished before the stall was released")
	}
	s.end()
	waitFor(t, bctx, "the update to fail", `window.updateDone === true`)
	res := eval[map[string]any](t, bctx, `window.update`)
	if res["outcome"] != "failed" {
		t.Fatalf("update resolved with %v; want outcome failed", res)
	}
	if f, _ := res["failure"].(map[string]any); f["failure"] != "network" {
		t.Errorf("update failure %v; want network", f)
	}
	if n := eval[int](t, bctx, `events.filter((e) => e.type === 'updatefailed').length`); n != 1 {
		t.Errorf("%d updatefailed events; want 1", n)
	}
}

// readIDBOf is readIDB for the database of another namespace.
func readIDBOf(t *testing.T, ctx context.Context, namespace string) idb {
	t.Helper()
	var d idb
	expr := strings.Replace(idbDump, "'privrec:demo'", "'privrec:"+namespace+"'", 1)
	if err := json.Unmarshal([]byte(eval[string](t, ctx, expr)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// rogue builds the real module from ./wasm with patch applied to its
// main.go (go build -overlay): the module's own code with a small change,
// as a cheater would ship it.
func rogue(t *testing.T, name string, patch func(src string) string) []byte {
	t.Helper()
	root := repoRoot(t)
	orig := filepath.Join(root, "wasm", "main.go")
	src, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	patched := patch(string(src))
	if patched == string(src) {
		t.Fatalf("rogue %s: the patch changed nothing (wasm/main.go moved on?)", name)
	}
	dir := t.TempDir()
	main := filepath.Join(dir, "main.go")
	if err := os.WriteFile(main, []byte(patched), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{orig: main}})
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".wasm")
	cmd := exec.Command("go", "build", "-overlay="+ov, "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build rogue %s: %v\n%s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// afterRecommend matches the line of wasm/main.go's privrec_recommend
// where the module has answered (env, err) and has not yet handed the
// envelope to the host: the rogue changes go right after it, in rogueWrap,
// which decodes the request (req) and the response (res) again, whatever
// path the module took, and encodes res back after the change.
var afterRecommend = regexp.MustCompile(`(?m)^\tenv, err := recommendEnvelope\(ptr, n\)\n`)

// rogueWrap holds a rogue's change (%s) between the decoding of the
// request and the response and the encoding of the response.
const rogueWrap = `	if req, rerr := model.DecodeRequest(input(ptr, n)); rerr == nil && err == nil {
		if e, derr := model.DecodeEnvelope(env); derr == nil && e.Code == model.CodeOK {
			if res, derr := model.DecodeResponse(e.Result); derr == nil {
%s				_ = res
				env = model.EncodeResponseEnvelope(&res)
			}
		}
	}
`

// rogueImports are the raw WASI functions a rogue calls itself.
const rogueImports = `

//go:wasmimport wasi_snapshot_preview1 fd_write
func rogueWrite(fd int32, iovs unsafe.Pointer, n int32, written unsafe.Pointer) int32

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func rogueClock(id uint32, precision uint64, out unsafe.Pointer) int32

// leak writes b to fd in one fd_write.
func leak(fd int32, b []byte) {
	if len(b) == 0 {
		return
	}
	iov := [2]uint32{uint32(uintptr(unsafe.Pointer(&b[0]))), uint32(len(b))}
	var n uint32
	rogueWrite(fd, unsafe.Pointer(&iov), 1, unsafe.Pointer(&n))
}
`

func withRogue(code string) func(string) string {
	return func(src string) string {
		loc := afterRecommend.FindStringIndex(src)
		if loc == nil {
			return src // rogue reports that the patch changed nothing
		}
		return src[:loc[1]] + fmt.Sprintf(rogueWrap, code) + src[loc[1]:] + rogueImports
	}
}

// TestRogueModulesRetired is issue 11's browser bar: in Chromium, the SDK
// retires a module that writes to stdout or calls the host during
// recommend, and never passes to the page a "because" outside the history
// or a source outside the known set. The honest module, under the same
// shim, answers with reasons from the history only.
func TestRogueModulesRetired(t *testing.T) {
	honest := wasmtest.Module(t)
	cases := []struct {
		name string
		wasm []byte
		want string // in the error the page gets; "" for the honest module
	}{
		{"honest", honest, ""},
		{"stdout", rogue(t, "stdout", withRogue("\t\tfor _, e := range req.History {\n\t\t\tleak(1, []byte(e.Item+\"\\n\"))\n\t\t}\n")), "wrote to stdout"},
		{"clock", rogue(t, "clock", withRogue("\t\tvar ts uint64\n\t\trogueClock(0, uint64(len(req.History)), unsafe.Pointer(&ts))\n")), "recommend: the module called the host (clock_time_get)"},
		{"because", rogue(t, "because", withRogue("\t\tif len(res.Items) > 0 && len(req.History) > 0 {\n\t\t\tids := \"\"\n\t\t\tfor _, e := range req.History {\n\t\t\t\tids += e.Item + \",\"\n\t\t\t}\n\t\t\tres.Items[0].Source = model.SourceHistory\n\t\t\tres.Items[0].Because = []model.Reason{{Item: ids, Share: 1}}\n\t\t}\n")), "reason that is not in the request's history"},
		{"source", rogue(t, "source", withRogue("\t\tfor i := range res.Items {\n\t\t\tres.Items[i].Source = model.Source(req.Context.Device + \"|\" + string(res.Items[i].Source))\n\t\t}\n")), "source outside history, popular"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSDKSite(t, tc.wasm, time.Now().Add(-time.Minute))
			bctx := s.open(t)
			type answer struct {
				OK      bool     `json:"ok"`
				Error   string   `json:"error"`
				Code    int      `json:"code"`
				Because []string `json:"because"`
				Sources []string `json:"sources"`
				Retired int      `json:"retired"`
				Again   string   `json:"again"`
			}
			var a answer
			if err := json.Unmarshal([]byte(eval[string](t, bctx, `(async () => {
			  await rec.consent.set('full');
			  for (const item of ['burr-grinder', 'tamper']) await rec.track({ item, kind: 'view' });
			  const out = { ok: false, because: [], sources: [] };
			  try {
			    const r = await rec.recommend({ k: 8, explain: true, context: { hour: 9, weekday: 1, device: 'mobile' } });
			    out.ok = true;
			    for (const it of r.items ?? []) {
			      out.sources.push(it.source);
			      for (const b of it.because ?? []) out.because.push(b.item);
			    }
			  } catch (e) {
			    out.error = e.message;
			    out.code = e.code;
			  }
			  await new Promise((r) => setTimeout(r, 50)); // the event crosses from the worker
			  out.retired = events.filter((e) => e.type === 'moduleretired').length;
			  try {
			    await rec.recommend({ k: 3 });
			    out.again = 'answered';
			  } catch (e) {
			    out.again = e.message;
			  }
			  return JSON.stringify(out);
			})()`)), &a); err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if !a.OK || a.Retired != 0 || a.Again != "answered" {
					t.Fatalf("the honest module: %+v; want answers and no retirement", a)
				}
				for _, b := range a.Because {
					if b != "burr-grinder" && b != "tamper" {
						t.Errorf("reason %q is not in the history", b)
					}
				}
				for _, src := range a.Sources {
					if src != "history" && src != "popular" {
						t.Errorf("source %q", src)
					}
				}
				t.Logf("the honest module: sources %v, reasons %v", a.Sources, a.Because)
				return
			}
			if a.OK {
				t.Fatalf("the page got the rogue's answer: sources %v, reasons %v", a.Sources, a.Because)
			}
			if a.Code != 108 || !strings.Contains(a.Error, tc.want) {
				t.Errorf("error %d %q; want module_violation (108) saying %q", a.Code, a.Error, tc.want)
			}
			if a.Retired != 1 {
				t.Errorf("%d moduleretired events; want 1", a.Retired)
			}
			if !strings.Contains(a.Again, "retired") {
				t.Errorf("the next recommend: %q; want the module still retired", a.Again)
			}
			t.Logf("%s: %s", tc.name, a.Error)
		})
	}
}
