// Package server is the HTTP handler behind `privrec serve`: it serves the
// demo storefront, the JS SDK, the module and one signed bundle, all from
// memory, and nothing else.
//
// The handler is built for the demo's privacy promise (DESIGN.md, promise
// 4): it answers only GET and HEAD of a fixed set of static paths, refuses
// request bodies, never sets a cookie, sends a CSP whose connect-src is
// 'self' on every response, and logs requests by path only, never their
// query strings. Every file is read once when the handler is built, so no
// request can reach a file system.
//
// Caching: files whose URL names their content (the bundle's artifacts
// under their content-addressed names, the SDK under /sdk/<digest>/) are
// sent "Cache-Control: public, max-age=31536000, immutable", so a repeat
// visit does not even revalidate them; everything else, the manifest and
// its signature included, is "no-cache" with an ETag, so an unchanged file
// costs a 304. Compressible files go out in brotli or gzip as the client
// accepts (Vary: Accept-Encoding), compressed once when the handler is
// built or taken precompressed from Config.Precompressed.
package server

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// Cache-Control values: for URLs that name their content, and for the rest.
const (
	CacheImmutable  = "public, max-age=31536000, immutable"
	CacheRevalidate = "no-cache"
)

// CSP is the Content-Security-Policy of every response. Scripts, workers
// and connections may only reach this origin; 'wasm-unsafe-eval' lets the
// worker compile the module and nothing else.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
	"connect-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Paths under which the handler serves the SDK and the bundle.
const (
	SDKPrefix    = "/sdk/"
	BundlePrefix = "/bundle/"
	ConfigPath   = "/config.json"
)

// Config is what the handler serves. Site, SDK, Bundle and PublicKey are
// required; there are no defaults.
type Config struct {
	// Site holds the storefront's files (index.html at its root); every
	// regular file whose name does not start with "." or "_" is served under
	// "/".
	Site fs.FS
	// SDK holds privrec.js and privrec-worker.js (js/dist), served under
	// /sdk/.
	SDK fs.FS
	// Bundle is the signed bundle served under /bundle/: manifest.bin,
	// manifest.sig, weights.bin, catalog.bin, privrec.wasm and, when the
	// manifest lists it, items.bin (the page metadata the storefront reads
	// with rec.catalog).
	Bundle *bundle.Files
	// PublicKey is the key the page tells the SDK to trust; it must verify
	// Bundle's signature.
	PublicKey ed25519.PublicKey
	// Namespace separates the demo's IndexedDB store from other privrec
	// stores on the origin. Default "demo".
	Namespace string
	// Log, when not nil, is called once per request after it is answered.
	// It must be safe for concurrent use.
	Log func(Entry)
	// Now is the clock used to check the bundle; default time.Now.
	Now func() time.Time
	// Precompressed, when not nil, holds files compressed by a build step
	// (name.br, name.gz at its top level, e.g. brotli at quality 11 written
	// by js/scripts/precompress.mjs): a served file whose
	// content one of them decompresses to is sent as it, instead of as
	// compressed at start-up (BrotliQuality). Site and SDK are searched for
	// .br and .gz files too; those files are never served themselves.
	Precompressed fs.FS
	// Measurement, when not nil, turns the page's measurement on: the page
	// config carries the task (PageConfig.Measurement, inline, so a page
	// without measurement makes no request to learn it is off) and the
	// measure module is served under a content-addressed name. The DAP
	// endpoints are not this handler's: privrec serve --measure mounts the
	// leader and the helper beside it, on the same origin.
	Measurement *Measurement
}

// Measurement is the DAP task the demo page measures into.
type Measurement struct {
	TaskID        string  // unpadded base64url of the 32-byte id
	Leader        string  // the leader's API base: a path on this origin or an absolute URL
	Helper        string  // the helper's
	TimePrecision uint64  // seconds
	ControlShare  float64 // share of shopper-days in the control arm
	Module        []byte  // privrec-measure.wasm
}

// PageMeasurement is LoadOptions.measurement, as the page config gives it.
type PageMeasurement struct {
	TaskID        string  `json:"taskId"`
	Leader        string  `json:"leader"`
	Helper        string  `json:"helper"`
	TimePrecision uint64  `json:"timePrecision"`
	ControlShare  float64 `json:"controlShare"`
	WasmURL       string  `json:"wasmUrl"`
	WasmSHA256    string  `json:"wasmSha256"`
}

