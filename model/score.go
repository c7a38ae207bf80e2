package model

import (
	"math"
	"slices"
	"sort"
)

// Model scores recommendations. It is immutable after construction and safe
// for concurrent use: Recommend keeps no per-call state in the Model. It
// zeroes its score and history-weight buffers before it returns; the rest of
// a call's garbage (the decoded request, index maps) is unreferenced but not
// wiped until the Go heap reuses it.
type Model struct {
	items    []string
	index    map[string]int32
	rowStart []uint32 // neighbours of item i: cols/vals[rowStart[i]:rowStart[i+1]]
	cols     []int32
	vals     []float32
	pop      []float32
	popOrder []int32 // items by descending popularity, ties by index
	contexts map[string][]Neighbor
	params   Params
	bundleID [16]byte

	// From the catalog; nil when the model has none.
	available []bool
	category  []string
}

// Build turns a trained Spec into a Model without quantizing it, for
// experiments. Models that ship go through EncodeWeights and Load.
func Build(s *Spec) (*Model, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return build(s), nil
}

// build assumes s is valid.
func build(s *Spec) *Model {
	n := len(s.Items)
	m := &Model{
		items:    s.Items,
		index:    make(map[string]int32, n),
		rowStart: make([]uint32, n+1),
		pop:      s.Popularity,
		contexts: s.Contexts,
		params:   s.Params,
	}
	for i, id := range s.Items {
		m.index[id] = int32(i)
	}
	nnz := 0
	for _, row := range s.Neighbors {
		nnz += len(row)
	}
	m.cols = make([]int32, 0, nnz)
	m.vals = make([]float32, 0, nnz)
	for i, row := range s.Neighbors {
		for _, nb := range row {
			m.cols = append(m.cols, nb.Item)
			m.vals = append(m.vals, nb.Weight)
		}
		m.rowStart[i+1] = uint32(len(m.cols))
	}
	m.popOrder = make([]int32, n)
	for i := range m.popOrder {
		m.popOrder[i] = int32(i)
	}
	sort.SliceStable(m.popOrder, func(a, b int) bool {
		return m.pop[m.popOrder[a]] > m.pop[m.popOrder[b]]
	})
	return m
}

// withCatalog returns a copy of m restricted to the items of c.
func (m *Model) withCatalog(c *Catalog) *Model {
	cp := *m
	cp.available = make([]bool, len(m.items))
	cp.category = make([]string, len(m.items))
	for _, it := range c.Items {
		if i, ok := m.index[it.ID]; ok {
			cp.available[i] = true
			cp.category[i] = it.Category
		}
	}
	return &cp
}

// Items returns the number of items the model knows.
func (m *Model) Items() int { return len(m.items) }

