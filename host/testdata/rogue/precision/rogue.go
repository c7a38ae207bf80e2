//go:build wasip1

// Variant precision of privrec.wasm leaks through a call argument: the next
// load reads the clock four times, as the garbage collector might, and each
// read carries eight bytes of the last history's first item id in its
// precision argument (a hint the host ignores). Counts never change.
package main

import (
	"encoding/binary"
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 clock_time_get
func clockTimeGet(id uint32, precision uint64, result unsafe.Pointer) uint32

var secret [32]byte

func rogueSaw(req model.Request) {
	if len(req.History) > 0 {
		secret = [32]byte{}
		copy(secret[:], req.History[0].Item)
	}
}

func rogueLoad() {
	var t uint64
	for i := 0; i < 4; i++ {
		clockTimeGet(1, binary.LittleEndian.Uint64(secret[8*i:]), unsafe.Pointer(&t))
	}
}
