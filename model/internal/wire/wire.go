// Package wire reads and writes the strict MessagePack framing of privrec's
// artifacts, requests and results. Reader checks every length against both
// a documented cap and the bytes actually left before it allocates, so a
// hostile length costs nothing; msgpack.Unmarshal into slices gives no such
// guarantee.
//
// It is written by hand on a byte slice, without reflection and without
// fmt (see Sprintf), because it is all of MessagePack the module links:
// github.com/vmihailenco/msgpack/v5 stays with the hosts and the tests,
// which use it to prove this package agrees with it.
package wire

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"unsafe"
)

// ErrFormat is wrapped by every Reader error; callers map it to their own
// sentinel (model.ErrCorrupt, model.ErrTooLarge).
var ErrFormat = errors.New("format error")

// ErrLimit is wrapped when a length exceeds its cap (as opposed to the data
// being malformed).
var ErrLimit = errors.New("limit exceeded")

// MaxDepth bounds the nesting Skip walks through: far above the few levels
// any privrec document has, far below what could exhaust a stack (Skip
// keeps its own, fixed-size one).
const MaxDepth = 32

// MessagePack codes this package names.
const (
	codeNil     = 0xc0
	codeFalse   = 0xc2
	codeTrue    = 0xc3
	codeBin8    = 0xc4
	codeBin16   = 0xc5
	codeBin32   = 0xc6
	codeFloat32 = 0xca
	codeFloat64 = 0xcb
	codeUint8   = 0xcc
	codeUint16  = 0xcd
	codeUint32  = 0xce
	codeUint64  = 0xcf
	codeInt8    = 0xd0
	codeInt16   = 0xd1
	codeInt32   = 0xd2
	codeInt64   = 0xd3
	codeStr8    = 0xd9
	codeStr16   = 0xda
	codeStr32   = 0xdb
	codeArray16 = 0xdc
	codeArray32 = 0xdd
	codeMap16   = 0xde
	codeMap32   = 0xdf
)

// Error is the error of a failed read: what was being read, and why. It
// unwraps to ErrFormat or ErrLimit.
type Error struct {
	What   string
	Reason string
	Kind   error // ErrFormat or ErrLimit
}

func (e *Error) Error() string {
	if e.What == "" {
		return e.Kind.Error() + ": " + e.Reason
	}
	return e.What + ": " + e.Kind.Error() + ": " + e.Reason
}

func (e *Error) Unwrap() error { return e.Kind }

