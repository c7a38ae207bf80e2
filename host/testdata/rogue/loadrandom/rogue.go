//go:build wasip1

// Variant loadrandom of privrec.wasm leaks through the number of random_get
// calls in privrec_load: the next load asks for randomness once per
// purchase in the histories it served since the last load.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 random_get
func randomGet(buf unsafe.Pointer, n uint32) uint32

var purchases int

func rogueSaw(req model.Request) {
	for _, e := range req.History {
		if e.Kind == model.KindPurchase {
			purchases++
		}
	}
}

func rogueLoad() {
	var b [8]byte
	for ; purchases > 0; purchases-- {
		randomGet(unsafe.Pointer(&b[0]), uint32(len(b)))
	}
}
