package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// embeddingBundle packs and signs a product-quantized model of n items
// whose vectors are Gaussian clusters (so scores have structure), with a
// catalog of c categories.
func embeddingBundle(tb testing.TB, n, categories int) (*model.Spec, *bundle.Files, ed25519.PublicKey) {
	tb.Helper()
	const dims, sub = 64, 16
	rng := mrand.New(mrand.NewPCG(uint64(n), 2))
	centers := make([][]float32, 32)
	for c := range centers {
		centers[c] = make([]float32, dims)
		for d := range centers[c] {
			centers[c][d] = float32(rng.NormFloat64())
		}
	}
	vecs := make([]float32, n*dims)
	for i := 0; i < n; i++ {
		c := centers[i%len(centers)]
		for d := 0; d < dims; d++ {
			vecs[i*dims+d] = c[d] + float32(0.3*rng.NormFloat64())
		}
	}
	fold := make([]float32, dims*dims)
	for d := 0; d < dims; d++ {
		fold[d*dims+d] = 1
	}
	emb, err := train.QuantizeEmbedding(vecs, dims, sub, fold, 1, nil)
	require.NoError(tb, err)
	spec := &model.Spec{Items: make([]string, n), Popularity: make([]float32, n), Embedding: emb, Params: model.DefaultParams()}
	spec.Params.PopularityWeight = 0.5
	catalog := make([]model.Item, n)
	for i := range spec.Items {
		spec.Items[i] = fmt.Sprintf("sku-%07d", i)
		spec.Popularity[i] = float32(1 / float64(1+i%997))
		catalog[i] = model.Item{ID: spec.Items[i], Title: "item", Category: fmt.Sprintf("c%d", i%categories)}
	}
	files, id, err := train.Pack(spec, catalog, wasmtest.Module(tb))
	require.NoError(tb, err)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(tb, err)
	now := time.Now()
	require.NoError(tb, bundle.Sign(files, bundle.Meta{Version: 1, Created: now.UnixMilli(), Expires: now.Add(time.Hour).UnixMilli(), BundleID: id}, priv))
	return spec, files, pub
}

// TestEmbeddingNativeWasmParity: an embedding-kind bundle scores the same
// natively and through the module, for requests of many shapes (history
// lengths, kinds, exclusions, categories, explanations), and the module
// reports the kind it loaded.
func TestEmbeddingNativeWasmParity(t *testing.T) {
	spec, files, pub := embeddingBundle(t, 20_000, 40)
	native, err := model.Load(files.Weights, files.Catalog)
	require.NoError(t, err)
	ctx := context.Background()
	rt, err := host.NewRuntime(ctx, host.DefaultConfig())
	require.NoError(t, err)
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, files.Wasm)
	require.NoError(t, err)
	inst, err := mod.Instantiate(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)
	res, err := inst.Load(ctx, host.LoadRequest(files, pub))
	require.NoError(t, err)
	require.Equal(t, 20_000, res.Items)

	rng := mrand.New(mrand.NewPCG(5, 5))
	kinds := []model.Kind{model.KindView, model.KindCart, model.KindPurchase}
	for trial := 0; trial < 60; trial++ {
		req := model.Request{K: 1 + rng.IntN(30), Explain: trial%2 == 0, Now: 1_700_000_000_000,
			Context: model.Context{Hour: rng.IntN(25) - 1, Weekday: rng.IntN(8) - 1}}
		for e := rng.IntN(80); e > 0; e-- {
			req.History = append(req.History, model.Event{Item: spec.Items[rng.IntN(len(spec.Items))], Kind: kinds[rng.IntN(3)], At: req.Now - int64(rng.IntN(90))*86_400_000})
		}
		if trial%5 == 1 {
			req.Category = fmt.Sprintf("c%d", rng.IntN(40))
		}
		if trial%7 == 2 {
			req.Exclude = []string{spec.Items[rng.IntN(len(spec.Items))], "not-an-item"}
		}
		want, err := native.Recommend(req)
		require.NoError(t, err)
		got, err := inst.Recommend(ctx, req)
		require.NoError(t, err)
		require.Equal(t, want, got, "trial %d", trial)
		if len(req.History) > 0 && req.Category == "" {
			require.Equal(t, model.SourceHistory, got.Items[0].Source, "trial %d: a history must personalise", trial)
		}
	}
}
