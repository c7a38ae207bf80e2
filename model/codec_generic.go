//go:build !wasm

package model

import (
	"encoding/binary"
	"unsafe"
)

// putPlain writes at d, which has plainRoom bytes, a plain item (see
// plainSource): the map header and "item" key, id (under 32 bytes) as a
// fixstr, the "score" key and the float64 whose big-endian bits are be,
// the "source" key and src, a fixstr of up to 7 bytes as a little-endian
// word; and returns the bytes of the item. It writes a few bytes past the
// item's end (within plainRoom). codec_wasm.s is the same stores for
// WebAssembly.
func putPlain(d *byte, id string, be, src uint64) int {
	b := unsafe.Slice(d, plainRoom)
	binary.LittleEndian.PutUint64(b, 0x6d657469a483|uint64(0xa0|len(id))<<48)
	n := 7 + copy(b[7:], id)
	s := b[n : n+30 : n+30]
	binary.LittleEndian.PutUint64(s, 0xcb65726f6373a5)
	binary.LittleEndian.PutUint64(s[7:], be)
	binary.LittleEndian.PutUint64(s[15:], 0x656372756f73a6)
	binary.LittleEndian.PutUint64(s[22:], src)
	return n + 23 + int(src&0x0f)
}
