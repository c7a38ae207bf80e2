//go:build !wasm

package model

import (
	"encoding/binary"
	"math"
)

// scatter2 adds each neighbour's weight times xw into scores: for each q,
// scores[j] += xw·(int8(vals[q])·scale) with j the little-endian uint16 at
// cols[2q:], one neighbour at a time in order. cols holds 2·len(vals)
// bytes and every j is below len(scores) (decodeWeights checked the
// indices). score_wasm.s is the same loop for WebAssembly.
func scatter2(scores []float32, cols, vals []byte, xw, scale float32) {
	cols = cols[:2*len(vals)]
	// Four neighbours a turn, in order (the same sums as one at a time).
	q := 0
	for ; q+4 <= len(vals); q += 4 {
		c := binary.LittleEndian.Uint64(cols[2*q:])
		v := vals[q : q+4 : q+4]
		j0, j1, j2, j3 := uint16(c), uint16(c>>16), uint16(c>>32), uint16(c>>48)
		scores[j0] = float32(scores[j0] + float32(xw*float32(float32(int8(v[0]))*scale)))
		scores[j1] = float32(scores[j1] + float32(xw*float32(float32(int8(v[1]))*scale)))
		scores[j2] = float32(scores[j2] + float32(xw*float32(float32(int8(v[2]))*scale)))
		scores[j3] = float32(scores[j3] + float32(xw*float32(float32(int8(v[3]))*scale)))
	}
	for ; q < len(vals); q++ {
		j := uint32(cols[2*q]) | uint32(cols[2*q+1])<<8
		scores[j] = float32(scores[j] + float32(xw*float32(float32(int8(vals[q]))*scale)))
	}
}

// blendScan returns the first i < len(pop) whose blended score
// float32(scores[i] + float32(beta·pop[i])) is not below floor, with that
// score, or len(pop) and 0 when there is none. len(scores) >= len(pop).
// A NaN score is never below floor. score_wasm.s is
// the same loop for WebAssembly.
func blendScan(scores, pop []float32, beta, floor float32) (int, float32) {
	scores = scores[:len(pop)]
	// Four items a turn, skipped together when none reaches the floor;
	// otherwise looked at one by one, in order.
	i := 0
	for ; i+4 <= len(pop); i += 4 {
		p, sv := pop[i:i+4:i+4], scores[i:i+4:i+4]
		sc0 := float32(sv[0] + float32(beta*p[0]))
		sc1 := float32(sv[1] + float32(beta*p[1]))
		sc2 := float32(sv[2] + float32(beta*p[2]))
		sc3 := float32(sv[3] + float32(beta*p[3]))
		if sc0 < floor && sc1 < floor && sc2 < floor && sc3 < floor {
			continue
		}
		break
	}
	for ; i < len(pop); i++ {
		if sc := float32(scores[i] + float32(beta*pop[i])); !(sc < floor) {
			return i, sc
		}
	}
	return len(pop), 0
}

// addBoosts adds one context list into boost: for each j, item i (the
// little-endian uint32 at items[4j:]) gains scores[j], and an item not yet
// in mark is marked and written to out, in list order. It returns how many
// it wrote. items holds 4·len(scores) bytes, every i is below len(boost)
// and len(mark) (decodeWeights checked them), and out has room for
// len(scores). score_wasm.s is the same loop for WebAssembly.
func addBoosts(boost []float32, mark []bool, out []int32, items []byte, scores []float32) int {
	items = items[:4*len(scores)]
	w := 0
	for j, sc := range scores {
		i := binary.LittleEndian.Uint32(items[4*j:])
		if !mark[i] {
			mark[i] = true
			out[w] = int32(i)
			w++
		}
		boost[i] = float32(boost[i] + sc)
	}
	return w
}

// blendFill is blend's loop: item i of pop scores
// float32(scores[i] + float32(beta·pop[i])); while best holds fewer than k
// (its first n entries, best first) every allowed one goes in, and then
// one that beats the last (a higher score, or the same and a lower item)
// takes its place; each goes to its place (siftUp). Allowed is as in
// boostFill. It returns n. len(scores), len(excluded), and len(available)
// and len(catOf) when not empty, are at least len(pop); best has room for
// k > 0. score_wasm.s is the same loop for WebAssembly; here blendScan
// skips to the next item that reaches the floor.
func blendFill(scores, pop []float32, beta float32, best []cand, k int, excluded, available []bool, catOf []uint32, want uint32) int {
	scores = scores[:len(pop)]
	n := 0
	floor := float32(math.Inf(-1))
	for i := 0; i < len(pop); i++ {
		var sc float32
		if n < k {
			sc = float32(scores[i] + float32(beta*pop[i]))
		} else {
			var j int
			j, sc = blendScan(scores[i:], pop[i:], beta, floor)
			if i += j; i == len(pop) {
				break
			}
			if last := best[k-1]; !(sc > last.score || sc == last.score && int32(i) < last.item) {
				continue
			}
		}
		if excluded[i] || len(available) > 0 && !available[i] || len(catOf) > 0 && catOf[i] != want {
			continue
		}
		if n < k {
			n++
		}
		best[n-1] = cand{int32(i), sc}
		if siftUp(best[:n]); n == k {
			floor = best[k-1].score
		}
	}
	return n
}

// popFill writes to best, in order, the first items of top (item indices)
// that the filter allows (as boostFill's), that are not in skip (unless
// skip is empty) and not in picked, each as cand{i, pop[i]}, until need
// are written or top ends; it returns how many it wrote. Every item is
// below the length of each slice it indexes and best has room for need.
// score_wasm.s is the same loop for WebAssembly.
func popFill(top []int32, pop []float32, skip []bool, best []cand, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int {
	n := 0
	for _, i := range top {
		if n == need {
			break
		}
		if len(skip) > 0 && skip[i] || excluded[i] || len(available) > 0 && !available[i] || len(catOf) > 0 && catOf[i] != want || taken(picked, i) {
			continue
		}
		best[n] = cand{i, pop[i]}
		n++
	}
	return n
}

// boostFill is fillPopular's loop over the boosted items: each item i in
// order scores float32(pop[i] + boost[i]) and has boost[i] and mark[i]
// cleared; while best holds fewer than need (its first n entries, best
// first) every allowed one goes in, and then one that beats the last (a
// higher score, or the same and a lower item, as topK.beats) takes its
// place; each goes to its place (siftUp). Allowed: excluded[i] false,
// available[i] true unless available is empty, catOf[i] == want unless
// catOf is empty, and not in picked. It returns the new n. Every item is
// below the length of each slice it indexes, best has room for need
// entries and 0 < need. score_wasm.s is the same loop for WebAssembly.
func boostFill(boosted []int32, pop, boost []float32, mark []bool, best []cand, n, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int {
	for _, i := range boosted {
		sc := float32(pop[i] + boost[i])
		boost[i], mark[i] = 0, false
		if n == need {
			if last := best[n-1]; !(sc > last.score || sc == last.score && i < last.item) {
				continue
			}
		}
		if excluded[i] || len(available) > 0 && !available[i] || len(catOf) > 0 && catOf[i] != want || taken(picked, i) {
			continue
		}
		if n < need {
			n++
		}
		best[n-1] = cand{i, sc}
		siftUp(best[:n])
	}
	return n
}

// siftUp moves the last of best up while it is better than the one before
// it (insertBest: best is sorted best first but for its last).
func siftUp(best []cand) {
	for j := len(best) - 1; j > 0 && better(best[j], best[j-1]); j-- {
		best[j], best[j-1] = best[j-1], best[j]
	}
}