// Reader decodes one MessagePack document from a byte slice.
// It is not safe for concurrent use.
type Reader struct {
	b   []byte // the whole document, for views
	p   int    // the next byte to read
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met; once set, every read is a no-op.
func (r *Reader) Err() error { return r.err }

func (r *Reader) fail(kind error, what, reason string) {
	if r.err == nil {
		r.err = &Error{What: what, Reason: reason, Kind: kind}
	}
}

func (r *Reader) truncated(what string) {
	r.fail(ErrFormat, what, "truncated at byte "+itoa(r.p))
}

// Invalid records a format error found by the caller.
func (r *Reader) Invalid(what, format string, args ...any) {
	r.fail(ErrFormat, what, Sprintf(format, args...))
}

// Limit records a limit exceeded, found by the caller.
func (r *Reader) Limit(what, format string, args ...any) {
	r.fail(ErrLimit, what, Sprintf(format, args...))
}

// Remaining is the number of undecoded bytes.
func (r *Reader) Remaining() int { return len(r.b) - r.p }

// End fails unless every byte has been consumed.
func (r *Reader) End() error {
	if r.err == nil && r.p != len(r.b) {
		r.err = &Error{Reason: itoa(len(r.b)-r.p) + " trailing bytes", Kind: ErrFormat}
	}
	return r.err
}

// Offset is the position of the next byte to read; Doc is the document.
// With StrAt and Seek they let a decoder parse the common encodings of a
// hot record inline, in one function, and fall back to the Reader's
// methods (from the record's start) for anything else: in WebAssembly a
// call costs far more than the few comparisons it wraps.
func (r *Reader) Offset() int { return r.p }

// Doc returns the whole document (a view; do not modify).
func (r *Reader) Doc() []byte { return r.b }

// Seek moves to position p (0 <= p <= len(Doc())), which the caller has
// parsed up to itself; it does nothing after an error.
func (r *Reader) Seek(p int) {
	if r.err == nil && p >= 0 && p <= len(r.b) {
		r.p = p
	}
}

// StrAt reports where the str value at b[p] starts and ends when it is a
// fixstr or a str8 of at most max bytes that fits in b, the encodings
// Writer.String uses up to 255 bytes; end is -1 for anything else
// (another type, a longer header, past the end), which the caller hands
// to the Reader, whose answer on those bytes is the same.
func StrAt(b []byte, p, max int) (start, end int) {
	if p < 0 || p+1 >= len(b) { // a str needs a byte after its code
		return 0, -1
	}
	n, s := int(b[p]&0x1f), p+1
	if b[p]&0xe0 != 0xa0 {
		if b[p] != codeStr8 {
			return 0, -1
		}
		n, s = int(b[p+1]), p+2
	}
	if end = s + n; n > max || end > len(b) {
		return 0, -1
	}
	return s, end
}

// Peek returns the code of the next value without consuming it; ok is
// false at the end of the document or after an error.
func (r *Reader) Peek() (c byte, ok bool) {
	if r.err != nil || r.p >= len(r.b) {
		return 0, false
	}
	return r.b[r.p], true
}

// Nil consumes a nil and reports whether there was one.
func (r *Reader) Nil() bool {
	if c, ok := r.Peek(); ok && c == codeNil {
		r.p++
		return true
	}
	return false
}

// code consumes the next code.
func (r *Reader) code(what string) (byte, bool) {
	if r.err != nil {
		return 0, false
	}
	if r.p >= len(r.b) {
		r.truncated(what)
		return 0, false
	}
	c := r.b[r.p]
	r.p++
	return c, true
}

// uintN reads a big-endian unsigned integer of size bytes.
func (r *Reader) uintN(size int, what string) (uint64, bool) {
	if size > len(r.b)-r.p {
		r.truncated(what)
		return 0, false
	}
	b := r.b[r.p:]
	var v uint64
	switch size {
	case 1:
		v = uint64(b[0])
	case 2:
		v = uint64(binary.BigEndian.Uint16(b))
	case 4:
		v = uint64(binary.BigEndian.Uint32(b))
	case 8:
		v = binary.BigEndian.Uint64(b)
	}
	r.p += size
	return v, true
}

// checkLen enforces the cap and that at least n*minSize bytes remain.
func (r *Reader) checkLen(n, max, minSize int, what string) bool {
	if n < 0 {
		r.fail(ErrFormat, what, "negative length")
		return false
	}
	if n > max {
		r.fail(ErrLimit, what, itoa(n)+" > "+itoa(max))
		return false
	}
	if left := len(r.b) - r.p; minSize > 0 && n > left/minSize {
		r.fail(ErrFormat, what, "length "+itoa(n)+" but only "+itoa(left)+" bytes left")
		return false
	}
	return true
}

func (r *Reader) wrongType(c byte, kind, what string) {
	r.fail(ErrFormat, what, "code "+hexByte(c)+" is not "+kind)
}

// ArrayLen reads an array header of at most max elements, each at least
// minSize bytes long on the wire. A nil is an error: artifacts always
// write their arrays.
func (r *Reader) ArrayLen(max, minSize int, what string) int {
	if r.err == nil && r.p < len(r.b) {
		// Fast path: a fixarray that fits its cap and the bytes left.
		if c := r.b[r.p]; c >= 0x90 && c <= 0x9f {
			if n := int(c & 0x0f); n <= max && n*minSize <= len(r.b)-r.p-1 {
				r.p++
				return n
			}
		}
	}
	c, ok := r.code(what)
	if !ok {
		return 0
	}
	var n uint64
	switch {
	case c >= 0x90 && c <= 0x9f:
		n = uint64(c & 0x0f)
	case c == codeArray16:
		n, ok = r.uintN(2, what)
	case c == codeArray32:
		n, ok = r.uintN(4, what)
	default:
		r.wrongType(c, "an array", what)
		return 0
	}
	if !ok || !r.checkLen(int(n), max, minSize, what) {
		return 0
	}
	return int(n)
}

// ExpectArray reads an array header that must have exactly n elements.
func (r *Reader) ExpectArray(n int, what string) {
	if got := r.ArrayLen(n, 1, what); r.err == nil && got != n {
		r.fail(ErrFormat, what, itoa(got)+" fields, want "+itoa(n))
	}
}

// MapLen reads a map header of at most max entries, each key and value at
// least one byte on the wire. A nil is an error; callers that accept one
// test Nil first.
func (r *Reader) MapLen(max int, what string) int {
	if r.err == nil && r.p < len(r.b) {
		// Fast path: a fixmap that fits its cap and the bytes left.
		if c := r.b[r.p]; c >= 0x80 && c <= 0x8f {
			if n := int(c & 0x0f); n <= max && 2*n <= len(r.b)-r.p-1 {
				r.p++
				return n
			}
		}
	}
	c, ok := r.code(what)
	if !ok {
		return 0
	}
	var n uint64
	switch {
	case c >= 0x80 && c <= 0x8f:
		n = uint64(c & 0x0f)
	case c == codeMap16:
		n, ok = r.uintN(2, what)
	case c == codeMap32:
		n, ok = r.uintN(4, what)
	default:
		r.wrongType(c, "a map", what)
		return 0
	}
	if !ok || !r.checkLen(int(n), max, 2, what) {
		return 0
	}
	return int(n)
}

func isBin(c byte) bool { return c == codeBin8 || c == codeBin16 || c == codeBin32 }
func isStr(c byte) bool {
	return (c >= 0xa0 && c <= 0xbf) || c == codeStr8 || c == codeStr16 || c == codeStr32
}

// rawLen reads the header of a str or bin value; -1 means nil.
func (r *Reader) rawLen(c byte, what string) (int, bool) {
	var n uint64
	ok := true
	switch {
	case c == codeNil:
		return -1, true
	case c >= 0xa0 && c <= 0xbf:
		n = uint64(c & 0x1f)
	case c == codeStr8 || c == codeBin8:
		n, ok = r.uintN(1, what)
	case c == codeStr16 || c == codeBin16:
		n, ok = r.uintN(2, what)
	case c == codeStr32 || c == codeBin32:
		n, ok = r.uintN(4, what)
	default:
		return 0, false
	}
	return int(n), ok
}

// header reads a str or bin length header after checking its type; -1
// means nil (or an error).
func (r *Reader) header(ok func(byte) bool, kind string, max int, what string) int {
	// Fast path: a fixstr, or a str8 or bin8 of the wanted kind, all in
	// bounds and under the cap (most strings and many bins of an artifact).
	if p := r.p; r.err == nil && p+2 <= len(r.b) {
		c := r.b[p]
		n := -1
		switch {
		case c >= 0xa0 && c <= 0xbf:
			n, p = int(c&0x1f), p+1
		case c == codeStr8 || c == codeBin8:
			n, p = int(r.b[p+1]), p+2
		}
		if n >= 0 && n <= max && n <= len(r.b)-p && ok(c) {
			r.p = p
			return n
		}
	}
	c, good := r.code(what)
	if !good {
		return -1
	}
	if c != codeNil && !ok(c) {
		r.wrongType(c, "a "+kind, what)
		return -1
	}
	n, good := r.rawLen(c, what)
	if !good || n >= 0 && !r.checkLen(n, max, 1, what) {
		return -1
	}
	return n
}

// view returns the next n bytes of the document, capacity clipped; nil
// when n < 0, and an empty non-nil slice when n == 0.
func (r *Reader) view(n int) []byte {
	if n < 0 || r.err != nil {
		return nil
	}
	at := r.p
	r.p += n
	return r.b[at : at+n : at+n]
}

// View reads a bin value of at most max bytes as a sub-slice of the
// document, not a copy (capacity clipped to its length), so a decoder can
// keep views into an artifact rather than a second copy of it; nil reads
// as nil.
func (r *Reader) View(max int, what string) []byte {
	if n := r.header(isBin, "bin", max, what); n > 0 {
		return r.view(n)
	}
	return nil
}

// StrView reads a str value of at most max bytes like String, but returns
// its bytes as a sub-slice of the document instead of a new string; nil
// reads as nil.
func (r *Reader) StrView(max int, what string) []byte {
	if n := r.header(isStr, "string", max, what); n > 0 {
		return r.view(n)
	}
	return nil
}

// String reads a str value of at most max bytes; nil reads as "".
func (r *Reader) String(max int, what string) string {
	if n := r.header(isStr, "string", max, what); n > 0 {
		return string(r.view(n))
	}
	return ""
}

// Raw reads a str or bin value of at most max bytes and returns its bytes
// as a sub-slice of the document: nil for a nil, an empty non-nil slice
// for an empty value. It accepts both types because msgpack.Unmarshal
// does, for strings and byte slices alike, and so do the hosts that send
// requests; artifacts use the typed readers.
func (r *Reader) Raw(max int, what string) []byte {
	if p := r.p; r.err == nil && p < len(r.b) {
		// Fast path: a fixstr (map keys, most ids) in bounds and under max.
		if c := r.b[p]; c >= 0xa0 && c <= 0xbf {
			if n := int(c & 0x1f); n <= max && n < len(r.b)-p {
				r.p = p + 1 + n
				return r.b[p+1 : r.p : r.p]
			}
		}
	}
	c, ok := r.code(what)
	if !ok {
		return nil
	}
	n, ok := r.rawLen(c, what)
	if !ok {
		if r.err == nil {
			r.wrongType(c, "a str or bin", what)
		}
		return nil
	}
	if n >= 0 && !r.checkLen(n, max, 1, what) {
		return nil
	}
	return r.view(n)
}

// number reads any MessagePack integer as its sign and magnitude bits: neg
// reports a negative value, in which case v is its two's complement.
func (r *Reader) number(what string) (v uint64, neg, ok bool) {
	c, ok := r.code(what)
	if !ok {
		return 0, false, false
	}
	switch {
	case c <= 0x7f:
		return uint64(c), false, true
	case c >= 0xe0:
		return uint64(int64(int8(c))), true, true
	case c >= codeUint8 && c <= codeUint64:
		v, ok = r.uintN(1<<(c-codeUint8), what)
		return v, false, ok
	case c >= codeInt8 && c <= codeInt64:
		size := 1 << (c - codeInt8)
		v, ok = r.uintN(size, what)
		if !ok {
			return 0, false, false
		}
		// Sign-extend from size bytes.
		shift := uint(64 - 8*size)
		s := int64(v<<shift) >> shift
		return uint64(s), s < 0, true
	}
	r.wrongType(c, "an integer", what)
	return 0, false, false
}

// Uint reads a non-negative integer of any width no larger than max.
func (r *Reader) Uint(max uint64, what string) uint64 {
	if r.err == nil && r.p < len(r.b) && r.b[r.p] <= 0x7f && uint64(r.b[r.p]) <= max {
		r.p++
		return uint64(r.b[r.p-1])
	}
	v, neg, ok := r.number(what)
	if !ok {
		return 0
	}
	if neg {
		r.fail(ErrFormat, what, itoa64(int64(v))+" is negative")
		return 0
	}
	if v > max {
		r.fail(ErrLimit, what, utoa(v)+" > "+utoa(max))
		return 0
	}
	return v
}

// Int reads an integer of any width within [min, max].
func (r *Reader) Int(min, max int64, what string) int64 {
	if p := r.p; r.err == nil && p < len(r.b) {
		// Fast paths: a positive fixint, and the 9-byte int64 and uint64
		// that encoders write for times.
		c := r.b[p]
		var v int64
		ok := false
		switch {
		case c <= 0x7f:
			v, ok = int64(c), true
			r.p++
		case (c == codeInt64 || c == codeUint64) && p+9 <= len(r.b):
			v = int64(binary.BigEndian.Uint64(r.b[p+1:]))
			ok = c == codeInt64 || v >= 0
			if ok {
				r.p += 9
			}
		}
		if ok {
			if v < min || v > max {
				r.fail(ErrLimit, what, itoa64(v)+" is outside ["+itoa64(min)+", "+itoa64(max)+"]")
				return 0
			}
			return v
		}
	}
	v, neg, ok := r.number(what)
	if !ok {
		return 0
	}
	if !neg && v > math.MaxInt64 {
		r.fail(ErrFormat, what, utoa(v)+" overflows int64")
		return 0
	}
	if s := int64(v); s < min || s > max {
		r.fail(ErrLimit, what, itoa64(s)+" is outside ["+itoa64(min)+", "+itoa64(max)+"]")
		return 0
	}
	return int64(v)
}

// Bool reads true or false.
func (r *Reader) Bool(what string) bool {
	c, ok := r.code(what)
	if !ok {
		return false
	}
	switch c {
	case codeTrue:
		return true
	case codeFalse:
		return false
	}
	r.wrongType(c, "a bool", what)
	return false
}

// Float reads a finite number: a float32 or float64, or an integer (which
// is how JavaScript's encoders send a number that happens to be whole).
func (r *Reader) Float(what string) float64 {
	if p := r.p; r.err == nil && p+9 <= len(r.b) && r.b[p] == codeFloat64 {
		f := math.Float64frombits(binary.BigEndian.Uint64(r.b[p+1:]))
		if f-f == 0 { // finite: Inf-Inf and NaN-NaN are NaN
			r.p += 9
			return f
		}
	}
	c, ok := r.Peek()
	if !ok {
		if r.err == nil {
			r.truncated(what)
		}
		return 0
	}
	var f float64
	switch c {
	case codeFloat32:
		r.p++
		v, ok := r.uintN(4, what)
		if !ok {
			return 0
		}
		f = float64(math.Float32frombits(uint32(v)))
	case codeFloat64:
		r.p++
		v, ok := r.uintN(8, what)
		if !ok {
			return 0
		}
		f = math.Float64frombits(v)
	default:
		v, neg, ok := r.number(what)
		if !ok {
			return 0
		}
		if neg {
			f = float64(int64(v))
		} else {
			f = float64(v)
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(ErrFormat, what, FormatFloat(f)+" is not finite")
		return 0
	}
	return f
}

// Float32s decodes a bin of little-endian float32 values; n is the count
// expected.
func (r *Reader) Float32s(n int, what string) []float32 {
	b := r.View(n*4, what)
	if r.err != nil {
		return nil
	}
	if len(b) != n*4 {
		r.fail(ErrFormat, what, itoa(len(b))+" bytes, want "+itoa(n*4))
		return nil
	}
	out := make([]float32, n)
	if littleEndian && n > 0 {
		// One copy, not n decodes: wasm and the usual native targets are
		// little-endian, like the format.
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*n), b)
	} else {
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	if !finite32(b) {
		for i, f := range out { // the first one, for the message
			if f-f != 0 { // NaN or ±Inf
				r.fail(ErrFormat, what, "value "+itoa(i)+" is not finite")
				return nil
			}
		}
	}
	return out
}

// finite32 reports whether every little-endian float32 in b (a multiple
// of 4 bytes) is finite, without a branch per value: a float is NaN or
// ±Inf exactly when its exponent bits are all ones, and then adding 1 to
// the exponent carries into the sign bit's place. Two floats a word, four
// words a turn (in WebAssembly a loop's back edge costs more than this).
func finite32(b []byte) bool {
	const exp, one, carry = 0x7f8000007f800000, 0x0080000000800000, 0x8000000080000000
	var acc uint64
	i := 0
	for ; i+32 <= len(b); i += 32 {
		c := b[i : i+32 : i+32]
		v0, v1 := binary.LittleEndian.Uint64(c), binary.LittleEndian.Uint64(c[8:])
		v2, v3 := binary.LittleEndian.Uint64(c[16:]), binary.LittleEndian.Uint64(c[24:])
		acc |= (v0&exp + one) | (v1&exp + one) | (v2&exp + one) | (v3&exp + one)
	}
	for ; i+4 <= len(b); i += 4 {
		acc |= uint64(binary.LittleEndian.Uint32(b[i:]))&exp + one
	}
	return acc&carry == 0
}

// littleEndian reports whether this machine stores a uint16 1 as {1, 0}.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Skip consumes one value of any type without allocating, nesting at
// most MaxDepth levels: it is how decoders pass over map keys they do not
// know. The reserved code 0xc1 is an error.
func (r *Reader) Skip(what string) {
	// pending[d] is how many values are still to be read at depth d.
	var pending [MaxDepth + 1]int
	depth := 0
	pending[0] = 1
	for depth >= 0 && r.err == nil {
		if pending[depth] == 0 {
			depth--
			continue
		}
		pending[depth]--
		c, ok := r.code(what)
		if !ok {
			return
		}
		var skip, children uint64
		switch {
		case c <= 0x7f || c >= 0xe0, c == codeNil, c == codeFalse, c == codeTrue:
		case c >= 0x80 && c <= 0x8f:
			children = 2 * uint64(c&0x0f)
		case c >= 0x90 && c <= 0x9f:
			children = uint64(c & 0x0f)
		case c >= 0xa0 && c <= 0xbf:
			skip = uint64(c & 0x1f)
		case c == codeBin8, c == codeStr8:
			skip, ok = r.uintN(1, what)
		case c == codeBin16, c == codeStr16:
			skip, ok = r.uintN(2, what)
		case c == codeBin32, c == codeStr32:
			skip, ok = r.uintN(4, what)
		case c == 0xc7, c == 0xc8, c == 0xc9: // ext8/16/32: length, type, data
			skip, ok = r.uintN(1<<(c-0xc7), what)
			skip++
		case c == codeFloat32:
			skip = 4
		case c == codeFloat64:
			skip = 8
		case c >= codeUint8 && c <= codeUint64:
			skip = 1 << (c - codeUint8)
		case c >= codeInt8 && c <= codeInt64:
			skip = 1 << (c - codeInt8)
		case c >= 0xd4 && c <= 0xd8: // fixext1..16: type, data
			skip = 1 + 1<<(c-0xd4)
		case c == codeArray16:
			children, ok = r.uintN(2, what)
		case c == codeArray32:
			children, ok = r.uintN(4, what)
		case c == codeMap16:
			children, ok = r.uintN(2, what)
			children *= 2
		case c == codeMap32:
			children, ok = r.uintN(4, what)
			children *= 2
		default: // 0xc1 is never used
			r.fail(ErrFormat, what, "code "+hexByte(c)+" at byte "+itoa(r.p-1))
			return
		}
		if !ok {
			return
		}
		left := uint64(len(r.b) - r.p)
		if skip > left {
			r.truncated(what)
			return
		}
		r.p += int(skip)
		if children == 0 {
			continue
		}
		// Every element takes at least one byte.
		if children > left {
			r.fail(ErrFormat, what, utoa(children)+" elements claimed at byte "+itoa(r.p)+" but only "+utoa(left)+" bytes left")
			return
		}
		if depth == MaxDepth {
			r.fail(ErrLimit, what, "nested deeper than "+itoa(MaxDepth))
			return
		}
		depth++
		pending[depth] = int(children)
	}
}

// SkipRaw is Skip that returns the bytes of the value it skipped, as a
// sub-slice of the document (nil after an error).
func (r *Reader) SkipRaw(what string) []byte {
	at := r.p
	r.Skip(what)
	if r.err != nil {
		return nil
	}
	return r.b[at:r.p:r.p]
}

// Writer encodes one MessagePack document into a growing byte slice.
// Writes cannot fail, so it keeps no error.
type Writer struct {
	buf []byte
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer { return &Writer{} }

// NewWriterSize returns an empty Writer with room for n bytes.
func NewWriterSize(n int) *Writer { return &Writer{buf: make([]byte, 0, n)} }

// NewWriterBuf returns an empty Writer that appends to buf[:0]: a caller
// that reuses buffers hands one in (it grows as append grows it).
func NewWriterBuf(buf []byte) *Writer { return &Writer{buf: buf[:0]} }

// Bytes returns the encoded document.
func (w *Writer) Bytes() []byte { return w.buf }

func (w *Writer) header(fix, max byte, c16, c32 byte, n int) {
	switch {
	case n <= int(max-fix):
		w.buf = append(w.buf, fix|byte(n))
	case n <= math.MaxUint16:
		w.buf = append(w.buf, c16, byte(n>>8), byte(n))
	default:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, c32), uint32(n))
	}
}

