package model

import (
	"cmp"
	"math"
	"slices"

	"github.com/privrec/privrec/model/internal/wire"
)

// Recommend returns up to req.K items for the shopper whose history is in
// req, best first. It is a pure function of the model and the request.
//
// With Params.PopularityWeight zero, items scored from the history come
// first (Source "history") and remaining slots are filled by popularity,
// adjusted by the request's context (Source "popular"). With it positive,
// a history that scores any item ranks every allowed item by its personal
// score plus the aged popularity prior, and an item is "history" when its
// personal score is positive; a history that scores nothing still gets
// popularity by context. See Request for limits and filters.
func (m *Model) Recommend(req Request) (Response, error) { return m.RecommendInto(nil, req) }

// RecommendInto is Recommend with the response's items appended to
// items[:0] when it has room for them, so that a caller answering one
// request after another (the module) allocates them once. The response
// holds item ids and, with Explain, history items: a caller that reuses
// the slice should clear it when it has used the response.
func (m *Model) RecommendInto(items []Recommendation, req Request) (Response, error) {
	if err := req.validate(); err != nil {
		return Response{}, err
	}
	k := req.K
	if k == 0 {
		k = DefaultK
	}
	k = min(k, MaxK)

	s := m.getScratch()
	defer m.putScratch(s)
	// Each event's item, looked up once: -1 for an item the model does not
	// know.
	idx := s.idx[:0]
	unknown := 0
	window := s.window[:0] // the events that score: the MaxHistory latest
	for p := range req.History {
		i, ok := m.lookup(req.History[p].Item)
		if !ok {
			i = -1
		}
		idx, window = append(idx, i), append(window, int32(p))
	}
	defer func() { s.idx = idx[:0] }()
	if len(window) > MaxHistory {
		slices.SortStableFunc(window, func(a, b int32) int { return cmp.Compare(req.History[b].At, req.History[a].At) })
		window = window[:MaxHistory]
	}
	defer func() { s.window = window[:0] }()
	now := req.Now
	if now == 0 {
		for _, p := range window {
			now = max(now, req.History[p].At)
		}
	}

	// Per-item history weights x_i, summed per item and ordered by item, so
	// that every target sums the same floats in the same order whatever
	// the order of the history.
	xs := s.xs[:0]
	for _, p := range window {
		if i := idx[p]; i >= 0 {
			xs = append(xs, histWeight{item: i, w: m.eventWeight(req.History[p], now)})
		} else {
			unknown++
		}
	}
	sortByItem(xs)
	sat := m.params.Saturation
	if sat == 0 {
		sat = 1
	}
	hw := saturate(s.hw[:0], xs, sat)

	f := m.filter(s, &req, idx)
	defer f.release()

	if cap(items) < k {
		items = make([]Recommendation, 0, k)
	}
	resp := Response{K: k, Unknown: unknown, Items: items[:0]}
	// β weighs the prior against history scores: with none (no known
	// history item) the answer is the popular fill, which does not read
	// it, so its exp2 (software in WebAssembly) is skipped; buy-again
	// scores its explored items with it either way.
	buyAgain := req.Mode == ModeBuyAgain && m.params.RepeatWeight > 0
	var beta float32
	if len(hw) > 0 || buyAgain {
		beta = m.priorWeight(now)
	}
	if buyAgain {
		m.recommendBuyAgain(&resp, k, beta, hw, req, idx, window, now, f, s) // repeat.go
	} else if m.emb != nil {
		m.recommendEmbedding(&resp, k, beta, hw, req, f, s)
	} else {
		m.recommendNeighbors(&resp, k, beta, hw, req, f, s)
	}
	clear(xs) // history-derived: the scratch goes back clean
	clear(hw)
	s.xs, s.hw = xs[:0], hw[:0]
	return resp, nil
}