// BundleID returns the id of the bundle the model was decoded from (zero for
// a model made by Build).
func (m *Model) BundleID() [16]byte { return m.bundleID }

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
func (m *Model) Recommend(req Request) (Response, error) {
	if err := req.validate(); err != nil {
		return Response{}, err
	}
	k := req.K
	if k == 0 {
		k = DefaultK
	}
	k = min(k, MaxK)
	n := len(m.items)

	hist := req.History
	if len(hist) > MaxHistory {
		hist = mostRecent(hist, MaxHistory)
	}
	now := req.Now
	if now == 0 {
		for _, e := range hist {
			now = max(now, e.At)
		}
	}

	// Per-item history weights x_i, in a deterministic order so that every
	// target sums the same floats in the same order.
	var xs []histWeight
	pos := make(map[int32]int, len(hist))
	unknown := 0
	for _, e := range hist {
		i, ok := m.index[e.Item]
		if !ok {
			unknown++
			continue
		}
		p, ok := pos[i]
		if !ok {
			p = len(xs)
			pos[i] = p
			xs = append(xs, histWeight{item: i})
		}
		xs[p].w += m.eventWeight(e, now)
	}
	sort.Slice(xs, func(a, b int) bool { return xs[a].item < xs[b].item })
	sat := m.params.Saturation
	if sat == 0 {
		sat = 1
	}

	// Seen items are left out over the whole history, not only the window
	// that scores: an item bought long ago is still bought.
	excluded := make([]bool, n)
	if req.Seen != SeenNone {
		for _, e := range req.History {
			if req.Seen != SeenAll && e.Kind != KindPurchase {
				continue
			}
			if i, ok := m.index[e.Item]; ok {
				excluded[i] = true
			}
		}
	}
	for _, id := range req.Exclude {
		if i, ok := m.index[id]; ok {
			excluded[i] = true
		}
	}
	allowed := func(i int32) bool {
		if excluded[i] {
			return false
		}
		if m.available != nil && !m.available[i] {
			return false
		}
		if req.Category != "" && (m.category == nil || m.category[i] != req.Category) {
			return false
		}
		return true
	}

	hw := saturate(xs, sat)
	scores := make([]float32, n)
	var touched []int32
	for _, x := range hw {
		xw := x.w
		for p := m.rowStart[x.item]; p < m.rowStart[x.item+1]; p++ {
			j := m.cols[p]
			if scores[j] == 0 {
				touched = append(touched, j)
			}
			scores[j] = float32(scores[j] + float32(xw*m.vals[p]))
		}
	}
	// A score can be 0 again after it was touched (a weight quantized to
	// 0, or contributions that cancel): list each item once.
	slices.Sort(touched)
	touched = slices.Compact(touched)

	resp := Response{K: k, Unknown: unknown, Items: make([]Recommendation, 0, k)}
	if beta := m.priorWeight(now); beta > 0 && len(touched) > 0 {
		m.blend(&resp, k, beta, scores, hw, req.Explain, allowed)
		clear(scores)
		clear(xs)
		return resp, nil
	}

	top := newTopK(k)
	for _, j := range touched {
		if scores[j] > 0 && allowed(j) {
			top.offer(j, scores[j])
		}
	}
	picked := top.sorted()
	inResult := make(map[int32]bool, k)
	for _, c := range picked {
		inResult[c.item] = true
		rec := Recommendation{Item: m.items[c.item], Score: float64(c.score), Source: SourceHistory}
		if req.Explain {
			rec.Because = m.explain(c.item, c.score, hw)
		}
		resp.Items = append(resp.Items, rec)
	}
	if len(resp.Items) < k {
		m.fillPopular(&resp, k, req.Context, func(i int32) bool { return !inResult[i] && allowed(i) })
	}
	clear(scores)
	clear(xs)
	return resp, nil
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

// blend ranks every allowed item by personal + beta·popularity. Each sum is
// rounded to float32 explicitly, in the same order for every item, so native
// and wasm builds agree bit for bit. Context lists are left out: blended
// into personal scores they cost NDCG on the validation split
// (model/train/RATIONALE.md). An item with personal evidence (personal
// score > 0) is SourceHistory, any other SourcePopular.
func (m *Model) blend(resp *Response, k int, beta float32, personal []float32, hw []weighted, explain bool, allowed func(int32) bool) {
	top := newTopK(k)
	for i := range m.items {
		j := int32(i)
		if allowed(j) {
			top.offer(j, float32(personal[j]+float32(beta*m.pop[j])))
		}
	}
	for _, c := range top.sorted() {
		rec := Recommendation{Item: m.items[c.item], Score: float64(c.score), Source: SourcePopular}
		if personal[c.item] > 0 {
			rec.Source = SourceHistory
			if explain {
				rec.Because = m.explain(c.item, c.score, hw)
			}
		}
		resp.Items = append(resp.Items, rec)
	}
}

// contextBoost sums the context lists that ctx selects, or returns nil when
// none applies.
func (m *Model) contextBoost(ctx Context) []float32 {
	var boost []float32 // dense: a map lookup per item costs more than the slice
	for _, key := range contextKeys(ctx) {
		for _, nb := range m.contexts[key] {
			if boost == nil {
				boost = make([]float32, len(m.items))
			}
			boost[nb.Item] = float32(boost[nb.Item] + nb.Weight)
		}
	}
	return boost
}

// histWeight is one distinct history item and its summed event weight.
type histWeight struct {
	item int32
	w    float64
}

// weighted is a history item and its saturated weight.
type weighted struct {
	item int32
	w    float32
}

func saturate(xs []histWeight, sat float64) []weighted {
	out := make([]weighted, 0, len(xs))
	for _, x := range xs {
		if w := float32(min(x.w, sat)); w > 0 {
			out = append(out, weighted{x.item, w})
		}
	}
	return out
}

// explain returns the history items that contributed most to target's score.
func (m *Model) explain(target int32, score float32, hist []weighted) []Reason {
	type contrib struct {
		item int32
		v    float32
	}
	var cs []contrib
	for _, h := range hist {
		for p := m.rowStart[h.item]; p < m.rowStart[h.item+1]; p++ {
			if m.cols[p] == target {
				if v := h.w * m.vals[p]; v > 0 {
					cs = append(cs, contrib{h.item, v})
				}
				break
			}
		}
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].v != cs[b].v {
			return cs[a].v > cs[b].v
		}
		return cs[a].item < cs[b].item
	})
	if len(cs) > MaxExplain {
		cs = cs[:MaxExplain]
	}
	out := make([]Reason, len(cs))
	for i, c := range cs {
		share := float64(c.v / score)
		out[i] = Reason{Item: m.items[c.item], Share: math.Min(1, share)}
	}
	return out
}

