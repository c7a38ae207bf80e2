// Package wasmpack rewrites the data section of a module Go's linker wrote so
// that it compresses better, without changing what the module does.
//
// Go's wasm linker starts a new data segment after every run of 8 or more
// zero bytes (cmd/link/internal/wasm, writeDataSec: the segment overhead
// wasm-opt's memory packing assumes), to keep the file short raw: privrec's
// module has about 28,000 data segments, most of them 8 to 32 bytes apart.
// Each segment costs a header (a flag, an i32.const offset, an end and a
// length: 6 to 10 bytes) that brotli cannot predict, while a short run of
// zeros costs it a few bits. Pack merges neighbouring segments whose gap is
// at most MaxGap bytes, writing the gap's zeros out: privrec's module grows
// by 300 KB raw and shrinks by 31.6 KB brotli (wasm/RATIONALE.md, "Fewer
// data segments").
//
// Memory starts zeroed, so writing zeros where nothing was written leaves
// the same image, provided no two segments overlap (then their order does
// not matter either, and Pack writes them by address): Pack refuses a
// module whose segments overlap, which Go's linker never writes. Nothing
// else in the module can refer to a segment by its index unless the module
// has a DataCount section (memory.init and data.drop need one to validate),
// so Pack refuses modules that have one.
package wasmpack

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// MaxGap is the longest run of zeros between two segments that Pack writes
// out: brotli codes a run of zeros of any length in a few bytes, so the bound
// is only there to keep a module with a large zeroed area from growing by as
// much raw. Measured on privrec's module (brotli quality 11, the largest
// window; 569,453 bytes unpacked): merging gaps of up to 8 bytes gives
// 568,427, up to 16 563,612, up to 32 538,587, up to 128 538,376; up to 4096
// merges its 27,797 segments into one, 537,826 bytes.
const MaxGap = 4096

var magic = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}

const (
	sectionData      = 11
	sectionDataCount = 12
)

// Stats says what Pack did.
type Stats struct {
	Segments, Packed int // data segments before and after
	ZerosWritten     int // bytes of zeros written into the merged gaps
}

// Pack returns module with its data segments merged (see the package
// comment), or an error naming what it cannot rewrite safely: the module
// itself is never changed.
func Pack(module []byte) ([]byte, Stats, error) {
	var st Stats
	if !bytes.HasPrefix(module, magic) {
		return nil, st, errors.New("wasmpack: not a WebAssembly module (version 1)")
	}
	out := append(make([]byte, 0, len(module)+len(module)/4), magic...)
	seen := false
	for r := (reader{b: module, i: len(magic)}); r.i < len(module); {
		start := r.i
		id := r.byte()
		size := r.uleb()
		if r.err == nil && size > uint64(len(module)-r.i) {
			r.err = fmt.Errorf("section %d at byte %d runs past the end of the module", id, start)
		}
		if r.err != nil {
			return nil, st, fmt.Errorf("wasmpack: %w", r.err)
		}
		body := module[r.i : r.i+int(size)]
		r.i += int(size)
		switch id {
		case sectionDataCount:
			return nil, st, errors.New("wasmpack: the module has a DataCount section, so its code may name data segments by index; not packing it")
		case sectionData:
			if seen {
				return nil, st, errors.New("wasmpack: two data sections")
			}
			seen = true
			packed, err := packData(body, &st)
			if err != nil {
				return nil, st, fmt.Errorf("wasmpack: data section: %w", err)
			}
			out = append(out, sectionData)
			out = AppendULEB(out, uint64(len(packed)))
			out = append(out, packed...)
		default:
			out = append(out, module[start:r.i]...)
		}
	}
	if !seen {
		return nil, st, errors.New("wasmpack: the module has no data section")
	}
	return out, st, nil
}

type segment struct {
	offset uint32
	data   []byte
}