// AppendRecommendEnvelope appends to dst[:0] (into its capacity first)
// the OK envelope of req's response, the bytes RecommendInto into items
// and AppendResponseEnvelope would write, and returns the items' slice
// to pass next time (cleared when this call used it, as given when not):
// what the module runs per request. A request with no history (and not
// one that buy-again scores) is answered by the popular fill alone, which
// it writes straight from the fill's candidates, without the Response
// (making and encoding it were over a quarter of a no-history request in
// V8) nor the rest of RecommendInto.
func (m *Model) AppendRecommendEnvelope(dst []byte, items []Recommendation, req *Request) ([]byte, []Recommendation, error) {
	if len(req.History) == 0 && !(req.Mode == ModeBuyAgain && m.params.RepeatWeight > 0) {
		out, err := m.appendPopularEnvelope(dst, req)
		return out, items, err
	}
	res, err := m.RecommendInto(items, *req)
	if err != nil {
		return nil, items, err
	}
	out := AppendResponseEnvelope(dst, &res)
	if cap(res.Items) <= MaxK {
		items = res.Items[:0]
		clear(res.Items[:cap(res.Items)]) // ids and reasons (history items): keep none
	}
	return out, items, nil
}

// appendPopularEnvelope is AppendRecommendEnvelope for a request with no
// history: RecommendInto's steps that such a request takes, in order.
func (m *Model) appendPopularEnvelope(dst []byte, req *Request) ([]byte, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return m.popularEnvelope(dst, req.K, req.Context, req), nil
}

// AppendPopular appends to dst[:0] (into its capacity first) the OK
// envelope of the answer to the request q was decoded from
// (DecodePopularRequest): the bytes AppendRecommendEnvelope writes for
// it, without the decoding, validating and filtering of a whole Request
// (those were a sixth of such a request in V8). The module answers the
// requests of shoppers without history this way.
func (m *Model) AppendPopular(dst []byte, q PopularRequest) []byte {
	return m.popularEnvelope(dst, q.K, Context{Hour: q.Hour, Weekday: q.Weekday, Device: q.Device}, nil)
}

// popularEnvelope writes the envelope of the popular fill's k best (k as
// a request gives it: 0 for the default) for ctx, under req's filter (nil:
// none).
func (m *Model) popularEnvelope(dst []byte, k int, ctx Context, req *Request) []byte {
	if k == 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	s := m.getScratch()
	var f *filter
	if req == nil {
		f = m.allowAll(s)
	} else {
		f = m.filter(s, req, nil)
	}
	best := m.popularBest(k, ctx, f, nil, s)
	w := wire.NewWriterBuf(dst)
	writeOKEnvelope(w)
	m.writePopular(w, k, best)
	clear(best) // the filter's doing: history-derived
	s.heap = best[:0]
	f.release()
	m.putScratch(s)
	return w.Bytes()
}

// filter says which items a request allows. Its dense mask lives in the
// call's scratch; release resets what filter set.
type filter struct {
	excluded  []bool
	available []bool   // nil: every item
	catOf     []uint32 // nil: no category filter
	want      uint32
	none      bool    // a category filter no item passes
	set       []int32 // the entries of excluded this filter set
}

func (m *Model) filter(s *scratch, req *Request, idx []int32) *filter {
	f := m.allowAll(s)
	// Seen items are left out over the whole history, not only the window
	// that scores: an item bought long ago is still bought.
	if req.Seen != SeenNone {
		for p, e := range req.History {
			if req.Seen != SeenAll && e.Kind != KindPurchase {
				continue
			}
			if i := idx[p]; i >= 0 {
				f.exclude(i)
			}
		}
	}
	for _, id := range req.Exclude {
		if i, ok := m.lookup(id); ok {
			f.exclude(i)
		}
	}
	if req.Category != "" {
		f.want = m.cats[req.Category]
		f.catOf = m.catOf
		f.none = f.want == 0
	}
	return f
}

