package model_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/model"
)

var testBundle = [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// tinySpec is a five-item model: a→b strongly, a→c weakly, b→d, e popular.
func tinySpec() *model.Spec {
	return &model.Spec{
		Items: []string{"a", "b", "c", "d", "e"},
		Neighbors: [][]model.Neighbor{
			{{Item: 1, Weight: 0.8}, {Item: 2, Weight: 0.2}},
			{{Item: 3, Weight: 0.5}},
			{},
			{{Item: 0, Weight: 0.1}},
			{},
		},
		Popularity: []float32{0.1, 0.2, 0.05, 0.15, 0.5},
		Contexts:   map[string][]model.Neighbor{"hour:9": {{Item: 2, Weight: 1}}},
		Params:     model.DefaultParams(),
	}
}

func tinyCatalog() []model.Item {
	return []model.Item{
		{ID: "a", Title: "Apple", Price: 1, Category: "fruit"},
		{ID: "b", Title: "Banana", Price: 2, Category: "fruit"},
		{ID: "c", Title: "Carrot", Price: 3, Category: "veg"},
		{ID: "d", Title: "Date", Price: 4, Category: "fruit", Tags: []string{"dried"}},
		{ID: "e", Title: "Eggplant", Price: 5, Category: "veg"},
	}
}

func loadTiny(t testing.TB) *model.Model {
	t.Helper()
	w, err := model.EncodeWeights(tinySpec(), testBundle)
	require.NoError(t, err)
	c, err := model.EncodeCatalog(tinyCatalog(), testBundle)
	require.NoError(t, err)
	m, err := model.Load(w, c)
	require.NoError(t, err)
	return m
}

func ids(r model.Response) []string {
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.Item
	}
	return out
}

func buy(items ...string) model.History {
	h := make(model.History, len(items))
	for i, it := range items {
		h[i] = model.Event{Item: it, Kind: model.KindPurchase, At: int64(1000 * (i + 1))}
	}
	return h
}

func TestRecommend(t *testing.T) {
	m := loadTiny(t)
	noCtx := model.Context{Hour: -1, Weekday: -1}
	tests := []struct {
		name    string
		req     model.Request
		want    []string
		wantK   int
		unknown int
		err     error
	}{
		{name: "empty history is popularity", req: model.Request{K: 3, Context: noCtx}, want: []string{"e", "b", "d"}, wantK: 3},
		{name: "context boosts", req: model.Request{K: 2, Context: model.Context{Hour: 9, Weekday: -1}}, want: []string{"c", "e"}, wantK: 2},
		{name: "history first then popular", req: model.Request{K: 3, History: buy("a"), Context: noCtx}, want: []string{"b", "c", "e"}, wantK: 3},
		{name: "bought items excluded", req: model.Request{K: 5, History: buy("a", "b"), Context: noCtx}, want: []string{"d", "c", "e"}, wantK: 5},
		{name: "seen none keeps bought", req: model.Request{K: 2, History: buy("a"), Seen: model.SeenNone, Context: noCtx}, want: []string{"b", "c"}, wantK: 2},
		{name: "views are kept by default", req: model.Request{K: 1, History: model.History{{Item: "b", Kind: model.KindView, At: 1}, {Item: "a", Kind: model.KindPurchase, At: 2}}, Context: noCtx}, want: []string{"b"}, wantK: 1},
		{name: "seen all drops views", req: model.Request{K: 1, History: model.History{{Item: "d", Kind: model.KindView, At: 1}}, Seen: model.SeenAll, Context: noCtx}, want: []string{"a"}, wantK: 1},
		{name: "exclude list", req: model.Request{K: 2, History: buy("a"), Exclude: []string{"b", "zz"}, Context: noCtx}, want: []string{"c", "e"}, wantK: 2},
		{name: "category", req: model.Request{K: 5, History: buy("a"), Category: "fruit", Context: noCtx}, want: []string{"b", "d"}, wantK: 5},
		{name: "unknown items counted", req: model.Request{K: 1, History: buy("nope", "a", "gone"), Context: noCtx}, want: []string{"b"}, wantK: 1, unknown: 2},
		{name: "k zero is default", req: model.Request{History: buy("a"), Context: noCtx}, want: []string{"b", "c", "e", "d"}, wantK: model.DefaultK},
		{name: "k huge is clamped", req: model.Request{K: 1 << 30, Context: noCtx}, want: []string{"e", "b", "d", "a", "c"}, wantK: model.MaxK},
		{name: "k negative", req: model.Request{K: -1}, err: model.ErrBadRequest},
		{name: "bad kind", req: model.Request{History: model.History{{Item: "a", Kind: "like"}}}, err: model.ErrBadRequest},
		{name: "bad seen", req: model.Request{Seen: "some"}, err: model.ErrBadRequest},
		{name: "bad hour", req: model.Request{Context: model.Context{Hour: 24}}, err: model.ErrBadRequest},
		{name: "too many excludes", req: model.Request{Exclude: make([]string, model.MaxExclude+1)}, err: model.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := m.Recommend(tt.req)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(resp))
			assert.Equal(t, tt.wantK, resp.K)
			assert.Equal(t, tt.unknown, resp.Unknown)
		})
	}
}

