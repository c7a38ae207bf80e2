package model

import (
	"bytes"
	"encoding/binary"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/privrec/privrec/model/internal/wire"
)

// TestLoadMatchesOld holds Load to oldLoad (load_old_internal_test.go,
// the load before its assembly) on a deterministic corpus: weights of
// every id shape of corpusIDs and both kinds, with catalogs as shops
// write them (every item in the model's order, without categories, with
// categories at random and in runs, a subset with ids the model lacks,
// tags and titles of every length, other encodings the Reader takes)
// and as they should not (out of order, an item twice, an empty id),
// each whole and then mutated 120 times (a byte set, moved by one,
// dropped or inserted; the bytes cut; a stretch repeated; an id end
// moved). Both must accept and refuse the same inputs with the same
// message, and build the same model. `make v8test` runs it in V8, where
// Load runs the assembly.
func TestLoadMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	mutations := 120
	if testing.Short() {
		mutations = 40
	}
	whole, accepted, refused := 0, 0, 0
	corpus := loadCorpus(rng)
	for _, pair := range corpus {
		w, c := pair[0], pair[1]
		if matchOld(t, w, c) {
			whole++
		}
		idsEnd := idRegionEnd(w)
		for range mutations {
			mw, mc := w, c
			switch rng.IntN(5) {
			case 0, 1:
				mc = mutate(rng, c, len(c))
			case 2:
				mw = mutate(rng, w, idsEnd)
			case 3:
				mw = mutate(rng, w, len(w))
			default:
				mw = moveEnd(rng, w)
			}
			if matchOld(t, mw, mc) {
				accepted++
			} else {
				refused++
			}
		}
	}
	t.Logf("%d of %d corpus pairs accepted; %d mutated pairs accepted, %d refused", whole, len(corpus), accepted, refused)
	if whole < len(corpus)*2/3 || accepted < len(corpus)*mutations/10 || refused < len(corpus)*mutations/4 {
		t.Fatal("the corpus misses a side")
	}
}

// FuzzLoadMatchesOld is TestLoadMatchesOld's comparison on any weights
// and catalog, seeded with small pairs of the corpus.
func FuzzLoadMatchesOld(f *testing.F) {
	rng := rand.New(rand.NewPCG(33, 34))
	for i, pair := range loadCorpus(rng) {
		if i%3 == 0 && len(pair[0])+len(pair[1]) < 20000 {
			f.Add(pair[0], pair[1])
		}
	}
	f.Fuzz(func(t *testing.T, w, c []byte) { matchOld(t, w, c) })
}

// matchOld loads w and c with Load and oldLoad, fails t unless both
// refuse them with the same message and code or both build the same
// model, and reports whether they were accepted.
func matchOld(t testing.TB, w, c []byte) bool {
	t.Helper()
	om, oerr := oldLoad(w, c)
	nm, nerr := Load(w, c)
	if (oerr == nil) != (nerr == nil) || oerr != nil && (oerr.Error() != nerr.Error() || CodeOf(oerr) != CodeOf(nerr)) {
		t.Fatalf("Load: %v; the old load: %v", nerr, oerr)
	}
	if oerr != nil {
		return false
	}
	if d := modelDiff(om, nm); d != "" {
		t.Fatalf("Load built a model unlike the old load's: %s differs", d)
	}
	return true
}

// modelDiff names the first part of a and b that differs, or "". A nil
// catOf is the old all-zero one (no item has a category).
func modelDiff(a, b *Model) string {
	f32 := func(x, y []float32) bool {
		return slices.EqualFunc(x, y, func(p, q float32) bool { return math.Float32bits(p) == math.Float32bits(q) })
	}
	list := func(x, y contextList) bool { return bytes.Equal(x.items, y.items) && f32(x.scores, y.scores) }
	catOf := func(x, y []uint32) bool {
		zero := func(v []uint32) bool { return !slices.ContainsFunc(v, func(c uint32) bool { return c != 0 }) }
		if x == nil || y == nil {
			return zero(x) && zero(y) && (x == nil || len(x) == a.n) && (y == nil || len(y) == b.n)
		}
		return slices.Equal(x, y)
	}
	switch {
	case a.kind != b.kind || a.n != b.n || a.bundleID != b.bundleID || a.params != b.params:
		return "the header"
	case !bytes.Equal(a.ids, b.ids) || !slices.Equal(a.idOff, b.idOff) || !slices.Equal(a.idKey, b.idKey):
		return "the ids"
	case !f32(a.pop, b.pop) || !slices.Equal(a.popTop, b.popTop):
		return "the popularity"
	case !maps.EqualFunc(a.contexts, b.contexts, list) || (a.contexts == nil) != (b.contexts == nil):
		return "the contexts"
	case !slices.EqualFunc(a.timed[:], b.timed[:], list):
		return "the timed contexts"
	case !slices.Equal(a.available, b.available) || !catOf(a.catOf, b.catOf) || !maps.Equal(a.cats, b.cats):
		return "the catalog"
	case (a.nb == nil) != (b.nb == nil) || (a.emb == nil) != (b.emb == nil):
		return "the kind's table"
	}
	if x, y := a.nb, b.nb; x != nil && (!slices.Equal(x.rowStart, y.rowStart) || x.width != y.width || !bytes.Equal(x.cols, y.cols) || !bytes.Equal(x.vals, y.vals) || !f32(x.scales, y.scales)) {
		return "the neighbours"
	}
	if x, y := a.emb, b.emb; x != nil && (x.dims != y.dims || x.sub != y.sub || x.dsub != y.dsub || !f32(x.codebooks, y.codebooks) || !bytes.Equal(x.codes, y.codes) || !f32(x.fold, y.fold)) {
		return "the embedding"
	}
	return ""
}

