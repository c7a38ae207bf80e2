package model

import "github.com/vmihailenco/msgpack/v5"

// ABIVersion is the version of the module's exported interface (wasm/ABI.md).
const ABIVersion = 1

// LoadRequest is what the host hands the module to load a signed bundle.
// The module verifies Signature over Manifest with one of Keys before it
// decodes anything else.
type LoadRequest struct {
	Manifest   []byte   `msgpack:"manifest"`
	Signature  []byte   `msgpack:"signature"`
	Weights    []byte   `msgpack:"weights"`
	Catalog    []byte   `msgpack:"catalog"`
	WasmSHA256 []byte   `msgpack:"wasm_sha256"`
	Keys       [][]byte `msgpack:"keys"`
	Now        int64    `msgpack:"now"`         // Unix ms
	MinVersion uint64   `msgpack:"min_version"` // rollback floor
}

// LoadResult describes the model the module accepted.
type LoadResult struct {
	Version  uint64  `msgpack:"version" json:"version"`
	KeyID    string  `msgpack:"key_id" json:"key_id"`
	Created  int64   `msgpack:"created" json:"created"`
	Expires  int64   `msgpack:"expires" json:"expires"`
	Items    int     `msgpack:"items" json:"items"`
	BundleID string  `msgpack:"bundle_id" json:"bundle_id"`
	Epsilon  float64 `msgpack:"epsilon" json:"epsilon"`
	Delta    float64 `msgpack:"delta" json:"delta"`
}

// Envelope wraps every result the module returns: a code, a message and,
// on success, the result value (raw MessagePack).
type Envelope struct {
	Code    Code               `msgpack:"code"`
	Message string             `msgpack:"message"`
	Result  msgpack.RawMessage `msgpack:"result"` // the result value, inline; nil on error
}
