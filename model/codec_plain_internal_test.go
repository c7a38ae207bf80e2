package model

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/privrec/privrec/model/internal/wire"
)

// TestPlainItem checks writeResponse's plain items (putPlain: codec_wasm.s
// in V8, its Go twin natively) against the Writer calls of the general
// path: ids of 0 to 31 bytes of every byte value, every source, scores at
// the float64 edges, after documents of a few lengths and into Writers
// whose buffer must grow or has room. Items it must leave to the general
// path are left.
func TestPlainItem(t *testing.T) {
	scores := []float64{0, math.Copysign(0, -1), 1, -1.5e300, math.SmallestNonzeroFloat64, math.MaxFloat64, math.Inf(1), math.NaN(), 0.123456789}
	sources := []Source{SourcePopular, SourceHistory, SourceRepeat}
	for n := range 32 {
		id := make([]byte, n)
		for i := range id {
			id[i] = byte(7*n + 31*i)
		}
		for _, src := range sources {
			for si, score := range scores {
				it := Recommendation{Item: string(id), Score: score, Source: src}
				var want []byte
				for _, prefix := range []int{0, 1, 7, 8, 9, 17} {
					ref := wire.NewWriter()
					ref.Raw(bytes.Repeat([]byte{0xee}, prefix))
					ref.Lit("\x83\xa1k\x01\xa5items\x91")
					ref.Map(3)
					ref.String("item")
					ref.String(it.Item)
					ref.String("score")
					ref.Float(it.Score)
					ref.String("source")
					ref.String(string(it.Source))
					ref.Lit("\xa7unknown\x00")
					want = ref.Bytes()
					for _, room := range []int{0, plainRoom - 1, 200} {
						buf := make([]byte, prefix, prefix+room)
						for i := range buf {
							buf[i] = 0xee
						}
						w := wire.NewWriterBuf(buf[:0])
						w.Raw(buf[:prefix])
						if plainSource(&it) == 0 {
							t.Fatalf("id of %d bytes, source %s: not a plain item", n, src)
						}
						writeResponse(w, &Response{K: 1, Items: []Recommendation{it}})
						if got := w.Bytes(); !bytes.Equal(got, want) {
							t.Fatalf("id of %d bytes, source %s, score %d, after %d bytes, room %d:\n got % x\nwant % x", n, src, si, prefix, room, got, want)
						}
					}
				}
			}
		}
	}
	for _, it := range []Recommendation{
		{Item: strings.Repeat("i", 32), Source: SourcePopular},
		{Item: "a", Source: "other"},
		{Item: "a", Source: SourceHistory, Because: []Reason{{Item: "b", Share: 1}}},
		{Item: "a", Source: SourceRepeat, Bought: 1},
		{Item: "a", Source: SourceRepeat, LastBought: 1},
	} {
		if plainSource(&it) != 0 {
			t.Errorf("%+v: a plain item", it)
		}
	}
}
