package model

import "math"

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
//
// It links no generic sort or search (each instantiation costs the module
// kilobytes): the lists are a request's few hundred items at most.
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
	// The explored items, less bought ones. The bought items, and explored
	// ones the default labelled popular, get their default score computed
	// (in one pass): a popular item's Score there may be the bare
	// popularity of its fill, not personal + prior.
	type cand struct {
		c, e float64
		rep  int // index into rep, or -1
		at   int // index into items of its default score, or -1
		rec  Recommendation
	}
	items := make([]int32, len(rep), len(rep)+len(explore.Items))
	for i, b := range rep {
		items[i] = b.item
	}
	cands := make([]cand, 0, len(rep)+len(explore.Items))
	for _, rec := range explore.Items {
		j, _ := m.lookup(rec.Item)
		if findItem(rep, j) >= 0 {
			continue
		}
		c := cand{e: max(0, rec.Score), rep: -1, at: -1, rec: rec}
		if rec.Source != SourceHistory {
			c.at = len(items)
			items = append(items, j)
		}
		cands = append(cands, c)
	}
	es := m.defaultScores(items, hw, beta, s)
	for i := range rep {
		rep[i].e = es[i]
	}
	for i := range cands {
		if c := &cands[i]; c.at >= 0 {
			c.e = es[c.at]
		}
	}
	var maxR, maxE float64
	for i := range rep {
		maxR, maxE = max(maxR, rep[i].r), max(maxE, rep[i].e)
		cands = append(cands, cand{e: rep[i].e, rep: i})
	}
	for _, c := range cands {
		maxE = max(maxE, c.e)
	}
	alpha := m.params.RepeatWeight
	// The top k by score, then default score, then bought items by index,
	// then the default's order: an insertion into the k kept, which keeps
	// equal candidates in input order.
	order := make([]cand, 0, k+1)
	better := func(a, b *cand) bool {
		if a.c != b.c {
			return a.c > b.c
		}
		if a.e != b.e {
			return a.e > b.e
		}
		return a.rep >= 0 && (b.rep < 0 || a.rep < b.rep)
	}
	for i := range cands {
		c := &cands[i]
		if c.rep >= 0 && maxR > 0 {
			c.c = alpha * rep[c.rep].r / maxR
		}
		if maxE > 0 {
			c.c += (1 - alpha) * c.e / maxE
		}
	}
	for i := range cands {
		c := &cands[i]
		if len(order) == k && !better(c, &order[k-1]) {
			continue
		}
		p := len(order)
		for p > 0 && better(c, &order[p-1]) {
			p--
		}
		if len(order) < k {
			order = append(order, cand{})
		}
		copy(order[p+1:], order[p:len(order)-1])
		order[p] = *c
	}
	for _, c := range order {
		if c.rep < 0 {
			c.rec.Score = c.c
			resp.Items = append(resp.Items, c.rec)
			continue
		}
		b := rep[c.rep]
		rec := Recommendation{Item: m.idString(b.item), Score: c.c, Source: SourceRepeat}
		if req.Explain {
			rec.Bought, rec.LastBought = b.count, b.last
			if c.c > 0 && maxR > 0 {
				rec.Because = []Reason{{Item: rec.Item, Share: math.Min(1, alpha*b.r/maxR/c.c)}}
			}
		}
		resp.Items = append(resp.Items, rec)
	}
}

// purchase is one purchase event of the history: its item and time.
type purchase struct {
	item int32
	at   int64
}

// repeatVector is the shopper's bought items that the request allows,
// ordered by item, with their repeat weights, counts and last times.
func (m *Model) repeatVector(req Request, idx, window []int32, now int64, f *filter) []bought {
	var buys []purchase
	for _, p := range window {
		if i := idx[p]; i >= 0 && req.History[p].Kind == KindPurchase {
			buys = append(buys, purchase{i, req.History[p].At})
		}
	}
	sortPurchases(buys)
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
		if f.allows(b.item) {
			out = append(out, b)
		}
	}
	for _, id := range req.Exclude { // what Seen alone would leave out stays
		if i, ok := m.lookup(id); ok {
			if p := findItem(out, i); p >= 0 {
				out[p].count = -1
			}
		}
	}
	kept := out[:0]
	for _, b := range out {
		if b.count > 0 {
			kept = append(kept, b)
		}
	}
	return kept
}

