package wire

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

func TestViewIsASubSlice(t *testing.T) {
	w := NewWriter()
	w.Array(3)
	w.Bin([]byte("abc"))
	w.Bin(nil)
	w.Bin([]byte("defg"))
	doc := w.Bytes()
	r := NewReader(doc)
	r.ExpectArray(3, "doc")
	a := r.View(8, "a")
	n := r.View(8, "nil")
	d := r.View(8, "d")
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	if string(a) != "abc" || n != nil || string(d) != "defg" || cap(a) != 3 {
		t.Fatalf("views %q %q %q (cap %d)", a, n, d, cap(a))
	}
	d[0] = 'X'
	if !bytes.Contains(doc, []byte("Xefg")) {
		t.Fatal("view is a copy, not a sub-slice")
	}
	if r := NewReader(doc[:len(doc)-1]); r.ArrayLen(3, 1, "doc") == 3 {
		r.View(8, "a")
		r.View(8, "nil")
		if r.View(8, "d") != nil || r.Err() == nil {
			t.Fatal("a truncated bin read as a view")
		}
	}
}

func TestStrView(t *testing.T) {
	w := NewWriter()
	w.Array(2)
	w.String("sku-1")
	w.Bin([]byte("x"))
	doc := w.Bytes()
	r := NewReader(doc)
	r.ExpectArray(2, "doc")
	s := r.StrView(8, "s")
	if r.StrView(8, "bin as str"); r.Err() == nil {
		t.Fatal("a bin read as a str view")
	}
	if string(s) != "sku-1" || cap(s) != 5 {
		t.Fatalf("StrView = %q (cap %d)", s, cap(s))
	}
}

// TestStrAtAgreesWithReader: wherever StrAt accepts a value, StrView at
// the same offset and cap accepts it too, with the same bytes and the same
// end; and StrAt accepts every fixstr and str8 that fits.
func TestStrAtAgreesWithReader(t *testing.T) {
	var docs [][]byte
	for _, n := range []int{0, 1, 31, 32, 200, 255, 256} {
		w := NewWriter()
		w.String(string(bytes.Repeat([]byte("x"), n)))
		doc := w.Bytes()
		docs = append(docs, doc, doc[:len(doc)-1], append([]byte{0x90}, doc...))
	}
	docs = append(docs, []byte{0xd9}, []byte{0xa0}, []byte{0xc0, 0xa0}, []byte{0xc4, 1, 'x'}, []byte{0xda, 0, 1, 'x'})
	for _, doc := range docs {
		for p := -1; p <= len(doc); p++ {
			for _, max := range []int{0, 5, 31, 255, 1024} {
				start, end := StrAt(doc, p, max)
				if end < 0 {
					continue
				}
				r := NewReader(doc)
				r.Seek(p)
				got := r.StrView(max, "s")
				if r.Err() != nil || r.Offset() != end || !bytes.Equal(got, doc[start:end]) {
					t.Fatalf("doc %x at %d, max %d: StrAt %d..%d; StrView %x, offset %d, %v", doc, p, max, start, end, got, r.Offset(), r.Err())
				}
			}
		}
	}
	for _, n := range []int{1, 31, 32, 255} {
		w := NewWriter()
		w.Nil()
		w.String(string(bytes.Repeat([]byte("y"), n)))
		w.Nil()
		if _, end := StrAt(w.Bytes(), 1, n); end != len(w.Bytes())-1 {
			t.Errorf("a %d-byte str: StrAt end %d, want %d", n, end, len(w.Bytes())-1)
		}
	}
}

// TestFinite32: finite32 finds a NaN or an infinity wherever it is, and
// passes every finite value (subnormals, zeros, the largest).
func TestFinite32(t *testing.T) {
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7fc00001), math.Float32frombits(0xff800001)}
	finite := []float32{0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, math.Float32frombits(0x7f7fffff), 0.5}
	for n := 0; n <= 40; n++ {
		b := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(finite[(i*7+n)%len(finite)]))
		}
		if !finite32(b) {
			t.Fatalf("%d finite values: refused", n)
		}
		for at := 0; at < n; at++ {
			for _, s := range specials {
				c := bytes.Clone(b)
				binary.LittleEndian.PutUint32(c[4*at:], math.Float32bits(s))
				if finite32(c) {
					t.Fatalf("%d values, %v at %d: passed", n, s, at)
				}
			}
		}
	}
}
