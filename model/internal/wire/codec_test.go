package wire

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// TestWriterMatchesMsgpack: every Writer method writes the bytes msgpack's
// encoder writes for the same value, at every width boundary.
func TestWriterMatchesMsgpack(t *testing.T) {
	ints := []int64{0, 1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64}
	lens := []int{0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536}
	for _, tc := range []struct {
		name string
		mine func(w *Writer)
		ref  func(e *msgpack.Encoder) error
	}{
		{"nil", func(w *Writer) { w.Nil() }, func(e *msgpack.Encoder) error { return e.EncodeNil() }},
		{"true", func(w *Writer) { w.Bool(true) }, func(e *msgpack.Encoder) error { return e.EncodeBool(true) }},
		{"false", func(w *Writer) { w.Bool(false) }, func(e *msgpack.Encoder) error { return e.EncodeBool(false) }},
		{"float", func(w *Writer) { w.Float(-1.5e300) }, func(e *msgpack.Encoder) error { return e.EncodeFloat64(-1.5e300) }},
		{"float32", func(w *Writer) { w.Float32(0.1) }, func(e *msgpack.Encoder) error { return e.EncodeFloat32(0.1) }},
		{"uint16", func(w *Writer) { w.Uint16(7) }, func(e *msgpack.Encoder) error { return e.EncodeUint16(7) }},
		{"uint64", func(w *Writer) { w.Uint64(7) }, func(e *msgpack.Encoder) error { return e.EncodeUint64(7) }},
		{"int64", func(w *Writer) { w.Int64(-7) }, func(e *msgpack.Encoder) error { return e.EncodeInt64(-7) }},
		{"nil bin", func(w *Writer) { w.Bin(nil) }, func(e *msgpack.Encoder) error { return e.EncodeBytes(nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) { compareWriter(t, tc.mine, tc.ref) })
	}
	for _, v := range ints {
		t.Run(fmt.Sprint("int ", v), func(t *testing.T) {
			compareWriter(t, func(w *Writer) { w.Int(v) }, func(e *msgpack.Encoder) error { return e.EncodeInt(v) })
			if v >= 0 {
				compareWriter(t, func(w *Writer) { w.Uint(uint64(v)) }, func(e *msgpack.Encoder) error { return e.EncodeUint(uint64(v)) })
			}
		})
	}
	for _, n := range lens {
		t.Run(fmt.Sprint("len ", n), func(t *testing.T) {
			s := string(bytes.Repeat([]byte{'a'}, n))
			compareWriter(t, func(w *Writer) { w.String(s) }, func(e *msgpack.Encoder) error { return e.EncodeString(s) })
			compareWriter(t, func(w *Writer) { w.Bin([]byte(s)) }, func(e *msgpack.Encoder) error { return e.EncodeBytes([]byte(s)) })
			compareWriter(t, func(w *Writer) { w.Array(n) }, func(e *msgpack.Encoder) error { return e.EncodeArrayLen(n) })
			compareWriter(t, func(w *Writer) { w.Map(n) }, func(e *msgpack.Encoder) error { return e.EncodeMapLen(n) })
		})
	}
}

func compareWriter(t *testing.T, mine func(*Writer), ref func(*msgpack.Encoder) error) {
	t.Helper()
	w := NewWriter()
	mine(w)
	var buf bytes.Buffer
	if err := ref(msgpack.NewEncoder(&buf)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), buf.Bytes()) {
		t.Fatalf("wire % x, msgpack % x", w.Bytes(), buf.Bytes())
	}
}

