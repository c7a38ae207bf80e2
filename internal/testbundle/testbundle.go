// Package testbundle builds signed bundles of the embedding kind for tests
// across layers (internal/e2e, internal/browsertest): Gaussian-cluster
// item vectors, so scores have structure, product-quantized as training
// does, packed and signed with a fresh key.
package testbundle

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// Options shape an embedding bundle.
type Options struct {
	Items      int     // item i is "sku-%07d"
	Clusters   int     // item i's vector is near centre i % Clusters
	Categories int     // item i is in catalog category "c<i % Categories>"
	Prior      float64 // Params.PopularityWeight (0: popularity only fills)
	Seed       uint64
	PageItems  bool // sign page metadata (items.bin: title, price, category) in too, as a shop's page needs
}

// Embedding returns a signed bundle around wasm of o.Items items in 64
// dimensions and 16 subspaces; popularity falls with the index. It is
// deterministic for a seed, but for the key.
func Embedding(tb testing.TB, wasm []byte, o Options) (*model.Spec, *bundle.Files, ed25519.PublicKey) {
	tb.Helper()
	n, clusters, categories, seed := o.Items, o.Clusters, o.Categories, o.Seed
	const dims, sub = 64, 16
	rng := mrand.New(mrand.NewPCG(seed, 2))
	centers := make([][]float32, clusters)
	for c := range centers {
		centers[c] = make([]float32, dims)
		for d := range centers[c] {
			centers[c][d] = float32(rng.NormFloat64())
		}
	}
	vecs := make([]float32, n*dims)
	for i := 0; i < n; i++ {
		c := centers[i%clusters]
		for d := 0; d < dims; d++ {
			vecs[i*dims+d] = c[d] + float32(0.3*rng.NormFloat64())
		}
	}
	emb, err := train.QuantizeEmbedding(vecs, dims, sub, nil, seed, nil)
	if err != nil {
		tb.Fatal(err)
	}
	spec := &model.Spec{Items: make([]string, n), Popularity: make([]float32, n), Embedding: emb, Params: model.DefaultParams()}
	spec.Params.PopularityWeight = o.Prior
	catalog := make([]model.Item, n)
	for i := range spec.Items {
		spec.Items[i] = fmt.Sprintf("sku-%07d", i)
		spec.Popularity[i] = float32(1 / float64(1+i))
		catalog[i] = model.Item{ID: spec.Items[i], Title: fmt.Sprintf("Product %d", i), Price: 9.99, Category: fmt.Sprintf("c%d", i%categories)}
	}
	files, id, err := train.Pack(spec, catalog, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	if o.PageItems {
		meta := make([]train.ItemMeta, n)
		for i, it := range catalog {
			meta[i] = train.ItemMeta{ID: it.ID, Title: it.Title, Price: &catalog[i].Price, Currency: "EUR", Category: it.Category}
		}
		if files.Items, err = train.EncodeItems(meta, id); err != nil {
			tb.Fatal(err)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	if err := bundle.Sign(files, bundle.Meta{Version: 1, Created: now.UnixMilli(), Expires: now.Add(time.Hour).UnixMilli(), BundleID: id}, priv); err != nil {
		tb.Fatal(err)
	}
	return spec, files, pub
}
