//go:build !wasm

package model

import (
	"bytes"
	"encoding/binary"
)

// itemsScan is checkItems' loop over the ids while each is plain to
// check: for i from 0 up to min(len(keys), len(idEnd)/4, len(off)-1),
// id i ends at idEnd[i] (little-endian uint32), 1..MaxIDLen bytes after
// the previous end (0 for the first) within ids, with 8 bytes from its
// start in ids (its key one load), and sorts strictly after id i-1. It
// sets off[i+1] to the end and keys[i] to the id's prefix key, and
// returns the first i it did not take (checkItems goes on from there,
// and reports what stopped it). items_wasm.s is the same loop for
// WebAssembly.
func itemsScan(ids, idEnd []byte, off []uint32, keys []uint64) int {
	n := min(len(keys), len(idEnd)/4, len(off)-1)
	var prevKey uint64
	prevStart, start := uint32(0), uint32(0)
	for i := 0; i < n; i++ {
		end := binary.LittleEndian.Uint32(idEnd[4*i:])
		if end <= start || end > uint32(len(ids)) || end-start > MaxIDLen || int(start)+8 > len(ids) {
			return i
		}
		key := binary.BigEndian.Uint64(ids[start:])
		if l := end - start; l < 8 {
			key &= ^uint64(0) << (64 - 8*l)
		}
		if i > 0 && (key < prevKey || key == prevKey && bytes.Compare(ids[prevStart:start], ids[start:end]) >= 0) {
			return i
		}
		off[i+1], keys[i] = end, key
		prevKey, prevStart, start = key, start, end
	}
	return max(n, 0)
}
