package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
)

// TestBuyAgainParity: buy-again answers, explanations and purchase counts
// included, are the same natively and through the module for every
// evaluated customer of the real log, with the repeat parameters training
// chose on its validation split.
func TestBuyAgainParity(t *testing.T) {
	f := load(t)
	p := f.shipped.Native.Params()
	require.Positive(t, p.RepeatWeight, "training chose no buy-again parameters")
	t.Logf("repeat weight %v, half-life %v days", p.RepeatWeight, p.RepeatHalfLifeDays)
	inst := instance(t, f)
	ctx := context.Background()
	repeats := 0
	for i, c := range f.cases {
		req := eval.BuyAgainRequestFor(c)
		req.Explain = i%5 == 0
		native, err := f.shipped.Native.Recommend(req)
		require.NoError(t, err)
		wasm, err := inst.Recommend(ctx, req)
		require.NoError(t, err)
		require.Equal(t, native, wasm, "case %d (user %s): native and wasm differ", i, c.User)
		for _, it := range wasm.Items {
			if it.Source == model.SourceRepeat {
				repeats++
				if req.Explain {
					require.Positive(t, it.Bought, "case %d: a repeat without its count", i)
				}
			}
		}
	}
	require.Positive(t, repeats, "no repeat recommendation at all")
	t.Logf("%d customers: identical buy-again answers natively and in wazero (%d repeat items)", len(f.cases), repeats)
}

// BenchmarkRecommendBuyAgain is BenchmarkRecommend's 50-event request in
// both modes, side by side: what the repeat vector and the bought items'
// default scores add to one recommendation.
func BenchmarkRecommendBuyAgain(b *testing.B) {
	f := load(b)
	for _, mode := range []model.Mode{model.ModeDefault, model.ModeBuyAgain} {
		req := model.Request{K: 10, History: history50(f), Context: model.Context{Hour: 12, Weekday: 3}, Mode: mode}
		b.Run("mode="+string(mode), func(b *testing.B) { benchRecommend(b, f, req) })
	}
}
