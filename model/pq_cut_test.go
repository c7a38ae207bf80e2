package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomTable is a lookup table of the spread a query gives: entries of
// one row around a row mean, some rows negative.
func randomTable(rng *rand.Rand, scale float64) *[16][PQCentroids]float32 {
	var t [16][PQCentroids]float32
	for m := range t {
		mean := scale * rng.NormFloat64()
		for c := range t[m] {
			t[m][c] = float32(mean + scale*rng.NormFloat64())
		}
	}
	return &t
}

// TestCutoffIsLeast: cut(thr) is the least float32 whose bound reaches thr,
// for thresholds around the scores a table gives, with and without the
// popularity term, and the edge cases never cut.
func TestCutoffIsLeast(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		scale := math.Pow(10, float64(rng.IntN(9)-4))
		tab := randomTable(rng, scale)
		beta, pop := float32(0), float32(0)
		if trial%2 == 1 {
			beta, pop = float32(rng.Float64()), float32(rng.Float64())
		}
		var b cutoff
		b.init(tab, beta, pop)
		thr := float32(scale * 16 * (rng.Float64()*4 - 1))
		c := b.cut(thr)
		switch {
		case math.IsInf(float64(c), -1):
			if g := b.g(-math.MaxFloat32); g < thr {
				t.Fatalf("trial %d: cut -Inf, but g(-Max) = %v < thr %v", trial, g, thr)
			}
		case math.IsInf(float64(c), 1):
			t.Fatalf("trial %d: cut +Inf for thr %v", trial, thr)
		default:
			if g := b.g(c); g < thr {
				t.Fatalf("trial %d: g(cut %v) = %v < thr %v", trial, c, g, thr)
			}
			if prev := unordered(ordered(c) - 1); b.g(prev) >= thr {
				t.Fatalf("trial %d: g(%v) = %v >= thr %v: cut %v is not the least", trial, prev, b.g(prev), thr, c)
			}
		}
	}
	var b cutoff
	tab := randomTable(rng, 1)
	b.init(tab, 0, 0)
	for _, thr := range []float32{float32(math.Inf(-1)), float32(math.NaN())} {
		if c := b.cut(thr); !math.IsInf(float64(c), -1) {
			t.Errorf("cut(%v) = %v; want -Inf", thr, c)
		}
	}
	if c := b.cut(float32(math.Inf(1))); !math.IsInf(float64(c), 1) {
		t.Errorf("cut(+Inf) = %v; want +Inf", c)
	}
	tab[15][7] = float32(math.NaN())
	b = cutoff{}
	b.init(tab, 0, 0)
	if c := b.cut(1); !math.IsInf(float64(c), -1) {
		t.Errorf("a NaN entry: cut = %v; want -Inf (never cut)", c)
	}
}

// TestScan16 checks the kernels' contract (pq_wasm.s in WebAssembly, the
// Go loops elsewhere) against a plain loop, with and without the blend: the
// first item whose head reaches cut and whose score reaches thr, its score
// bit for bit and the items summed past the head, from several starts; and that with thr the 10th best
// score, the cut drops most items and no item it drops scores thr or more.
func TestScan16(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 17, 3001} {
		t.Run(fmt.Sprintf("items=%d", n), func(t *testing.T) {
			// A query's table favours the codes of its cluster: one
			// centroid per subspace, which 1 item in 20 mostly uses.
			tab := randomTable(rng, 0.3)
			var pref [16]byte
			for m := range pref {
				pref[m] = byte(rng.IntN(PQCentroids))
				tab[m][pref[m]] += 3
			}
			codes := make([]byte, 16*n)
			for j := range n {
				near := rng.IntN(20) == 0
				for m := range 16 {
					codes[16*j+m] = byte(rng.IntN(PQCentroids))
					if near && rng.IntN(10) > 0 {
						codes[16*j+m] = pref[m]
					}
				}
			}
			e := &embedding{sub: 16, codes: codes}
			flat := make([]float32, 0, 16*PQCentroids)
			for m := range tab {
				flat = append(flat, tab[m][:]...)
			}
			score := func(j int) (head, full float32) {
				for m := 0; m < 16; m++ {
					if m == pqHead {
						head = full
					}
					full = float32(full + tab[m][codes[16*j+m]])
				}
				return head, full
			}
			var all []float32
			for j := range n {
				_, s := score(j)
				if s != e.scoreOf(flat, int32(j)) {
					t.Fatalf("item %d: %v; scoreOf %v", j, s, e.scoreOf(flat, int32(j)))
				}
				all = append(all, s)
			}
			slices.Sort(all)
			pop := make([]float32, n)
			for j := range pop {
				pop[j] = float32(rng.Float64())
			}
			for _, beta := range []float32{0, 0.7} {
				var b cutoff
				b.init(tab, beta, slices.Max(append([]float32{0}, pop...)))
				blended := func(j int) (head, full float32) {
					head, full = score(j)
					if beta != 0 {
						full = float32(full + float32(beta*pop[j]))
					}
					return head, full
				}
				thrs := []float32{float32(math.Inf(-1)), 0}
				if n > 0 {
					thrs = append(thrs, all[max(0, n-10)], all[n-1], float32(math.Nextafter32(all[n-1], float32(math.Inf(1)))))
				}
				for _, thr := range thrs {
					cut := b.cut(thr)
					for start := 0; start <= n; start += 1 + n/7 {
						want, ws, wt := n-start, float32(0), 0
						for j := start; j < n; j++ {
							h, s := blended(j)
							if h < cut {
								continue
							}
							wt++
							if s >= thr {
								want, ws = j-start, s
								break
							}
						}
						var got, gt int
						var gs float32
						if beta == 0 {
							got, gs, gt = scan16(tab, codes[16*start:], cut, thr)
						} else {
							got, gs, gt = scan16Pop(tab, codes[16*start:], pop[start:], beta, cut, thr)
						}
						if got != want || math.Float32bits(gs) != math.Float32bits(ws) || gt != wt {
							t.Fatalf("beta %v thr %v cut %v start %d: got (%d, %v, %d tails); want (%d, %v, %d)", beta, thr, cut, start, got, gs, gt, want, ws, wt)
						}
					}
				}
			}
			if n < 1000 {
				return
			}
			var b cutoff
			b.init(tab, 0, 0)
			thr := all[n-10]
			cut := b.cut(thr)
			dropped := 0
			for j := range n {
				if h, s := score(j); h < cut {
					dropped++
					if s >= thr {
						t.Fatalf("item %d: head %v < cut %v but score %v >= thr %v", j, h, cut, s, thr)
					}
				}
			}
			if dropped < n/2 {
				t.Errorf("the cut drops %d of %d items at the top-10 threshold; want most", dropped, n)
			}
		})
	}
}