// Array writes an array header.
func (w *Writer) Array(n int) { w.header(0x90, 0x9f, codeArray16, codeArray32, n) }

// Map writes a map header.
func (w *Writer) Map(n int) { w.header(0x80, 0x8f, codeMap16, codeMap32, n) }

// Nil writes a nil.
func (w *Writer) Nil() { w.buf = append(w.buf, codeNil) }

// Bool writes true or false.
func (w *Writer) Bool(v bool) {
	if v {
		w.buf = append(w.buf, codeTrue)
	} else {
		w.buf = append(w.buf, codeFalse)
	}
}

// Bin writes a bin value; a nil slice is written as nil, as msgpack does.
func (w *Writer) Bin(b []byte) {
	if b == nil {
		w.Nil()
		return
	}
	n := len(b)
	switch {
	case n <= math.MaxUint8:
		w.buf = append(w.buf, codeBin8, byte(n))
	case n <= math.MaxUint16:
		w.buf = append(w.buf, codeBin16, byte(n>>8), byte(n))
	default:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, codeBin32), uint32(n))
	}
	w.buf = append(w.buf, b...)
}

// String writes a str value.
func (w *Writer) String(s string) {
	n := len(s)
	switch {
	case n < 32:
		w.buf = append(w.buf, 0xa0|byte(n))
	case n <= math.MaxUint8:
		w.buf = append(w.buf, codeStr8, byte(n))
	case n <= math.MaxUint16:
		w.buf = append(w.buf, codeStr16, byte(n>>8), byte(n))
	default:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, codeStr32), uint32(n))
	}
	w.buf = append(w.buf, s...)
}