// TestReaderNumbers: Int, Uint and Float read every width msgpack writes,
// and refuse what does not fit.
func TestReaderNumbers(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64} {
		for _, enc := range []func(*msgpack.Encoder) error{
			func(e *msgpack.Encoder) error { return e.EncodeInt(v) },
			func(e *msgpack.Encoder) error { return e.EncodeInt64(v) },
		} {
			var buf bytes.Buffer
			if err := enc(msgpack.NewEncoder(&buf)); err != nil {
				t.Fatal(err)
			}
			doc := buf.Bytes()
			if got := NewReader(doc).Int(math.MinInt64, math.MaxInt64, "v"); got != v {
				t.Errorf("Int(% x) = %d, want %d", doc, got, v)
			}
			r := NewReader(doc)
			u := r.Uint(math.MaxUint64, "v")
			if v < 0 && !errors.Is(r.Err(), ErrFormat) || v >= 0 && u != uint64(v) {
				t.Errorf("Uint(% x) = %d, %v", doc, u, r.Err())
			}
			if got := NewReader(doc).Float("v"); got != float64(v) {
				t.Errorf("Float(% x) = %v, want %v", doc, got, float64(v))
			}
		}
	}
	r := NewReader([]byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if r.Int(math.MinInt64, math.MaxInt64, "big"); !errors.Is(r.Err(), ErrFormat) {
		t.Errorf("uint64 max as int64: %v", r.Err())
	}
	r = NewReader([]byte{0x05})
	if r.Int(0, 4, "k"); !errors.Is(r.Err(), ErrLimit) {
		t.Errorf("5 in [0, 4]: %v", r.Err())
	}
	r = NewReader([]byte{0xca, 0x7f, 0xc0, 0, 0})
	if r.Float("nan"); !errors.Is(r.Err(), ErrFormat) {
		t.Errorf("float32 NaN: %v", r.Err())
	}
	if f := NewReader([]byte{0xca, 0x3f, 0xc0, 0, 0}).Float("1.5"); f != 1.5 {
		t.Errorf("float32 1.5 = %v", f)
	}
	for _, doc := range [][]byte{{0xc3}, {0xc2}} {
		r := NewReader(doc)
		if r.Int(0, 1, "bool"); r.Err() == nil {
			t.Errorf("% x read as an int", doc)
		}
		if got := NewReader(doc).Bool("b"); got != (doc[0] == 0xc3) {
			t.Errorf("Bool(% x) = %v", doc, got)
		}
	}
}

func TestReaderRawAndNil(t *testing.T) {
	doc := []byte{0x94, 0xc0, 0xa2, 'h', 'i', 0xc4, 0x00, 0xc4, 0x01, 'x'}
	r := NewReader(doc)
	if n := r.ArrayLen(4, 1, "a"); n != 4 {
		t.Fatal(n, r.Err())
	}
	if !r.Nil() || r.Nil() {
		t.Fatal("Nil")
	}
	hi, empty, x := r.Raw(8, "s"), r.Raw(8, "empty"), r.Raw(8, "x")
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	if string(hi) != "hi" || empty == nil || len(empty) != 0 || string(x) != "x" || cap(x) != 1 {
		t.Fatalf("Raw = %q %q %q", hi, empty, x)
	}
	r = NewReader([]byte{0xa2, 'h', 'i'})
	if r.Raw(1, "s"); !errors.Is(r.Err(), ErrLimit) {
		t.Fatalf("Raw over its cap: %v", r.Err())
	}
	r = NewReader([]byte{0xa2, 'h'})
	if r.Raw(8, "s"); !errors.Is(r.Err(), ErrFormat) {
		t.Fatalf("truncated Raw: %v", r.Err())
	}
	r = NewReader([]byte{0x01, 0x02})
	if r.Uint(9, "one"); !errors.Is(r.End(), ErrFormat) {
		t.Fatal("trailing byte accepted")
	}
}

func TestSkip(t *testing.T) {
	v := map[string]any{"a": []any{1, -2, 3.5, float32(1), "s", []byte("b"), nil, true, map[string]any{"x": int64(-1 << 40)}}}
	doc, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, 0x07) // a second value, left for the caller
	r := NewReader(doc)
	r.Skip("v")
	if r.Err() != nil || r.Remaining() != 1 {
		t.Fatalf("Skip: %v, %d left", r.Err(), r.Remaining())
	}
	deep := bytes.Repeat([]byte{0x91}, MaxDepth+1)
	r = NewReader(append(deep, 0xc0))
	if r.Skip("deep"); !errors.Is(r.Err(), ErrLimit) {
		t.Fatalf("Skip %d deep: %v", MaxDepth+1, r.Err())
	}
	r = NewReader(append(deep[:MaxDepth], 0xc0))
	if r.Skip("deep"); r.Err() != nil {
		t.Fatalf("Skip %d deep: %v", MaxDepth, r.Err())
	}
	for _, doc := range [][]byte{{0xc1}, {0xdd, 0xff, 0xff, 0xff, 0xff, 0}, {0xd9, 9, 'a'}, {0x92, 0x01}} {
		r := NewReader(doc)
		if r.Skip("bad"); !errors.Is(r.Err(), ErrFormat) {
			t.Errorf("Skip(% x): %v", doc, r.Err())
		}
	}
}

