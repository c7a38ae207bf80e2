//go:build wasm

package model

// putPlain is implemented in codec_wasm.s; codec_generic.go has its
// contract.
//
//go:noescape
func putPlain(d *byte, id string, be, src uint64) int

// putPopular is implemented in codec_wasm.s; codec_generic.go has its
// contract.
//
//go:noescape
func putPopular(d []byte, best []cand, ids []byte, idOff []uint32) (items, n int)

// decodePopular is implemented in codec_wasm.s; decodePopularGo
// (codec.go) is its reference. (Not noescape: device is a view into b.)
func decodePopular(b []byte) (k, hour, weekday int, device string, ok bool)
