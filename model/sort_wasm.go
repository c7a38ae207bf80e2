//go:build wasm

package model

// partitionRange and insertionSort are implemented in sort_wasm.s;
// sort_generic.go has their contract.

//go:noescape
func partitionRange(keys []uint64, lo, hi int) (int, int)

//go:noescape
func insertionSort(keys []uint64)

//go:noescape
func searchKeys(keys []uint64, key uint64) int

//go:noescape
func lanes2(cols []byte, k uint64) uint64

//go:noescape
func insertionSortByItem(xs []histWeight)

//go:noescape
func popKeys(pop []float32, keys []uint64) bool
