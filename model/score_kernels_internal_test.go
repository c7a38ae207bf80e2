package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestScatter2 checks scatter2 (score_wasm.s in WebAssembly, the Go loop
// natively) against one neighbour at a time, bit for bit, on rows of every
// length 0..40 with repeated columns (the same score added twice in a row)
// and every int8 weight. `make v8test` runs it in V8.
func TestScatter2(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 300
	for rows := 0; rows < 200; rows++ {
		l := rows % 41
		cols := make([]byte, 2*l)
		vals := make([]byte, l)
		for q := range l {
			j := rng.IntN(n)
			if q > 0 && rng.IntN(4) == 0 {
				j = int(cols[2*q-2]) | int(cols[2*q-1])<<8
			}
			cols[2*q], cols[2*q+1] = byte(j), byte(j>>8)
			vals[q] = byte(rng.IntN(256))
		}
		xw, scale := float32(rng.NormFloat64()), float32(rng.ExpFloat64()/127)
		got, want := make([]float32, n), make([]float32, n)
		for i := range got {
			got[i] = float32(rng.NormFloat64())
			want[i] = got[i]
		}
		scatter2(got, cols, vals, xw, scale)
		for q, v := range vals {
			j := int(cols[2*q]) | int(cols[2*q+1])<<8
			w := float32(float32(int8(v)) * scale)
			want[j] = float32(want[j] + float32(xw*w))
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("row %d (%d neighbours): score %d is %v, want %v", rows, l, i, got[i], want[i])
			}
		}
	}
}

// TestBlendScan checks blendScan against a plain loop, bit for bit: the
// first index whose blended score is not below the floor, on lengths 0..40
// (the tail of the four-a-turn loop), floors below, at and above the
// scores (ties pass), -Inf, and NaN scores (never below a floor).
func TestBlendScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 2000; trial++ {
		l := trial % 41
		scores, pop := make([]float32, l+rng.IntN(3)), make([]float32, l)
		for i := range scores {
			scores[i] = float32(rng.NormFloat64())
		}
		for i := range pop {
			pop[i] = float32(rng.ExpFloat64())
		}
		beta := float32(rng.Float64())
		if l > 0 && rng.IntN(10) == 0 {
			scores[rng.IntN(l)] = float32(math.NaN())
		}
		blended := func(i int) float32 { return float32(scores[i] + float32(beta*pop[i])) }
		var floor float32
		switch r := rng.IntN(4); {
		case r == 0:
			floor = float32(math.Inf(-1))
		case r == 1 && l > 0:
			floor = blended(rng.IntN(l)) // a tie
		default:
			floor = float32(1 + rng.NormFloat64())
		}
		wantI, wantS := l, float32(0)
		for i := range pop {
			if sc := blended(i); !(sc < floor) {
				wantI, wantS = i, sc
				break
			}
		}
		gotI, gotS := blendScan(scores, pop, beta, floor)
		if gotI != wantI || math.Float32bits(gotS) != math.Float32bits(wantS) {
			t.Fatalf("trial %d (%d items, floor %v): blendScan = %d, %v; want %d, %v", trial, l, floor, gotI, gotS, wantI, wantS)
		}
	}
}

// TestAddBoosts checks addBoosts against a plain loop: the same boosts bit
// for bit, the same items marked and listed in the same order, over lists
// that repeat items within and across calls.
func TestAddBoosts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 200
	for trial := 0; trial < 300; trial++ {
		got, want := make([]float32, n), make([]float32, n)
		gotMark, wantMark := make([]bool, n), make([]bool, n)
		var gotOut, wantOut []int32
		for range 1 + rng.IntN(3) {
			l := rng.IntN(60)
			items, scores := make([]byte, 4*l), make([]float32, l)
			for j := range l {
				i := uint32(rng.IntN(n))
				items[4*j], items[4*j+1], items[4*j+2], items[4*j+3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
				scores[j] = float32(rng.NormFloat64())
				if !wantMark[i] {
					wantMark[i] = true
					wantOut = append(wantOut, int32(i))
				}
				want[i] = float32(want[i] + scores[j])
			}
			room := make([]int32, l)
			w := addBoosts(got, gotMark, room, items, scores)
			gotOut = append(gotOut, room[:w]...)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || gotMark[i] != wantMark[i] {
				t.Fatalf("trial %d: item %d boost %v marked %v, want %v %v", trial, i, got[i], gotMark[i], want[i], wantMark[i])
			}
		}
		if !slices.Equal(gotOut, wantOut) {
			t.Fatalf("trial %d: listed %v, want %v", trial, gotOut, wantOut)
		}
	}
}