// FuzzSkip: Skip never panics, and whatever msgpack.Unmarshal can decode
// into an interface Skip consumes to the same length.
func FuzzSkip(f *testing.F) {
	f.Add([]byte{0x81, 0xa1, 'x', 0x91, 0x91, 0x92, 0xd4, 1, 2, 0xc7, 1, 5, 9})
	f.Add([]byte{0xdf, 0, 1, 0, 0, 0xc0})
	f.Add([]byte{0x93, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0xd3, 1, 2, 3, 4, 5, 6, 7, 8, 0xc4, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(data)
		r.Skip("fuzz")
		if r.Err() != nil {
			return
		}
		d := msgpack.NewDecoder(bytes.NewReader(data))
		if err := d.Skip(); err != nil {
			t.Fatalf("wire skipped % x, msgpack: %v", data, err)
		}
		if d.Buffered().(*bytes.Reader).Len() != r.Remaining() {
			t.Fatalf("wire left %d bytes, msgpack %d", r.Remaining(), d.Buffered().(*bytes.Reader).Len())
		}
	})
}

func TestSprintfMatchesFmt(t *testing.T) {
	id := [16]byte{0xde, 0xad, 0xbe, 0xef}
	for _, tc := range []struct {
		format string
		args   []any
	}{
		{format: "plain"},
		{"%d items; at most %d", []any{3, int64(-4)}},
		{"%d %d %d %d", []any{int8(-1), uint8(2), uint16(3), uint64(1 << 63)}},
		{"id %q is not %d hex digits", []any{"ab\x00\"c…", 16}},
		{"%q %q %q", []any{"tab\tnl\nback\\", "\x7f\xff", "é€"}},
		{"bundle %x, key %x", []any{id, id[:4]}},
		{"code %#x / %02x / %x", []any{0xc1, 5, -255}},
		{"price %v, weight %v, big %v", []any{1.5, float32(0.1), 1e21}},
		{"%v %v %v %v %v %v %v", []any{1e6, 123456.0, 0.0001, 1e-5, -2.5e-7, 999999.0, 0.5}},
		{"%v %v %v %v", []any{math.NaN(), math.Inf(1), math.Inf(-1), 0.0}},
		{"%v %v %v", []any{1e-300, 7e300, float32(3.4e38)}},
		{"%s after %s: %v", []any{"2026-01-01T00:00:00Z", "5m0s", errors.New("boom")}},
		{"100%% sure, %v", []any{true}},
		{"%5d|%03d", []any{42, 7}},
	} {
		want := fmt.Sprintf(tc.format, tc.args...)
		if got := Sprintf(tc.format, tc.args...); got != want {
			t.Errorf("Sprintf(%q) = %q, want %q", tc.format, got, want)
		}
	}
	if got := Sprintf("%d and %d", 1); got != "1 and %!d(MISSING)" {
		t.Errorf("missing operand: %q", got)
	}
}

func TestErrorf(t *testing.T) {
	base, other := errors.New("base"), errors.New("other")
	err := Errorf("load: %w: item %d: %w", base, 3, other)
	if err.Error() != "load: base: item 3: other" || !errors.Is(err, base) || !errors.Is(err, other) {
		t.Fatalf("%v", err)
	}
	err = Errorf("100%% %v", base)
	if err.Error() != "100% base" || errors.Is(err, base) {
		t.Fatalf("%%v wraps: %v", err)
	}
}

// FuzzFormatFloat: FormatFloat prints what fmt's %.6g prints.
func FuzzFormatFloat(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e21, 123456.5, 999999.5, 1e-300, 5e-324, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if got, want := FormatFloat(v), fmt.Sprintf("%.6g", v); got != want {
			t.Fatalf("FormatFloat(%v) = %s, fmt %s", v, got, want)
		}
	})
}
