package e2e

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/testbundle"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
)

// TestEmbeddingNativeWasmParity: an embedding-kind bundle scores the same
// natively and through the module, for requests of many shapes (history
// lengths, kinds, exclusions, categories, explanations), and the module
// reports the kind it loaded.
func TestEmbeddingNativeWasmParity(t *testing.T) {
	spec, files, pub := testbundle.Embedding(t, wasmtest.Module(t), testbundle.Options{Items: 20_000, Clusters: 32, Categories: 40, Prior: 0.5, Seed: 1})
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
	require.Equal(t, string(model.ModelEmbedding), res.Kind)

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
