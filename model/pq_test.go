package model_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/model"
)

// embeddingSpec is a random product-quantized model of n items: ids
// "i00000".., codebooks and fold drawn from a seeded source, codes uniform.
func embeddingSpec(n, dims, sub int, seed uint64) *model.Spec {
	rng := rand.New(rand.NewPCG(seed, 1))
	e := &model.Embedding{
		Dims: dims, Subspaces: sub,
		Codebooks: make([]float32, sub*model.PQCentroids*(dims/sub)),
		Codes:     make([]byte, n*sub),
		Fold:      make([]float32, dims*dims),
	}
	for i := range e.Codebooks {
		e.Codebooks[i] = float32(rng.NormFloat64())
	}
	for i := range e.Codes {
		e.Codes[i] = byte(rng.IntN(model.PQCentroids))
	}
	for a := 0; a < dims; a++ {
		e.Fold[a*dims+a] = 1
		for b := 0; b < dims; b++ {
			e.Fold[a*dims+b] += float32(0.05 * rng.NormFloat64())
		}
	}
	s := &model.Spec{Items: make([]string, n), Embedding: e, Popularity: make([]float32, n)}
	for i := range s.Items {
		s.Items[i] = fmt.Sprintf("i%05d", i)
		s.Popularity[i] = float32(rng.Float64() / float64(i+1))
	}
	s.Params = model.Params{ViewWeight: 1, CartWeight: 1, PurchaseWeight: 1, Saturation: 1}
	return s
}

// bruteForce scores every item of s against a history of distinct items
// (weight 1 each) by reconstructing each vector from its codes: the
// definition the lookup-table pass must match bit for bit. It returns the
// top k allowed items with positive personal scores (beta == 0) or by
// personal + beta·popularity.
func bruteForce(s *model.Spec, hist []int, k int, beta float32, allowed func(int) bool) []model.Recommendation {
	e := s.Embedding
	dsub := e.Dims / e.Subspaces
	vec := func(j int) []float32 {
		v := make([]float32, e.Dims)
		for m := 0; m < e.Subspaces; m++ {
			c := int(e.Codes[j*e.Subspaces+m])
			copy(v[m*dsub:(m+1)*dsub], e.Codebooks[(m*model.PQCentroids+c)*dsub:])
		}
		return v
	}
	fold := func(v []float32) []float32 {
		out := make([]float32, e.Dims)
		for a := range out {
			var acc float32
			for b := 0; b < e.Dims; b++ {
				acc = float32(acc + float32(e.Fold[a*e.Dims+b]*v[b]))
			}
			out[a] = acc
		}
		return out
	}
	dot := func(q, v []float32) float32 { // per subspace, then across
		var s float32
		for m := 0; m < e.Subspaces; m++ {
			var p float32
			for d := m * dsub; d < (m+1)*dsub; d++ {
				p = float32(p + float32(q[d]*v[d]))
			}
			s = float32(s + p)
		}
		return s
	}
	sorted := slices.Clone(hist)
	slices.Sort(sorted)
	sum := make([]float32, e.Dims)
	for _, i := range sorted {
		for d, x := range vec(i) {
			sum[d] = float32(sum[d] + float32(1*x))
		}
	}
	u := fold(sum)
	type scored struct {
		j        int
		score    float32
		personal float32
	}
	var all []scored
	for j := range s.Items {
		if !allowed(j) {
			continue
		}
		v := vec(j)
		p := dot(u, v)
		if slices.Contains(hist, j) {
			p = float32(p - float32(1*dot(fold(v), v)))
		}
		sc := p
		if beta != 0 {
			sc = float32(p + float32(beta*s.Popularity[j]))
		} else if !(p > 0) {
			continue
		}
		all = append(all, scored{j, sc, p})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return a.j - b.j
	})
	var out []model.Recommendation
	for _, c := range all[:min(k, len(all))] {
		src := model.SourceHistory
		if !(c.personal > 0) {
			src = model.SourcePopular
		}
		out = append(out, model.Recommendation{Item: s.Items[c.j], Score: float64(c.score), Source: src})
	}
	return out
}

