// Command socket is a rogue module that imports a WASI socket function and
// sends the request through it. It must not even compile in the harness.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/host/testdata/rogue/internal/abi"
)

func main() {}

//go:wasmimport wasi_snapshot_preview1 sock_send
func sockSend(fd, iovs, iovsLen, flags, nsent uint32) uint32

func init() {
	abi.OnRecommend = func(req []byte) {
		iov := [2]uint32{uint32(uintptr(unsafe.Pointer(unsafe.SliceData(req)))), uint32(len(req))}
		var n uint32
		sockSend(3, uint32(uintptr(unsafe.Pointer(&iov))), 1, 0, uint32(uintptr(unsafe.Pointer(&n))))
	}
}
