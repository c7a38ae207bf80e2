package main

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/internal/wasmpack"
	"github.com/privrec/privrec/model"
)

// rogueVersion is the model version the rogue module claims: 2^53, beyond
// any real version, so a host that believed it would refuse every genuine
// update as a rollback from then on.
const rogueVersion = 1 << 53

// rogueModule is a hand-assembled module with privrec's exports and no
// imports at all. Whatever bundle it is given, privrec_load "succeeds" with
// claim (version 2^53); privrec_recommend answers the same envelope. It is
// what a compromised CDN would serve instead of privrec.wasm: the SDK must
// refuse it before it is ever instantiated, by the module's SHA-256.
func rogueModule(claim model.LoadResult) ([]byte, error) {
	result, err := msgpack.Marshal(claim)
	if err != nil {
		return nil, err
	}
	envelope := model.EncodeEnvelope(&model.Envelope{Code: model.CodeOK, Result: result})
	const dataAt = 1024     // where the envelope lives in memory
	const scratch = 1 << 16 // what privrec_alloc always returns
	packed := int64(dataAt)<<32 | int64(len(envelope))

	var m bytes.Buffer
	m.Write([]byte{0x00, 'a', 's', 'm', 1, 0, 0, 0})
	section(&m, 1, vec(5, // types
		[]byte{0x60, 0, 0},                   // 0: () -> ()
		[]byte{0x60, 0, 1, 0x7f},             // 1: () -> i32
		[]byte{0x60, 1, 0x7f, 1, 0x7f},       // 2: (i32) -> i32
		[]byte{0x60, 1, 0x7f, 0},             // 3: (i32) -> ()
		[]byte{0x60, 2, 0x7f, 0x7f, 1, 0x7e}, // 4: (i32, i32) -> i64
	))
	section(&m, 3, vec(6, []byte{0}, []byte{1}, []byte{2}, []byte{3}, []byte{4}, []byte{4}))
	section(&m, 5, vec(1, []byte{0, 32})) // memory: 32 pages (2 MiB), room for any fixture request
	exports := [][]byte{}
	for i, name := range fnNames {
		exports = append(exports, append(str(name), 0, byte(i)))
	}
	exports = append(exports, append(str("memory"), 2, 0))
	section(&m, 7, vec(len(exports), exports...))
	ret := append(append([]byte{0x42}, sleb(packed)...), 0x0b) // i64.const packed; end
	bodies := [][]byte{
		{0, 0x0b}, // _initialize
		append([]byte{0, 0x41}, append(sleb(int64(model.ABIVersion)), 0x0b)...), // abi version
		append([]byte{0, 0x41}, append(sleb(scratch), 0x0b)...),                 // alloc
		{0, 0x0b},                 // free
		append([]byte{0}, ret...), // load
		append([]byte{0}, ret...), // recommend
	}
	code := make([][]byte, len(bodies))
	for i, b := range bodies {
		code[i] = append(uleb(uint64(len(b))), b...)
	}
	section(&m, 10, vec(len(code), code...))
	seg := append([]byte{0, 0x41}, sleb(dataAt)...)
	seg = append(seg, 0x0b)
	seg = append(seg, uleb(uint64(len(envelope)))...)
	seg = append(seg, envelope...)
	section(&m, 11, vec(1, seg))
	// A name section, as Go's linker writes one: host.Instance calls an
	// export by its function's debug name.
	names := make([][]byte, len(fnNames))
	for i, n := range fnNames {
		names[i] = append(uleb(uint64(i)), str(n)...)
	}
	fnSub := vec(len(names), names...)
	section(&m, 0, append(append(str("name"), 1), append(uleb(uint64(len(fnSub))), fnSub...)...))
	if m.Len() > 1<<16 {
		return nil, fmt.Errorf("rogue module: %d bytes", m.Len())
	}
	return m.Bytes(), nil
}

var fnNames = []string{"_initialize", "privrec_abi_version", "privrec_alloc", "privrec_free", "privrec_load", "privrec_recommend"}

func section(w *bytes.Buffer, id byte, body []byte) {
	w.WriteByte(id)
	w.Write(uleb(uint64(len(body))))
	w.Write(body)
}

func vec(n int, items ...[]byte) []byte {
	out := uleb(uint64(n))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func str(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func uleb(v uint64) []byte { return wasmpack.AppendULEB(nil, v) }

func sleb(v int64) []byte { return wasmpack.AppendSLEB(nil, v) }
