package model

import (
	"math"
	"sync"
)

// embedding is a product-quantized item table (FAISS's IndexPQ layout):
// item j's vector v̂_j is, for each subspace m, centroid codes[j*sub+m] of
// subspace m, dsub floats at codebooks[(m*PQCentroids+c)*dsub:].
type embedding struct {
	dims, sub, dsub int
	codebooks       []float32
	codes           []byte
	fold            []float32 // dims × dims, row-major

	popOnce        sync.Once // popMax and popMin, the range of the model's popularity
	popMax, popMin float32
}

// vector writes v̂_j into out (len dims).
func (e *embedding) vector(j int32, out []float32) {
	c := e.codes[int(j)*e.sub : (int(j)+1)*e.sub]
	for m, code := range c {
		copy(out[m*e.dsub:(m+1)*e.dsub], e.codebooks[(m*PQCentroids+int(code))*e.dsub:])
	}
}

// foldIn returns Fold·v for a vector v of len dims. Each entry sums its
// products in order; four at a time, so Go's wasm code checks bounds and
// loops once per four.
func (e *embedding) foldIn(v []float32) []float32 {
	out := make([]float32, e.dims)
	for a := range out {
		row := e.fold[a*e.dims : (a+1)*e.dims]
		x := v[:len(row)]
		var s float32
		b := 0
		for ; b+4 <= len(row); b += 4 {
			r, y := (*[4]float32)(row[b:]), (*[4]float32)(x[b:])
			s = float32(s + float32(r[0]*y[0]))
			s = float32(s + float32(r[1]*y[1]))
			s = float32(s + float32(r[2]*y[2]))
			s = float32(s + float32(r[3]*y[3]))
		}
		for ; b < len(row); b++ {
			s = float32(s + float32(row[b]*x[b]))
		}
		out[a] = s
	}
	return out
}

// query is the shopper's vector u = Fold·Σ_i x_i·v̂_i, summed in the order
// of hw (by item).
func (e *embedding) query(hw []weighted) []float32 {
	sum := make([]float32, e.dims)
	v := make([]float32, e.dims)
	for _, h := range hw {
		e.vector(h.item, v)
		for d, x := range v {
			sum[d] = float32(sum[d] + float32(h.w*x))
		}
	}
	return e.foldIn(sum)
}

// lut returns the per-query lookup table of asymmetric distance
// computation: entry m*PQCentroids+c is ⟨u_m, centroid c of subspace m⟩.
// An item's score is then the sum of its sub entries, in subspace order.
func (e *embedding) lut(u []float32) []float32 {
	t := make([]float32, e.sub*PQCentroids)
	if e.dsub == 4 {
		for m := 0; m < e.sub; m++ {
			um := (*[4]float32)(u[m*4:])
			u0, u1, u2, u3 := um[0], um[1], um[2], um[3]
			cb := (*[PQCentroids * 4]float32)(e.codebooks[m*PQCentroids*4:])
			tm := (*[PQCentroids]float32)(t[m*PQCentroids:])
			// Two centroids a step, constant indices into arrays: no
			// bounds checks in Go's wasm code.
			for c := 0; c < PQCentroids; c += 2 {
				cent := (*[8]float32)(cb[c*4:])
				var s, r float32
				s, r = float32(s+float32(u0*cent[0])), float32(r+float32(u0*cent[4]))
				s, r = float32(s+float32(u1*cent[1])), float32(r+float32(u1*cent[5]))
				s, r = float32(s+float32(u2*cent[2])), float32(r+float32(u2*cent[6]))
				s, r = float32(s+float32(u3*cent[3])), float32(r+float32(u3*cent[7]))
				tm[c], tm[c+1] = s, r
			}
		}
		return t
	}
	for m := 0; m < e.sub; m++ {
		um := u[m*e.dsub : (m+1)*e.dsub]
		for c := 0; c < PQCentroids; c++ {
			cent := e.codebooks[(m*PQCentroids+c)*e.dsub:][:e.dsub]
			var s float32
			for d, x := range um {
				s = float32(s + float32(x*cent[d]))
			}
			t[m*PQCentroids+c] = s
		}
	}
	return t
}