// allowAll returns the call's filter (in s: no allocation) allowing
// every available item.
func (m *Model) allowAll(s *scratch) *filter {
	s.excluded = growB(s.excluded, m.n)
	f := &s.filter
	*f = filter{excluded: s.excluded, available: m.available, set: f.set[:0]}
	return f
}

func (f *filter) exclude(i int32) {
	if !f.excluded[i] {
		f.excluded[i] = true
		f.set = append(f.set, i)
	}
}

// release clears the entries filter set in the shared mask.
func (f *filter) release() {
	for _, i := range f.set {
		f.excluded[i] = false
	}
	clear(f.set)
	f.set = f.set[:0]
}

// ok reports whether item j may be recommended.
func (f *filter) ok(j int32) bool {
	if f.none || f.excluded[j] {
		return false
	}
	if f.available != nil && !f.available[j] {
		return false
	}
	return f.catOf == nil || f.catOf[j] == f.want
}

// recommendNeighbors scores with the item-to-item table.
func (m *Model) recommendNeighbors(resp *Response, k int, beta float32, hw []weighted, req Request, f *filter, s *scratch) {
	nb := m.nb
	s.scores = growF(s.scores, m.n)
	scores := s.scores
	if beta > 0 {
		// The blend ranks every item: no list of touched items is needed,
		// so the scatter only adds (no mark, no append), and the scores
		// are cleared whole afterwards. Same sums in the same order as
		// the other path.
		hit := false
		for _, x := range hw {
			start, end := nb.rowStart[x.item], nb.rowStart[x.item+1]
			hit = hit || end > start
			nb.scatter(scores, x, start, end)
		}
		if !hit { // no row had a neighbour: no score was written
			m.fillPopular(resp, k, req.Context, f, nil, s)
			return
		}
		m.blend(resp, k, beta, hw, req, f, scores, s)
		clear(scores) // the pool's buffers go back zeroed
		return
	}
	if len(hw) == 0 { // nothing scores: the fill is the answer (no heap to allocate)
		m.fillPopular(resp, k, req.Context, f, nil, s)
		return
	}
	s.mark = growB(s.mark, m.n)
	mark := s.mark
	touched := s.touched[:0]
	for _, x := range hw {
		xw, scale := x.w, nb.scales[x.item]
		start, end := nb.rowStart[x.item], nb.rowStart[x.item+1]
		vals := nb.vals[start:end]
		if nb.width == 2 {
			cols := nb.cols[2*start : 2*end]
			for q, v := range vals {
				j := int32(cols[2*q]) | int32(cols[2*q+1])<<8
				if !mark[j] {
					mark[j] = true
					touched = append(touched, j)
				}
				scores[j] = float32(scores[j] + float32(xw*float32(float32(int8(v))*scale)))
			}
			continue
		}
		for q := range vals {
			j := nb.col(start + uint32(q))
			if !mark[j] {
				mark[j] = true
				touched = append(touched, j)
			}
			scores[j] = float32(scores[j] + float32(xw*nb.weight(x.item, start+uint32(q))))
		}
	}
	defer func() {
		for _, j := range touched {
			scores[j], mark[j] = 0, false
		}
		s.touched = touched[:0]
	}()

	top := newTopK(k)
	for _, j := range touched {
		if sc := scores[j]; sc > 0 && top.beats(j, sc) && f.ok(j) {
			top.offer(j, sc)
		}
	}
	picked := top.sorted()
	for _, c := range picked {
		rec := Recommendation{Item: m.idString(c.item), Score: float64(c.score), Source: SourceHistory}
		if req.Explain {
			rec.Because = m.explain(c.item, c.score, hw)
		}
		resp.Items = append(resp.Items, rec)
	}
	m.fillPopular(resp, k, req.Context, f, picked, s)
}

