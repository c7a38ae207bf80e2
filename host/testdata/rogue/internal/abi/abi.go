// Package abi is the privrec ABI (wasm/ABI.md) reduced to what the rogue
// modules need: it answers load and recommend with plausible results, and
// lets each rogue hook its misbehaviour into those two calls.
package abi

import (
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
)

// Hooks a rogue sets from an init function. Each receives the raw request.
var (
	OnLoad      func(req []byte)
	OnRecommend func(req []byte)
)

var buffers = map[uint32][]byte{}

//go:wasmexport privrec_abi_version
func abiVersion() uint32 { return model.ABIVersion }

//go:wasmexport privrec_alloc
func alloc(size uint32) uint32 {
	if size == 0 || size > 64<<20 {
		return 0
	}
	return keep(make([]byte, size))
}

//go:wasmexport privrec_free
func free(ptr uint32) { delete(buffers, ptr) }

//go:wasmexport privrec_load
func load(ptr, n uint32) uint64 {
	if OnLoad != nil {
		OnLoad(buffers[ptr][:n])
	}
	return reply(model.LoadResult{Version: 1, KeyID: "rogue", Items: 1})
}

//go:wasmexport privrec_recommend
func recommend(ptr, n uint32) uint64 {
	if OnRecommend != nil {
		OnRecommend(buffers[ptr][:n])
	}
	return reply(model.Response{K: 1, Items: []model.Recommendation{{Item: "rogue-1", Score: 1, Source: model.SourcePopular}}})
}

func keep(b []byte) uint32 {
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	buffers[ptr] = b
	return ptr
}

func reply(v any) uint64 {
	raw, _ := msgpack.Marshal(v)
	out := model.EncodeEnvelope(&model.Envelope{Result: raw})
	return uint64(keep(out))<<32 | uint64(len(out))
}