// TestEmbeddingExactTopK asserts that the lookup-table pass returns exactly
// the brute-force top k over the shipped codes: same items, same order,
// same scores bit for bit, for both kernels (16 subspaces: the cut and
// scan16; 8: the generic loop), with and without the popularity blend, with
// exclusions.
func TestEmbeddingExactTopK(t *testing.T) {
	for _, c := range []struct{ sub, items, trials int }{
		{16, 3001, 40},
		{16, 2*4096 + 5, 6}, // several chunks of the pass, which checks its cut per chunk
		{8, 3002, 40},
	} {
		for _, beta := range []float32{0, 0.5} {
			sub := c.sub
			t.Run(fmt.Sprintf("sub=%d/items=%d/beta=%v", sub, c.items, beta), func(t *testing.T) {
				spec := embeddingSpec(c.items, 64, sub, uint64(sub))
				spec.Params.PopularityWeight = float64(beta)
				m, err := model.Build(spec)
				require.NoError(t, err)
				rng := rand.New(rand.NewPCG(7, uint64(sub)))
				for trial := 0; trial < c.trials; trial++ {
					var hist []int
					var events model.History
					for len(hist) < 1+rng.IntN(30) {
						j := rng.IntN(len(spec.Items))
						if !slices.Contains(hist, j) {
							hist = append(hist, j)
							events = append(events, model.Event{Item: spec.Items[j], Kind: model.KindView, At: 1})
						}
					}
					exclude := []string{spec.Items[rng.IntN(len(spec.Items))]}
					k := 1 + rng.IntN(40)
					resp, err := m.Recommend(model.Request{K: k, History: events, Seen: model.SeenNone, Exclude: exclude, Context: model.Context{Hour: -1, Weekday: -1}})
					require.NoError(t, err)
					want := bruteForce(spec, hist, k, beta, func(j int) bool { return spec.Items[j] != exclude[0] })
					got := resp.Items
					if beta == 0 && len(got) > len(want) { // the rest is the popularity fill
						for _, r := range got[len(want):] {
							require.Equal(t, model.SourcePopular, r.Source)
						}
						got = got[:len(want)]
					}
					for i := range got {
						got[i].Because = nil
					}
					require.Equal(t, want, got, "trial %d: history %v, k %d", trial, hist, k)
				}
			})
		}
	}
}