// dot is ⟨q, v̂_j⟩ summed exactly as lut and scan sum it (per subspace, then
// across subspaces), so it equals item j's score for query q bit for bit.
func (e *embedding) dot(q []float32, j int32) float32 {
	c := e.codes[int(j)*e.sub : (int(j)+1)*e.sub]
	var s float32
	for m, code := range c {
		cent := e.codebooks[(m*PQCentroids+int(code))*e.dsub:][:e.dsub]
		qm := q[m*e.dsub : (m+1)*e.dsub]
		var p float32
		for d, x := range qm {
			p = float32(p + float32(x*cent[d]))
		}
		s = float32(s + p)
	}
	return s
}

// scoreOf is item j's score from table t.
func (e *embedding) scoreOf(t []float32, j int32) float32 {
	c := e.codes[int(j)*e.sub : (int(j)+1)*e.sub]
	var s float32
	for m, code := range c {
		s = float32(s + t[m*PQCentroids+int(code)])
	}
	return s
}

// pass is one exact top-k pass over every item's codes: the score of item
// j is Σ_m t[m][code_jm] (+ beta·pop_j when beta > 0); items in skip are
// left for the caller, and only items that beat the heap are checked
// against the filter. With beta == 0 only positive scores count.
type pass struct {
	t    []float32
	pop  []float32
	beta float32
	skip []bool
	f    *filter
	top  *topK
}

// consider offers item j with score s (already known to reach thr) and
// returns the new threshold: the heap's worst score once it is full. A
// method rather than a closure, so the pass keeps thr in a local.
func (p *pass) consider(j int32, s, thr float32) float32 {
	top := p.top
	if p.skip[j] || !top.beats(j, s) || !p.f.ok(j) {
		return thr
	}
	top.offer(j, s)
	if len(top.h) == top.k && top.k > 0 {
		return max(thr, top.h[0].score)
	}
	return thr
}

// pqHead is the number of terms the 16-subspace pass sums before it
// checks an item against the cutoff: on the bench's catalogs 94% of items
// stop there at 10 (8 leave 28% to finish, and mispredicted branches cost
// more than the terms saved).
const pqHead = 10

// pqChunk is how many items the pass scans between checks of how many of
// them its cut lets through, and pqOff the most chunks it then scans
// without the cut when too many were.
const (
	pqChunk = 4096
	pqOff   = 15
)

// scan runs pass p over every item. With 16 subspaces (16 one-byte codes
// per item, the shipped layout) it drops the items whose first pqHead
// terms already rule them out (see cutoff) and runs scan16 or scan16Pop
// (pq_wasm.s in WebAssembly) between the items that reach the heap's
// threshold: one call per item that enters the heap (a few dozen a pass)
// or per chunk of pqChunk items.
func (e *embedding) scan(p *pass) {
	thr := float32(math.Inf(-1))
	if p.beta == 0 {
		thr = math.SmallestNonzeroFloat32 // scores must be > 0
	}
	n := len(e.codes) / e.sub
	pop := p.pop[:n]
	beta := p.beta
	if e.sub != 16 {
		for i := 0; i < n; i++ {
			s := e.scoreOf(p.t, int32(i))
			if beta != 0 {
				s = float32(s + float32(beta*pop[i]))
			}
			if s >= thr {
				thr = p.consider(int32(i), s, thr)
			}
		}
		return
	}
	// The lookup table as a local array: indexing it with a constant
	// subspace and a code byte needs no bounds or nil check.
	var t [16][PQCentroids]float32
	for m := range t {
		copy(t[m][:], p.t[m*PQCentroids:])
	}
	var b cutoff
	b.init(&t, beta, e.popBound(pop, beta))
	cut := b.cut(thr)
	ninf := float32(math.Inf(-1))
	codes := e.codes[:n*16]
	off, fails := 0, 0 // chunks left to scan without the cut; failures in a row
	for lo := 0; lo < n; lo += pqChunk {
		hi := min(n, lo+pqChunk)
		use := off == 0
		if !use {
			off--
		}
		tails := 0
		for i := lo; i < hi; i++ {
			c := ninf
			if use {
				c = cut
			}
			var j, tl int
			var s float32
			if beta == 0 {
				j, s, tl = scan16(&t, codes[i*16:hi*16], c, thr)
			} else {
				j, s, tl = scan16Pop(&t, codes[i*16:hi*16], pop[i:hi], beta, c, thr)
			}
			tails += tl
			if i += j; i >= hi {
				break
			}
			if nt := p.consider(int32(i), s, thr); nt != thr {
				thr, cut = nt, b.cut(nt)
			}
		}
		// A cut that lets a fifth of the items through costs more in
		// mispredicted branches than it saves in terms (uniform random
		// codes: 71% at 1M items, 2× slower natively): scan the next
		// chunks without it, then try it again, waiting twice as long
		// after each failure. (The first chunk, while the heap fills,
		// often fails once.)
		if use {
			if tails*5 > hi-lo {
				off = min(1<<fails, pqOff)
				fails++
			} else {
				fails = 0
			}
		}
	}
}

