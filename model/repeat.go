package model

import (
	"cmp"
	"math"
	"slices"
)

// Buy again (ModeBuyAgain): the shopper's own purchases, scored by how
// often and how recently they were made, blended with the default mode's
// scores, as TIFU-KNN blends a user's time-decayed repeat vector with
// their neighbours' (Hu et al., 2020; Li et al., 2023, "A Next Basket
// Recommendation Reality Check", show repeat signals carry most of the
// next-basket accuracy where customers re-buy).
//
// For an item j the shopper bought, at distinct times t among the events
// that score, r_j = Σ_t 2^(−(now−t)/Params.RepeatHalfLifeDays) (a count
// when the half-life is zero). Every candidate — the items bought, and the
// default mode's top k among the rest — has its default score e_j (the
// personal score plus the aged popularity prior β'·pop_j; without a prior,
// an item the default mode fills by popularity has e_j = 0). With
// α = Params.RepeatWeight,
//
//	score_j = α·r_j/max r + (1−α)·e_j/max e
//
// ties broken by e_j, then bought items by index, then the default's
// order. Every term is exact: the top k of the items not bought are the
// default mode's, since their score is e_j scaled.

// Params returns the scoring parameters m was trained with (the weights'
// own, repeat parameters included).
func (m *Model) Params() Params { return m.params }

// bought is one item of the shopper's purchases: its repeat weight, its
// default score, how many distinct times it was bought and when last.
type bought struct {
	item  int32
	r, e  float64
	count int
	last  int64
}

// recommendBuyAgain answers a ModeBuyAgain request into resp. Its
// arguments are Recommend's: the history's weighted items hw, each event's
// item idx, the events that score (window), the request time and the
// request's filter (which leaves bought items out unless Seen is none;
// bought items themselves pass it when only Seen would leave them out).
func (m *Model) recommendBuyAgain(resp *Response, k int, beta float32, hw []weighted, req Request, idx, window []int32, now int64, f *filter, s *scratch) {
	rep := m.repeatVector(req, idx, window, now, f)
	kx := k
	if req.Seen == SeenNone {
		kx += len(rep) // the default's list may hold bought items: skipped below
	}
	explore := Response{Items: make([]Recommendation, 0, kx)}
	if m.emb != nil {
		m.recommendEmbedding(&explore, kx, beta, hw, req, f, s)
	} else {
		m.recommendNeighbors(&explore, kx, beta, hw, req, f, s)
	}
	// The default score of every bought item, and of explored items the
	// default labelled popular: their Score there may be the bare
	// popularity of its fill, not personal + prior.
	need := make([]int32, 0, len(rep)+len(explore.Items))
	for _, b := range rep {
		need = append(need, b.item)
	}
	for _, rec := range explore.Items {
		if j, _ := m.lookup(rec.Item); rec.Source != SourceHistory && !isBought(rep, j) {
			need = append(need, j)
		}
	}
	slices.Sort(need)
	es := m.defaultScores(need, hw, beta)
	escore := func(j int32) float64 {
		i, _ := slices.BinarySearch(need, j)
		return es[i]
	}
	for i := range rep {
		rep[i].e = escore(rep[i].item)
	}

	type cand struct {
		c, e float64
		rep  int // index into rep, or -1
		rec  Recommendation
	}
	cands := make([]cand, 0, len(rep)+len(explore.Items))
	var maxR, maxE float64
	for i := range rep {
		maxR, maxE = max(maxR, rep[i].r), max(maxE, rep[i].e)
		cands = append(cands, cand{e: rep[i].e, rep: i})
	}
	for _, rec := range explore.Items {
		j, _ := m.lookup(rec.Item)
		if isBought(rep, j) {
			continue
		}
		e := max(0, rec.Score)
		if rec.Source != SourceHistory {
			e = escore(j)
		}
		maxE = max(maxE, e)
		cands = append(cands, cand{e: e, rep: -1, rec: rec})
	}
	alpha := m.params.RepeatWeight
	for i := range cands {
		c := &cands[i]
		if c.rep >= 0 && maxR > 0 {
			c.c = alpha * rep[c.rep].r / maxR
		}
		if maxE > 0 {
			c.c += (1 - alpha) * c.e / maxE
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if a.c != b.c {
			return cmp.Compare(b.c, a.c)
		}
		return cmp.Compare(b.e, a.e)
	})
	for _, c := range cands[:min(k, len(cands))] {
		if c.rep < 0 {
			c.rec.Score = c.c
			resp.Items = append(resp.Items, c.rec)
			continue
		}
		b := rep[c.rep]
		rec := Recommendation{Item: string(m.id(b.item)), Score: c.c, Source: SourceRepeat}
		if req.Explain {
			rec.Bought, rec.LastBought = b.count, b.last
			if c.c > 0 && maxR > 0 {
				rec.Because = []Reason{{Item: rec.Item, Share: math.Min(1, alpha*b.r/maxR/c.c)}}
			}
		}
		resp.Items = append(resp.Items, rec)
	}
}

