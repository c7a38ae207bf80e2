package model_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/model"
)

// TestBuyAgainCodec: the mode of a request and the purchase counts of a
// response cross the boundary as msgpack.Marshal writes them, and back.
func TestBuyAgainCodec(t *testing.T) {
	reqs := []model.Request{
		{K: 5, Mode: model.ModeBuyAgain, Explain: true, History: model.History{{Item: "a", Kind: model.KindPurchase, At: 5}}},
		{Mode: model.ModeDefault, Seen: model.SeenNone},
		{Mode: "unknown mode"}, // decodes; Recommend refuses it
	}
	for _, r := range reqs {
		require.Equal(t, mustPack(t, &r), model.EncodeRequest(&r), "%+v", r)
		got, err := model.DecodeRequest(mustPack(t, &r))
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
	resps := []model.Response{
		{K: 3, Items: []model.Recommendation{
			{Item: "a", Score: 0.9, Source: model.SourceRepeat, Because: []model.Reason{{Item: "a", Share: 0.8}}, Bought: 3, LastBought: 1_700_000_000_000},
			{Item: "b", Score: 0.5, Source: model.SourceRepeat, Bought: 1 << 40},
			{Item: "c", Score: 0.1, Source: model.SourceHistory, LastBought: -1},
		}},
	}
	for _, r := range resps {
		require.Equal(t, mustPack(t, &r), model.EncodeResponse(&r), "%+v", r)
		require.Equal(t, model.EncodeEnvelope(&model.Envelope{Result: model.EncodeResponse(&r)}), model.EncodeResponseEnvelope(&r))
		got, err := model.DecodeResponse(mustPack(t, &r))
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
}

const day = 86_400_000

// repeatSpec is tinySpec with buy-again on: α and the repeat half-life.
func repeatSpec(alpha, halfLife float64) *model.Spec {
	s := tinySpec()
	s.Params.RepeatWeight, s.Params.RepeatHalfLifeDays = alpha, halfLife
	return s
}

// build loads s with tinyCatalog.
func build(t testing.TB, s *model.Spec) *model.Model {
	t.Helper()
	w, err := model.EncodeWeights(s, testBundle)
	require.NoError(t, err)
	c, err := model.EncodeCatalog(tinyCatalog(), testBundle)
	require.NoError(t, err)
	m, err := model.Load(w, c)
	require.NoError(t, err)
	return m
}

func TestBuyAgain(t *testing.T) {
	now := int64(1000 * day)
	at := func(item string, daysAgo int64) model.Event {
		return model.Event{Item: item, Kind: model.KindPurchase, At: now - daysAgo*day}
	}
	// d twice long ago, c once lately, a viewed (not bought).
	hist := model.History{at("d", 300), at("d", 200), at("c", 5), {Item: "a", Kind: model.KindView, At: now}}
	noCtx := model.Context{Hour: -1, Weekday: -1}
	tests := []struct {
		name     string
		spec     *model.Spec
		req      model.Request
		want     []string
		wantSrcs []model.Source
	}{
		{"counts without decay: d (2) before c (1), then explore",
			repeatSpec(0.9, 0), model.Request{K: 4, Mode: model.ModeBuyAgain},
			[]string{"d", "c", "b", "a"}, []model.Source{model.SourceRepeat, model.SourceRepeat, model.SourceHistory, model.SourceHistory}},
		{"a 30-day half-life: the recent c first",
			repeatSpec(0.9, 30), model.Request{K: 2, Mode: model.ModeBuyAgain},
			[]string{"c", "b"}, nil},
		{"α=1 keeps repeats first even when explore scores more",
			repeatSpec(1, 0), model.Request{K: 3, Mode: model.ModeBuyAgain},
			[]string{"d", "c", "b"}, nil},
		{"a small α lets a strong explore item in first",
			repeatSpec(0.1, 0), model.Request{K: 3, Mode: model.ModeBuyAgain},
			[]string{"b", "a", "c"}, []model.Source{model.SourceHistory, model.SourceHistory, model.SourceRepeat}},
		{"exclude applies to bought items",
			repeatSpec(0.9, 0), model.Request{K: 2, Mode: model.ModeBuyAgain, Exclude: []string{"d"}},
			[]string{"c", "b"}, nil},
		{"category applies to bought items",
			repeatSpec(0.9, 0), model.Request{K: 2, Mode: model.ModeBuyAgain, Category: "veg"},
			[]string{"c", "e"}, nil},
		{"seen all leaves out the viewed a but not bought items",
			repeatSpec(0.9, 0), model.Request{K: 10, Mode: model.ModeBuyAgain, Seen: model.SeenAll},
			[]string{"d", "c", "b", "e"}, nil},
		{"seen none: a may come back (explore), bought items once each",
			repeatSpec(0.9, 0), model.Request{K: 10, Mode: model.ModeBuyAgain, Seen: model.SeenNone},
			[]string{"d", "c", "b", "a", "e"}, nil},
		{"weights without repeat params answer as the default mode",
			tinySpec(), model.Request{K: 3, Mode: model.ModeBuyAgain},
			[]string{"b", "a", "e"}, nil},
		{"the default mode ignores repeat params",
			repeatSpec(0.9, 0), model.Request{K: 3},
			[]string{"b", "a", "e"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(t, tt.spec)
			tt.req.History, tt.req.Now, tt.req.Context = hist, now, noCtx
			resp, err := m.Recommend(tt.req)
			require.NoError(t, err)
			require.Equal(t, tt.want, ids(resp))
			for i, src := range tt.wantSrcs {
				require.Equal(t, src, resp.Items[i].Source, "item %d", i)
			}
			for i := 1; tt.spec.Params.RepeatWeight > 0 && tt.req.Mode == model.ModeBuyAgain && i < len(resp.Items); i++ {
				require.LessOrEqual(t, resp.Items[i].Score, resp.Items[i-1].Score, "scores descend")
			}
		})
	}
}

func TestBuyAgainExplains(t *testing.T) {
	m := build(t, repeatSpec(0.8, 0))
	hist := model.History{
		{Item: "d", Kind: model.KindPurchase, At: 10 * day}, {Item: "d", Kind: model.KindPurchase, At: 10 * day}, // one basket
		{Item: "d", Kind: model.KindPurchase, At: 20 * day}, {Item: "c", Kind: model.KindPurchase, At: 15 * day},
		{Item: "a", Kind: model.KindView, At: 5 * day},
	}
	resp, err := m.Recommend(model.Request{K: 3, History: hist, Mode: model.ModeBuyAgain, Explain: true, Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	require.Equal(t, []string{"d", "c", "b"}, ids(resp))
	d, c := resp.Items[0], resp.Items[1]
	require.Equal(t, 2, d.Bought, "two baskets")
	require.Equal(t, int64(20*day), d.LastBought)
	require.Equal(t, 1, c.Bought)
	require.Equal(t, int64(15*day), c.LastBought)
	// d: α·2/2 + (1−α)·0 (no history item leads to d); its repeat part is
	// all of its score. c: α·1/2 + (1−α)·(0.2·0.2)/(0.2·0.8), from the
	// viewed a, whose best item b sets the explore scale.
	require.Equal(t, []model.Reason{{Item: "d", Share: 1}}, d.Because)
	require.InDelta(t, 0.8, d.Score, 1e-6)
	require.InDelta(t, 0.45, c.Score, 1e-3, "8-bit weights")
	require.Len(t, c.Because, 1)
	require.Equal(t, "c", c.Because[0].Item)
	require.InDelta(t, 0.4/c.Score, c.Because[0].Share, 1e-6)
	// An explored item keeps the default mode's reasons, and no counts.
	b := resp.Items[2]
	require.Equal(t, model.SourceHistory, b.Source)
	require.Zero(t, b.Bought)
	require.Zero(t, b.LastBought)

	resp, err = m.Recommend(model.Request{K: 3, History: hist, Mode: model.ModeBuyAgain, Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	require.Zero(t, resp.Items[0].Bought, "counts only with explain")
	require.Nil(t, resp.Items[0].Because)
}

func TestBuyAgainBadMode(t *testing.T) {
	m := build(t, repeatSpec(0.5, 0))
	_, err := m.Recommend(model.Request{Mode: "again"})
	require.ErrorIs(t, err, model.ErrBadRequest)
}

// neighborSpec is a random neighbours model of n items, every item with
// some neighbours.
func neighborSpec(n int, seed uint64) *model.Spec {
	rng := rand.New(rand.NewPCG(seed, 2))
	s := &model.Spec{Items: make([]string, n), Neighbors: make([][]model.Neighbor, n), Popularity: make([]float32, n)}
	for i := range s.Items {
		s.Items[i] = fmt.Sprintf("i%05d", i)
		s.Popularity[i] = float32(rng.Float64() / float64(i+1))
		for _, j := range rng.Perm(n)[:1+rng.IntN(8)] {
			if j != i {
				s.Neighbors[i] = append(s.Neighbors[i], model.Neighbor{Item: int32(j), Weight: float32(rng.Float64())})
			}
		}
	}
	s.Params = model.DefaultParams()
	return s
}

// TestBuyAgainMatchesBruteForce: on random models of both kinds and random
// histories, buy-again ranks every item by α·r_j/max r + (1−α)·e_j/max e,
// with r_j computed here from the history by its definition and e_j the
// default mode's score of every item (Seen none, all items ranked: the
// prior makes the default rank them all).
func TestBuyAgainMatchesBruteForce(t *testing.T) {
	const n = 60
	specs := map[string]*model.Spec{"neighbors": neighborSpec(n, 3), "embedding": embeddingSpec(n, 16, 4, 4)}
	for name, s := range specs {
		s.Params.PopularityWeight, s.Params.HalfLifeDays = 2, 20
		for _, tc := range []struct{ alpha, hl float64 }{{0.7, 15}, {0.95, 0}, {0.3, 60}, {1, 5}} {
			s.Params.RepeatWeight, s.Params.RepeatHalfLifeDays = tc.alpha, tc.hl
			m, err := model.Build(s)
			require.NoError(t, err)
			rng := rand.New(rand.NewPCG(uint64(tc.hl), 9))
			for trial := range 30 {
				t.Run(fmt.Sprintf("%s/α=%v/hl=%v/%d", name, tc.alpha, tc.hl, trial), func(t *testing.T) {
					now := int64(400 * day)
					var hist model.History
					for range 1 + rng.IntN(25) {
						kind := model.KindPurchase
						if rng.IntN(4) == 0 {
							kind = model.KindView
						}
						hist = append(hist, model.Event{Item: s.Items[rng.IntN(n/3)], Kind: kind, At: now - int64(rng.IntN(20))*20*day})
					}
					k := 1 + rng.IntN(15)
					base := model.Request{K: model.MaxK, History: hist, Now: now, Seen: model.SeenNone, Context: model.Context{Hour: -1, Weekday: -1}}
					all, err := m.Recommend(base)
					require.NoError(t, err)
					require.Len(t, all.Items, n)
					e := make(map[string]float64, n)
					for _, it := range all.Items {
						e[it.Item] = max(0, it.Score)
					}
					r := map[string]float64{}
					seen := map[model.Event]bool{}
					for _, ev := range hist {
						if ev.Kind == model.KindPurchase && !seen[ev] {
							seen[ev] = true
							r[ev.Item] += math.Exp2(-float64(now-ev.At) / day / tc.hl)
							if tc.hl == 0 {
								r[ev.Item] = float64(len(seenTimes(hist, ev.Item)))
							}
						}
					}
					maxR, maxE := 0.0, 0.0
					for _, v := range r {
						maxR = max(maxR, v)
					}
					for _, v := range e {
						maxE = max(maxE, v)
					}
					type want struct {
						item string
						c, e float64
					}
					var ws []want
					for _, it := range s.Items {
						c := (1 - tc.alpha) * e[it] / maxE
						if v, ok := r[it]; ok {
							c += tc.alpha * v / maxR
						}
						ws = append(ws, want{it, c, e[it]})
					}
					slices.SortStableFunc(ws, func(a, b want) int {
						if a.c != b.c {
							return cmp.Compare(b.c, a.c)
						}
						return cmp.Compare(b.e, a.e)
					})
					req := base
					req.K, req.Seen, req.Mode = k, "", model.ModeBuyAgain
					got, err := m.Recommend(req)
					require.NoError(t, err)
					require.Len(t, got.Items, k)
					for i, it := range got.Items {
						require.Equal(t, ws[i].item, it.Item, "rank %d", i)
						require.InDelta(t, ws[i].c, it.Score, 1e-9, "rank %d", i)
						_, boughtIt := r[it.Item]
						require.Equal(t, boughtIt, it.Source == model.SourceRepeat, "rank %d source %s", i, it.Source)
					}
				})
			}
		}
	}
}

// seenTimes is the distinct times item was bought in h.
func seenTimes(h model.History, item string) map[int64]bool {
	out := map[int64]bool{}
	for _, e := range h {
		if e.Item == item && e.Kind == model.KindPurchase {
			out[e.At] = true
		}
	}
	return out
}
