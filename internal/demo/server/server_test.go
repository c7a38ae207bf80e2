package server

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func testConfig(t testing.TB) Config {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	files, err := demo.Bundle([]byte("\x00asm not a real module"), priv, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Site: fstest.MapFS{
			"index.html":    {Data: []byte(`<!doctype html><head><title>t</title><script type="module" src="/app.js"></script></head>`)},
			"app.js":        {Data: []byte("export {}")},
			".hidden":       {Data: []byte("secret")},
			"_draft/x.html": {Data: []byte("draft")},
		},
		SDK: fstest.MapFS{
			"privrec.js":        {Data: []byte("export class Recommender {}")},
			"privrec-worker.js": {Data: []byte("// worker")},
		},
		Bundle:    files,
		PublicKey: pub,
		Now:       func() time.Time { return testNow },
	}
}

func newTestHandler(t testing.TB) (*Handler, func() []Entry) {
	t.Helper()
	cfg := testConfig(t)
	var mu sync.Mutex
	var log []Entry
	cfg.Log = func(e Entry) { mu.Lock(); log = append(log, e); mu.Unlock() }
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, func() []Entry { mu.Lock(); defer mu.Unlock(); return append([]Entry(nil), log...) }
}

func TestServe(t *testing.T) {
	h, _ := newTestHandler(t)
	for _, tc := range []struct {
		name, method, target string
		body                 string
		status               int
		ctype                string
	}{
		{"root is index", "GET", "/", "", 200, "text/html; charset=utf-8"},
		{"index", "GET", "/index.html", "", 200, "text/html; charset=utf-8"},
		{"head", "HEAD", "/app.js", "", 200, "text/javascript; charset=utf-8"},
		{"sdk", "GET", "/sdk/privrec-worker.js", "", 200, "text/javascript; charset=utf-8"},
		{"wasm", "GET", "/bundle/privrec.wasm", "", 200, "application/wasm"},
		{"manifest", "GET", "/bundle/manifest.bin", "", 200, "application/octet-stream"},
		{"config", "GET", "/config.json", "", 200, "application/json"},
		{"query ignored", "GET", "/app.js?history=burr-grinder", "", 200, "text/javascript; charset=utf-8"},
		{"post", "POST", "/", "", 405, ""},
		{"put", "PUT", "/bundle/weights.bin", "x", 405, ""},
		{"options", "OPTIONS", "/", "", 405, ""},
		{"get with body", "GET", "/", "history", 400, ""},
		{"missing", "GET", "/nope", "", 404, ""},
		{"dot file", "GET", "/.hidden", "", 404, ""},
		{"underscore dir", "GET", "/_draft/x.html", "", 404, ""},
		{"traversal", "GET", "/sdk/../../go.mod", "", 404, ""},
		{"encoded traversal", "GET", "/%2e%2e/go.mod", "", 404, ""},
		{"directory", "GET", "/sdk/", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.target, body)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			res := w.Result()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d; want %d", res.StatusCode, tc.status)
			}
			hd := res.Header
			if hd.Get("Content-Security-Policy") != CSP || hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("security headers missing: %v", hd)
			}
			if len(res.Cookies()) != 0 || hd.Get("Set-Cookie") != "" {
				t.Errorf("sets a cookie")
			}
			if tc.status == 405 && hd.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", hd.Get("Allow"))
			}
			if tc.ctype != "" {
				if got := hd.Get("Content-Type"); got != tc.ctype {
					t.Errorf("Content-Type %q; want %q", got, tc.ctype)
				}
				if hd.Get("Cache-Control") != CacheRevalidate || hd.Get("ETag") == "" {
					t.Errorf("cache headers: %q, etag %q", hd.Get("Cache-Control"), hd.Get("ETag"))
				}
			}
		})
	}
}