// loadCorpus returns the corpus's weights and catalog pairs.
func loadCorpus(rng *rand.Rand) [][2][]byte {
	var pairs [][2][]byte
	id := [16]byte{7, 1}
	for shape := 0; shape < 10; shape++ {
		for _, n := range []int{1, 3, 40, 300} {
			ids := corpusIDs(rng, shape, n)
			s := corpusSpec(rng, ids, shape%4 == 3)
			w, err := EncodeWeights(s, id)
			if err != nil {
				panic(err)
			}
			for variant := 0; variant < 9; variant++ {
				pairs = append(pairs, [2][]byte{w, corpusCatalog(rng, ids, variant, id)})
			}
		}
	}
	return pairs
}

// corpusSpec is a model of ids: a few neighbours an item (or an
// embedding), popularity with ties, signed zeros and negatives, the
// hour and weekday contexts and one other, the repeat parameters at times.
func corpusSpec(rng *rand.Rand, ids []string, embedding bool) *Spec {
	n := len(ids)
	s := &Spec{Items: ids, Popularity: make([]float32, n), Params: DefaultParams(), Contexts: map[string][]Neighbor{}}
	for i := range s.Popularity {
		s.Popularity[i] = []float32{0, float32(math.Copysign(0, -1)), 1, -2, float32(rng.IntN(5)), rng.Float32()}[rng.IntN(6)]
	}
	for _, key := range []string{"hour:12", "weekday:3", "campaign"} {
		for range rng.IntN(6) {
			s.Contexts[key] = append(s.Contexts[key], Neighbor{Item: int32(rng.IntN(n)), Weight: rng.Float32()})
		}
	}
	if rng.IntN(3) == 0 {
		s.Params.RepeatWeight, s.Params.RepeatHalfLifeDays = 0.5, 30
	}
	if embedding {
		const dims, sub = 4, 2
		e := &Embedding{Dims: dims, Subspaces: sub, Codebooks: make([]float32, sub*PQCentroids*dims/sub), Codes: make([]byte, n*sub), Fold: make([]float32, dims*dims)}
		for i := range e.Codebooks {
			e.Codebooks[i] = float32(rng.NormFloat64())
		}
		for i := range e.Codes {
			e.Codes[i] = byte(rng.IntN(PQCentroids))
		}
		for i := range dims {
			e.Fold[i*dims+i] = 1
		}
		s.Embedding = e
		return s
	}
	s.Neighbors = make([][]Neighbor, n)
	for i := range s.Neighbors {
		for range rng.IntN(4) {
			s.Neighbors[i] = append(s.Neighbors[i], Neighbor{Item: int32(rng.IntN(n)), Weight: float32(rng.NormFloat64())})
		}
	}
	return s
}

