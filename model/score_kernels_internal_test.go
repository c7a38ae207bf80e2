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

// randomFilter returns a filter's masks for n items as the fills take
// them: about one item in six excluded; half the time no availability
// mask, else one item in five unavailable; half the time no categories,
// else three, and the one wanted.
func randomFilter(rng *rand.Rand, n int) (excluded, available []bool, catOf []uint32, want uint32) {
	excluded = make([]bool, n)
	for i := range excluded {
		excluded[i] = rng.IntN(6) == 0
	}
	if rng.IntN(2) == 0 {
		available = make([]bool, n)
		for i := range available {
			available[i] = rng.IntN(5) != 0
		}
	}
	want = uint32(rng.IntN(3))
	if rng.IntN(2) == 0 {
		catOf = make([]uint32, n)
		for i := range catOf {
			catOf[i] = uint32(rng.IntN(3))
		}
	}
	return excluded, available, catOf, want
}

// TestBlendFill checks blendFill (in WebAssembly its assembly; natively
// blendScan and siftUp) against blend's loop written plainly, one item at
// a time: the same list bit for bit, on lengths 0..80 (the tail of the
// four-a-turn skip), k from 1 to past the length, many ties (decided by
// the item), NaN scores (never below a floor, never beating it), and the
// filter's three masks; nothing written past the returned count.
func TestBlendFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 4000; trial++ {
		l := trial % 81
		scores, pop := make([]float32, l+rng.IntN(3)), make([]float32, l)
		for i := range scores {
			if rng.IntN(3) > 0 {
				scores[i] = float32(rng.IntN(6)) / 4 // many ties
			}
		}
		for i := range pop {
			pop[i] = float32(rng.IntN(8)) / 2
		}
		beta := float32(rng.IntN(3)) / 2
		if l > 0 && rng.IntN(8) == 0 {
			scores[rng.IntN(l)] = float32(math.NaN())
		}
		excluded, available, catOf, want := randomFilter(rng, l)
		k := 1 + rng.IntN(min(l, 20)+3)

		var wantBest []cand
		for i := range pop {
			sc := float32(scores[i] + float32(beta*pop[i]))
			if len(wantBest) == k {
				if last := wantBest[k-1]; !(sc > last.score || sc == last.score && int32(i) < last.item) {
					continue
				}
			}
			if excluded[i] || available != nil && !available[i] || catOf != nil && catOf[i] != want {
				continue
			}
			if len(wantBest) < k {
				wantBest = append(wantBest, cand{int32(i), sc})
			} else {
				wantBest[k-1] = cand{int32(i), sc}
			}
			for j := len(wantBest) - 1; j > 0 && better(wantBest[j], wantBest[j-1]); j-- {
				wantBest[j], wantBest[j-1] = wantBest[j-1], wantBest[j]
			}
		}
		best := make([]cand, k+2)
		sentinel := cand{-7, -7}
		for i := range best {
			best[i] = sentinel
		}
		got := blendFill(scores, pop, beta, best[:k], k, excluded, available, catOf, want)
		if got != len(wantBest) || !slices.EqualFunc(best[:got], wantBest, func(a, b cand) bool {
			return a.item == b.item && math.Float32bits(a.score) == math.Float32bits(b.score)
		}) {
			t.Fatalf("trial %d (%d items, k %d, beta %v): blendFill gave %v; want %v", trial, l, k, beta, best[:got], wantBest)
		}
		for _, c := range best[got:] {
			if c != sentinel {
				t.Fatalf("trial %d: wrote past %d: %v", trial, got, best[got:])
			}
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

// TestBoostFill checks boostFill against fillPopular's loop as it was
// (boostScan to the next item that beats the last, then the filter, then
// insertBest), written plainly: the same best list bit for bit, ties
// decided by the item as topK.beats decides them, every boosted item
// cleared, and nothing written past the returned length.
func TestBoostFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 100
	for trial := 0; trial < 4000; trial++ {
		pop, boost, mark := make([]float32, n), make([]float32, n), make([]bool, n)
		var boosted, plain []int32
		for i := range n {
			pop[i] = float32(rng.IntN(8)) / 4 // few values: many ties
			if rng.IntN(3) == 0 {
				// negative scores too, now and then: the threshold boostFill
				// keeps must be right whatever the scores' sign
				boost[i], mark[i] = float32(rng.IntN(8)-4*(trial%2)*rng.IntN(2))/4, true
				boosted = append(boosted, int32(i))
			} else {
				plain = append(plain, int32(i))
			}
		}
		rng.Shuffle(len(boosted), func(a, b int) { boosted[a], boosted[b] = boosted[b], boosted[a] })
		need := 1 + rng.IntN(12)
		// best starts with up to need unboosted items, best first (as
		// appendPopular gives them)
		var start []cand
		for _, i := range plain[:rng.IntN(min(need, len(plain))+1)] {
			start = append(start, cand{i, pop[i]})
		}
		slices.SortFunc(start, func(a, b cand) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
		excluded, available, catOf, want := randomFilter(rng, n)
		var picked []cand
		for range rng.IntN(4) {
			picked = append(picked, cand{int32(rng.IntN(n)), 1})
		}

		// The loop as it was.
		wantBest := slices.Clone(start)
		wb, wm := slices.Clone(boost), slices.Clone(mark)
		for _, i := range boosted {
			sc := float32(pop[i] + wb[i])
			wb[i], wm[i] = 0, false
			if len(wantBest) == need {
				if last := wantBest[need-1]; !(sc > last.score || sc == last.score && i < last.item) {
					continue
				}
			}
			if excluded[i] || available != nil && !available[i] || catOf != nil && catOf[i] != want || taken(picked, i) {
				continue
			}
			if len(wantBest) < need {
				wantBest = append(wantBest, cand{i, sc})
			} else {
				wantBest[need-1] = cand{i, sc}
			}
			for j := len(wantBest) - 1; j > 0 && better(wantBest[j], wantBest[j-1]); j-- {
				wantBest[j], wantBest[j-1] = wantBest[j-1], wantBest[j]
			}
		}

		best := make([]cand, need+2)
		copy(best, start)
		sentinel := cand{-7, -7}
		best[need], best[need+1] = sentinel, sentinel
		got := boostFill(boosted, pop, boost, mark, best[:need], len(start), need, excluded, available, catOf, want, picked)
		if got != len(wantBest) || !slices.EqualFunc(best[:got], wantBest, func(a, b cand) bool {
			return a.item == b.item && math.Float32bits(a.score) == math.Float32bits(b.score)
		}) {
			t.Fatalf("trial %d (need %d, start %v): boostFill gave %v; want %v", trial, need, start, best[:got], wantBest)
		}
		if best[need] != sentinel || best[need+1] != sentinel {
			t.Fatalf("trial %d: wrote past need: %v", trial, best[need:])
		}
		for _, i := range boosted {
			if boost[i] != 0 || mark[i] {
				t.Fatalf("trial %d: boosted item %d left boost %v mark %v", trial, i, boost[i], mark[i])
			}
		}
	}
}

// TestPopFill checks popFill against appendPopular's loop over popTop
// written plainly: the same candidates in the same order, bit for bit,
// and nothing written past the returned count.
func TestPopFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 100
	for trial := 0; trial < 4000; trial++ {
		pop := make([]float32, n)
		for i := range pop {
			pop[i] = float32(rng.IntN(1000)) / 8
		}
		top := rng.Perm(n)[:rng.IntN(n+1)]
		top32 := make([]int32, len(top))
		for i, v := range top {
			top32[i] = int32(v)
		}
		mask := func(p int) []bool {
			if rng.IntN(3) == 0 {
				return nil
			}
			b := make([]bool, n)
			for i := range b {
				b[i] = rng.IntN(p) == 0
			}
			return b
		}
		skip := mask(4)
		excluded, available, catOf, want := randomFilter(rng, n)
		var picked []cand
		for range rng.IntN(4) {
			picked = append(picked, cand{int32(rng.IntN(n)), 1})
		}
		need := 1 + rng.IntN(15)

		var wantBest []cand
		for _, i := range top32 {
			if len(wantBest) == need {
				break
			}
			if skip != nil && skip[i] || excluded[i] || available != nil && !available[i] || catOf != nil && catOf[i] != want || taken(picked, i) {
				continue
			}
			wantBest = append(wantBest, cand{i, pop[i]})
		}
		best := make([]cand, need+1)
		sentinel := cand{-7, -7}
		for i := range best {
			best[i] = sentinel
		}
		got := popFill(top32, pop, skip, best[:need], need, excluded, available, catOf, want, picked)
		if got != len(wantBest) || !slices.EqualFunc(best[:got], wantBest, func(a, b cand) bool {
			return a.item == b.item && math.Float32bits(a.score) == math.Float32bits(b.score)
		}) {
			t.Fatalf("trial %d (need %d): popFill gave %v; want %v", trial, need, best[:got], wantBest)
		}
		for _, c := range best[got:] {
			if c != sentinel {
				t.Fatalf("trial %d: wrote past %d: %v", trial, got, best[got:])
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