func TestRecommendSources(t *testing.T) {
	m := loadTiny(t)
	resp, err := m.Recommend(model.Request{K: 3, History: buy("a"), Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	assert.Equal(t, []model.Source{model.SourceHistory, model.SourceHistory, model.SourcePopular},
		[]model.Source{resp.Items[0].Source, resp.Items[1].Source, resp.Items[2].Source})
}

// TestPopularityPrior: with PopularityWeight β the tiny model ranks by
// personal + β'·popularity, β' aged by the distance between the request
// and PopularityAt. After buying a: b = 0.8+β'·0.2, c = 0.2+β'·0.05,
// e = β'·0.5, d = β'·0.15.
func TestPopularityPrior(t *testing.T) {
	const day = 86_400_000
	noCtx := model.Context{Hour: -1, Weekday: -1}
	H, P := model.SourceHistory, model.SourcePopular
	tests := []struct {
		name        string
		beta, hl    float64
		at, now     int64
		history     model.History
		ctx         model.Context
		want        []string
		wantSources []model.Source
	}{
		{name: "strong prior lifts a popular item over weak evidence", beta: 1, history: buy("a"), ctx: noCtx,
			want: []string{"b", "e", "c", "d"}, wantSources: []model.Source{H, P, H, P}},
		{name: "weak prior only orders the rest", beta: 0.1, history: buy("a"), ctx: noCtx,
			want: []string{"b", "c", "e", "d"}, wantSources: []model.Source{H, H, P, P}},
		{name: "prior aged two half-lives after it was measured", beta: 1, hl: 1, at: 0, now: 2 * day, history: buy("a"), ctx: noCtx,
			want: []string{"b", "c", "e", "d"}, wantSources: []model.Source{H, H, P, P}},
		{name: "ageing is symmetric in time", beta: 1, hl: 1, at: 4 * day, now: 2 * day, history: buy("a"), ctx: noCtx,
			want: []string{"b", "c", "e", "d"}, wantSources: []model.Source{H, H, P, P}},
		{name: "request at measurement time gets the full prior", beta: 1, hl: 1, at: 2 * day, now: 2 * day, history: buy("a"), ctx: noCtx,
			want: []string{"b", "e", "c", "d"}, wantSources: []model.Source{H, P, H, P}},
		{name: "no personal evidence falls back to popularity by context", beta: 1, ctx: model.Context{Hour: 9, Weekday: -1},
			want: []string{"c", "e", "b", "d"}, wantSources: []model.Source{P, P, P, P}},
		{name: "unknown history is no evidence", beta: 1, history: buy("zz"), ctx: noCtx,
			want: []string{"e", "b", "d", "a"}, wantSources: []model.Source{P, P, P, P}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tinySpec()
			spec.Params.PopularityWeight = tt.beta
			spec.Params.PopularityHalfLifeDays = tt.hl
			spec.Params.PopularityAt = tt.at
			w, err := model.EncodeWeights(spec, testBundle)
			require.NoError(t, err)
			m, err := model.DecodeWeights(w)
			require.NoError(t, err, "params survive the artifact")
			resp, err := m.Recommend(model.Request{K: 4, History: tt.history, Now: tt.now, Context: tt.ctx})
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(resp))
			var sources []model.Source
			for _, it := range resp.Items {
				sources = append(sources, it.Source)
			}
			assert.Equal(t, tt.wantSources, sources)
		})
	}
}