// scatter adds history item x's row (positions start..end) into scores.
func (nb *neighbors) scatter(scores []float32, x weighted, start, end uint32) {
	xw, scale := x.w, nb.scales[x.item]
	vals := nb.vals[start:end]
	if nb.width == 2 {
		scatter2(scores, nb.cols[2*start:2*end], vals, xw, scale) // score_wasm.s, score_generic.go
		return
	}
	for q := range vals {
		j := nb.col(start + uint32(q))
		scores[j] = float32(scores[j] + float32(xw*nb.weight(x.item, start+uint32(q))))
	}
}

// blend ranks every allowed item by its personal score plus beta times its
// popularity, in one pass: the k best so far are kept in a short sorted
// list (best first, in s.heap), whose last is the floor an item must
// reach, so most items cost a multiply-add and one comparison.
func (m *Model) blend(resp *Response, k int, beta float32, hw []weighted, req Request, f *filter, scores []float32, s *scratch) {
	if k <= 0 {
		return
	}
	pop := m.pop[:m.n]
	scores = scores[:len(pop)]
	// Until the list is full every allowed item goes in; after that one
	// that beats the last (a higher score, or the same and a lower index)
	// takes its place: all of it one call of blendFill (score_wasm.s,
	// score_generic.go), whose WebAssembly skips four items at a time
	// below the floor (a call of blendScan and of insertBest per
	// insertion were a fifth of a 50-event request in V8).
	best := slices.Grow(s.heap[:0], k)
	if !f.none {
		best = best[:blendFill(scores, pop, beta, best[:k], k, f.excluded, f.available, f.catOf, f.want)]
	}
	for _, c := range best {
		rec := Recommendation{Item: m.idString(c.item), Score: float64(c.score), Source: SourcePopular}
		if scores[c.item] > 0 {
			rec.Source = SourceHistory
			if req.Explain {
				rec.Because = m.explain(c.item, c.score, hw)
			}
		}
		resp.Items = append(resp.Items, rec)
	}
	clear(best) // history-derived
	s.heap = best[:0]
}

// priorWeight is the weight β' of the popularity prior for a request at now
// (see Params.PopularityWeight), rounded once to float32.
func (m *Model) priorWeight(now int64) float32 {
	beta := m.params.PopularityWeight
	if hl := m.params.PopularityHalfLifeDays; beta > 0 && hl > 0 {
		// In float64: an int64 difference overflows for extreme request times.
		d := math.Abs(float64(now) - float64(m.params.PopularityAt))
		beta *= math.Exp2(-d / 86_400_000 / hl)
	}
	return float32(beta)
}

// histWeight is one history event's item and weight.
type histWeight struct {
	item int32
	w    float64
}

// sortByItem sorts xs by item, stably (equal items keep their order, so
// their weights are summed in history order): an insertion sort with no
// comparison closure for a request's usual few dozen events.
func sortByItem(xs []histWeight) {
	if len(xs) > 64 {
		slices.SortStableFunc(xs, func(a, b histWeight) int { return int(a.item) - int(b.item) })
		return
	}
	insertionSortByItem(xs) // sort_wasm.s, sort_generic.go
}

// weighted is a history item and its saturated weight.
type weighted struct {
	item int32
	w    float32
}

// saturate sums the weights of each item (xs is sorted by item) and caps
// them at sat.
func saturate(out []weighted, xs []histWeight, sat float64) []weighted {
	for a := 0; a < len(xs); {
		b, sum := a, 0.0
		for ; b < len(xs) && xs[b].item == xs[a].item; b++ {
			sum += xs[b].w
		}
		if sum > sat { // min(sum, sat) for every sum (sat > 0; a NaN stays NaN), without wasm's call to runtime.fmin64
			sum = sat
		}
		if w := float32(sum); w > 0 {
			out = append(out, weighted{xs[a].item, w})
		}
		a = b
	}
	return out
}

// contrib is one history item's part of a target's score (score: the
// part). The same type as cand, so that the module links one instance of
// slices.SortFunc's sort for both (17 KB of code each).
type contrib = cand

