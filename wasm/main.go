//go:build wasip1

// Command wasm is privrec's WebAssembly module: a WASI reactor exporting the
// ABI in ABI.md. It verifies signed bundles, keeps the last good model, and
// scores requests without any host call. Nothing else lives here; the logic
// is in model/.
package main

import (
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func main() {}

// The garbage collector reads the clock (a host call), and recommend must
// make none. So automatic collection is off, and the module collects in
// privrec_load and privrec_free, where host calls are allowed, once enough
// has been allocated since the last collection.
func init() { debug.SetGCPercent(-1) }

// gcEvery is how many bytes may be allocated between two collections.
const gcEvery = 8 << 20

var (
	allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocAtGC   uint64
)

// collect runs the garbage collector if gcEvery bytes were allocated since
// the last run, or if force is set.
func collect(force bool) {
	metrics.Read(allocSample)
	total := allocSample[0].Value.Uint64()
	if force || total-allocAtGC >= gcEvery {
		runtime.GC()
		allocAtGC = total
	}
}

// maxBuffer caps one request buffer (a whole bundle plus a margin).
const maxBuffer = 256 << 20

var (
	// current is the last good model and version; a refused load never
	// replaces them, and no load may go below version (rollback).
	current *model.Model
	version uint64
	// buffers keeps alive every buffer handed to the host, by address, so
	// the garbage collector does not move or free it.
	buffers = map[uint32][]byte{}
)

//go:wasmexport privrec_abi_version
func abiVersion() uint32 { return model.ABIVersion }

//go:wasmexport privrec_alloc
func alloc(size uint32) uint32 {
	if size == 0 || size > maxBuffer {
		return 0
	}
	return keep(make([]byte, size))
}

//go:wasmexport privrec_free
func free(ptr uint32) {
	if b, ok := buffers[ptr]; ok {
		clear(b) // requests hold history: leave none of it behind
		delete(buffers, ptr)
	}
	collect(false)
}

func keep(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)[:0:1]
	}
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	buffers[ptr] = b
	return ptr
}

// input returns the host-written bytes of a buffer from privrec_alloc, or
// nil when ptr/len do not describe one.
func input(ptr, n uint32) []byte {
	b, ok := buffers[ptr]
	if !ok || uint64(n) > uint64(len(b)) {
		return nil
	}
	return b[:n]
}

//go:wasmexport privrec_load
func load(ptr, n uint32) uint64 {
	return reply(func() (any, error) {
		in := input(ptr, n)
		if in == nil {
			return nil, fmt.Errorf("%w: load: ptr/len do not name a buffer from privrec_alloc", model.ErrBadRequest)
		}
		req, err := model.DecodeLoadRequest(in)
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		req.MinVersion = max(req.MinVersion, version)
		man, err := bundle.Open(&req)
		if err != nil {
			return nil, err
		}
		m, err := model.Load(req.Weights, req.Catalog)
		if err != nil {
			return nil, err
		}
		current, version = m, man.Version
		defer collect(true) // the old model and the artifacts' copies are garbage now
		return model.LoadResult{
			Version:  man.Version,
			KeyID:    man.KeyID,
			Created:  man.Created,
			Expires:  man.Expires,
			Items:    m.Items(),
			BundleID: hex.EncodeToString(man.BundleID[:]),
			Epsilon:  man.Epsilon,
			Delta:    man.Delta,
		}, nil
	})
}

//go:wasmexport privrec_recommend
func recommend(ptr, n uint32) uint64 {
	return reply(func() (any, error) {
		if current == nil {
			return nil, fmt.Errorf("%w: recommend: call privrec_load with a signed bundle first", model.ErrNotLoaded)
		}
		in := input(ptr, n)
		if in == nil {
			return nil, fmt.Errorf("%w: recommend: ptr/len do not name a buffer from privrec_alloc", model.ErrBadRequest)
		}
		req, err := model.DecodeRequest(in)
		if err != nil {
			return nil, fmt.Errorf("recommend: %w", err)
		}
		return current.Recommend(req)
	})
}

// reply runs f and packs its result or error into an envelope in a buffer
// the host frees. A panic becomes CodeInternal rather than a trap.
func reply(f func() (any, error)) (packed uint64) {
	var env model.Envelope
	func() {
		defer func() {
			if r := recover(); r != nil {
				env = model.Envelope{Code: model.CodeInternal, Message: fmt.Sprintf("internal error: %v (please report it)", r)}
			}
		}()
		v, err := f()
		if err != nil {
			env = model.Envelope{Code: model.CodeOf(err), Message: err.Error()}
			return
		}
		raw, err := msgpack.Marshal(v)
		if err != nil {
			env = model.Envelope{Code: model.CodeInternal, Message: "encode result: " + err.Error()}
			return
		}
		env = model.Envelope{Result: msgpack.RawMessage(raw)}
	}()
	out, err := msgpack.Marshal(&env)
	if err != nil {
		out, _ = msgpack.Marshal(&model.Envelope{Code: model.CodeInternal, Message: "encode envelope"})
	}
	return uint64(keep(out))<<32 | uint64(len(out))
}