func TestPopularityPriorExplains(t *testing.T) {
	spec := tinySpec()
	spec.Params.PopularityWeight = 1
	m, err := model.Build(spec)
	require.NoError(t, err)
	resp, err := m.Recommend(model.Request{K: 2, History: buy("a"), Explain: true, Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	require.Equal(t, []string{"b", "e"}, ids(resp))
	// b scores 0.8 from a plus 0.2 of prior: a's share is 0.8.
	require.Len(t, resp.Items[0].Because, 1)
	assert.Equal(t, "a", resp.Items[0].Because[0].Item)
	assert.InDelta(t, 0.8, resp.Items[0].Because[0].Share, 1e-6)
	assert.InDelta(t, 1.0, resp.Items[0].Score, 1e-6)
	assert.Empty(t, resp.Items[1].Because, "a popular item names no history")
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*model.Params)
		ok   bool
	}{
		{"default", func(*model.Params) {}, true},
		{"prior", func(p *model.Params) {
			p.PopularityWeight, p.PopularityHalfLifeDays, p.PopularityAt = 4, 30, 1_323_000_000_000
		}, true},
		{"negative prior weight", func(p *model.Params) { p.PopularityWeight = -1 }, false},
		{"nan prior half-life", func(p *model.Params) { p.PopularityHalfLifeDays = math.NaN() }, false},
		{"negative popularity time", func(p *model.Params) { p.PopularityAt = -1 }, false},
		{"popularity time beyond float precision", func(p *model.Params) { p.PopularityAt = 1<<53 + 1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := model.DefaultParams()
			tt.edit(&p)
			err := p.Validate()
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, model.ErrBadRequest)
			spec := tinySpec()
			spec.Params = p
			_, err = model.EncodeWeights(spec, testBundle)
			assert.ErrorIs(t, err, model.ErrBadRequest, "encode refuses what Validate refuses")
		})
	}
}

func TestExplain(t *testing.T) {
	m := loadTiny(t)
	// d is reached from b (0.5) and nothing else; b from a.
	resp, err := m.Recommend(model.Request{K: 1, History: buy("b", "c"), Explain: true, Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	require.Len(t, resp.Items, 1)
	assert.Equal(t, "d", resp.Items[0].Item)
	require.Len(t, resp.Items[0].Because, 1)
	assert.Equal(t, "b", resp.Items[0].Because[0].Item)
	assert.InDelta(t, 1.0, resp.Items[0].Because[0].Share, 1e-6)

	// Without Explain, no reasons travel.
	resp, err = m.Recommend(model.Request{K: 1, History: buy("b")})
	require.NoError(t, err)
	assert.Empty(t, resp.Items[0].Because)
}

func TestRecency(t *testing.T) {
	spec := tinySpec()
	spec.Params.HalfLifeDays = 1
	spec.Params.Saturation = 10
	m, err := model.Build(spec)
	require.NoError(t, err)
	day := int64(86_400_000)
	// a (→b 0.8) bought 10 days ago, b (→d 0.5) bought today: d wins.
	h := model.History{{Item: "a", Kind: model.KindPurchase, At: 0}, {Item: "b", Kind: model.KindPurchase, At: 10 * day}}
	resp, err := m.Recommend(model.Request{K: 1, History: h, Now: 10 * day, Seen: model.SeenNone})
	require.NoError(t, err)
	assert.Equal(t, []string{"d"}, ids(resp))
	// Without decay a's neighbour b would win.
	spec.Params.HalfLifeDays = 0
	m, err = model.Build(spec)
	require.NoError(t, err)
	resp, err = m.Recommend(model.Request{K: 1, History: h, Now: 10 * day, Seen: model.SeenNone})
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, ids(resp))
}

func TestLongHistoryIsBounded(t *testing.T) {
	m := loadTiny(t)
	h := make(model.History, 5*model.MaxHistory)
	for i := range h {
		h[i] = model.Event{Item: fmt.Sprintf("x%d", i), Kind: model.KindView, At: int64(i)}
	}
	h[len(h)-1] = model.Event{Item: "a", Kind: model.KindPurchase, At: int64(len(h))}
	resp, err := m.Recommend(model.Request{K: 1, History: h})
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, ids(resp))
	assert.Equal(t, model.MaxHistory-1, resp.Unknown, "only the most recent events are read")

	// A purchase older than the scoring window is still left out.
	h[0] = model.Event{Item: "b", Kind: model.KindPurchase, At: -1}
	resp, err = m.Recommend(model.Request{K: 1, History: h})
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, ids(resp))
}

