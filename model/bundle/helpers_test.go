package bundle_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// now is the host clock of every test: a fixed instant, so no test is timed.
const now = int64(1_750_000_000_000) // Unix ms, June 2025

const hour = int64(3600 * 1000)

// key derives a deterministic Ed25519 key from a label.
func key(label string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("privrec test key " + label))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(priv ed25519.PrivateKey) ed25519.PublicKey { return priv.Public().(ed25519.PublicKey) }

// bundleID derives a deterministic bundle id from a label.
func bundleID(label string) [16]byte {
	sum := sha256.Sum256([]byte("bundle " + label))
	var id [16]byte
	copy(id[:], sum[:])
	return id
}

// artifacts builds real weights and catalog artifacts (the engine's format,
// with the bundle id in their headers) and a stand-in module.
func artifacts(t testing.TB, id [16]byte, label string) *bundle.Files {
	t.Helper()
	const n = 12
	spec := &model.Spec{Params: model.DefaultParams()}
	var items []model.Item
	for i := 0; i < n; i++ {
		itemID := fmt.Sprintf("%s-item-%02d", label, i)
		spec.Items = append(spec.Items, itemID)
		spec.Popularity = append(spec.Popularity, float32(n-i)/n)
		spec.Neighbors = append(spec.Neighbors, []model.Neighbor{
			{Item: int32((i + 1) % n), Weight: 0.5}, {Item: int32((i + 3) % n), Weight: 0.25},
		})
		items = append(items, model.Item{ID: itemID, Title: "Item " + itemID, Price: float64(i) + 0.99, Category: "cat"})
	}
	w, err := model.EncodeWeights(spec, id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.EncodeCatalog(items, id)
	if err != nil {
		t.Fatal(err)
	}
	wasm := append([]byte("\x00asm\x01\x00\x00\x00"), []byte("stand-in module "+label)...)
	return &bundle.Files{Weights: w, Catalog: c, Wasm: wasm}
}

// embeddingArtifacts is artifacts with weights of the embedding kind.
func embeddingArtifacts(t testing.TB, id [16]byte, label string) *bundle.Files {
	t.Helper()
	f := artifacts(t, id, label)
	const n, dims, sub = 12, 8, 4
	e := &model.Embedding{Dims: dims, Subspaces: sub, Codebooks: make([]float32, sub*model.PQCentroids*dims/sub), Codes: make([]byte, n*sub), Fold: make([]float32, dims*dims)}
	spec := &model.Spec{Params: model.DefaultParams(), Embedding: e}
	for i := 0; i < n; i++ {
		spec.Items = append(spec.Items, fmt.Sprintf("%s-item-%02d", label, i))
		spec.Popularity = append(spec.Popularity, float32(n-i)/n)
		e.Codes[i*sub] = byte(i)
	}
	w, err := model.EncodeWeights(spec, id)
	if err != nil {
		t.Fatal(err)
	}
	f.Weights = w
	return f
}

// signed builds and signs a bundle.
func signed(t testing.TB, label string, meta bundle.Meta, priv ed25519.PrivateKey) *bundle.Files {
	t.Helper()
	f := artifacts(t, meta.BundleID, label)
	if err := bundle.Sign(f, meta, priv); err != nil {
		t.Fatal(err)
	}
	return f
}

func meta(label string, version uint64) bundle.Meta {
	return bundle.Meta{Version: version, Created: now - hour, Expires: now + 720*hour, BundleID: bundleID(label)}
}

// request is what a host passes the module for f.
func request(f *bundle.Files, keys ...[]byte) *model.LoadRequest {
	sum := sha256.Sum256(f.Wasm)
	req := &model.LoadRequest{
		Manifest: f.Manifest, Signature: f.Signature, Weights: f.Weights, Catalog: f.Catalog,
		WasmSHA256: sum[:], Now: now, MinVersion: 50,
	}
	for _, k := range keys {
		req.Keys = append(req.Keys, k)
	}
	return req
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
