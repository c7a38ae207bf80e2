package dap

import (
	"encoding/binary"

	"github.com/privrec/privrec/model/internal/wire"
)

// The codec of the draft's TLS presentation language (RFC 8446, Section
// 3): big-endian integers, fixed-size opaque arrays, and variable-length
// vectors behind a 1-, 2- or 4-byte length in bytes. Both sides are
// strict: an encoder refuses a field longer than its prefix can carry
// (ErrTooLarge) rather than truncating it, and a decoder checks every
// length against the bytes left before it allocates or reads, copies what
// it keeps (a decoded message never aliases its input) and refuses
// trailing bytes, at every nesting level, with ErrMalformed.

// encoder appends to b; the first error sticks and later writes are no-ops.
type encoder struct {
	b   []byte
	err error
}

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16) { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *encoder) raw(p []byte) { e.b = append(e.b, p...) }

// opaque writes p behind a length prefix of width bytes (1, 2 or 4).
func (e *encoder) opaque(width int, p []byte, what string) {
	if !e.fits(width, len(p), what) {
		return
	}
	e.prefix(width, len(p))
	e.b = append(e.b, p...)
}

func (e *encoder) fits(width, n int, what string) bool {
	if e.err != nil {
		return false
	}
	if uint64(n) > maxLen(width) {
		e.err = errorf(ErrTooLarge, "%s: %d bytes, at most %d fit a %d-byte length", what, n, maxLen(width), width)
		return false
	}
	return true
}

func (e *encoder) prefix(width, n int) {
	switch width {
	case 1:
		e.u8(uint8(n))
	case 2:
		e.u16(uint16(n))
	default:
		e.u32(uint32(n))
	}
}

// vector writes the elements that body appends behind a length prefix
// of width bytes, patched once their size is known.
func (e *encoder) vector(width int, what string, body func()) {
	if e.err != nil {
		return
	}
	start := len(e.b)
	e.prefix(width, 0)
	body()
	if e.err != nil {
		return
	}
	n := len(e.b) - start - width
	if !e.fits(width, n, what) {
		return
	}
	switch width {
	case 1:
		e.b[start] = uint8(n)
	case 2:
		binary.BigEndian.PutUint16(e.b[start:], uint16(n))
	default:
		binary.BigEndian.PutUint32(e.b[start:], uint32(n))
	}
}

func maxLen(width int) uint64 { return 1<<(8*uint(width)) - 1 }

// decoder reads from b; the first error sticks, later reads return zero
// values, and the caller checks err once at the end.
type decoder struct {
	b   []byte
	off int // offset of b[0] in the whole message, for error messages
	err error
}

func (d *decoder) fail(what string, format string, args ...any) {
	if d.err == nil {
		d.err = errorf(ErrMalformed, "%s at byte %d: %s", what, d.off, wire.Sprintf(format, args...))
	}
}

// take returns the next n bytes (a view), or nil after failing.
func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.fail(what, "needs %d bytes, %d left", n, len(d.b))
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	d.off += n
	return p
}

func (d *decoder) u8(what string) uint8 {
	if p := d.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16(what string) uint16 {
	if p := d.take(2, what); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32(what string) uint32 {
	if p := d.take(4, what); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64(what string) uint64 {
	if p := d.take(8, what); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

// fixed copies exactly len(dst) bytes into dst.
func (d *decoder) fixed(dst []byte, what string) { copy(dst, d.take(len(dst), what)) }

func (d *decoder) length(width int, what string) int {
	switch width {
	case 1:
		return int(d.u8(what + " length"))
	case 2:
		return int(d.u16(what + " length"))
	default:
		return int(d.u32(what + " length"))
	}
}

// opaque reads a vector of bytes behind a width-byte length, as a copy
// (nil for an empty one). The length is checked against the bytes left
// before anything is allocated.
func (d *decoder) opaque(width int, what string) []byte {
	n := d.length(width, what)
	p := d.take(n, what)
	if len(p) == 0 {
		return nil
	}
	return append([]byte(nil), p...)
}

// sub reads a vector behind a width-byte length and returns a decoder
// over exactly its bytes: the elements must fill it (end).
func (d *decoder) sub(width int, what string) *decoder {
	n := d.length(width, what)
	off := d.off
	p := d.take(n, what)
	return &decoder{b: p, off: off, err: d.err}
}

// more reports whether a sub-decoder has bytes left and no error.
func (d *decoder) more() bool { return d.err == nil && len(d.b) > 0 }

// end fails if bytes are left; it carries a sub-decoder's error to its
// parent.
func (d *decoder) end(what string) {
	if d.err == nil && len(d.b) > 0 {
		d.fail(what, "%d trailing bytes", len(d.b))
	}
}

// join hands a sub-decoder's first error to its parent.
func (d *decoder) join(sub *decoder) {
	if d.err == nil {
		d.err = sub.err
	}
}

// message is what every DAP message type implements.
type message interface {
	encode(e *encoder)
	decode(d *decoder)
}

func marshal(dst []byte, m message) ([]byte, error) {
	e := &encoder{b: dst}
	m.encode(e)
	if e.err != nil {
		return dst, e.err
	}
	return e.b, nil
}

func unmarshal(data []byte, m message, what string) error {
	d := &decoder{b: data}
	m.decode(d)
	d.end(what)
	return d.err
}
