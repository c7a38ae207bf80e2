//go:build wasm

package model

// catalogScan is implemented in catalog_wasm.s; catalog_generic.go has its
// contract.

//go:noescape
func catalogScan(b []byte, p, idMax, titleMax, tagMax int) (is, ie, cs, ce, q int)
