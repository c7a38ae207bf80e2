// Package wire reads and writes the strict MessagePack framing of privrec's
// artifacts. Reader checks every length against both a documented cap and
// the bytes actually left before it allocates, so a hostile length costs
// nothing; msgpack.Unmarshal into slices gives no such guarantee.
package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/vmihailenco/msgpack/v5"
)

// ErrFormat is wrapped by every Reader error; callers map it to their own
// sentinel (model.ErrCorrupt, model.ErrTooLarge).
var ErrFormat = errors.New("format error")

// ErrLimit is wrapped when a length exceeds its cap (as opposed to the data
// being malformed).
var ErrLimit = errors.New("limit exceeded")

// Reader decodes one MessagePack document from a byte slice.
// It is not safe for concurrent use.
type Reader struct {
	b   []byte // the whole document, for View
	r   *bytes.Reader
	d   *msgpack.Decoder
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader {
	r := bytes.NewReader(b)
	return &Reader{b: b, r: r, d: msgpack.NewDecoder(r)}
}

// Err returns the first error met; once set, every read is a no-op.
func (r *Reader) Err() error { return r.err }

func (r *Reader) fail(err error, what string) {
	if r.err == nil {
		if errors.Is(err, ErrLimit) || errors.Is(err, ErrFormat) {
			r.err = fmt.Errorf("%s: %w", what, err)
		} else {
			r.err = fmt.Errorf("%s: %w: %v", what, ErrFormat, err)
		}
	}
}

// Invalid records a format error found by the caller.
func (r *Reader) Invalid(what, format string, args ...any) {
	r.fail(fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...)), what)
}

// Remaining is the number of undecoded bytes.
func (r *Reader) Remaining() int { return r.r.Len() }

// End fails unless every byte has been consumed.
func (r *Reader) End() error {
	if r.err == nil && r.r.Len() != 0 {
		r.err = fmt.Errorf("%w: %d trailing bytes", ErrFormat, r.r.Len())
	}
	return r.err
}

// checkLen enforces the cap and that at least n*minSize bytes remain.
func (r *Reader) checkLen(n, max, minSize int, what string) bool {
	if n < 0 {
		r.fail(fmt.Errorf("%w: negative length", ErrFormat), what)
		return false
	}
	if n > max {
		r.fail(fmt.Errorf("%w: %d > %d", ErrLimit, n, max), what)
		return false
	}
	if minSize > 0 && n > r.r.Len()/minSize {
		r.fail(fmt.Errorf("%w: length %d but only %d bytes left", ErrFormat, n, r.r.Len()), what)
		return false
	}
	return true
}

// ArrayLen reads an array header of at most max elements, each at least
// minSize bytes long on the wire.
func (r *Reader) ArrayLen(max, minSize int, what string) int {
	if r.err != nil {
		return 0
	}
	n, err := r.d.DecodeArrayLen()
	if err != nil {
		r.fail(err, what)
		return 0
	}
	if !r.checkLen(n, max, minSize, what) {
		return 0
	}
	return n
}

// ExpectArray reads an array header that must have exactly n elements.
func (r *Reader) ExpectArray(n int, what string) {
	if got := r.ArrayLen(n, 1, what); r.err == nil && got != n {
		r.fail(fmt.Errorf("%w: %d fields, want %d", ErrFormat, got, n), what)
	}
}

// Bytes reads a bin value of at most max bytes; nil reads as nil.
func (r *Reader) Bytes(max int, what string) []byte {
	n := r.header(isBin, "bin", max, what)
	if n <= 0 {
		return nil
	}
	b := make([]byte, n)
	if err := r.d.ReadFull(b); err != nil {
		r.fail(err, what)
		return nil
	}
	return b
}

// View reads a bin value of at most max bytes like Bytes, but returns a
// sub-slice of the document instead of a copy (capacity clipped to its
// length), so a decoder can keep views into an artifact rather than a
// second copy of it; nil reads as nil.
func (r *Reader) View(max int, what string) []byte {
	n := r.header(isBin, "bin", max, what)
	return r.view(n, what)
}