// reasons turns contributions into at most MaxExplain reasons, largest
// first, each with its share of score.
func (m *Model) reasons(cs []contrib, score float32) []Reason {
	slices.SortFunc(cs, func(a, b contrib) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return int(a.item) - int(b.item)
	})
	if len(cs) > MaxExplain {
		cs = cs[:MaxExplain]
	}
	out := make([]Reason, len(cs))
	for i, c := range cs {
		share := float64(c.score / score)
		out[i] = Reason{Item: m.idString(c.item), Share: math.Min(1, share)}
	}
	return out
}

// explain returns the history items that contributed most to target's score.
func (m *Model) explain(target int32, score float32, hist []weighted) []Reason {
	nb := m.nb
	var cs []contrib
	for _, h := range hist {
		for p := nb.rowStart[h.item]; p < nb.rowStart[h.item+1]; p++ {
			if nb.col(p) == target {
				if v := h.w * nb.weight(h.item, p); v > 0 {
					cs = append(cs, contrib{h.item, v})
				}
				break
			}
		}
	}
	return m.reasons(cs, score)
}

// fillPopular appends the most popular allowed items not in picked,
// adjusted by context, until resp holds k items.
func (m *Model) fillPopular(resp *Response, k int, ctx Context, f *filter, picked []cand, s *scratch) {
	need := k - len(resp.Items)
	if need <= 0 {
		return
	}
	best := m.popularBest(need, ctx, f, picked, s)
	m.appendCands(resp, best)
	clear(best) // the filter's doing: history-derived
	s.heap = best[:0]
}

// popularBest returns the need most popular allowed items not in picked,
// adjusted by context, best first, in s.heap: the caller clears them and
// gives s.heap back.
func (m *Model) popularBest(need int, ctx Context, f *filter, picked []cand, s *scratch) []cand {
	var lists [3]contextList
	nl := m.contextLists(ctx, &lists)
	if nl == 0 {
		// Popularity alone: the first `need` allowed items in popularity
		// order are the answer, in order; no heap, no sort.
		return m.startBest(s, need, nil, f, picked)
	}
	// A boosted item scores pop+boost, any other item its popularity: the
	// best of the others are the first `need` allowed ones in popularity
	// order, so every boosted item plus those is exact. Those go into the
	// heap first: it is full at once, and most boosted items fail beats.
	//
	// Its own mask: the callers' s.mark still holds their touched or
	// history items here, and sharing it left boosts behind (and kept
	// those items out of the fill).
	s.boost = growF(s.boost, m.n)
	s.boostMark = growB(s.boostMark, m.n)
	boost, mark := s.boost, s.boostMark
	boosted := s.boosted[:0]
	for _, l := range lists[:nl] {
		if len(l.items) != 4*len(l.scores) { // decodeWeights: never
			panic("model: context list of mismatched lengths")
		}
		boosted = slices.Grow(boosted, len(l.scores))
		w := addBoosts(boost, mark, boosted[len(boosted):len(boosted)+len(l.scores)], l.items, l.scores) // score_wasm.s, score_generic.go
		boosted = boosted[:len(boosted)+w]
	}
	// best holds the `need` best so far, best first: the first `need`
	// allowed unboosted items in popularity order start it as they come
	// (already in that order), and a boosted item that beats its last is
	// put in its place (a heap and its sort cost more calls in V8).
	best := m.startBest(s, need, mark, f, picked)
	// Each boosted item is looked at once, and its boost and mark cleared
	// then, by one call of boostFill (score_wasm.s, score_generic.go):
	// once best is full, one that beats its last and that f allows takes
	// its place (a call of boostScan and of insertBest per candidate were
	// a third of a no-history request in V8).
	if f.none {
		for _, i := range boosted {
			boost[i], mark[i] = 0, false
		}
	} else {
		best = best[:boostFill(boosted, m.pop, boost, mark, best[:cap(best)], len(best), need, f.excluded, f.available, f.catOf, f.want, picked)]
	}
	clear(boosted)
	s.boosted = boosted[:0]
	return best
}

