package model

import (
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model/internal/wire"
)

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

// Bounds on the shape of a request, checked before it is decoded.
const (
	// maxRequestDepth is far above the few levels a request has.
	maxRequestDepth = 32
	// maxRequestElems bounds the array elements of one request (history
	// events, excluded ids, keys): above the SDK's largest retention
	// (100,000 events) plus MaxExclude, and small enough that the slices
	// the decoder makes for them fit in any instance's memory.
	maxRequestElems = 1 << 18
)

// DecodeRequest decodes a MessagePack Request as the module receives it.
// Unlike msgpack.Unmarshal, it refuses a request whose array headers claim
// more elements than its bytes hold, or more than a fixed bound, before
// anything is allocated, so a few hostile bytes cannot exhaust memory.
// Errors wrap ErrBadRequest, or ErrTooLarge for a request above the bounds.
func DecodeRequest(b []byte) (Request, error) {
	var req Request
	err := decodeBounded("decode request", b, &req)
	return req, err
}

// DecodeLoadRequest decodes a MessagePack LoadRequest with the same
// checks as DecodeRequest.
func DecodeLoadRequest(b []byte) (LoadRequest, error) {
	var req LoadRequest
	err := decodeBounded("decode load request", b, &req)
	return req, err
}

// Unmarshal is msgpack.Unmarshal with the checks of DecodeRequest, for any
// MessagePack that crosses the wasm boundary: the module's requests, and
// the envelopes and results a host reads from a module it does not trust.
// Errors wrap ErrBadRequest, or ErrTooLarge for a document above the bounds.
func Unmarshal(b []byte, v any) error { return decodeBounded("unmarshal", b, v) }

func decodeBounded(op string, b []byte, v any) error {
	if err := wire.Check(b, maxRequestDepth, maxRequestElems); err != nil {
		if errors.Is(err, wire.ErrLimit) {
			return fmt.Errorf("%s: %w: %v", op, ErrTooLarge, err)
		}
		return fmt.Errorf("%s: %w: %v", op, ErrBadRequest, err)
	}
	if err := msgpack.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w: %v", op, ErrBadRequest, err)
	}
	return nil
}