func TestQuantizedMatchesBuild(t *testing.T) {
	for _, beta := range []float64{0, 0.3} {
		spec := tinySpec()
		spec.Params.PopularityWeight = beta
		exact, err := model.Build(spec)
		require.NoError(t, err)
		w, err := model.EncodeWeights(spec, testBundle)
		require.NoError(t, err)
		packed, err := model.DecodeWeights(w)
		require.NoError(t, err)
		for _, h := range []model.History{buy("a"), buy("b"), buy("a", "d"), nil} {
			r1, err := exact.Recommend(model.Request{K: 5, History: h})
			require.NoError(t, err)
			r2, err := packed.Recommend(model.Request{K: 5, History: h})
			require.NoError(t, err)
			assert.Equal(t, ids(r1), ids(r2), "β=%v history %v", beta, h)
		}
	}
}

func TestCatalogRoundTrip(t *testing.T) {
	data, err := model.EncodeCatalog(tinyCatalog(), testBundle)
	require.NoError(t, err)
	c, err := model.DecodeCatalog(data)
	require.NoError(t, err)
	assert.Equal(t, tinyCatalog(), c.Items)
	assert.Equal(t, testBundle, c.BundleID)
}

func TestPeekHeader(t *testing.T) {
	data, err := model.EncodeWeights(tinySpec(), testBundle)
	require.NoError(t, err)
	h, err := model.PeekHeader(data)
	require.NoError(t, err)
	assert.Equal(t, model.Header{Kind: model.KindWeights, Version: model.FormatVersion, BundleID: testBundle}, h)
	_, err = model.PeekHeader([]byte("garbage"))
	assert.ErrorIs(t, err, model.ErrCorrupt)
}

func TestLoadMixAndMatch(t *testing.T) {
	w, err := model.EncodeWeights(tinySpec(), testBundle)
	require.NoError(t, err)
	c, err := model.EncodeCatalog(tinyCatalog(), [16]byte{9})
	require.NoError(t, err)
	_, err = model.Load(w, c)
	assert.ErrorIs(t, err, model.ErrMixAndMatch)
}

func TestDecodeRejects(t *testing.T) {
	w, err := model.EncodeWeights(tinySpec(), testBundle)
	require.NoError(t, err)
	c, err := model.EncodeCatalog(tinyCatalog(), testBundle)
	require.NoError(t, err)
	decoders := map[string]struct {
		data   []byte
		decode func([]byte) error
	}{
		"weights": {w, func(b []byte) error { _, err := model.DecodeWeights(b); return err }},
		"catalog": {c, func(b []byte) error { _, err := model.DecodeCatalog(b); return err }},
	}
	for name, d := range decoders {
		t.Run(name+"/every truncation", func(t *testing.T) {
			for n := 0; n < len(d.data); n++ {
				err := d.decode(d.data[:n])
				if !errors.Is(err, model.ErrCorrupt) && !errors.Is(err, model.ErrTooLarge) {
					t.Fatalf("truncated to %d bytes: got %v, want ErrCorrupt", n, err)
				}
			}
		})
		t.Run(name+"/trailing garbage", func(t *testing.T) {
			assert.ErrorIs(t, d.decode(append(append([]byte{}, d.data...), 0)), model.ErrCorrupt)
		})
		t.Run(name+"/other kind", func(t *testing.T) {
			other := c
			if name == "catalog" {
				other = w
			}
			assert.ErrorIs(t, d.decode(other), model.ErrCorrupt)
		})
		t.Run(name+"/future version", func(t *testing.T) {
			b := append([]byte{}, d.data...)
			// Header: array, str(kind), uint version (a positive fixint).
			at := 1 + 1 + len(name) + len("privrec/")
			require.Equal(t, byte(model.FormatVersion), b[at])
			b[at] = model.FormatVersion + 1
			assert.ErrorIs(t, d.decode(b), model.ErrUnsupported)
		})
	}
}