// allows is ok without the excluded mask: the catalog and category.
func (f *filter) allows(j int32) bool {
	if f.none || (f.available != nil && !f.available[j]) {
		return false
	}
	return f.catOf == nil || f.catOf[j] == f.want
}

// findItem is the position of item j in rep (ordered by item), or -1.
func findItem(rep []bought, j int32) int {
	lo, hi := 0, len(rep)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if rep[mid].item < j {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(rep) && rep[lo].item == j {
		return lo
	}
	return -1
}

// Shell sorts (Ciura's gaps): at most MaxHistory elements, no generic
// instantiation, no closure.
var shellGaps = [...]int{701, 301, 132, 57, 23, 10, 4, 1}

// sortPurchases orders purchases by item, then time.
func sortPurchases(a []purchase) {
	for _, g := range shellGaps {
		for i := g; i < len(a); i++ {
			x := a[i]
			j := i
			for ; j >= g && (a[j-g].item > x.item || (a[j-g].item == x.item && a[j-g].at > x.at)); j -= g {
				a[j] = a[j-g]
			}
			a[j] = x
		}
	}
}

// defaultScores is the default mode's score of each of items (distinct),
// at least 0: the personal score of the history hw plus beta
// times the item's popularity, summed as the default mode sums it.
//
// The neighbours kind marks items in the scratch's mask and sums into its
// scores (both zero between uses, and cleared again here), so a row's
// other entries cost one load.
func (m *Model) defaultScores(items []int32, hw []weighted, beta float32, s *scratch) []float64 {
	personal := make([]float32, len(items))
	if e := m.emb; e != nil {
		if len(hw) > 0 && len(items) > 0 {
			t := e.lut(e.query(hw))
			v := make([]float32, e.dims)
			for i, j := range items {
				personal[i] = e.scoreOf(t, j)
			}
			s.mark = growB(s.mark, m.n)
			mark := s.mark
			for _, j := range items {
				mark[j] = true
			}
			for _, h := range hw { // less each item's own term
				if !mark[h.item] {
					continue
				}
				for i, j := range items {
					if j == h.item {
						e.vector(h.item, v)
						personal[i] = float32(personal[i] - float32(h.w*e.dot(e.foldIn(v), h.item)))
						break
					}
				}
			}
			for _, j := range items {
				mark[j] = false
			}
		}
	} else if len(items) > 0 {
		nb := m.nb
		s.mark, s.scores = growB(s.mark, m.n), growF(s.scores, m.n)
		mark, scores := s.mark, s.scores
		for _, j := range items {
			mark[j] = true
		}
		for _, h := range hw {
			start, end := nb.rowStart[h.item], nb.rowStart[h.item+1]
			if nb.width == 2 { // as scatter decodes it
				vals, scale := nb.vals[start:end], nb.scales[h.item]
				cols := nb.cols[2*start : 2*end]
				cols = cols[:2*len(vals)]
				for q, v := range vals {
					if j := uint32(cols[2*q]) | uint32(cols[2*q+1])<<8; mark[j] {
						scores[j] = float32(scores[j] + float32(h.w*float32(float32(int8(v))*scale)))
					}
				}
				continue
			}
			for p := start; p < end; p++ {
				if j := nb.col(p); mark[j] {
					scores[j] = float32(scores[j] + float32(h.w*nb.weight(h.item, p)))
				}
			}
		}
		for i, j := range items {
			personal[i] = scores[j]
			mark[j], scores[j] = false, 0
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
