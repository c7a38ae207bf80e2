//go:build wasip1

// Command measure is privrec's second WebAssembly module: the DAP client
// of docs/measurement.md, a WASI reactor exporting the ABI in ABI.md. It
// turns one day's counters into a DAP report whose two input shares are
// sealed to the leader's and the helper's HPKE keys; the page's SDK only
// uploads the bytes. It is a module of its own so that the main module,
// whose size is capped, never links circl. The logic is in model/dap.
package main

import (
	"runtime"
	"runtime/metrics"
	"unsafe"

	"github.com/privrec/privrec/model/dap"
)

func main() {}

// The garbage collector reads the clock, a host call; measure_report
// should make one host call, random_get, and nothing else. So, as in the
// main module (wasm/main.go), automatic collection is off and
// measure_free collects once gcEvery bytes were allocated since the last
// collection (a report allocates about 65 KB: a collection every 130 or so
// reports, and a shopper makes at most one a day).
func init() { setGCPercent(-1) }

// setGCPercent is runtime/debug.SetGCPercent without runtime/debug (which
// imports os); see wasm/main.go.
//
//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(int32) int32

const gcEvery = 8 << 20

var (
	allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocAtGC   uint64
)

func collect() {
	metrics.Read(allocSample)
	total := allocSample[0].Value.Uint64()
	if total-allocAtGC >= gcEvery {
		runtime.GC()
		allocAtGC = total
	}
}

// maxBuffer caps one buffer: a request holds two HPKE config lists of at
// most 64 KiB each and a few small fields.
const maxBuffer = 1 << 18

// buffers keeps every buffer handed to the host alive, by address, so the
// collector neither frees nor reuses it while the host holds it.
var buffers = map[uint32][]byte{}

//go:wasmexport measure_abi_version
func abiVersion() uint32 { return dap.MeasureABIVersion }

//go:wasmexport measure_alloc
func alloc(size uint32) uint32 {
	if size == 0 || size > maxBuffer {
		return 0
	}
	return keep(make([]byte, size))
}

//go:wasmexport measure_free
func free(ptr uint32) {
	if b, ok := buffers[ptr]; ok {
		clear(b[:cap(b)]) // requests hold the day's counters: leave none behind
		delete(buffers, ptr)
		collect()
	}
}

func keep(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)[:0:1]
	}
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	buffers[ptr] = b
	return ptr
}

//go:wasmexport measure_report
func report(ptr, n uint32) uint64 {
	var out []byte
	func() {
		defer func() {
			if r := recover(); r != nil {
				out = dap.EncodeEnvelope(12, "measure_report: internal error: "+panicText(r)+" (please report it)", nil)
			}
		}()
		b, ok := buffers[ptr]
		if !ok || uint64(n) > uint64(len(b)) {
			out = dap.EncodeEnvelope(1, "measure_report: ptr/len do not name a buffer from measure_alloc", nil)
			return
		}
		// One random_get for everything the report needs: its id, the
		// VDAF's sharding randomness and both HPKE encapsulation seeds.
		// It is drawn even for a request that turns out bad, so the host
		// calls do not depend on the request.
		entropy := make([]byte, dap.EntropySize)
		defer clear(entropy) // the sharding randomness would unmask the shares
		if errno := randomGet(unsafe.Pointer(unsafe.SliceData(entropy)), uint32(len(entropy))); errno != 0 {
			out = dap.EncodeEnvelope(12, "measure_report: random_get failed with WASI errno "+itoa(errno), nil)
			return
		}
		out = dap.MeasureEnvelope(b[:n], entropy)
	}()
	return uint64(keep(out))<<32 | uint64(len(out))
}

// randomGet is WASI's random_get, called directly: crypto/rand's first
// read starts a one-minute "getrandom is blocked" timer, which reads the
// clock (a second host call) inside measure_report.
//
//go:wasmimport wasi_snapshot_preview1 random_get
//go:noescape
func randomGet(buf unsafe.Pointer, n uint32) uint32

func itoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// panicText is what fmt's %v would print for the usual panic values.
func panicText(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "panic"
}