// fillPopular appends the most popular allowed items, adjusted by context,
// until resp holds k items.
func (m *Model) fillPopular(resp *Response, k int, ctx Context, ok func(int32) bool) {
	boost := m.contextBoost(ctx)
	if boost == nil {
		for _, i := range m.popOrder {
			if len(resp.Items) == k {
				return
			}
			if ok(i) {
				resp.Items = append(resp.Items, Recommendation{Item: m.items[i], Score: float64(m.pop[i]), Source: SourcePopular})
			}
		}
		return
	}
	need := k - len(resp.Items)
	top := newTopK(need)
	// Only boosted items and the first popular ones can make the cut: a
	// boost is non-negative for the lists training writes, but be exact for
	// any sign by scoring every item.
	for i := range m.items {
		j := int32(i)
		if ok(j) {
			top.offer(j, float32(m.pop[j]+boost[j]))
		}
	}
	for _, c := range top.sorted() {
		resp.Items = append(resp.Items, Recommendation{Item: m.items[c.item], Score: float64(c.score), Source: SourcePopular})
	}
}

func contextKeys(c Context) []string {
	var keys []string
	if c.Hour >= 0 && c.Hour <= 23 {
		keys = append(keys, "hour:"+itoa(c.Hour))
	}
	if c.Weekday >= 0 && c.Weekday <= 6 {
		keys = append(keys, "weekday:"+itoa(c.Weekday))
	}
	if c.Device != "" {
		keys = append(keys, "device:"+c.Device)
	}
	return keys
}

func itoa(v int) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return string(rune('0'+v/10)) + string(rune('0'+v%10))
}

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

// mostRecent returns the n latest events of h (stable for equal times).
func mostRecent(h History, n int) History {
	c := make(History, len(h))
	copy(c, h)
	sort.SliceStable(c, func(a, b int) bool { return c[a].At > c[b].At })
	return c[:n]
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

// sorted returns the kept candidates, best first.
func (t *topK) sorted() []cand {
	out := append([]cand(nil), t.h...)
	sort.Slice(out, func(a, b int) bool { return better(out[a], out[b]) })
	return out
}