// view returns the next n bytes of the document; nil when n <= 0.
func (r *Reader) view(n int, what string) []byte {
	if n <= 0 {
		return nil
	}
	at := len(r.b) - r.r.Len()
	if _, err := r.r.Seek(int64(n), io.SeekCurrent); err != nil {
		r.fail(err, what)
		return nil
	}
	return r.b[at : at+n : at+n]
}

// StrView reads a str value of at most max bytes like String, but returns
// its bytes as a sub-slice of the document instead of a new string; nil
// reads as nil.
func (r *Reader) StrView(max int, what string) []byte {
	n := r.header(isStr, "string", max, what)
	return r.view(n, what)
}

// String reads a str value of at most max bytes; nil reads as "".
func (r *Reader) String(max int, what string) string {
	n := r.header(isStr, "string", max, what)
	if n <= 0 {
		return ""
	}
	b := make([]byte, n)
	if err := r.d.ReadFull(b); err != nil {
		r.fail(err, what)
		return ""
	}
	return string(b)
}

func isBin(c byte) bool { return c == 0xc4 || c == 0xc5 || c == 0xc6 }
func isStr(c byte) bool { return (c >= 0xa0 && c <= 0xbf) || c == 0xd9 || c == 0xda || c == 0xdb }

// header reads a str or bin length header after checking its type; -1
// means nil.
func (r *Reader) header(ok func(byte) bool, kind string, max int, what string) int {
	if r.err != nil {
		return -1
	}
	c, err := r.d.PeekCode()
	if err != nil {
		r.fail(err, what)
		return -1
	}
	if c != 0xc0 && !ok(c) {
		r.fail(fmt.Errorf("%w: code %#x is not a %s", ErrFormat, c, kind), what)
		return -1
	}
	n, err := r.d.DecodeBytesLen()
	if err != nil {
		r.fail(err, what)
		return -1
	}
	if n >= 0 && !r.checkLen(n, max, 1, what) {
		return -1
	}
	return n
}

// Uint reads an unsigned integer no larger than max.
func (r *Reader) Uint(max uint64, what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, err := r.d.DecodeUint64()
	if err != nil {
		r.fail(err, what)
		return 0
	}
	if v > max {
		r.fail(fmt.Errorf("%w: %d > %d", ErrLimit, v, max), what)
		return 0
	}
	return v
}

// Float reads a finite float (float32 or float64 on the wire).
func (r *Reader) Float(what string) float64 {
	if r.err != nil {
		return 0
	}
	v, err := r.d.DecodeFloat64()
	if err != nil {
		r.fail(err, what)
		return 0
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(fmt.Errorf("%w: %v is not finite", ErrFormat, v), what)
		return 0
	}
	return v
}

// Float32s decodes a bin of little-endian float32 values; n is the count
// expected.
func (r *Reader) Float32s(n int, what string) []float32 {
	b := r.Bytes(n*4, what)
	if r.err != nil {
		return nil
	}
	if len(b) != n*4 {
		r.fail(fmt.Errorf("%w: %d bytes, want %d", ErrFormat, len(b), n*4), what)
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		f := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			r.fail(fmt.Errorf("%w: value %d is not finite", ErrFormat, i), what)
			return nil
		}
		out[i] = f
	}
	return out
}

// Writer encodes one MessagePack document. Errors are impossible when
// writing to a bytes.Buffer, so it keeps none.
type Writer struct {
	buf bytes.Buffer
	e   *msgpack.Encoder
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	w := &Writer{}
	w.e = msgpack.NewEncoder(&w.buf)
	return w
}

// Bytes returns the encoded document.
func (w *Writer) Bytes() []byte { return w.buf.Bytes() }

// Array writes an array header.
func (w *Writer) Array(n int) { _ = w.e.EncodeArrayLen(n) }

// Bin writes a bin value.
func (w *Writer) Bin(b []byte) { _ = w.e.EncodeBytes(b) }

// String writes a str value.
func (w *Writer) String(s string) { _ = w.e.EncodeString(s) }

// Uint writes an unsigned integer.
func (w *Writer) Uint(v uint64) { _ = w.e.EncodeUint(v) }

// Float writes a float64.
func (w *Writer) Float(v float64) { _ = w.e.EncodeFloat64(v) }

// Float32s writes a bin of little-endian float32 values.
func (w *Writer) Float32s(v []float32) {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	w.Bin(b)
}