func TestDecodeHostileLengths(t *testing.T) {
	// An artifact claiming 4 GiB of item ids in a few bytes must fail
	// fast, before allocating.
	b := []byte{0x9a, 0xaf}
	b = append(b, "privrec/weights"...)
	b = append(b, model.FormatVersion, 0xc4, 16)
	b = append(b, testBundle[:]...)
	b = append(b, 0xa9)
	b = append(b, "neighbors"...)
	b = append(b, 0xc6, 0xff, 0xff, 0xff, 0xff)
	_, err := model.DecodeWeights(b)
	assert.ErrorIs(t, err, model.ErrTooLarge)
}

func FuzzDecodeWeights(f *testing.F) {
	w, err := model.EncodeWeights(tinySpec(), testBundle)
	require.NoError(f, err)
	f.Add(w)
	f.Add(w[:len(w)/2])
	prior := tinySpec()
	prior.Params.PopularityWeight, prior.Params.PopularityHalfLifeDays, prior.Params.PopularityAt = 2, 30, 1_323_000_000_000
	wp, err := model.EncodeWeights(prior, testBundle)
	require.NoError(f, err)
	f.Add(wp)
	f.Add([]byte{})
	f.Add([]byte{0x9b})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := model.DecodeWeights(data)
		if err != nil {
			if model.CodeOf(err) == model.CodeInternal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		// Whatever decodes must score without panicking and re-encode.
		_, err = m.Recommend(model.Request{K: 3, History: buy("a", "b")})
		require.NoError(t, err)
	})
}

func FuzzDecodeCatalog(f *testing.F) {
	c, err := model.EncodeCatalog(tinyCatalog(), testBundle)
	require.NoError(f, err)
	f.Add(c)
	f.Add(c[:len(c)-1])
	f.Add([]byte{0x94})
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := model.DecodeCatalog(data)
		if err != nil {
			if model.CodeOf(err) == model.CodeInternal {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		again, err := model.EncodeCatalog(cat.Items, cat.BundleID)
		require.NoError(t, err)
		back, err := model.DecodeCatalog(again)
		require.NoError(t, err)
		assert.Equal(t, cat.Items, back.Items)
	})
}

// benchSpec is a catalogue of n items, each with nb neighbours, and the
// trend prior on: the shape of the shipped model.
func benchSpec(n, nb int) *model.Spec {
	s := &model.Spec{Items: make([]string, n), Neighbors: make([][]model.Neighbor, n), Popularity: make([]float32, n), Params: model.DefaultParams()}
	for i := range s.Items {
		s.Items[i] = fmt.Sprintf("item%05d", i)
		s.Popularity[i] = float32(n-i) / float32(n)
		row := make([]model.Neighbor, nb)
		for j := range row {
			row[j] = model.Neighbor{Item: int32((i*7919 + j*104729) % n), Weight: float32(nb-j) / float32(nb)}
		}
		s.Neighbors[i] = row
	}
	return s
}

func BenchmarkRecommend(b *testing.B) {
	const n, nb, events = 3644, 200, 100
	hist := make(model.History, events)
	for i := range hist {
		hist[i] = model.Event{Item: fmt.Sprintf("item%05d", (i*37)%n), Kind: model.KindPurchase, At: int64(i) * 86_400_000}
	}
	for _, beta := range []float64{0, 4} {
		b.Run(fmt.Sprintf("beta=%v", beta), func(b *testing.B) {
			s := benchSpec(n, nb)
			s.Params.HalfLifeDays, s.Params.PopularityWeight, s.Params.PopularityHalfLifeDays = 60, beta, 30
			m, err := model.Build(s)
			require.NoError(b, err)
			req := model.Request{K: 10, History: hist, Context: model.Context{Hour: -1, Weekday: -1}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Recommend(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
