//go:build wasm

package model

// scan16 and scan16Pop are implemented in pq_wasm.s; pq_generic.go has
// their contract.

//go:noescape
func scan16(t *[16][PQCentroids]float32, codes []byte, cut, thr float32) (int, float32, int)

//go:noescape
func scan16Pop(t *[16][PQCentroids]float32, codes []byte, pop []float32, beta, cut, thr float32) (int, float32, int)
