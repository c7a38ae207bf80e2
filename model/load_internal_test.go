package model

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopPopularMatchesSort: the integer-key selection ranks exactly as a
// full sort by better does, ties, signed zeros and negatives included.
func TestSortKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 12, 13, 100, 1024, 5000} {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = rng.Uint64()>>1<<1 | uint64(i&1) // distinct enough; duplicates are fine too
		}
		keys = append(keys, keys[:n/3]...) // and some duplicates
		want := slices.Clone(keys)
		slices.Sort(want)
		sortKeys(keys)
		if !slices.Equal(keys, want) {
			t.Fatalf("n=%d: not sorted", n)
		}
	}
}

func TestTopPopularMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		n    int
		size int
		gen  func() float32
	}{
		{"distinct", 3000, 1024, func() float32 { return rng.Float32() }},
		{"many ties", 5000, 1024, func() float32 { return float32(rng.IntN(7)) / 4 }},
		{"signs and zeros", 2000, 100, func() float32 {
			return []float32{0, float32(math.Copysign(0, -1)), -1, 1, -rng.Float32(), float32(math.Inf(1)), float32(math.Inf(-1))}[rng.IntN(7)]
		}},
		{"fewer than size", 10, 1024, func() float32 { return rng.Float32() }},
		{"one", 1, 1024, func() float32 { return 1 }},
		{"size one", 500, 1, func() float32 { return float32(rng.IntN(3)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pop := make([]float32, tc.n)
			for i := range pop {
				pop[i] = tc.gen()
			}
			want := make([]int32, tc.n)
			for i := range want {
				want[i] = int32(i)
			}
			slices.SortFunc(want, func(a, b int32) int {
				if better(cand{a, pop[a]}, cand{b, pop[b]}) {
					return -1
				}
				return 1
			})
			want = want[:min(tc.size, tc.n)]
			if got := topPopular(pop, tc.size); !slices.Equal(got, want) {
				t.Fatalf("got %v…, want %v…", got[:min(10, len(got))], want[:min(10, len(want))])
			}
		})
	}
}

// TestIndicesBelow: the lane arithmetic agrees with the largest index, at
// the bounds around it, for both widths and every tail length.
func TestIndicesBelow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, width := range []int{2, 4} {
		for n := 0; n < 40; n++ {
			cols := make([]byte, width*n)
			var want uint32
			for i := 0; i < n; i++ {
				v := rng.Uint32()
				if width == 4 {
					v %= MaxItems + 1
				}
				if width == 2 {
					v &= 0xffff
					binary.LittleEndian.PutUint16(cols[2*i:], uint16(v))
				} else {
					binary.LittleEndian.PutUint32(cols[4*i:], v)
				}
				want = max(want, v)
			}
			limit := 1 << 16
			if width == 4 {
				limit = MaxItems
			}
			for _, bound := range []int{1, int(want), int(want) + 1, limit} {
				if bound < 1 || bound > limit {
					continue
				}
				if got := indicesBelow(cols, width, bound); got != (n == 0 || want < uint32(bound)) {
					t.Fatalf("width %d, %d indices, max %d: indicesBelow(%d) = %v", width, n, want, bound, got)
				}
			}
		}
	}
}
