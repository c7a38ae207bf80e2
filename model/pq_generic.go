//go:build !wasm

package model

// scan16 scores the items of codes (16 codes each) with table t, in order,
// and returns the first one whose score reaches thr, with its score, or
// the number of items; and the number of items it summed past the head. An
// item whose first pqHead terms sum to less than cut is dropped before its
// last terms (see cutoff). Each score is summed
// term by term in subspace order, as scoreOf sums it; pq_wasm.s is the same
// loop for WebAssembly.
func scan16(t *[16][PQCentroids]float32, codes []byte, cut, thr float32) (int, float32, int) {
	i, tails := 0, 0
	for ; len(codes) >= 16; i++ {
		c := (*[16]byte)(codes)
		codes = codes[16:]
		s := t[0][c[0]]
		s = float32(s + t[1][c[1]])
		s = float32(s + t[2][c[2]])
		s = float32(s + t[3][c[3]])
		s = float32(s + t[4][c[4]])
		s = float32(s + t[5][c[5]])
		s = float32(s + t[6][c[6]])
		s = float32(s + t[7][c[7]])
		s = float32(s + t[8][c[8]])
		s = float32(s + t[9][c[9]])
		if s < cut {
			continue
		}
		tails++
		s = float32(s + t[10][c[10]])
		s = float32(s + t[11][c[11]])
		s = float32(s + t[12][c[12]])
		s = float32(s + t[13][c[13]])
		s = float32(s + t[14][c[14]])
		s = float32(s + t[15][c[15]])
		if s >= thr {
			return i, s, tails
		}
	}
	return i, 0, tails
}

// scan16Pop is scan16 with the popularity blend: item i scores
// Σ_m t[m][c_im] + beta·pop[i] (pop holds at least one entry per item).
func scan16Pop(t *[16][PQCentroids]float32, codes []byte, pop []float32, beta, cut, thr float32) (int, float32, int) {
	i, tails := 0, 0
	pop = pop[:len(codes)/16]
	for ; len(codes) >= 16; i++ {
		c := (*[16]byte)(codes)
		codes = codes[16:]
		s := t[0][c[0]]
		s = float32(s + t[1][c[1]])
		s = float32(s + t[2][c[2]])
		s = float32(s + t[3][c[3]])
		s = float32(s + t[4][c[4]])
		s = float32(s + t[5][c[5]])
		s = float32(s + t[6][c[6]])
		s = float32(s + t[7][c[7]])
		s = float32(s + t[8][c[8]])
		s = float32(s + t[9][c[9]])
		if s < cut {
			continue
		}
		tails++
		s = float32(s + t[10][c[10]])
		s = float32(s + t[11][c[11]])
		s = float32(s + t[12][c[12]])
		s = float32(s + t[13][c[13]])
		s = float32(s + t[14][c[14]])
		s = float32(s + t[15][c[15]])
		s = float32(s + float32(beta*pop[i]))
		if s >= thr {
			return i, s, tails
		}
	}
	return i, 0, tails
}