// repeatVector is the shopper's bought items that the request allows,
// ordered by item, with their repeat weights, counts and last times.
func (m *Model) repeatVector(req Request, idx, window []int32, now int64, f *filter) []bought {
	type buy struct {
		item int32
		at   int64
	}
	var buys []buy
	for _, p := range window {
		if i := idx[p]; i >= 0 && req.History[p].Kind == KindPurchase {
			buys = append(buys, buy{i, req.History[p].At})
		}
	}
	slices.SortFunc(buys, func(a, b buy) int {
		if a.item != b.item {
			return cmp.Compare(a.item, b.item)
		}
		return cmp.Compare(a.at, b.at)
	})
	excluded := make([]int32, 0, len(req.Exclude))
	for _, id := range req.Exclude {
		if i, ok := m.lookup(id); ok {
			excluded = append(excluded, i)
		}
	}
	slices.Sort(excluded)
	hl := m.params.RepeatHalfLifeDays
	var out []bought
	for a := 0; a < len(buys); {
		b := bought{item: buys[a].item}
		for ; a < len(buys) && buys[a].item == b.item; a++ {
			if b.count > 0 && buys[a].at == b.last {
				continue // one basket's rows
			}
			b.count++
			b.last = buys[a].at
			w := 1.0
			if hl > 0 && b.last < now {
				w = math.Exp2(-(float64(now) - float64(b.last)) / 86_400_000 / hl)
			}
			b.r += w
		}
		if _, ex := slices.BinarySearch(excluded, b.item); !ex && f.allows(b.item) {
			out = append(out, b)
		}
	}
	return out
}

// allows is ok without the excluded mask: the catalog and category.
func (f *filter) allows(j int32) bool {
	if f.none || (f.available != nil && !f.available[j]) {
		return false
	}
	return f.catOf == nil || f.catOf[j] == f.want
}

func isBought(rep []bought, j int32) bool {
	_, ok := slices.BinarySearchFunc(rep, j, func(b bought, j int32) int { return cmp.Compare(b.item, j) })
	return ok
}

// defaultScores is the default mode's score of each of items (ascending,
// distinct), at least 0: the personal score of the history hw plus beta
// times the item's popularity, summed as the default mode sums it.
func (m *Model) defaultScores(items []int32, hw []weighted, beta float32) []float64 {
	pos := func(j int32) int {
		i, ok := slices.BinarySearch(items, j)
		if !ok {
			return -1
		}
		return i
	}
	personal := make([]float32, len(items))
	if e := m.emb; e != nil {
		if len(hw) > 0 && len(items) > 0 {
			t := e.lut(e.query(hw))
			v := make([]float32, e.dims)
			for i, j := range items {
				personal[i] = e.scoreOf(t, j)
			}
			for _, h := range hw { // less each item's own term
				if i := pos(h.item); i >= 0 {
					e.vector(h.item, v)
					personal[i] = float32(personal[i] - float32(h.w*e.dot(e.foldIn(v), h.item)))
				}
			}
		}
	} else {
		nb := m.nb
		for _, h := range hw {
			for p := nb.rowStart[h.item]; p < nb.rowStart[h.item+1]; p++ {
				if i := pos(nb.col(p)); i >= 0 {
					personal[i] = float32(personal[i] + float32(h.w*nb.weight(h.item, p)))
				}
			}
		}
	}
	out := make([]float64, len(items))
	for i, j := range items {
		sc := personal[i]
		if beta > 0 {
			sc = float32(sc + float32(beta*m.pop[j]))
		}
		out[i] = max(0, float64(sc))
	}
	return out
}
