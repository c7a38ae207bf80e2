//go:build wasm

package model

// scan16 is implemented in pq_wasm.s; pq_generic.go has its contract.
//
//go:noescape
func scan16(t *[16][PQCentroids]float32, codes []byte, cut, thr float32) (int, float32)