// get serves one request with the given headers (name, value pairs).
func get(h *Handler, target string, headers ...string) *http.Response {
	req := httptest.NewRequest("GET", "http://127.0.0.1"+target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

// TestCaching: URLs that name their content are immutable, the rest (the
// manifest and its signature first) revalidate with an ETag and a 304.
func TestCaching(t *testing.T) {
	h, _ := newTestHandler(t)
	m := h.Manifest()
	var pc PageConfig
	if err := json.NewDecoder(get(h, ConfigPath).Body).Decode(&pc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pc.SDKURL, SDKPrefix) || pc.SDKURL == SDKPrefix+"privrec.js" || pc.WasmURL != "" {
		t.Fatalf("page config: sdkUrl %q, wasmUrl %q; want a versioned SDK URL and no wasmUrl", pc.SDKURL, pc.WasmURL)
	}
	sdkDir := strings.TrimSuffix(pc.SDKURL, "privrec.js")
	immutable := []string{sdkDir + "privrec.js", sdkDir + "privrec-worker.js"}
	for _, a := range m.Artifacts {
		immutable = append(immutable, BundlePrefix+bundledir.ContentName(a.Name, a.SHA256))
	}
	// index.html names its script by a versioned URL.
	index, _ := io.ReadAll(get(h, "/").Body)
	var app string
	for _, p := range h.Paths() {
		if strings.HasPrefix(p, SitePrefix) && strings.HasSuffix(p, "/app.js") {
			app = p
		}
	}
	if app == "" || !strings.Contains(string(index), `"`+app+`"`) || strings.Contains(string(index), `"/app.js"`) {
		t.Fatalf("index.html %q; want it to name app.js as %q", index, app)
	}
	// and carries the page config, and a modulepreload of the SDK.
	_, block, _ := strings.Cut(string(index), `<script type="application/json" id="`+ConfigElement+`">`)
	block, _, _ = strings.Cut(block, "</script>")
	var inline PageConfig
	if err := json.Unmarshal([]byte(block), &inline); err != nil || inline != pc {
		t.Fatalf("inline config %q (%v); want %+v", block, err, pc)
	}
	if !strings.Contains(string(index), `<link rel="modulepreload" href="`+pc.SDKURL+`">`) {
		t.Errorf("index.html lacks the SDK's modulepreload: %s", index)
	}
	immutable = append(immutable, app)
	revalidated := []string{BundlePrefix + "manifest.bin", BundlePrefix + "manifest.sig", BundlePrefix + "weights.bin",
		BundlePrefix + "privrec.wasm", BundlePrefix + "items.bin", SDKPrefix + "privrec.js", "/", "/app.js", ConfigPath}
	for _, tc := range []struct {
		paths []string
		cache string
	}{{immutable, CacheImmutable}, {revalidated, CacheRevalidate}} {
		for _, p := range tc.paths {
			res := get(h, p)
			if res.StatusCode != 200 || res.Header.Get("Cache-Control") != tc.cache {
				t.Errorf("%s: status %d, Cache-Control %q; want 200, %q", p, res.StatusCode, res.Header.Get("Cache-Control"), tc.cache)
			}
			etag := res.Header.Get("ETag")
			again := get(h, p, "If-None-Match", etag)
			body, _ := io.ReadAll(again.Body)
			if etag == "" || again.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("%s: revalidating ETag %s: status %d, %d bytes; want 304, none", p, etag, again.StatusCode, len(body))
			}
		}
	}
	// The content-addressed artifacts are the signed bytes.
	for _, a := range m.Artifacts {
		body, _ := io.ReadAll(get(h, BundlePrefix+bundledir.ContentName(a.Name, a.SHA256)).Body)
		if err := m.Check(a.Name, body); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
	}
}

// TestCompression: brotli, else gzip, as the client accepts, with Vary,
// a coding-specific ETag, and the same bytes once decoded.
func TestCompression(t *testing.T) {
	cfg := testConfig(t)
	big := []byte(strings.Repeat("export const recommend = () => 'on this device';\n", 200))
	cfg.SDK.(fstest.MapFS)["privrec-worker.js"] = &fstest.MapFile{Data: big}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=1.0, gzip;q=0.8", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"*", "br"},
		{"identity", ""},
		{"", ""},
	} {
		res := get(h, SDKPrefix+"privrec-worker.js", "Accept-Encoding", tc.accept)
		body, _ := io.ReadAll(res.Body)
		if got := res.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q; want %q", tc.accept, got, tc.want)
		}
		if res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, res.Header.Get("Vary"))
		}
		plain, err := decompressAny(tc.want, body)
		if err != nil || !bytes.Equal(plain, big) {
			t.Errorf("Accept-Encoding %q: body does not decode to the file (%v)", tc.accept, err)
		}
		if tc.want != "" && (len(body) >= len(big)/4 || !strings.Contains(res.Header.Get("ETag"), "-"+tc.want)) {
			t.Errorf("Accept-Encoding %q: %d bytes of %d, ETag %s", tc.accept, len(body), len(big), res.Header.Get("ETag"))
		}
		if tc.want != "" {
			again := get(h, SDKPrefix+"privrec-worker.js", "Accept-Encoding", tc.accept, "If-None-Match", res.Header.Get("ETag"))
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("Accept-Encoding %q: revalidation status %d; want 304", tc.accept, again.StatusCode)
			}
		}
	}
	// A tiny file is not worth a coding, and says so by not varying.
	if res := get(h, "/app.js", "Accept-Encoding", "br"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("tiny app.js sent as %q", res.Header.Get("Content-Encoding"))
	}
}

// TestPrecompressed: a build step's .br next to a file is what the client
// gets; a .br that does not decompress stops the server from starting.
func TestPrecompressed(t *testing.T) {
	cfg := testConfig(t)
	big := []byte(strings.Repeat("precompressed at quality 11 by the build\n", 100))
	var br bytes.Buffer
	w := brotli.NewWriterLevel(&br, 11)
	w.Write(big)
	w.Close()
	sdk := cfg.SDK.(fstest.MapFS)
	sdk["privrec-worker.js"] = &fstest.MapFile{Data: big}
	sdk["privrec-worker.js.br"] = &fstest.MapFile{Data: br.Bytes()}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get(h, SDKPrefix+"privrec-worker.js", "Accept-Encoding", "br").Body)
	if !bytes.Equal(body, br.Bytes()) {
		t.Errorf("served %d bytes; want the precompressed %d", len(body), br.Len())
	}
	if res := get(h, SDKPrefix+"privrec-worker.js.br"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the .br itself is served: %d", res.StatusCode)
	}
	sdk["privrec-worker.js.br"] = &fstest.MapFile{Data: []byte("not brotli")}
	if _, err := New(cfg); !errors.Is(err, model.ErrCorrupt) {
		t.Errorf("a broken .br: %v; want corrupt", err)
	}
}

