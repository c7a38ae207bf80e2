package wire

import (
	"bytes"
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
