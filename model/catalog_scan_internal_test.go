package model

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privrec/privrec/model/internal/wire"
)

// refCatalogScan is catalogScan's contract written plainly (the generic
// loop is the same code natively, so in V8 this is what checks the
// assembly).
func refCatalogScan(b []byte, p, idMax, titleMax, tagMax int) (is, ie, cs, ce, q int) {
	fail := func() (int, int, int, int, int) { return 0, 0, 0, 0, -1 }
	if p < 0 || p >= len(b) || b[p] != 0x95 {
		return fail()
	}
	is, ie = wire.StrAt(b, p+1, idMax)
	if ie < 0 {
		return fail()
	}
	_, te := wire.StrAt(b, ie, titleMax)
	if te < 0 || te+9 > len(b) || b[te] != 0xcb {
		return fail()
	}
	if f := math.Float64frombits(binary.BigEndian.Uint64(b[te+1:])); math.IsNaN(f) || math.IsInf(f, 0) {
		return fail()
	}
	cs, ce = wire.StrAt(b, te+9, idMax)
	if ce < 0 || ce >= len(b) || b[ce]&0xf0 != 0x90 {
		return fail()
	}
	q = ce + 1
	for nt := int(b[ce] & 0x0f); nt > 0; nt-- {
		if _, q = wire.StrAt(b, q, tagMax); q < 0 {
			return fail()
		}
	}
	return is, ie, cs, ce, q
}

// TestCatalogScan compares catalogScan with refCatalogScan on items of
// the usual encoding (fixstr and str8 fields at and past their caps, 0..15
// tags, prices NaN and ±Inf among them), each cut short at every length
// and with random bytes changed, so that every check is met both ways.
func TestCatalogScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	str := func(b []byte, n int) []byte {
		if n < 32 && rng.IntN(4) > 0 {
			b = append(b, 0xa0|byte(n))
		} else {
			b = append(b, 0xd9, byte(n))
		}
		for range n {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		return b
	}
	prices := []float64{0, 1.25, -3, math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, 5e-324}
	accepted := 0
	for trial := 0; trial < 3000; trial++ {
		const idMax, titleMax, tagMax = 12, 40, 6
		b := []byte{0x01} // an item not at 0
		b = append(b, 0x95)
		b = str(b, rng.IntN(idMax+2))
		b = str(b, rng.IntN(titleMax+2))
		b = binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(prices[rng.IntN(len(prices))]))
		b = str(b, rng.IntN(idMax+2))
		nt := rng.IntN(16)
		b = append(b, 0x90|byte(nt))
		for range nt {
			b = str(b, rng.IntN(tagMax+2))
		}
		if rng.IntN(3) == 0 {
			b[1+rng.IntN(len(b)-1)] = byte(rng.IntN(256))
		}
		b = append(b, 0xc0)
		for _, end := range []int{len(b), rng.IntN(len(b) + 1)} {
			in := b[:end]
			for _, p := range []int{1, 0, len(in)} {
				is, ie, cs, ce, q := catalogScan(in, p, idMax, titleMax, tagMax)
				wis, wie, wcs, wce, wq := refCatalogScan(in, p, idMax, titleMax, tagMax)
				if q != wq || q >= 0 && (is != wis || ie != wie || cs != wcs || ce != wce) {
					t.Fatalf("trial %d, % x at %d: catalogScan = %d %d %d %d %d; want %d %d %d %d %d", trial, in, p, is, ie, cs, ce, q, wis, wie, wcs, wce, wq)
				}
				if q >= 0 {
					accepted++
				}
			}
		}
	}
	if accepted < 500 {
		t.Fatalf("only %d items accepted: the trials do not reach the accepting path", accepted)
	}
}
