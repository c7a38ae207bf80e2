//go:build !wasm

package model

import "encoding/binary"

// partitionRange is partition's loop: keys[lo..hi] (0 <= lo < hi <
// len(keys)) split around a median-of-three pivot, with i, j such that
// keys[lo..j] <= pivot <= keys[i..hi], j < i. sort_wasm.s is the same
// loop for WebAssembly (same swaps, so the same order of keys after).
func partitionRange(keys []uint64, lo, hi int) (int, int) {
	mid := lo + (hi-lo)/2
	if keys[mid] < keys[lo] {
		keys[mid], keys[lo] = keys[lo], keys[mid]
	}
	if keys[hi] < keys[lo] {
		keys[hi], keys[lo] = keys[lo], keys[hi]
	}
	if keys[hi] < keys[mid] {
		keys[hi], keys[mid] = keys[mid], keys[hi]
	}
	pivot := keys[mid]
	i, j := lo, hi
	for i <= j {
		for keys[i] < pivot {
			i++
		}
		for keys[j] > pivot {
			j--
		}
		if i <= j {
			keys[i], keys[j] = keys[j], keys[i]
			i++
			j--
		}
	}
	return i, j
}

// insertionSort sorts keys ascending (sortKeys' short ranges).
func insertionSort(keys []uint64) {
	for a := 1; a < len(keys); a++ {
		for b := a; b > 0 && keys[b] < keys[b-1]; b-- {
			keys[b], keys[b-1] = keys[b-1], keys[b]
		}
	}
}

// searchKeys returns the first i with keys[i] >= key, or len(keys); keys
// ascend (Model.lookup's binary search).
func searchKeys(keys []uint64, key uint64) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if keys[mid] < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// lanes2 is indicesBelow's pass over 2-byte indices, len(cols) a multiple
// of 8: the OR over every 8-byte little-endian word v of (v&lanes + k) |
// (v>>16&lanes + k), lanes = 0x0000ffff0000ffff.
func lanes2(cols []byte, k uint64) uint64 {
	const lanes = 0x0000ffff0000ffff
	var acc uint64
	i := 0
	for ; i+32 <= len(cols); i += 32 {
		c := cols[i : i+32 : i+32] // one bounds check for four words
		v0, v1 := binary.LittleEndian.Uint64(c), binary.LittleEndian.Uint64(c[8:])
		v2, v3 := binary.LittleEndian.Uint64(c[16:]), binary.LittleEndian.Uint64(c[24:])
		acc |= (v0&lanes + k) | (v0>>16&lanes + k) | (v1&lanes + k) | (v1>>16&lanes + k) |
			(v2&lanes + k) | (v2>>16&lanes + k) | (v3&lanes + k) | (v3>>16&lanes + k)
	}
	for ; i+8 <= len(cols); i += 8 {
		v := binary.LittleEndian.Uint64(cols[i:])
		acc |= (v&lanes + k) | (v>>16&lanes + k)
	}
	return acc
}

// insertionSortByItem sorts xs by item, stably (sortByItem's short case).
func insertionSortByItem(xs []histWeight) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j].item < xs[j-1].item; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// popKeys sets keys[i] = popKey(pop[i], i) for i < min(len(pop),
// len(keys)) and reports whether any of those scores is NaN (their keys
// are still written). sort_wasm.s is the same loop for WebAssembly, on
// the scores' bits.
func popKeys(pop []float32, keys []uint64) bool {
	n := min(len(pop), len(keys))
	nan := false
	for i, p := range pop[:n] {
		nan = nan || p != p
		keys[i] = popKey(p, int32(i))
	}
	return nan
}
