//go:build !wasm

package model

import (
	"encoding/binary"
	"math"

	"github.com/privrec/privrec/model/internal/wire"
)

// catalogScan parses the catalog item at b[p] when it has the encoding
// EncodeCatalog writes: a 5-array; id and category as fixstr or str8 of
// at most idMax bytes, the title of at most titleMax, the price a finite
// float64, a fixarray of tags of at most tagMax bytes each, all in bounds.
// It returns where the id and the category start and end, and the offset
// past the item; q is -1 for any other bytes (the Reader decides then).
// catalog_wasm.s is the same parse for WebAssembly.
func catalogScan(b []byte, p, idMax, titleMax, tagMax int) (is, ie, cs, ce, q int) {
	if p < 0 || p >= len(b) || b[p] != 0x95 {
		return 0, 0, 0, 0, -1
	}
	is, ie = wire.StrAt(b, p+1, idMax)
	if ie < 0 {
		return 0, 0, 0, 0, -1
	}
	_, te := wire.StrAt(b, ie, titleMax)
	if te < 0 || te+9 > len(b) || b[te] != 0xcb {
		return 0, 0, 0, 0, -1
	}
	if f := math.Float64frombits(binary.BigEndian.Uint64(b[te+1:])); f-f != 0 { // NaN or ±Inf
		return 0, 0, 0, 0, -1
	}
	cs, ce = wire.StrAt(b, te+9, idMax)
	if ce < 0 || ce >= len(b) || b[ce]&0xf0 != 0x90 {
		return 0, 0, 0, 0, -1
	}
	q = ce + 1
	for nt := b[ce] & 0x0f; nt > 0; nt-- {
		if _, q = wire.StrAt(b, q, tagMax); q < 0 {
			return 0, 0, 0, 0, -1
		}
	}
	return is, ie, cs, ce, q
}

// catalogRun applies the run of usual catalog items at b[p] to the model
// whose ids are ids and idOff (Model.id) and whose catalog flags are
// available and catOf: up to left items, while each is one catalogScan
// accepts (with the caps of the format), its id is not empty and is the
// model's item next (ids in the model's order), that item is not yet
// available, and its category is empty or equal to cat (a non-empty
// one, whose number is num). It marks each item available, sets its
// catOf to num when it has the category, and moves next past it; it
// returns how many items it applied, the offset past them and the next
// item. withCatalog takes the first item it stops at (any other item,
// or a first category). catalog_wasm.s is the same loop for
// WebAssembly.
func catalogRun(b []byte, p, left int, ids []byte, idOff []uint32, available []bool, catOf []uint32, cat []byte, num, next int) (done, q, nextOut int) {
	for done < left && next < len(available) && next+1 < len(idOff) {
		is, ie, cs, ce, q := catalogScan(b, p, MaxIDLen, maxTitleLen, maxTagLen)
		if q < 0 || ie == is || available[next] {
			break
		}
		s, e := idOff[next], idOff[next+1]
		if e > uint32(len(ids)) || e-s != uint32(ie-is) || string(ids[s:e]) != string(b[is:ie]) {
			break
		}
		if ce > cs {
			if ce-cs != len(cat) || next >= len(catOf) || string(b[cs:ce]) != string(cat) {
				break
			}
			catOf[next] = uint32(num)
		}
		available[next] = true
		next++
		done++
		p = q
	}
	return done, p, next
}