// packData parses a data section's body and writes it again, merged.
func packData(body []byte, st *Stats) ([]byte, error) {
	r := reader{b: body}
	n := r.uleb()
	var segs []segment
	for k := uint64(0); k < n && r.err == nil; k++ {
		if flag := r.byte(); flag != 0 && r.err == nil {
			return nil, fmt.Errorf("segment %d is not an active segment of memory 0 (flag %d)", k, flag)
		}
		if op := r.byte(); op != 0x41 && r.err == nil { // i32.const
			return nil, fmt.Errorf("segment %d: its offset is not an i32.const", k)
		}
		off := r.sleb()
		if end := r.byte(); end != 0x0b && r.err == nil {
			return nil, fmt.Errorf("segment %d: its offset is not a single i32.const", k)
		}
		size := r.uleb()
		if r.err == nil && size > uint64(len(body)-r.i) {
			return nil, fmt.Errorf("segment %d runs past the end of the section", k)
		}
		if r.err != nil {
			break
		}
		if off < 0 || off+int64(size) > 1<<32 {
			return nil, fmt.Errorf("segment %d: offset %d is outside a 32-bit memory", k, off)
		}
		segs = append(segs, segment{uint32(off), body[r.i : r.i+int(size)]})
		r.i += int(size)
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.i != len(body) {
		return nil, fmt.Errorf("%d bytes after its %d segments", len(body)-r.i, n)
	}
	// Segments that do not overlap leave the same image in any order, and
	// the zeros between two neighbours by address are then bytes no segment
	// writes.
	slices.SortStableFunc(segs, func(a, b segment) int { return cmp.Compare(a.offset, b.offset) })
	for k := 1; k < len(segs); k++ {
		if prev := segs[k-1]; int64(segs[k].offset) < int64(prev.offset)+int64(len(prev.data)) {
			return nil, fmt.Errorf("the segments at %d (%d bytes) and %d overlap: not what Go's linker writes", prev.offset, len(prev.data), segs[k].offset)
		}
	}
	st.Segments = len(segs)

	var out []byte // the segments, after their count
	count := 0
	for i := 0; i < len(segs); {
		j, end := i+1, int64(segs[i].offset)+int64(len(segs[i].data))
		for j < len(segs) && int64(segs[j].offset)-end <= MaxGap {
			end = int64(segs[j].offset) + int64(len(segs[j].data))
			j++
		}
		out = append(out, 0, 0x41)
		out = AppendSLEB(out, int64(segs[i].offset))
		out = append(out, 0x0b)
		out = AppendULEB(out, uint64(end-int64(segs[i].offset)))
		at := int64(segs[i].offset)
		for _, s := range segs[i:j] {
			gap := int(int64(s.offset) - at)
			out = append(out, make([]byte, gap)...)
			st.ZerosWritten += gap
			out = append(out, s.data...)
			at = int64(s.offset) + int64(len(s.data))
		}
		count++
		i = j
	}
	st.Packed = count
	return append(AppendULEB(make([]byte, 0, 5+len(out)), uint64(count)), out...), nil
}

type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.i >= len(r.b) {
		r.err = errors.New("unexpected end")
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *reader) uleb() uint64 { return uint64(r.leb(false)) }

func (r *reader) sleb() int64 { return r.leb(true) }

// leb reads a LEB128 number of at most 5 bytes (a u32 or an i32), sign
// extended when signed.
func (r *reader) leb(signed bool) int64 {
	var v int64
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift > 28 {
			r.err = fmt.Errorf("LEB128 longer than 5 bytes at byte %d", r.i)
			return 0
		}
		v |= int64(c&0x7f) << shift
		if c < 0x80 {
			if signed && c&0x40 != 0 {
				v -= 1 << (shift + 7)
			}
			return v
		}
	}
}

// AppendULEB appends v as unsigned LEB128, as WebAssembly encodes it.
func AppendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendSLEB appends v as signed LEB128.
func AppendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
