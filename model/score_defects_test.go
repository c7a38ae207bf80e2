package model_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/model"
)

// TestRecommendNoDuplicates: a neighbour weight that quantizes to zero
// leaves its target's score at 0, so a later history item adding to the
// same target must not list it twice.
func TestRecommendNoDuplicates(t *testing.T) {
	spec := &model.Spec{
		Items: []string{"a", "b", "c", "d", "e"},
		Neighbors: [][]model.Neighbor{
			{{Item: 1, Weight: 1}, {Item: 2, Weight: 0.001}}, // c quantizes to 0 in a's row
			{},
			{},
			{{Item: 2, Weight: 0.5}},
			{},
		},
		Popularity: []float32{0.1, 0.2, 0.3, 0.4, 0.5},
		Params:     model.DefaultParams(),
	}
	w, err := model.EncodeWeights(spec, testBundle)
	require.NoError(t, err)
	c, err := model.EncodeCatalog(tinyCatalog(), testBundle)
	require.NoError(t, err)
	m, err := model.Load(w, c)
	require.NoError(t, err)
	res, err := m.Recommend(model.Request{K: 5, History: buy("a", "d")})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, it := range res.Items {
		require.False(t, seen[it.Item], "%s recommended twice: %v", it.Item, ids(res))
		seen[it.Item] = true
	}
	require.Equal(t, []string{"b", "c", "e"}, ids(res))
}

// TestRecommendExtremeTimes: times at the ends of int64 must not overflow
// into infinite or NaN weights.
func TestRecommendExtremeTimes(t *testing.T) {
	spec := tinySpec()
	spec.Params.HalfLifeDays = 30
	spec.Params.PopularityWeight = 1
	spec.Params.PopularityHalfLifeDays = 30
	m, err := model.Build(spec) // PopularityAt 0
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		req     model.Request
		popular bool // the history is so old it scores nothing
	}{
		{name: "now at MinInt64", req: model.Request{Now: math.MinInt64, History: buy("a")}},
		{name: "event at MinInt64, now at MaxInt64", req: model.Request{Now: math.MaxInt64, History: model.History{{Item: "a", Kind: model.KindPurchase, At: math.MinInt64}}}, popular: true},
		{name: "event at -1, now at MaxInt64", req: model.Request{Now: math.MaxInt64, History: model.History{{Item: "a", Kind: model.KindPurchase, At: -1}}}, popular: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := m.Recommend(tc.req)
			require.NoError(t, err)
			require.NotEmpty(t, res.Items)
			for _, it := range res.Items {
				require.False(t, math.IsNaN(it.Score) || math.IsInf(it.Score, 0), "%s scored %v", it.Item, it.Score)
				if tc.popular {
					require.Equal(t, model.SourcePopular, it.Source, "%s from an event older than any half-life", it.Item)
				}
			}
		})
	}
}