// recommendEmbedding scores with the product-quantized vectors: the
// shopper's query u folded from the history, every item scored by lookup
// tables in one exact top-k pass, and each history item's own term taken
// out of its score (so a viewed item is not recommended for itself).
func (m *Model) recommendEmbedding(resp *Response, k int, beta float32, hw []weighted, req Request, f *filter, s *scratch) {
	e := m.emb
	if len(hw) == 0 {
		m.fillPopular(resp, k, req.Context, f, nil, s)
		return
	}
	u := e.query(hw)
	t := e.lut(u)
	// q_i = Fold·v̂_i: history item i's part of every score is x_i·⟨q_i, v̂_j⟩.
	qs := make([][]float32, len(hw))
	v := make([]float32, e.dims)
	q := func(a int) []float32 {
		if qs[a] == nil {
			e.vector(hw[a].item, v)
			qs[a] = e.foldIn(v)
		}
		return qs[a]
	}
	s.mark = growB(s.mark, m.n)
	for _, h := range hw {
		s.mark[h.item] = true
	}
	defer func() {
		for _, h := range hw {
			s.mark[h.item] = false
		}
	}()
	personal := func(j int32) float32 {
		sc := e.scoreOf(t, j)
		if s.mark[j] {
			for a, h := range hw {
				if h.item == j {
					sc = float32(sc - float32(h.w*e.dot(q(a), j)))
				}
			}
		}
		return sc
	}
	top := newTopK(k)
	for _, h := range hw {
		j := h.item
		if !f.ok(j) {
			continue
		}
		sc := personal(j)
		if beta != 0 {
			sc = float32(sc + float32(beta*m.pop[j]))
		} else if !(sc > 0) {
			continue
		}
		if f.ok(j) {
			top.offer(j, sc)
		}
	}
	e.scan(&pass{t: t, pop: m.pop, beta: beta, skip: s.mark, f: f, top: top})
	picked := top.sorted()
	for _, c := range picked {
		rec := Recommendation{Item: m.idString(c.item), Score: float64(c.score), Source: SourceHistory}
		if beta != 0 && !(personal(c.item) > 0) {
			rec.Source = SourcePopular
		}
		if req.Explain && rec.Source == SourceHistory {
			var cs []contrib
			for a, h := range hw {
				if h.item == c.item {
					continue
				}
				if v := float32(h.w * e.dot(q(a), c.item)); v > 0 {
					cs = append(cs, contrib{h.item, v})
				}
			}
			rec.Because = m.reasons(cs, c.score)
		}
		resp.Items = append(resp.Items, rec)
	}
	if beta == 0 {
		m.fillPopular(resp, k, req.Context, f, picked, s)
	}
}

