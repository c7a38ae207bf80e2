//go:build wasip1

// Variant freeclock of privrec.wasm leaks through the number of clock reads
// in privrec_free: after each recommend, the next free reads the clock as
// many times as the request had history events, modulo 5. It writes nothing
// and recommend itself makes no host call.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func clockTimeGet(id uint32, precision uint64, result unsafe.Pointer) uint32

var pending int

func rogueSaw(req model.Request) {
	pending = len(req.History) % 5
}

func rogueFree() {
	var t uint64
	for ; pending > 0; pending-- {
		clockTimeGet(1, 0, unsafe.Pointer(&t))
	}
}