// MeasurePrefix is where the measure module is served, under its
// content-addressed name (privrec-measure.<16 hex digits of SHA-256>.wasm).
const MeasurePrefix = "/measure/"

// Entry describes one answered request. It holds the path only: a query
// string is recorded as present or not, never its content.
type Entry struct {
	Method   string
	Path     string
	Status   int
	Bytes    int64 // body bytes written
	HasQuery bool  // the URL had a query string (not served differently, not logged)
	HasBody  bool  // the request announced a body (always refused)
	Duration time.Duration
}

func (e Entry) String() string {
	q := ""
	if e.HasQuery {
		q = " (query dropped)"
	}
	return fmt.Sprintf("%s %s%s %d %dB %s", e.Method, e.Path, q, e.Status, e.Bytes, e.Duration.Round(time.Microsecond))
}

type file struct {
	data  []byte
	ctype string
	etag  string    // of the identity coding, quoted
	cache string    // Cache-Control
	enc   encodings // compressed codings, when worth it
}

// Handler serves the demo. It is immutable once built and safe for
// concurrent use.
type Handler struct {
	files map[string]file
	log   func(Entry)
	mod   time.Time
	info  *bundle.Manifest
	page  PageConfig
}

// PageConfig is the JSON the page reads from /config.json.
type PageConfig struct {
	BundleURL string `json:"bundleUrl"`
	WasmURL   string `json:"wasmUrl,omitempty"` // empty: the SDK derives the module's URL from the manifest
	SDKURL    string `json:"sdkUrl"`            // versioned by content: /sdk/<digest>/privrec.js`
	PublicKey string `json:"publicKey"`         // standard base64 of the 32 bytes
	KeyID     string `json:"keyId"`
	Namespace string `json:"namespace"`
	// Measurement is absent unless Config.Measurement was given.
	Measurement *PageMeasurement `json:"measurement,omitempty"`
}

