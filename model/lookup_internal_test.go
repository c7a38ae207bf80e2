package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestLookup: lookup finds every id and no other string, among ids that
// share 8-byte prefixes, differ only in trailing zero bytes, or are long
// runs with one prefix (URLs), which the prefix keys cannot tell apart.
func TestLookup(t *testing.T) {
	ids := []string{"a", "abc", "abc\x00", "abc\x00\x00", "abc\x00d", "abcdefg", "abcdefgh", "abcdefgh\x00", "abcdefgh1", "abcdefgh2", "abcdefgi", "b", "\x00", "\xff\xff\xff\xff\xff\xff\xff\xff\xff"}
	for i := range 300 {
		ids = append(ids, "https://shop.example/p/"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		b := make([]byte, 1+rng.IntN(12))
		for j := range b {
			b[j] = "ab\x00"[rng.IntN(3)]
		}
		ids = append(ids, string(b))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	s := &Spec{Items: ids, Neighbors: make([][]Neighbor, len(ids)), Popularity: make([]float32, len(ids)), Params: DefaultParams()}
	m, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if got, ok := m.lookup(id); !ok || got != int32(i) {
			t.Fatalf("lookup(%q) = %d, %v; want %d", id, got, ok, i)
		}
		for _, miss := range []string{id + "\x00", id + "0", id[:len(id)-1] + "\x01", id[:len(id)-1]} {
			_, want := slices.BinarySearch(ids, miss)
			if got, ok := m.lookup(miss); ok != want || ok && ids[got] != miss {
				t.Fatalf("lookup(%q) = %d, %v; want found %v", miss, got, ok, want)
			}
		}
	}
	if _, ok := m.lookup(""); ok {
		t.Fatal("found the empty id")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
