//go:build wasm

package model

// catalogScan is implemented in catalog_wasm.s; catalog_generic.go has its
// contract.

//go:noescape
func catalogScan(b []byte, p, idMax, titleMax, tagMax int) (is, ie, cs, ce, q int)

// catalogRun is implemented in catalog_wasm.s; catalog_generic.go has its
// contract. The assembly has the caps written in.

const (
	_ = uint(MaxIDLen-256) + uint(256-MaxIDLen)         // $256
	_ = uint(maxTitleLen-1024) + uint(1024-maxTitleLen) // $1024
	_ = uint(maxTagLen-64) + uint(64-maxTagLen)         // $64
)

//go:noescape
func catalogRun(b []byte, p, left int, ids []byte, idOff []uint32, available []bool, catOf []uint32, cat []byte, num, next int) (done, q, nextOut int)
