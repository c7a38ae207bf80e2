// Command jsfixture writes what the JS SDK's node tests need into a
// directory: a freshly built privrec.wasm, small signed bundles (good ones at
// three versions, a tampered one, an expired one, one signed by an untrusted
// key, one whose privrec.wasm a rogue module replaced and one whose signed
// module is a rogue that lies about what it loaded), the trusted public key,
// and parity expectations: requests with the responses of the Go harness
// running the same module bytes.
//
//	go run ./internal/jsfixture -out js/test/fixtures
//
// Everything but the module is deterministic: fixed keys, fixed times, a
// seeded synthetic model. The tests never need the network or a dataset.
package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// Fixed times (Unix ms). Now is what parity requests and the tests' clock use.
var (
	created = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	expires = time.Date(2125, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	now     = time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC).UnixMilli()
	day     = int64(24 * time.Hour / time.Millisecond)
)

func main() {
	out := flag.String("out", "js/test/fixtures", "directory to write the fixtures into (created; its previous content is replaced)")
	wasmPath := flag.String("wasm", "", "use this privrec.wasm instead of building ./wasm")
	flag.Parse()
	if err := run(*out, *wasmPath); err != nil {
		fmt.Fprintln(os.Stderr, "jsfixture:", err)
		os.Exit(1)
	}
}

func run(out, wasmPath string) error {
	wasm, err := moduleBytes(wasmPath)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("clean %s: %w", out, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "privrec.wasm"), wasm, 0o644); err != nil {
		return err
	}

	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	if err := os.WriteFile(filepath.Join(out, "privrec.pub"), bundledir.MarshalPublicKey(pub), 0o644); err != nil {
		return err
	}

	spec, items := syntheticModel(1)
	specV3, _ := syntheticModel(3) // a different model, so an update is visible
	// rogue says which module a bundle ships: the real one, a rogue module
	// signed into the manifest (the module lies about what it loaded), or
	// the real one signed but a rogue served in its place (a compromised
	// CDN).
	const (
		real = iota
		rogueSigned
		rogueServed
	)
	type plan struct {
		dir     string
		version uint64
		spec    *model.Spec
		key     ed25519.PrivateKey
		expires int64
		tamper  bool
		rogue   int
	}
	plans := []plan{
		{"v1", 1, spec, priv, expires, false, real},
		{"v2", 2, spec, priv, expires, false, real},
		{"v3", 3, specV3, priv, expires, false, real},
		{"tampered", 4, spec, priv, expires, true, real},
		{"expired", 5, spec, priv, created + 30*day, false, real},
		{"untrusted", 6, spec, other, expires, false, real},
		{"liar", 7, spec, priv, expires, false, rogueSigned},
		{"substituted", 8, spec, priv, expires, false, rogueServed},
	}
	for i, p := range plans {
		var id [16]byte
		id[0], id[15] = byte(i+1), 0xa5
		meta := bundle.Meta{Version: p.version, Created: created, Expires: p.expires, BundleID: id}
		var rogue []byte
		if p.rogue != real {
			rogue, err = rogueModule(model.LoadResult{Version: rogueVersion, KeyID: bundle.KeyID(p.key.Public().(ed25519.PublicKey)),
				Created: created, Expires: p.expires, Items: len(items), BundleID: fmt.Sprintf("%x", id)})
			if err != nil {
				return err
			}
		}
		signed := wasm
		if p.rogue == rogueSigned {
			signed = rogue
		}
		f, err := makeBundle(p.spec, items, id, signed, meta, p.key)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", p.dir, err)
		}
		if p.tamper {
			f.Weights = bytes.Clone(f.Weights)
			f.Weights[len(f.Weights)-1] ^= 0x01
		}
		if p.rogue == rogueServed {
			f.Wasm = rogue
		}
		if err := bundledir.Write(filepath.Join(out, p.dir), f); err != nil {
			return err
		}
	}

	if err := writeItemBundles(out, spec, items, wasm, priv); err != nil {
		return err
	}
	bundles := map[string]uint64{"v1": 1, "v2": 2, "v3": 3, "tampered": 4, "expired": 5, "untrusted": 6, "liar": 7, "substituted": 8}
	for name, v := range itemBundles {
		bundles[name] = v
	}

	v2, err := bundledir.Read(filepath.Join(out, "v2"))
	if err != nil {
		return err
	}
	cases, err := parity(wasm, v2, pub, items)
	if err != nil {
		return err
	}
	meta := map[string]any{
		"public_key":     base64.StdEncoding.EncodeToString(pub),
		"other_key":      base64.StdEncoding.EncodeToString(other.Public().(ed25519.PublicKey)),
		"now":            now,
		"created":        created,
		"bundles":        bundles,
		"rogue_version":  uint64(rogueVersion),
		"items":          len(items),
		"parity_bundle":  "v2",
		"parity":         cases,
		"wasm_sha256hex": fmt.Sprintf("%x", sha256Sum(wasm)),
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "fixtures.json"), append(b, '\n'), 0o644)
}