// TestEmbeddingExplanations checks that reasons name history items other
// than the target, largest share first, and that the shares add up to the
// score (the score is linear in the history).
func TestEmbeddingExplanations(t *testing.T) {
	spec := embeddingSpec(500, 32, 8, 3)
	m, err := model.Build(spec)
	require.NoError(t, err)
	hist := model.History{{Item: "i00003", Kind: model.KindPurchase, At: 1}, {Item: "i00004", Kind: model.KindPurchase, At: 1}}
	resp, err := m.Recommend(model.Request{K: 5, History: hist, Explain: true, Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	require.NotEmpty(t, resp.Items)
	for _, r := range resp.Items {
		if r.Source != model.SourceHistory {
			continue
		}
		require.NotEmpty(t, r.Because, "%s", r.Item)
		var sum float64
		for i, b := range r.Because {
			require.NotEqual(t, r.Item, b.Item)
			require.Contains(t, []string{"i00003", "i00004"}, b.Item)
			if i > 0 {
				require.LessOrEqual(t, b.Share, r.Because[i-1].Share)
			}
			sum += b.Share
		}
		if len(r.Because) == 2 { // both items pull the target up: the shares are the whole score
			require.InDelta(t, 1, sum, 1e-5, "%s: %+v", r.Item, r.Because)
		}
	}
}

// TestEmbeddingNoHistory: a history of unknown items gets popularity.
func TestEmbeddingNoHistory(t *testing.T) {
	spec := embeddingSpec(200, 16, 4, 5)
	m, err := model.Build(spec)
	require.NoError(t, err)
	resp, err := m.Recommend(model.Request{K: 3, History: model.History{{Item: "nope", Kind: model.KindView, At: 1}}, Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	require.Equal(t, 1, resp.Unknown)
	require.Len(t, resp.Items, 3)
	for _, r := range resp.Items {
		require.Equal(t, model.SourcePopular, r.Source)
	}
	require.Equal(t, "i00000", resp.Items[0].Item) // popularity falls with the index
}

func TestEmbeddingRoundTrip(t *testing.T) {
	spec := embeddingSpec(300, 64, 16, 9)
	// The same model with items 0 and 299 swapped (ids, codes, popularity):
	// the encoder sorts ids and must carry every item's data along.
	swapped := embeddingSpec(300, 64, 16, 9)
	e := swapped.Embedding
	swapped.Items[0], swapped.Items[299] = swapped.Items[299], swapped.Items[0]
	swapped.Popularity[0], swapped.Popularity[299] = swapped.Popularity[299], swapped.Popularity[0]
	for m := 0; m < e.Subspaces; m++ {
		e.Codes[m], e.Codes[299*e.Subspaces+m] = e.Codes[299*e.Subspaces+m], e.Codes[m]
	}
	w, err := model.EncodeWeights(swapped, testBundle)
	require.NoError(t, err)
	got, err := model.DecodeWeights(w)
	require.NoError(t, err)
	require.Equal(t, model.ModelEmbedding, got.Kind())
	kind, err := model.PeekKind(w)
	require.NoError(t, err)
	require.Equal(t, model.ModelEmbedding, kind)
	require.Equal(t, 300, got.Items())
	for i := 1; i < got.Items(); i++ {
		require.Less(t, got.ItemID(i-1), got.ItemID(i))
	}
	want, err := model.Build(spec)
	require.NoError(t, err)
	for _, item := range []string{"i00000", "i00299", "i00150"} {
		req := model.Request{K: 10, History: model.History{{Item: item, Kind: model.KindPurchase, At: 1}}, Explain: true, Context: model.Context{Hour: -1, Weekday: -1}}
		a, err := want.Recommend(req)
		require.NoError(t, err)
		b, err := got.Recommend(req)
		require.NoError(t, err)
		require.Equal(t, a, b, "history %s", item)
	}
}

func BenchmarkEmbedding(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		spec := embeddingSpec(n, 64, 16, 1)
		m, err := model.Build(spec)
		require.NoError(b, err)
		hist := model.History{{Item: spec.Items[1], Kind: model.KindPurchase, At: 1}, {Item: spec.Items[n/2], Kind: model.KindView, At: 1}}
		req := model.Request{K: 10, History: hist, Context: model.Context{Hour: -1, Weekday: -1}}
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Recommend(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLoadRefusesDuplicateCatalogItems: a catalog that lists an item twice
// (with two categories, say) is corrupt, not silently the last one.
func TestLoadRefusesDuplicateCatalogItems(t *testing.T) {
	w, err := model.EncodeWeights(tinySpec(), testBundle)
	require.NoError(t, err)
	items := append(tinyCatalog(), model.Item{ID: "a", Title: "Apple again", Category: "veg"})
	c, err := model.EncodeCatalog(items, testBundle)
	require.NoError(t, err)
	_, err = model.Load(w, c)
	require.ErrorIs(t, err, model.ErrCorrupt)
	require.ErrorContains(t, err, `"a" appears twice`)
}

// TestTinyWeightsEncode: a row whose weights are so small that its 8-bit
// scale would underflow (a long log decayed to nothing) still encodes into
// weights the decoder accepts, as zeros.
func TestTinyWeightsEncode(t *testing.T) {
	spec := tinySpec()
	spec.Neighbors[0] = []model.Neighbor{{Item: 1, Weight: 1e-44}, {Item: 2, Weight: -5e-45}}
	w, err := model.EncodeWeights(spec, testBundle)
	require.NoError(t, err)
	m, err := model.DecodeWeights(w)
	require.NoError(t, err)
	resp, err := m.Recommend(model.Request{K: 2, History: buy("a"), Context: model.Context{Hour: -1, Weekday: -1}})
	require.NoError(t, err)
	for _, r := range resp.Items {
		require.Equal(t, model.SourcePopular, r.Source, "a vanished weight must not personalise")
	}
}
