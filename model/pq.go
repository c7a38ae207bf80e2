package model

import "math"

// embedding is a product-quantized item table (FAISS's IndexPQ layout):
// item j's vector v̂_j is, for each subspace m, centroid codes[j*sub+m] of
// subspace m, dsub floats at codebooks[(m*PQCentroids+c)*dsub:].
type embedding struct {
	dims, sub, dsub int
	codebooks       []float32
	codes           []byte
	fold            []float32 // dims × dims, row-major
}

// vector writes v̂_j into out (len dims).
func (e *embedding) vector(j int32, out []float32) {
	c := e.codes[int(j)*e.sub : (int(j)+1)*e.sub]
	for m, code := range c {
		copy(out[m*e.dsub:(m+1)*e.dsub], e.codebooks[(m*PQCentroids+int(code))*e.dsub:])
	}
}

// foldIn returns Fold·v for a vector v of len dims.
func (e *embedding) foldIn(v []float32) []float32 {
	out := make([]float32, e.dims)
	for a := range out {
		row := e.fold[a*e.dims : (a+1)*e.dims]
		var s float32
		for b, f := range row {
			s = float32(s + float32(f*v[b]))
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
			cb := e.codebooks[m*PQCentroids*4 : (m+1)*PQCentroids*4]
			tm := t[m*PQCentroids : (m+1)*PQCentroids]
			for c := range tm {
				cent := (*[4]float32)(cb[c*4:])
				var s float32
				s = float32(s + float32(um[0]*cent[0]))
				s = float32(s + float32(um[1]*cent[1]))
				s = float32(s + float32(um[2]*cent[2]))
				s = float32(s + float32(um[3]*cent[3]))
				tm[c] = s
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

func (e *embedding) scan(p *pass) {
	thr := float32(math.Inf(-1))
	if p.beta == 0 {
		thr = math.SmallestNonzeroFloat32 // scores must be > 0
	}
	n := len(e.codes) / e.sub
	pop := p.pop[:n]
	beta := p.beta
	if e.sub == 16 {
		// The lookup table as a local array: indexing it with a constant
		// subspace and a code byte needs no bounds or nil check, which Go's
		// wasm code generation would otherwise emit for every lookup. Two
		// items per step give the engine two independent sums to overlap.
		// The two loops differ only in the blend: one loop with a branch
		// kept β, the index and popularity live and ran 2× slower in
		// wazero, 1.1–1.9× in V8 (internal/bench, 100k items).
		var t [16][PQCentroids]float32
		for m := range t {
			copy(t[m][:], p.t[m*PQCentroids:])
		}
		codes := e.codes[:n*16]
		if beta == 0 {
			// Without the blend the loop needs no index and no popularity:
			// fewer live values than Go's wasm code can keep in locals.
			for len(codes) >= 32 {
				c := (*[32]byte)(codes)
				codes = codes[32:]
				s, r := t[0][c[0]], t[0][c[16]]
				s, r = float32(s+t[1][c[1]]), float32(r+t[1][c[17]])
				s, r = float32(s+t[2][c[2]]), float32(r+t[2][c[18]])
				s, r = float32(s+t[3][c[3]]), float32(r+t[3][c[19]])
				s, r = float32(s+t[4][c[4]]), float32(r+t[4][c[20]])
				s, r = float32(s+t[5][c[5]]), float32(r+t[5][c[21]])
				s, r = float32(s+t[6][c[6]]), float32(r+t[6][c[22]])
				s, r = float32(s+t[7][c[7]]), float32(r+t[7][c[23]])
				s, r = float32(s+t[8][c[8]]), float32(r+t[8][c[24]])
				s, r = float32(s+t[9][c[9]]), float32(r+t[9][c[25]])
				s, r = float32(s+t[10][c[10]]), float32(r+t[10][c[26]])
				s, r = float32(s+t[11][c[11]]), float32(r+t[11][c[27]])
				s, r = float32(s+t[12][c[12]]), float32(r+t[12][c[28]])
				s, r = float32(s+t[13][c[13]]), float32(r+t[13][c[29]])
				s, r = float32(s+t[14][c[14]]), float32(r+t[14][c[30]])
				s, r = float32(s+t[15][c[15]]), float32(r+t[15][c[31]])
				if s >= thr || r >= thr {
					j := int32(n - len(codes)/16 - 2)
					if s >= thr {
						thr = p.consider(j, s, thr)
					}
					if r >= thr {
						thr = p.consider(j+1, r, thr)
					}
				}
			}
		} else {
			for i := 0; len(codes) >= 32; i += 2 {
				c := (*[32]byte)(codes)
				codes = codes[32:]
				s, r := t[0][c[0]], t[0][c[16]]
				s, r = float32(s+t[1][c[1]]), float32(r+t[1][c[17]])
				s, r = float32(s+t[2][c[2]]), float32(r+t[2][c[18]])
				s, r = float32(s+t[3][c[3]]), float32(r+t[3][c[19]])
				s, r = float32(s+t[4][c[4]]), float32(r+t[4][c[20]])
				s, r = float32(s+t[5][c[5]]), float32(r+t[5][c[21]])
				s, r = float32(s+t[6][c[6]]), float32(r+t[6][c[22]])
				s, r = float32(s+t[7][c[7]]), float32(r+t[7][c[23]])
				s, r = float32(s+t[8][c[8]]), float32(r+t[8][c[24]])
				s, r = float32(s+t[9][c[9]]), float32(r+t[9][c[25]])
				s, r = float32(s+t[10][c[10]]), float32(r+t[10][c[26]])
				s, r = float32(s+t[11][c[11]]), float32(r+t[11][c[27]])
				s, r = float32(s+t[12][c[12]]), float32(r+t[12][c[28]])
				s, r = float32(s+t[13][c[13]]), float32(r+t[13][c[29]])
				s, r = float32(s+t[14][c[14]]), float32(r+t[14][c[30]])
				s, r = float32(s+t[15][c[15]]), float32(r+t[15][c[31]])
				s = float32(s + float32(beta*pop[i]))
				r = float32(r + float32(beta*pop[i+1]))
				if s >= thr {
					thr = p.consider(int32(i), s, thr)
				}
				if r >= thr {
					thr = p.consider(int32(i+1), r, thr)
				}
			}
		}
		i := n - len(codes)/16
		if i < n { // an odd item out
			s := e.scoreOf(p.t, int32(i))
			if beta != 0 {
				s = float32(s + float32(beta*pop[i]))
			}
			if s >= thr {
				p.consider(int32(i), s, thr)
			}
		}
		return
	}
	for i := 0; i < n; i++ {
		s := e.scoreOf(p.t, int32(i))
		if beta != 0 {
			s = float32(s + float32(beta*pop[i]))
		}
		if s >= thr {
			thr = p.consider(int32(i), s, thr)
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
		rec := Recommendation{Item: string(m.id(c.item)), Score: float64(c.score), Source: SourceHistory}
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