// corpusCatalog is a catalog over the model's ids of one of the variants
// TestLoadMatchesOld lists, written with wire.Writer item by item.
func corpusCatalog(rng *rand.Rand, ids []string, variant int, bundle [16]byte) []byte {
	type item struct {
		id, title, category string
		tags                []string
	}
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(3))
		}
		return string(b)
	}
	cats := []string{"toys", "garden", "kitchen", word(40), word(MaxIDLen)}
	var items []item
	cat := ""
	for _, id := range ids {
		it := item{id: id, title: word([]int{0, 5, 31, 32, 255, 256, maxTitleLen}[rng.IntN(7)])}
		switch variant {
		case 1: // categories at random, or none
			if rng.IntN(4) > 0 {
				it.category = cats[rng.IntN(len(cats))]
			}
		case 2: // categories in runs
			if rng.IntN(5) == 0 {
				cat = cats[rng.IntN(len(cats))]
			}
			it.category = cat
		case 3, 4, 5, 6, 7: // a subset and ids the model lacks, tags
			if rng.IntN(4) == 0 {
				continue
			}
			if rng.IntN(5) == 0 {
				items = append(items, item{id: id + "~", category: cats[rng.IntN(len(cats))]})
			}
			if rng.IntN(2) == 0 {
				it.category = cats[rng.IntN(3)]
			}
			for range []int{0, 0, 1, 3, 15, 16, maxTags}[rng.IntN(7)] {
				it.tags = append(it.tags, word([]int{0, 1, 31, 32, maxTagLen}[rng.IntN(5)]))
			}
		}
		items = append(items, it)
	}
	switch variant {
	case 5: // out of order
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	case 6: // an item twice
		if len(items) > 0 {
			i, j := rng.IntN(len(items)), rng.IntN(len(items)+1)
			items = slices.Insert(items, j, items[i])
		}
	case 8: // an empty id
		items = slices.Insert(items, rng.IntN(len(items)+1), item{category: cats[0]})
	}
	w := wire.NewWriter()
	writeHeader(w, catalogFields, KindCatalog, bundle)
	w.Array(len(items))
	for _, it := range items {
		w.Array(5)
		w.String(it.id)
		w.String(it.title)
		if variant == 7 && rng.IntN(3) == 0 { // other encodings the Reader takes
			w.Float32(1.5)
		} else {
			w.Float(1.25)
		}
		if variant == 7 && it.category == "" && rng.IntN(2) == 0 {
			w.Nil()
		} else {
			w.String(it.category)
		}
		w.Array(len(it.tags))
		for _, tag := range it.tags {
			w.String(tag)
		}
	}
	return w.Bytes()
}

// idRegionEnd is the offset past the item id ends in weights w: the part
// that checkItems reads.
func idRegionEnd(w []byte) int {
	r := wire.NewReader(w)
	checkHeader(r, weightsFields, KindWeights)
	r.String(16, "model kind")
	r.View(maxIDBytes, "item ids")
	r.View(4*MaxItems, "item id ends")
	if r.Err() != nil {
		return len(w)
	}
	return r.Offset()
}

// mutate returns a copy of b with one change at or before limit: a byte
// set (to anything or to a code the formats use), moved by one, or
// dropped; a byte inserted; the bytes cut there; or a stretch repeated.
func mutate(rng *rand.Rand, b []byte, limit int) []byte {
	b = slices.Clone(b)
	if len(b) == 0 {
		return append(b, byte(rng.IntN(256)))
	}
	p := rng.IntN(min(limit, len(b)))
	switch rng.IntN(8) {
	case 0:
		b[p] = byte(rng.IntN(256))
	case 1:
		b[p] = []byte{0x00, 0x01, 0x7f, 0x80, 0x90, 0x94, 0x95, 0x9f, 0xa0, 0xa5, 0xbf, 0xc0, 0xc4, 0xca, 0xcb, 0xd9, 0xda, 0xdc, 0xff}[rng.IntN(19)]
	case 2, 3:
		b[p] += byte(2*rng.IntN(2) - 1)
	case 4:
		b = slices.Delete(b, p, p+1)
	case 5:
		b = slices.Insert(b, p, byte(rng.IntN(256)))
	case 6:
		b = b[:p]
	default:
		q := min(len(b), p+1+rng.IntN(40))
		b = slices.Insert(b, q, b[p:q]...)
	}
	return b
}

// moveEnd returns a copy of weights w with one item id end moved by a
// little or set far off (ids out of order, empty, too long, past the
// table).
func moveEnd(rng *rand.Rand, w []byte) []byte {
	w = slices.Clone(w)
	r := wire.NewReader(w)
	checkHeader(r, weightsFields, KindWeights)
	r.String(16, "model kind")
	r.View(maxIDBytes, "item ids")
	ends := r.View(4*MaxItems, "item id ends")
	if r.Err() != nil || len(ends) < 4 {
		return w
	}
	i := 4 * rng.IntN(len(ends)/4)
	e := binary.LittleEndian.Uint32(ends[i:])
	if rng.IntN(4) == 0 {
		e = []uint32{0, math.MaxUint32, e + MaxIDLen + 1}[rng.IntN(3)]
	} else {
		e += uint32(rng.IntN(9)) - 4
	}
	binary.LittleEndian.PutUint32(ends[i:], e)
	return w
}