// New checks cfg (the bundle must verify with PublicKey now) and loads every
// file into memory.
func New(cfg Config) (*Handler, error) {
	if cfg.Site == nil || cfg.SDK == nil || cfg.Bundle == nil {
		return nil, fmt.Errorf("%w: new server: site, SDK and bundle are required", model.ErrBadRequest)
	}
	if len(cfg.PublicKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: new server: public key is %d bytes; want %d", model.ErrBadRequest, len(cfg.PublicKey), ed25519.PublicKeySize)
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	b := cfg.Bundle
	m, err := bundle.Verify(b.Manifest, b.Signature, bundle.VerifyOptions{Keys: [][]byte{cfg.PublicKey}, Now: now().UnixMilli()})
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	type artifact struct {
		name, plain string
		data        []byte
	}
	arts := []artifact{{bundle.NameWeights, bundledir.WeightsFile, b.Weights}, {bundle.NameCatalog, bundledir.CatalogFile, b.Catalog}, {bundle.NameWasm, bundledir.WasmFile, b.Wasm}}
	if m.Artifact(bundle.NameItems) != nil {
		arts = append(arts, artifact{bundle.NameItems, bundledir.ItemsFile, b.Items})
	}
	for _, a := range arts {
		if err := m.Check(a.name, a.data); err != nil {
			return nil, fmt.Errorf("new server: %w", err)
		}
	}
	h := &Handler{files: map[string]file{}, log: cfg.Log, mod: time.UnixMilli(m.Created).UTC(), info: m}
	if err := h.addTree("/", cfg.Site); err != nil {
		return nil, err
	}
	if _, ok := h.files["/index.html"]; !ok {
		return nil, fmt.Errorf("%w: new server: the site has no index.html", model.ErrMissingArtifact)
	}
	h.versionSite()
	if err := h.addTree(SDKPrefix, cfg.SDK); err != nil {
		return nil, err
	}
	for _, name := range []string{"privrec.js", "privrec-worker.js"} {
		if _, ok := h.files[SDKPrefix+name]; !ok {
			return nil, fmt.Errorf("%w: new server: the SDK has no %s (build it: cd js && npm ci && npm run build)", model.ErrMissingArtifact, name)
		}
	}
	sdkDir := h.versionSDK()
	h.add(BundlePrefix+bundledir.ManifestFile, b.Manifest)
	h.add(BundlePrefix+bundledir.SignatureFile, b.Signature)
	for _, a := range arts {
		// The plain names stay for hosts and pages of before content
		// addressing; the SDK fetches the content-addressed ones.
		h.add(BundlePrefix+a.plain, a.data)
		h.addImmutable(BundlePrefix+bundledir.ContentName(a.name, m.Artifact(a.name).SHA256), a.data)
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = "demo"
	}
	pc := PageConfig{
		BundleURL: BundlePrefix, SDKURL: sdkDir + "privrec.js",
		PublicKey: base64.StdEncoding.EncodeToString(cfg.PublicKey), KeyID: bundle.KeyID(cfg.PublicKey),
		Namespace: ns,
	}
	if m := cfg.Measurement; m != nil {
		if len(m.Module) == 0 || m.TaskID == "" || m.Leader == "" || m.Helper == "" {
			return nil, fmt.Errorf("%w: new server: measurement needs the task id, the leader's and the helper's URLs and the measure module (make measure-wasm)", model.ErrBadRequest)
		}
		sum := sha256.Sum256(m.Module)
		wasm := MeasurePrefix + "privrec-measure." + hex.EncodeToString(sum[:8]) + ".wasm"
		h.addImmutable(wasm, m.Module)
		pc.Measurement = &PageMeasurement{TaskID: m.TaskID, Leader: m.Leader, Helper: m.Helper, TimePrecision: m.TimePrecision,
			ControlShare: m.ControlShare, WasmURL: wasm, WasmSHA256: hex.EncodeToString(sum[:])}
	}
	h.page = pc
	// The products' titles and prices reach the page inside the signed
	// bundle (items.bin, rec.catalog), not as a JSON file of their own.
	data, err := json.Marshal(pc)
	if err != nil {
		return nil, fmt.Errorf("%w: new server: %v", model.ErrInternal, err)
	}
	h.add(ConfigPath, data)
	h.inlineConfig(data, pc.SDKURL)
	pre := map[[32]byte]encodings{}
	for i, fsys := range []fs.FS{cfg.Site, cfg.SDK, cfg.Precompressed} {
		found, err := precompressed(fsys, i < 2)
		if err != nil {
			return nil, fmt.Errorf("%w: new server: %v", model.ErrCorrupt, err)
		}
		for sum, enc := range found {
			if pre[sum] == nil {
				pre[sum] = encodings{}
			}
			for k, v := range enc {
				pre[sum][k] = v
			}
		}
	}
	h.encodeAll(pre)
	return h, nil
}

// SitePrefix is where the site's files are served a second time under
// versioned URLs: SitePrefix + <digest of the file> + "/" + name.
const SitePrefix = "/s/"

// versionSite serves each file of the site that index.html names by an
// absolute path ("/app.js", "/style.css") a second time under a URL that
// names its content (SitePrefix), immutable, and points index.html at
// those URLs: a repeat visit then revalidates only the page itself.
func (h *Handler) versionSite() {
	index := h.files["/index.html"]
	html := index.data
	for p, f := range h.files {
		if p == "/index.html" || strings.Count(p, "/") != 1 {
			continue
		}
		ref := []byte(`"` + p + `"`)
		if !bytes.Contains(html, ref) {
			continue
		}
		sum := sha256.Sum256(f.data)
		v := SitePrefix + hex.EncodeToString(sum[:8]) + p
		h.addImmutable(v, f.data)
		html = bytes.ReplaceAll(html, ref, []byte(`"`+v+`"`))
	}
	h.add("/index.html", html)
}

// ConfigElement is the id of the element in index.html that holds the page
// config (the JSON of /config.json), so the page need not fetch it.
const ConfigElement = "privrec-config"

// inlineConfig puts the page config into index.html, as a JSON data block
// (not a script: the CSP runs none that is inline), and a modulepreload of
// the SDK, so a page view starts the SDK one round trip sooner.
// json.Marshal escapes <, > and &, so the JSON cannot close the element.
func (h *Handler) inlineConfig(config []byte, sdkURL string) {
	html := h.files["/index.html"].data
	head := []byte("</head>")
	i := bytes.Index(html, head)
	if i < 0 {
		return
	}
	block := fmt.Sprintf("  <link rel=\"modulepreload\" href=%q>\n  <script type=\"application/json\" id=%q>%s</script>\n", sdkURL, ConfigElement, config)
	out := append(append(append([]byte(nil), html[:i]...), block...), html[i:]...)
	h.add("/index.html", out)
}

// versionSDK serves every SDK file a second time under /sdk/<digest>/,
// where digest covers the names and bytes of all of them: the page imports
// privrec.js from there, privrec.js finds its worker beside it, and all of
// them can be cached for good. It returns that directory's path.
func (h *Handler) versionSDK() string {
	var names []string
	for p := range h.files {
		if strings.HasPrefix(p, SDKPrefix) {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	d := sha256.New()
	for _, p := range names {
		sum := sha256.Sum256(h.files[p].data)
		fmt.Fprintf(d, "%s %x\n", p, sum)
	}
	dir := SDKPrefix + hex.EncodeToString(d.Sum(nil)[:8]) + "/"
	for _, p := range names {
		h.addImmutable(dir+strings.TrimPrefix(p, SDKPrefix), h.files[p].data)
	}
	return dir
}

// Page returns what /config.json tells the page.
func (h *Handler) Page() PageConfig { return h.page }

// Manifest returns the verified manifest of the bundle being served.
func (h *Handler) Manifest() *bundle.Manifest { return h.info }

// Paths returns every path the handler serves, sorted ("/" serves
// /index.html).
func (h *Handler) Paths() []string {
	out := make([]string, 0, len(h.files))
	for p := range h.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (h *Handler) addTree(prefix string, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("new server: %w", err)
		}
		name := d.Name()
		if p != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
			return nil // precompressed files are codings of another file, not files
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("new server: %w", err)
		}
		h.add(prefix+p, data)
		return nil
	})
}

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".wasm": "application/wasm",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/plain; charset=utf-8",
	".ts":   "text/plain; charset=utf-8",
	".bin":  "application/octet-stream",
	".sig":  "application/octet-stream",
}

