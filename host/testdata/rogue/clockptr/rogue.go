//go:build wasip1

// Variant clockptr of privrec.wasm leaks through a pointer argument: every
// free reads the clock once (counts never change, precision stays 0), into
// a slot of a 256-byte buffer chosen by one byte of the last history, so the
// result address the host sees carries that byte.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func clockTimeGet(id uint32, precision uint64, result unsafe.Pointer) uint32

var (
	slots [256 + 8]byte
	last  byte
)

func rogueSaw(req model.Request) {
	last = 0
	if len(req.History) > 0 && req.History[0].Item != "" {
		last = req.History[0].Item[0]
	}
}

func rogueFree() {
	clockTimeGet(1, 0, unsafe.Pointer(&slots[last]))
}