// appendCands appends best to resp's items as popular recommendations:
// into the items' room (RecommendInto gives them room for k), each item
// written in place rather than appended.
func (m *Model) appendCands(resp *Response, best []cand) {
	items := slices.Grow(resp.Items, len(best))
	n := len(items)
	items = items[:n+len(best)]
	for j, c := range best {
		r := &items[n+j]
		*r = Recommendation{}
		r.Item, r.Score, r.Source = m.idString(c.item), float64(c.score), SourcePopular
	}
	resp.Items = items
}

// startBest returns the first need items in popularity order that f
// allows and that are neither in skip (when not nil) nor in picked, as
// candidates scored by their popularity, best first, in s.heap with room
// for need (boostFill's). popFill (score_wasm.s, score_generic.go) walks
// m.popTop in one call (appendPopular's loop cost a call of f.ok and of
// append per item in V8); appendPopular's full pass takes over in the
// rare case that popTop runs out first.
func (m *Model) startBest(s *scratch, need int, skip []bool, f *filter, picked []cand) []cand {
	best := slices.Grow(s.heap[:0], need)
	if f.none {
		return best
	}
	n := popFill(m.popTop, m.pop, skip, best[:need], need, f.excluded, f.available, f.catOf, f.want, picked)
	if n == need || len(m.popTop) == m.n {
		return best[:n]
	}
	pop := m.appendPopular(s.popular[:0], need, skip, f, picked)
	best = best[:0]
	for _, i := range pop {
		best = append(best, cand{i, m.pop[i]})
	}
	clear(pop) // the filter's doing: history-derived
	s.popular = pop[:0]
	return best
}

// insertBest puts c into best (at most n candidates, best first) at its
// place, dropping the last when best is full; c is better than that last.
func insertBest(best []cand, n int, c cand) []cand {
	if len(best) < n {
		best = append(best, c)
	} else {
		best[len(best)-1] = c
	}
	siftUp(best) // score_wasm.s, score_generic.go
	return best
}

// taken reports whether item j is among picked (at most MaxK items).
func taken(picked []cand, j int32) bool {
	for _, c := range picked {
		if c.item == j {
			return true
		}
	}
	return false
}

// appendPopular appends to out the first n items in descending popularity
// (ties by index) that f allows and that are neither marked in skip (nil:
// none) nor in picked: from popTop, then, if that runs out, from one pass
// over the items ranked below it. (A list, not a callback: a closure call
// per item cost more than the test in V8.)
func (m *Model) appendPopular(out []int32, n int, skip []bool, f *filter, picked []cand) []int32 {
	for _, i := range m.popTop {
		if n == 0 {
			return out
		}
		if (skip == nil || !skip[i]) && f.ok(i) && !taken(picked, i) {
			out = append(out, i)
			n--
		}
	}
	if n == 0 || len(m.popTop) == m.n {
		return out
	}
	last := m.popTop[len(m.popTop)-1]
	bound := cand{last, m.pop[last]}
	rest := newTopK(n)
	for i := range m.n {
		j := int32(i)
		if c := (cand{j, m.pop[j]}); better(bound, c) && rest.beats(j, c.score) && (skip == nil || !skip[j]) && f.ok(j) && !taken(picked, j) {
			rest.offer(j, c.score)
		}
	}
	for _, c := range rest.sorted() {
		out = append(out, c.item)
	}
	return out
}