func (h *Handler) add(p string, data []byte) {
	ext := path.Ext(p)
	ct, ok := types[ext]
	if !ok {
		if ct = mime.TypeByExtension(ext); ct == "" {
			ct = "application/octet-stream"
		}
	}
	sum := sha256.Sum256(data)
	h.files[p] = file{data: data, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, cache: CacheRevalidate}
}

// addImmutable serves data at p, a URL that names its content.
func (h *Handler) addImmutable(p string, data []byte) {
	h.add(p, data)
	f := h.files[p]
	f.cache = CacheImmutable
	h.files[p] = f
}

// setSecurityHeaders sets the headers every response carries, errors
// included.
func setSecurityHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()")
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &recorder{ResponseWriter: w, status: http.StatusOK}
	e := Entry{Method: r.Method, Path: r.URL.Path, HasQuery: r.URL.RawQuery != "" || r.URL.ForceQuery,
		HasBody: r.ContentLength != 0 || len(r.TransferEncoding) > 0}
	defer func() {
		if h.log != nil {
			e.Status, e.Bytes, e.Duration = rw.status, rw.n, time.Since(start)
			h.log(e)
		}
	}()
	setSecurityHeaders(rw.Header())
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		rw.Header().Set("Allow", "GET, HEAD")
		http.Error(rw, "method not allowed: this server only serves static files", http.StatusMethodNotAllowed)
		return
	case e.HasBody:
		http.Error(rw, "bad request: a GET carries no body", http.StatusBadRequest)
		return
	}
	p := r.URL.Path
	if p == "/" {
		p = "/index.html"
	}
	f, ok := h.files[p]
	if !ok {
		http.Error(rw, "not found", http.StatusNotFound)
		return
	}
	hd := rw.Header()
	hd.Set("Content-Type", f.ctype)
	hd.Set("Cache-Control", f.cache)
	body, etag := f.data, f.etag
	if len(f.enc) > 0 {
		hd.Set("Vary", "Accept-Encoding")
		if enc := negotiate(r.Header.Get("Accept-Encoding"), f); enc != "" {
			body = f.enc[enc]
			etag = strings.TrimSuffix(f.etag, `"`) + "-" + enc + `"`
			hd.Set("Content-Encoding", enc)
		}
	}
	hd.Set("ETag", etag)
	http.ServeContent(rw, r, "", h.mod, bytes.NewReader(body))
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	n      int64
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.n += int64(n)
	return n, err
}

// Limits of NewHTTPServer.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 60 * time.Second // the module is a few MB on a slow link
	IdleTimeout       = 60 * time.Second
	MaxHeaderBytes    = 16 << 10
)

// NewHTTPServer wraps h in an http.Server with bounded timeouts and header
// size, for addr.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