// moduleBytes builds ./wasm from the repository root (or reads path).
func moduleBytes(path string) ([]byte, error) {
	if path != "" {
		return os.ReadFile(path)
	}
	tmp, err := os.MkdirTemp("", "jsfixture-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, "privrec.wasm")
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", dst, "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build module: %w", err)
	}
	return os.ReadFile(dst)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// syntheticModel is a small deterministic model: 40 items in 4 categories,
// 6 neighbours each, popularity, and a few context boosts.
func syntheticModel(seed uint64) (*model.Spec, []model.Item) {
	const n = 40
	r := rand.New(rand.NewPCG(seed, 42))
	s := &model.Spec{
		Items:      make([]string, n),
		Neighbors:  make([][]model.Neighbor, n),
		Popularity: make([]float32, n),
		Contexts:   map[string][]model.Neighbor{},
		Params:     model.Params{HalfLifeDays: 30, ViewWeight: 0.2, CartWeight: 0.5, PurchaseWeight: 1, Saturation: 2},
	}
	items := make([]model.Item, n)
	cats := []string{"mugs", "tea", "books", "lamps"}
	for i := range n {
		id := fmt.Sprintf("sku-%03d", i)
		s.Items[i] = id
		items[i] = model.Item{ID: id, Title: fmt.Sprintf("Item %d", i), Price: float64(5 + i), Category: cats[i%len(cats)]}
		s.Popularity[i] = float32(n-i)/n + float32(r.IntN(100))/1000
		seen := map[int32]bool{int32(i): true}
		for len(s.Neighbors[i]) < 6 {
			j := int32(r.IntN(n))
			if seen[j] {
				continue
			}
			seen[j] = true
			s.Neighbors[i] = append(s.Neighbors[i], model.Neighbor{Item: j, Weight: float32(r.IntN(1000)+1) / 1000})
		}
		sort.Slice(s.Neighbors[i], func(a, b int) bool { return s.Neighbors[i][a].Weight > s.Neighbors[i][b].Weight })
	}
	for _, key := range []string{"hour:9", "hour:15", "weekday:1", "device:mobile"} {
		for range 3 {
			s.Contexts[key] = append(s.Contexts[key], model.Neighbor{Item: int32(r.IntN(n)), Weight: float32(r.IntN(500)+1) / 1000})
		}
	}
	return s, items
}

func makeBundle(s *model.Spec, items []model.Item, id [16]byte, wasm []byte, meta bundle.Meta, key ed25519.PrivateKey, pageItems ...[]byte) (*bundle.Files, error) {
	w, err := model.EncodeWeights(s, id)
	if err != nil {
		return nil, err
	}
	c, err := model.EncodeCatalog(items, id)
	if err != nil {
		return nil, err
	}
	f := &bundle.Files{Weights: w, Catalog: c, Wasm: wasm}
	if len(pageItems) > 0 {
		f.Items = pageItems[0] // the page metadata (items.go)
	}
	if err := bundle.Sign(f, meta, key); err != nil {
		return nil, err
	}
	return f, nil
}

// Case is one parity expectation: a request and what the Go side answered
// (a response, or an error code).
type Case struct {
	Name     string          `json:"name"`
	Request  model.Request   `json:"request"`
	Response *model.Response `json:"response,omitempty"`
	Code     model.Code      `json:"code,omitempty"`
}

func parity(wasm []byte, f *bundle.Files, pub ed25519.PublicKey, items []model.Item) ([]Case, error) {
	r := rand.New(rand.NewPCG(7, 7))
	kinds := []model.Kind{model.KindView, model.KindCart, model.KindPurchase}
	history := func(n int) model.History {
		h := make(model.History, n)
		for i := range h {
			h[i] = model.Event{Item: items[r.IntN(len(items))].ID, Kind: kinds[r.IntN(3)], At: now - int64(r.IntN(60*24*60))*60*1000}
		}
		// The SDK sends history oldest first; so do the expectations.
		sort.SliceStable(h, func(a, b int) bool { return h[a].At < h[b].At })
		return h
	}
	ctx := model.Context{Hour: 15, Weekday: 1, Device: "desktop"}
	cases := []Case{
		{Name: "empty history: popular by context", Request: model.Request{K: 5, Context: ctx}},
		{Name: "unknown context", Request: model.Request{K: 5, Context: model.Context{Hour: -1, Weekday: -1}}},
		{Name: "mobile at nine", Request: model.Request{K: 8, Context: model.Context{Hour: 9, Weekday: 3, Device: "mobile"}}},
		{Name: "one purchase", Request: model.Request{K: 10, History: model.History{{Item: "sku-003", Kind: model.KindPurchase, At: now - day}}, Context: ctx}},
		{Name: "short history explained", Request: model.Request{K: 10, History: history(5), Context: ctx, Explain: true}},
		{Name: "long history", Request: model.Request{K: 20, History: history(40), Context: ctx}},
		{Name: "default k", Request: model.Request{History: history(12), Context: ctx}},
		{Name: "k above max", Request: model.Request{K: 500, History: history(8), Context: ctx}},
		{Name: "category filter", Request: model.Request{K: 5, History: history(10), Context: ctx, Category: "tea"}},
		{Name: "exclude", Request: model.Request{K: 6, History: history(10), Context: ctx, Exclude: []string{"sku-000", "sku-001", "sku-002"}}},
		{Name: "seen all", Request: model.Request{K: 10, History: history(15), Context: ctx, Seen: model.SeenAll, Explain: true}},
		{Name: "seen none", Request: model.Request{K: 10, History: history(15), Context: ctx, Seen: model.SeenNone}},
		{Name: "unknown items", Request: model.Request{K: 5, History: model.History{{Item: "gone-1", Kind: model.KindView, At: now - day}, {Item: "sku-010", Kind: model.KindCart, At: now - 2*day}}, Context: ctx}},
		{Name: "negative k", Request: model.Request{K: -1, Context: ctx}},
		{Name: "bad seen", Request: model.Request{K: 3, Context: ctx, Seen: "everything"}},
	}
	h, err := newHarness(wasm, f, pub)
	if err != nil {
		return nil, err
	}
	defer h.close()
	for i := range cases {
		c := &cases[i]
		c.Request.Now = now
		sort.SliceStable(c.Request.History, func(a, b int) bool { return c.Request.History[a].At < c.Request.History[b].At })
		resp, err := h.recommend(c.Request)
		if err != nil {
			c.Code = model.CodeOf(err)
			if c.Code == model.CodeInternal {
				return nil, fmt.Errorf("parity case %q: %w", c.Name, err)
			}
			continue
		}
		c.Response = &resp
	}
	return cases, nil
}