// contextLists writes the context lists that ctx selects to out (the
// caller's, on its stack) and returns how many; the hour's and weekday's
// from m.timed, with no map lookup (two string-keyed lookups were a
// fortieth of a no-history request in V8). A list with no items is left
// out: it boosts nothing.
func (m *Model) contextLists(c Context, out *[3]contextList) int {
	n := 0
	if len(m.contexts) == 0 {
		return 0
	}
	if c.Hour >= 0 && c.Hour <= 23 {
		if l := m.timed[c.Hour]; len(l.scores) > 0 {
			out[n] = l
			n++
		}
	}
	if c.Weekday >= 0 && c.Weekday <= 6 {
		if l := m.timed[24+c.Weekday]; len(l.scores) > 0 {
			out[n] = l
			n++
		}
	}
	if c.Device != "" && len(c.Device) <= maxContextKey {
		var buf [7 + maxContextKey]byte
		key := append(append(buf[:0], "device:"...), c.Device...)
		if l := m.contexts[string(key)]; len(l.scores) > 0 { // no allocation: a map index by string(bytes)
			out[n] = l
			n++
		}
	}
	return n
}

// The context keys of hours and weekdays, as the trainer names them.
var (
	hourKeys = [24]string{"hour:0", "hour:1", "hour:2", "hour:3", "hour:4", "hour:5", "hour:6", "hour:7", "hour:8",
		"hour:9", "hour:10", "hour:11", "hour:12", "hour:13", "hour:14", "hour:15", "hour:16", "hour:17", "hour:18",
		"hour:19", "hour:20", "hour:21", "hour:22", "hour:23"}
	weekdayKeys = [7]string{"weekday:0", "weekday:1", "weekday:2", "weekday:3", "weekday:4", "weekday:5", "weekday:6"}
)

// eventWeight is an event's kind weight decayed by its age at now.
func (m *Model) eventWeight(e Event, now int64) float64 {
	var w float64
	switch e.Kind {
	case KindView:
		w = m.params.ViewWeight
	case KindCart:
		w = m.params.CartWeight
	default:
		w = m.params.PurchaseWeight
	}
	if hl := m.params.HalfLifeDays; hl > 0 && e.At < now {
		age := (float64(now) - float64(e.At)) / 86_400_000 // no int64 overflow
		w *= math.Exp2(-age / hl)
	}
	return w
}

type cand struct {
	item  int32
	score float32
}

// better orders candidates: higher score first, then lower index.
func better(a, b cand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.item < b.item
}

// topK keeps the k best candidates in a min-heap (worst at the root).
type topK struct {
	k int
	h []cand
}

func newTopK(k int) *topK { return &topK{k: k, h: make([]cand, 0, k)} }

// beats reports whether (item, score) would enter the heap: the cheap test
// that lets a full pass skip most items before any filter.
func (t *topK) beats(item int32, score float32) bool {
	if len(t.h) < t.k {
		return true
	}
	if t.k == 0 {
		return false
	}
	r := t.h[0]
	return score > r.score || (score == r.score && item < r.item)
}

func (t *topK) offer(item int32, score float32) {
	c := cand{item, score}
	if len(t.h) < t.k {
		t.h = append(t.h, c)
		t.up(len(t.h) - 1)
		return
	}
	if t.k == 0 || !better(c, t.h[0]) {
		return
	}
	t.h[0] = c
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(t.h[p], t.h[i]) {
			break
		}
		t.h[p], t.h[i] = t.h[i], t.h[p]
		i = p
	}
}

func (t *topK) down(i int) {
	for {
		l, w := 2*i+1, i
		if l < len(t.h) && better(t.h[w], t.h[l]) {
			w = l
		}
		if r := l + 1; r < len(t.h) && better(t.h[w], t.h[r]) {
			w = r
		}
		if w == i {
			return
		}
		t.h[w], t.h[i] = t.h[i], t.h[w]
		i = w
	}
}

// sorted returns the kept candidates, best first. It sorts the heap in
// place (no copy): t must not be offered anything afterwards.
func (t *topK) sorted() []cand {
	out := t.h
	t.k, t.h = 0, nil
	if len(out) <= 32 { // a request's k: insertion sort, no comparison closure
		for i := 1; i < len(out); i++ {
			for j := i; j > 0 && better(out[j], out[j-1]); j-- {
				out[j], out[j-1] = out[j-1], out[j]
			}
		}
		return out
	}
	slices.SortFunc(out, func(a, b cand) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out
}