// Uint writes an unsigned integer in its shortest form.
func (w *Writer) Uint(v uint64) {
	switch {
	case v <= math.MaxInt8:
		w.buf = append(w.buf, byte(v))
	case v <= math.MaxUint8:
		w.buf = append(w.buf, codeUint8, byte(v))
	case v <= math.MaxUint16:
		w.buf = append(w.buf, codeUint16, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, codeUint32), uint32(v))
	default:
		w.Uint64(v)
	}
}

// Int writes a signed integer in its shortest form.
func (w *Writer) Int(v int64) {
	switch {
	case v >= 0:
		w.Uint(uint64(v))
	case v >= -32:
		w.buf = append(w.buf, byte(v))
	case v >= math.MinInt8:
		w.buf = append(w.buf, codeInt8, byte(v))
	case v >= math.MinInt16:
		w.buf = append(w.buf, codeInt16, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		w.buf = binary.BigEndian.AppendUint32(append(w.buf, codeInt32), uint32(v))
	default:
		w.Int64(v)
	}
}

// Uint16 writes v as a uint16 (3 bytes), as msgpack encodes a Go uint16.
func (w *Writer) Uint16(v uint16) { w.buf = append(w.buf, codeUint16, byte(v>>8), byte(v)) }

// Uint64 writes v as a uint64 (9 bytes), as msgpack encodes a Go uint64.
func (w *Writer) Uint64(v uint64) {
	w.buf = binary.BigEndian.AppendUint64(append(w.buf, codeUint64), v)
}

// Int64 writes v as an int64 (9 bytes), as msgpack encodes a Go int64.
func (w *Writer) Int64(v int64) {
	w.buf = binary.BigEndian.AppendUint64(append(w.buf, codeInt64), uint64(v))
}

// Float writes a float64.
func (w *Writer) Float(v float64) {
	w.buf = binary.BigEndian.AppendUint64(append(w.buf, codeFloat64), math.Float64bits(v))
}

// Float32 writes a float32.
func (w *Writer) Float32(v float32) {
	w.buf = binary.BigEndian.AppendUint32(append(w.buf, codeFloat32), math.Float32bits(v))
}

// Lit appends the bytes of s, which the caller has encoded already (a
// constant key with the header of what follows, say): one append instead
// of several.
func (w *Writer) Lit(s string) { w.buf = append(w.buf, s...) }

// Avail returns room for n bytes after the document, for the caller to
// write in place (a word at a time) before Commit adds what it wrote.
func (w *Writer) Avail(n int) []byte {
	w.buf = slices.Grow(w.buf, n)
	l := len(w.buf)
	return w.buf[l : l+n : l+n]
}

// Commit adds to the document the first n bytes of the last Avail.
func (w *Writer) Commit(n int) { w.buf = w.buf[:len(w.buf)+n] }

// Raw appends b, which must be one encoded MessagePack value.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Float32s writes a bin of little-endian float32 values.
func (w *Writer) Float32s(v []float32) {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	w.Bin(b)
}
