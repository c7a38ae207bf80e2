package ed25519

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestNAF checks naf for each width the verifier uses (and the others it
// allows) on random scalars below 2^253 and on the edges (0, 1, L-1, L,
// 2^253-1, runs of ones at the word boundaries): the digits sum to the
// scalar, each is zero or odd and below 2^(w-1) in magnitude, and a
// nonzero digit is followed by w-1 zeros.
func TestNAF(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	top := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 253), big.NewInt(1))
	edges := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(127), big.NewInt(128), new(big.Int).Sub(l, big.NewInt(1)), l, top}
	for _, b := range []uint{63, 64, 127, 128, 191, 192, 250} {
		edges = append(edges, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), b), big.NewInt(1)))
		edges = append(edges, new(big.Int).Lsh(big.NewInt(1), b))
	}
	for w := uint(2); w <= 8; w++ {
		for i := 0; i < 3000+len(edges); i++ {
			var v *big.Int
			if i < len(edges) {
				v = edges[i]
			} else {
				var b [32]byte
				for j := range b {
					b[j] = byte(r.Uint32())
				}
				b[0] &= 0x1f // big-endian here: below 2^253
				v = new(big.Int).SetBytes(b[:])
			}
			var a [32]byte
			v.FillBytes(a[:])
			for j := 0; j < 16; j++ {
				a[j], a[31-j] = a[31-j], a[j]
			}
			var d [256]int8
			naf(&d, a[:], w)
			sum := new(big.Int)
			last := -1000
			for pos := 255; pos >= 0; pos-- {
				x := int(d[pos])
				sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(x)))
				if x == 0 {
					continue
				}
				if x%2 == 0 || x >= 1<<(w-1) || x <= -(1<<(w-1)) {
					t.Fatalf("w %d, %v: digit %d at %d", w, v, x, pos)
				}
				if last-pos < int(w) && last != -1000 {
					t.Fatalf("w %d, %v: digits at %d and %d", w, v, pos, last)
				}
				last = pos
			}
			if sum.Cmp(v) != 0 {
				t.Fatalf("w %d: naf of %v sums to %v", w, v, sum)
			}
		}
	}
}
