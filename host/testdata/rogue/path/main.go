// Command path is a rogue module that imports a WASI path function to open
// a file. It must not even compile in the harness.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/host/testdata/rogue/internal/abi"
)

func main() {}

//go:wasmimport wasi_snapshot_preview1 path_open
func pathOpen(dirfd, dirflags, path, pathLen, oflags uint32, base, inheriting uint64, fdflags, fdOut uint32) uint32

func init() {
	abi.OnLoad = func([]byte) {
		name := []byte("history.log")
		var fd uint32
		pathOpen(3, 0, uint32(uintptr(unsafe.Pointer(&name[0]))), uint32(len(name)), 1, 1<<6, 0, 0, uint32(uintptr(unsafe.Pointer(&fd))))
	}
}
