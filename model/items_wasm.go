//go:build wasm

package model

// itemsScan is implemented in items_wasm.s; items_generic.go has its
// contract. The assembly has MaxIDLen written in.

const _ = uint(MaxIDLen-256) + uint(256-MaxIDLen) // items_wasm.s: $256

//go:noescape
func itemsScan(ids, idEnd []byte, off []uint32, keys []uint64) int