// cutoff bounds a score from the sum of its first pqHead terms. With M_m
// the largest entry of table row m (and P the largest β·pop term), an item
// whose first pqHead terms sum to x scores at most
// g(x) = fl(…fl(fl(x + M_pqHead) + M_pqHead+1)… + M_15 (+ P)): the scan adds
// the same terms in the same order, and round-to-nearest addition is
// monotone in each argument. g is monotone too, so cut(thr), the least
// float32 x with g(x) >= thr, lets a pass drop every item whose head sum is
// below it without changing any result: such an item's score is below thr.
// (FAISS's early abandoning; internal/bench/RATIONALE.md has the figures.)
type cutoff struct {
	rest [16 - pqHead + 1]float32 // M_pqHead, …, M_15 and P
	n    int                      // terms of rest in use
	off  bool                     // a bound is NaN or +Inf: never cut
}

func (b *cutoff) init(t *[16][PQCentroids]float32, beta, pop float32) {
	for _, row := range t[pqHead:] {
		m := row[0]
		for _, x := range row[1:] {
			if x > m || x != x { // a NaN stays: it turns the cut off
				m = x
			}
		}
		b.rest[b.n] = m
		b.n++
	}
	if beta != 0 {
		b.rest[b.n] = float32(beta * pop)
		b.n++
	}
	for _, m := range b.rest[:b.n] {
		if m != m || m > math.MaxFloat32 {
			b.off = true
		}
	}
}

// g is the bound on a score whose head sums to x.
func (b *cutoff) g(x float32) float32 {
	for _, m := range b.rest[:b.n] {
		x = float32(x + m)
	}
	return x
}

// ordered maps the float32s other than NaN to integers in the same order
// (±0 to 0); unordered is its inverse.
func ordered(f float32) int64 {
	u := math.Float32bits(f)
	if u&(1<<31) != 0 {
		return -int64(u &^ (1 << 31))
	}
	return int64(u)
}

func unordered(o int64) float32 {
	if o < 0 {
		return math.Float32frombits(uint32(-o) | 1<<31)
	}
	return math.Float32frombits(uint32(o))
}

// cut is the least float32 x with g(x) >= thr (-Inf when none is cut, +Inf
// when every item is): a bisection over the ordered float32s, bracketed by
// doubling steps from thr less the bounds, which lands within a few ulps.
// A pass calls it once per change of its threshold.
func (b *cutoff) cut(thr float32) float32 {
	const inf = 0x7f800000 // ordered(+Inf)
	ninf := float32(math.Inf(-1))
	if b.off || thr != thr || thr < -math.MaxFloat32 {
		return ninf
	}
	guess := thr
	for _, m := range b.rest[:b.n] {
		guess = float32(guess - m)
	}
	if guess != guess {
		return ninf
	}
	lo, hi := ordered(guess), ordered(guess) // g(lo) < thr <= g(hi)
	for step := int64(1); b.g(unordered(hi)) < thr; step *= 2 {
		if hi >= inf {
			return float32(math.Inf(1))
		}
		lo, hi = hi, min(hi+step, inf)
	}
	if lo == hi {
		for step := int64(1); ; step *= 2 {
			if lo <= -inf {
				return ninf
			}
			if lo = max(lo-step, -inf); b.g(unordered(lo)) < thr {
				break
			}
			hi = lo
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if b.g(unordered(mid)) >= thr {
			hi = mid
		} else {
			lo = mid
		}
	}
	return unordered(hi)
}

// popBound is the popularity that adds the most to a blended score: the
// largest when beta > 0, the least when beta < 0. It is computed once per
// model (the first blended pass).
func (e *embedding) popBound(pop []float32, beta float32) float32 {
	if beta == 0 || len(pop) == 0 {
		return 0
	}
	e.popOnce.Do(func() {
		e.popMax, e.popMin = pop[0], pop[0]
		for _, x := range pop[1:] {
			e.popMax, e.popMin = max(e.popMax, x), min(e.popMin, x)
		}
	})
	if beta > 0 {
		return e.popMax
	}
	return e.popMin
}