func decompressAny(enc string, b []byte) ([]byte, error) {
	switch enc {
	case "":
		return b, nil
	case "gzip":
		return decompress(encGzip, b)
	}
	return decompress(encBrotli, b)
}

func TestCSP(t *testing.T) {
	for _, want := range []string{"connect-src 'self'", "default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'",
		"worker-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(CSP, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	if strings.Contains(CSP, "unsafe-inline") || strings.Contains(CSP, "*") {
		t.Errorf("CSP is too loose: %s", CSP)
	}
}

func TestNotModified(t *testing.T) {
	h, _ := newTestHandler(t)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/bundle/weights.bin", nil))
	etag := w.Result().Header.Get("ETag")
	req := httptest.NewRequest("GET", "/bundle/weights.bin", nil)
	req.Header.Set("If-None-Match", etag)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("revalidation: status %d, %d bytes; want 304, none", w.Code, w.Body.Len())
	}
}

// TestLogHasNoQuery checks that a query string reaches neither the log's
// path nor its text.
func TestLogHasNoQuery(t *testing.T) {
	h, log := newTestHandler(t)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/app.js?item=burr-grinder", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/?x=1", strings.NewReader("burr-grinder")))
	entries := log()
	if len(entries) != 2 {
		t.Fatalf("%d log entries; want 2", len(entries))
	}
	for _, e := range entries {
		if strings.Contains(e.String(), "burr-grinder") || strings.Contains(e.Path, "?") || !e.HasQuery {
			t.Errorf("log entry %q (%+v)", e, e)
		}
	}
	if e := entries[1]; e.Status != 405 || !e.HasBody {
		t.Errorf("POST logged as %+v", e)
	}
}

func TestPageConfig(t *testing.T) {
	h, _ := newTestHandler(t)
	// The products reach the page in the signed bundle (items.bin), not as
	// a JSON file of their own.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/catalog.json", nil))
	if w.Code != 404 {
		t.Errorf("/catalog.json: status %d; want 404", w.Code)
	}
	res := get(h, BundlePrefix+bundledir.ContentName(bundle.NameItems, h.Manifest().Artifact(bundle.NameItems).SHA256))
	body, _ := io.ReadAll(res.Body)
	items, _, err := train.DecodeItems(body)
	if err != nil || len(items) != len(demo.Catalog()) {
		t.Fatalf("items.bin: %d items (want %d), %v", len(items), len(demo.Catalog()), err)
	}
	if it := items[0]; it.Title == "" || it.Price == nil || it.Currency != demo.Currency || it.URL != "#/p/"+it.ID {
		t.Errorf("items.bin: first item %+v", it)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", ConfigPath, nil))
	var pc PageConfig
	if err := json.Unmarshal(w.Body.Bytes(), &pc); err != nil {
		t.Fatal(err)
	}
	if pc.KeyID != h.Manifest().KeyID || pc.BundleURL != BundlePrefix || pc.Namespace != "demo" {
		t.Errorf("page config %+v", pc)
	}
}

func TestNewErrors(t *testing.T) {
	_, other, _ := ed25519.GenerateKey(nil)
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want error
	}{
		{"no site", func(c *Config) { c.Site = nil }, model.ErrBadRequest},
		{"short key", func(c *Config) { c.PublicKey = c.PublicKey[:5] }, model.ErrBadRequest},
		{"wrong key", func(c *Config) { c.PublicKey = other.Public().(ed25519.PublicKey) }, model.ErrUnknownKey},
		{"expired", func(c *Config) { c.Now = func() time.Time { return testNow.Add(demo.Expiry + time.Hour) } }, model.ErrExpired},
		{"tampered weights", func(c *Config) {
			w := append([]byte(nil), c.Bundle.Weights...)
			w[len(w)-1] ^= 1
			c.Bundle.Weights = w
		}, model.ErrDigestMismatch},
		{"no index", func(c *Config) { c.Site = fstest.MapFS{"app.js": {Data: []byte("")}} }, model.ErrMissingArtifact},
		{"no worker", func(c *Config) { c.SDK = fstest.MapFS{"privrec.js": {Data: []byte("")}} }, model.ErrMissingArtifact},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.edit(&cfg)
			if _, err := New(cfg); !errors.Is(err, tc.want) {
				t.Fatalf("New: %v; want %v", err, tc.want)
			}
		})
	}
}

func BenchmarkServe(b *testing.B) {
	h, _ := newTestHandler(b)
	for _, p := range []string{"/", "/bundle/weights.bin"} {
		b.Run(p, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", p, nil)
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
