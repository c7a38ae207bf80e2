//go:build !wasm

package model

import (
	"encoding/binary"
	"math"
	"math/bits"
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

// putPopular writes at d, which has plainRoom bytes for each candidate of
// best, the plain items (putPlain) of best's candidates in turn, as
// popular recommendations, item i's id being ids[idOff[i]:idOff[i+1]],
// until one whose id is 32 bytes or longer; it returns how many it wrote
// and their bytes. codec_wasm.s does the same in one leaf call.
func putPopular(d []byte, best []cand, ids []byte, idOff []uint32) (items, n int) {
	_ = d[:plainRoom*len(best)]
	for _, c := range best {
		id := ids[idOff[c.item]:idOff[c.item+1]]
		if len(id) >= 32 {
			break
		}
		n += putPlain(&d[n], unsafe.String(unsafe.SliceData(id), len(id)), bits.ReverseBytes64(math.Float64bits(float64(c.score))), plainPopular)
		items++
	}
	return items, n
}

// decodePopular is DecodePopularRequest's decoder (codec_wasm.s in
// WebAssembly).
func decodePopular(b []byte) (k, hour, weekday int, device string, ok bool) {
	return decodePopularGo(b)
}
