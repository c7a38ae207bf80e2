package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/privrec/privrec/internal/synth"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// Shape of the generated embeddings.
const (
	dims      = 64
	subspaces = 16 // one-byte codes per item: 16 bytes per 64-d item
	clusters  = 128
	// benchNow is the time of every history event and request, inside the
	// validity of the bundle.
	benchNow = int64(1_767_225_600_000) // 2026-01-01
)

// fixture is one catalog size: the float32 vectors, the signed bundle of
// their product-quantized form, its native decoding, and the request every
// target answers.
type fixture struct {
	n       int
	vectors []float32 // n × dims, the float32 originals
	files   *bundle.Files
	key     ed25519.PublicKey
	native  *model.Model
	req     model.Request
	query   []float32 // float32 query of req: Σ of its history's original vectors
	member  [][]int32 // items of each cluster
	titles  bool      // whether the catalog carries titles (dropped when over bundle.MaxCatalog)
}

// newFixture generates n item vectors in Gaussian clusters, quantizes them
// with train.QuantizeEmbedding, and packs and signs a bundle (with the
// synthetic catalog of the same size) around wasm.
func newFixture(n int, seed uint64, history int, wasm []byte, progress func(string, int, int)) (*fixture, error) {
	f := &fixture{n: n}
	f.vectors, f.member = clusteredVectors(n, seed)
	emb, err := train.QuantizeEmbedding(f.vectors, dims, subspaces, nil, seed, progress)
	if err != nil {
		return nil, fmt.Errorf("quantize %d vectors: %w", n, err)
	}
	sc := synth.For(n, 1, seed)
	catalog, err := synth.Catalog(sc)
	if err != nil {
		return nil, err
	}
	spec := &model.Spec{Items: make([]string, n), Embedding: emb, Popularity: make([]float32, n), Params: model.DefaultParams()}
	for i, it := range catalog {
		spec.Items[i] = it.ID
		spec.Popularity[i] = float32(math.Pow(float64(i)+31, -sc.Zipf))
	}
	// Equal weights for every history event, so the module's query is the
	// plain sum of the history's (quantized) vectors.
	spec.Params.HalfLifeDays, spec.Params.PopularityWeight = 0, 0
	files, id, err := train.Pack(spec, catalog, wasm)
	if err != nil {
		return nil, err
	}
	f.titles = true
	if len(files.Catalog) > bundle.MaxCatalog {
		// A million titled items (about 57 bytes each) exceed the bundle's
		// catalog cap: ship ids, prices and categories only.
		for i := range catalog {
			catalog[i].Title = ""
		}
		if files, id, err = train.Pack(spec, catalog, wasm); err != nil {
			return nil, err
		}
		f.titles = false
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	meta := bundle.Meta{Version: 1, Created: now.UnixMilli(), Expires: now.Add(24 * time.Hour).UnixMilli(), BundleID: id}
	if err := bundle.Sign(files, meta, priv); err != nil {
		return nil, err
	}
	f.files, f.key = files, pub
	if f.native, err = model.Load(files.Weights, files.Catalog); err != nil {
		return nil, fmt.Errorf("load the bundle natively: %w", err)
	}
	r := mrand.New(mrand.NewPCG(seed, 0xb5))
	f.req, f.query = f.request(r, history)
	return f, nil
}

// clusteredVectors draws n vectors around clusters centres (N(0,1) per
// coordinate, spread 0.7), each scaled by a log-normal norm, as the factors of
// a matrix factorization are: structured, but not trivially separable.
func clusteredVectors(n int, seed uint64) ([]float32, [][]int32) {
	r := mrand.New(mrand.NewPCG(seed, 0xc1))
	centres := make([]float64, clusters*dims)
	for i := range centres {
		centres[i] = r.NormFloat64()
	}
	v := make([]float32, n*dims)
	member := make([][]int32, clusters)
	for j := range n {
		k := r.IntN(clusters)
		member[k] = append(member[k], int32(j))
		scale := math.Exp(0.3 * r.NormFloat64())
		for d := range dims {
			v[j*dims+d] = float32(scale * (centres[k*dims+d] + 0.7*r.NormFloat64()))
		}
	}
	return v, member
}

// request is a short history (purchases of history items of one cluster)
// asking for the top 10, and the float32 query it stands for.
func (f *fixture) request(r *mrand.Rand, history int) (model.Request, []float32) {
	var k int
	for k = r.IntN(clusters); len(f.member[k]) == 0; k = r.IntN(clusters) {
	}
	m := f.member[k]
	req := model.Request{K: 10, Now: benchNow, Context: model.Context{Hour: -1, Weekday: -1}}
	q := make([]float32, dims)
	seen := map[int32]bool{}
	for range min(history, len(m)) {
		j := m[r.IntN(len(m))]
		for seen[j] {
			j = m[r.IntN(len(m))]
		}
		seen[j] = true
		req.History = append(req.History, model.Event{Item: synth.ItemID(int(j)), Kind: model.KindPurchase, At: benchNow - int64(len(seen))*60_000})
		for d := range dims {
			q[d] += f.vectors[int(j)*dims+d]
		}
	}
	return req, q
}

// topF32 is the exact float32 top 10 of query q over every item outside
// skip (the history, which the module leaves out as bought).
func (f *fixture) topF32(q []float32, skip map[int32]bool) []int32 {
	type cand struct {
		j int32
		s float32
	}
	top := make([]cand, 0, 11)
	for j := range f.n {
		if skip[int32(j)] {
			continue
		}
		row := f.vectors[j*dims : (j+1)*dims]
		var s float32
		for d, x := range q {
			s += x * row[d]
		}
		if len(top) == 10 && s <= top[9].s {
			continue
		}
		i := len(top)
		top = append(top, cand{int32(j), s})
		for i > 0 && top[i-1].s < s {
			top[i] = top[i-1]
			i--
		}
		top[i] = cand{int32(j), s}
		if len(top) > 10 {
			top = top[:10]
		}
	}
	out := make([]int32, len(top))
	for i, c := range top {
		out[i] = c.j
	}
	return out
}

// overlapF32 is the mean share of the module's top 10 (scored natively over
// the shipped codes) that is also in the float32 top 10 of the same history,
// over queries random histories.
func (f *fixture) overlapF32(seed uint64, queries, history int) (float64, error) {
	r := mrand.New(mrand.NewPCG(seed, 0x0f))
	total := 0.0
	for range queries {
		req, q := f.request(r, history)
		skip := map[int32]bool{}
		for _, e := range req.History {
			skip[itemIndex(e.Item)] = true
		}
		want := f.topF32(q, skip)
		resp, err := f.native.Recommend(req)
		if err != nil {
			return 0, err
		}
		hits := 0
		for _, it := range resp.Items {
			if slices.Contains(want, itemIndex(it.Item)) {
				hits++
			}
		}
		total += float64(hits) / float64(len(want))
	}
	return total / float64(queries), nil
}

// itemIndex inverts synth.ItemID.
func itemIndex(id string) int32 {
	var j int32
	for _, c := range id[1:] {
		j = j*10 + int32(c-'0')
	}
	return j
}

// ids are the item ids of a response, best first.
func ids(r model.Response) []string {
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.Item
	}
	return out
}