// TestBoostScan checks boostScan against a plain loop: the same item and
// score bit for bit, ties decided by the item as topK.beats decides them,
// and every item looked at (up to and with the one returned) cleared.
func TestBoostScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 100
	for trial := 0; trial < 2000; trial++ {
		pop, boost, mark := make([]float32, n), make([]float32, n), make([]bool, n)
		var boosted []int32
		for i := range n {
			pop[i] = float32(rng.IntN(8)) / 4 // few values: many ties
			if rng.IntN(3) == 0 {
				boost[i], mark[i] = float32(rng.IntN(8))/4, true
				boosted = append(boosted, int32(i))
			}
		}
		rng.Shuffle(len(boosted), func(a, b int) { boosted[a], boosted[b] = boosted[b], boosted[a] })
		floor, root := float32(rng.IntN(16))/4, int32(rng.IntN(n))
		wantP, wantS := len(boosted), float32(0)
		for p, i := range boosted {
			if sc := float32(pop[i] + boost[i]); sc > floor || sc == floor && i < root {
				wantP, wantS = p, sc
				break
			}
		}
		before := slices.Clone(boost)
		gotP, gotS := boostScan(boosted, pop, boost, mark, floor, root)
		if gotP != wantP || math.Float32bits(gotS) != math.Float32bits(wantS) {
			t.Fatalf("trial %d (floor %v, root %d): boostScan = %d, %v; want %d, %v", trial, floor, root, gotP, gotS, wantP, wantS)
		}
		for p, i := range boosted {
			looked := p <= gotP
			if cleared := boost[i] == 0 && !mark[i]; looked && !cleared || !looked && (boost[i] != before[i] || !mark[i]) {
				t.Fatalf("trial %d: item %d at %d (returned %d): boost %v mark %v", trial, i, p, gotP, boost[i], mark[i])
			}
		}
	}
}

// TestSearchKeys checks searchKeys against a linear scan: every key
// present, between and beyond, on lengths 0..70 with runs of equal keys
// (ids sharing an 8-byte prefix), and the unsigned order at the top.
func TestSearchKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for l := 0; l <= 70; l++ {
		keys := make([]uint64, l)
		for i := range keys {
			keys[i] = uint64(rng.IntN(3 * l))
		}
		slices.Sort(keys)
		for key := uint64(0); key <= uint64(3*l+1); key++ {
			want := 0
			for want < l && keys[want] < key {
				want++
			}
			if got := searchKeys(keys, key); got != want {
				t.Fatalf("%d keys %v, key %d: searchKeys = %d, want %d", l, keys, key, got, want)
			}
		}
	}
	if got := searchKeys([]uint64{1, ^uint64(0)}, ^uint64(0)); got != 1 {
		t.Fatalf("searchKeys of the largest key = %d, want 1", got)
	}
}

// TestInsertionSortByItem checks the short-history sort against
// slices.SortStableFunc: the same order, equal items in history order
// (told apart by their weights), on lengths 0..64.
func TestInsertionSortByItem(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for l := 0; l <= 64; l++ {
		xs := make([]histWeight, l)
		for i := range xs {
			xs[i] = histWeight{item: int32(rng.IntN(l/2 + 1)), w: float64(i)}
		}
		want := slices.Clone(xs)
		slices.SortStableFunc(want, func(a, b histWeight) int { return int(a.item) - int(b.item) })
		insertionSortByItem(xs)
		if !slices.Equal(xs, want) {
			t.Fatalf("%d events: %v, want %v", l, xs, want)
		}
	}
}

// TestSiftUp checks siftUp against the Go loop's order (better), on lists
// with tied scores, tied items, signed zeros and NaN scores.
func TestSiftUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	scores := []float32{0, float32(math.Copysign(0, -1)), 1, 1, 2, -1, float32(math.NaN()), float32(math.Inf(1))}
	for trial := 0; trial < 3000; trial++ {
		l := 1 + rng.IntN(12)
		best := make([]cand, l)
		for i := range best {
			best[i] = cand{item: int32(rng.IntN(6)), score: scores[rng.IntN(len(scores))]}
		}
		want := slices.Clone(best)
		for j := len(want) - 1; j > 0 && better(want[j], want[j-1]); j-- {
			want[j], want[j-1] = want[j-1], want[j]
		}
		siftUp(best)
		for i := range best {
			if best[i].item != want[i].item || math.Float32bits(best[i].score) != math.Float32bits(want[i].score) {
				t.Fatalf("trial %d: siftUp gave %v, want %v", trial, best, want)
			}
		}
	}
}
