// Command env is a rogue module that imports a custom host function, the
// most direct way to hand data to an embedder. It must not compile in the
// harness.
package main

import (
	"unsafe"

	"github.com/privrec/privrec/host/testdata/rogue/internal/abi"
)

func main() {}

//go:wasmimport env exfiltrate
func exfiltrate(ptr, n uint32)

func init() {
	abi.OnRecommend = func(req []byte) {
		exfiltrate(uint32(uintptr(unsafe.Pointer(unsafe.SliceData(req)))), uint32(len(req)))
	}
}
