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

// TestPopularItems checks writePopular (putPopular: codec_wasm.s in V8,
// its Go twin natively) against writeResponse of the Response fillPopular
// makes of the same candidates: ids of 0 to 40 bytes (those of 32 or more
// leave putPopular to the general path mid-response), float32 scores at
// their edges, every count of candidates up to MaxK, after documents of a
// few lengths and into Writers whose buffer must grow or has room.
func TestPopularItems(t *testing.T) {
	// ids of 0 to 40 bytes, and of 40 down to 0 (short ones at the end of
	// ids: putPopular copies those by memory.copy, the rest by words)
	for _, up := range []bool{true, false} {
		m := &Model{}
		m.idOff = []uint32{0}
		for j := range 41 {
			n := j
			if !up {
				n = 40 - j
			}
			for i := range n {
				m.ids = append(m.ids, byte(3*n+101*i))
			}
			m.idOff = append(m.idOff, uint32(len(m.ids)))
		}
		testPopularItems(t, m, up)
	}
}

func testPopularItems(t *testing.T, m *Model, up bool) {
	long := func(item int32) bool { return m.idOff[item+1]-m.idOff[item] >= 32 }
	scores := []float32{0, float32(math.Copysign(0, -1)), 1, -1.5e30, math.SmallestNonzeroFloat32, math.MaxFloat32, float32(math.Inf(-1)), float32(math.NaN()), 0.123456789}
	for trial := range 200 {
		best := make([]cand, trial%(MaxK+1))
		for j := range best {
			// mostly short ids, now and then one of 32 bytes or more
			item := int32((trial*7 + j*13) % 41)
			for long(item) != ((trial+j)%9 == 0) {
				item = (item + 1) % 41
			}
			best[j] = cand{item, scores[(trial+3*j)%len(scores)]}
		}
		items := make([]Recommendation, len(best))
		for j, c := range best {
			items[j] = Recommendation{Item: m.idString(c.item), Score: float64(c.score), Source: SourcePopular}
		}
		for _, prefix := range []int{0, 1, 9} {
			ref := wire.NewWriter()
			ref.Raw(bytes.Repeat([]byte{0xee}, prefix))
			writeResponse(ref, &Response{K: 10, Items: items})
			want := ref.Bytes()
			for _, room := range []int{0, 100, 4096} {
				buf := make([]byte, prefix, prefix+room)
				for i := range buf {
					buf[i] = 0xee
				}
				w := wire.NewWriterBuf(buf[:0])
				w.Raw(buf[:prefix])
				m.writePopular(w, 10, best)
				if got := w.Bytes(); !bytes.Equal(got, want) {
					t.Fatalf("ids ascending %v, trial %d (%d candidates), after %d bytes, room %d:\n got % x\nwant % x", up, trial, len(best), prefix, room, got, want)
				}
			}
		}
	}
}
