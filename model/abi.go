package model

// ABIVersion is the version of the module's exported interface (wasm/ABI.md).
const ABIVersion = 1

// LoadRequest is what the host hands the module to load a signed bundle.
// The module verifies Signature over Manifest with one of Keys before it
// decodes anything else. DecodeLoadRequest and EncodeLoadRequest are its
// codec; the msgpack tags document the keys and let hosts use msgpack.
//
// WeightsSHA256 and CatalogSHA256 are the SHA-256 the host computed of
// Weights and Catalog, as WasmSHA256 is of the module it runs: when present
// (32 bytes), the module compares them, the lengths and the artifacts'
// bundle ids with the signed manifest instead of hashing megabytes in
// WebAssembly; when absent it hashes them itself. A host that sends them
// must compute them from exactly the bytes it sends (see wasm/ABI.md,
// "Verify once").
type LoadRequest struct {
	Manifest      []byte   `msgpack:"manifest"`
	Signature     []byte   `msgpack:"signature"`
	Weights       []byte   `msgpack:"weights"`
	Catalog       []byte   `msgpack:"catalog"`
	WasmSHA256    []byte   `msgpack:"wasm_sha256"`
	WeightsSHA256 []byte   `msgpack:"weights_sha256,omitempty"`
	CatalogSHA256 []byte   `msgpack:"catalog_sha256,omitempty"`
	Keys          [][]byte `msgpack:"keys"`
	Now           int64    `msgpack:"now"`         // Unix ms
	MinVersion    uint64   `msgpack:"min_version"` // rollback floor
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
	// Kind names the model's family (Model.Kind), so a host can tell
	// which scorer answers without decoding the weights itself.
	Kind string `msgpack:"kind" json:"kind"`
}

// Envelope wraps every result the module returns: a code, a message and,
// on success, the result value. EncodeEnvelope and DecodeEnvelope are its
// codec.
//
// Result holds the result's raw MessagePack, which travels inline in the
// envelope. The msgpack tags are documentation: msgpack.Marshal of an
// Envelope would write Result as a bin holding the MessagePack, which
// DecodeEnvelope and the JS SDK also accept.
type Envelope struct {
	Code    Code   `msgpack:"code"`
	Message string `msgpack:"message"`
	Result  []byte `msgpack:"result"` // the result value's MessagePack; nil on error
}
