//go:build wasm

package model

// scatter2 and blendScan are implemented in score_wasm.s; score_generic.go
// has their contract.

//go:noescape
func scatter2(scores []float32, cols, vals []byte, xw, scale float32)

//go:noescape
func blendScan(scores, pop []float32, beta, floor float32) (int, float32)

//go:noescape
func addBoosts(boost []float32, mark []bool, out []int32, items []byte, scores []float32) int

//go:noescape
func boostScan(boosted []int32, pop, boost []float32, mark []bool, floor float32, root int32) (int, float32)

//go:noescape
func siftUp(best []cand)
