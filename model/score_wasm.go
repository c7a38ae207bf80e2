//go:build wasm

package model

// scatter2 and blendScan are implemented in score_wasm.s; score_generic.go
// has their contract.

//go:noescape
func scatter2(scores []float32, cols, vals []byte, xw, scale float32)

//go:noescape
func blendFill(scores, pop []float32, beta float32, best []cand, k int, excluded, available []bool, catOf []uint32, want uint32) int

//go:noescape
func addBoosts(boost []float32, mark []bool, out []int32, items []byte, scores []float32) int

//go:noescape
func siftUp(best []cand)

//go:noescape
func boostFill(boosted []int32, pop, boost []float32, mark []bool, best []cand, n, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int

//go:noescape
func popFill(top []int32, pop []float32, skip []bool, best []cand, need int, excluded, available []bool, catOf []uint32, want uint32, picked []cand) int
