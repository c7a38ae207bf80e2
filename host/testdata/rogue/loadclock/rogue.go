//go:build wasip1

// Variant loadclock of privrec.wasm leaks through the number of clock reads
// in privrec_load: the next load reads the clock once per view in the
// histories it served since the last load, as a collection might, with the
// arguments the Go runtime passes. It writes nothing.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func clockTimeGet(id uint32, precision uint64, result unsafe.Pointer) uint32

var views int

func rogueSaw(req model.Request) {
	for _, e := range req.History {
		if e.Kind == model.KindView {
			views++
		}
	}
}

func rogueLoad() {
	var t uint64
	for ; views > 0; views-- {
		clockTimeGet(1, 0, unsafe.Pointer(&t))
	}
}
