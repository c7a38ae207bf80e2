package ed25519

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
)

var bigL, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// limbsValue is Σ l[i]·2^(21·i).
func limbsValue(l []int64) *big.Int {
	v := new(big.Int)
	for i := len(l) - 1; i >= 0; i-- {
		v.Lsh(v, 21)
		v.Add(v, big.NewInt(l[i]))
	}
	return v
}

// leBytes returns v (0 <= v < 2^(8n)) as n little-endian bytes.
func leBytes(v *big.Int, n int) []byte {
	b := make([]byte, n)
	be := v.FillBytes(make([]byte, n))
	for i := range b {
		b[i] = be[n-1-i]
	}
	return b
}

func TestScalarConstants(t *testing.T) {
	if got := limbsValue(lLimbs[:]); got.Cmp(bigL) != 0 {
		t.Errorf("lLimbs = %v, want L = %v", got, bigL)
	}
	want := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 252), bigL) // -(L - 2^252)
	if got := limbsValue(minusC[:]); got.Cmp(want) != 0 {
		t.Errorf("minusC = %v, want %v", got, want)
	}
}

// wideEdges are 64-byte inputs where a reduction goes wrong first: 0,
// small values, multiples of L and their neighbours, 2^252 and 2^512-1.
func wideEdges() [][]byte {
	var out [][]byte
	two512 := new(big.Int).Lsh(big.NewInt(1), 512)
	add := func(v *big.Int) {
		v = new(big.Int).Mod(v, two512)
		out = append(out, leBytes(v, 64))
	}
	for _, k := range []int64{0, 1, 2, 3, 1 << 20, 1 << 40} {
		m := new(big.Int).Mul(bigL, big.NewInt(k))
		for d := int64(-2); d <= 2; d++ {
			add(new(big.Int).Add(m, big.NewInt(d)))
		}
	}
	for _, e := range []uint{252, 253, 256, 259, 260, 483, 504, 511} {
		p := new(big.Int).Lsh(big.NewInt(1), e)
		add(p)
		add(new(big.Int).Sub(p, big.NewInt(1)))
	}
	// The largest multiple of L below 2^512, and the values just above it.
	top := new(big.Int).Div(new(big.Int).Sub(two512, big.NewInt(1)), bigL)
	top.Mul(top, bigL)
	for d := int64(-1); d <= 3; d++ {
		add(new(big.Int).Add(top, big.NewInt(d)))
	}
	return out
}

// randWide returns 64 random bytes, some with long runs of 0x00 or 0xff
// (carries that run the whole way).
func randWide(r *rand.Rand) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	switch r.IntN(4) {
	case 0:
		for i := r.IntN(64); i < 64; i++ {
			b[i] = 0xff
		}
	case 1:
		for i := r.IntN(64); i < 64; i++ {
			b[i] = 0
		}
	}
	return b
}

// TestScReduce: scReduce equals filippo.io/edwards25519's
// Scalar.SetUniformBytes and s mod L, on edge and random inputs.
func TestScReduce(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	inputs := wideEdges()
	for range 20000 {
		inputs = append(inputs, randWide(r))
	}
	for _, in := range inputs {
		var s [64]byte
		copy(s[:], in)
		got := scReduce(&s)
		ref, err := new(edwards25519.Scalar).SetUniformBytes(in)
		if err != nil {
			t.Fatal(err)
		}
		if want := ref.Bytes(); string(got[:]) != string(want) {
			t.Fatalf("scReduce(%x) = %x, edwards25519 %x", in, got, want)
		}
		v := new(big.Int).SetBytes(reverse(in)) // in is little-endian
		if want := leBytes(v.Mod(v, bigL), 32); string(got[:]) != string(want) {
			t.Fatalf("scReduce(%x) = %x, big.Int %x", in, got, want)
		}
	}
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out
}

// randScalar returns a random scalar below L: uniform, or one of the
// edges 0, 1, L-1 and L-2.
func randScalar(r *rand.Rand) [32]byte {
	var v *big.Int
	switch r.IntN(6) {
	case 0:
		v = big.NewInt(int64(r.IntN(2)))
	case 1:
		v = new(big.Int).Sub(bigL, big.NewInt(int64(1+r.IntN(2))))
	default:
		b := make([]byte, 32)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		v = new(big.Int).SetBytes(b)
		v.Mod(v, bigL)
	}
	var s [32]byte
	copy(s[:], leBytes(v, 32))
	return s
}

// TestScMulAdd: scMulAdd equals Scalar.MultiplyAdd on edge and random
// scalars.
func TestScMulAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	sc := func(b [32]byte) *edwards25519.Scalar {
		s, err := new(edwards25519.Scalar).SetCanonicalBytes(b[:])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for range 5000 {
		a, b, c := randScalar(r), randScalar(r), randScalar(r)
		got := scMulAdd(&a, &b, &c)
		want := new(edwards25519.Scalar).MultiplyAdd(sc(a), sc(b), sc(c)).Bytes()
		if string(got[:]) != string(want) {
			t.Fatalf("scMulAdd(%x, %x, %x) = %x, edwards25519 %x", a, b, c, got, want)
		}
	}
}

// TestScCanonical: scCanonical accepts what Scalar.SetCanonicalBytes
// accepts: every value below L and nothing from L up, top bits included.
func TestScCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	var inputs [][]byte
	for d := int64(-3); d <= 3; d++ {
		inputs = append(inputs, leBytes(new(big.Int).Add(bigL, big.NewInt(d)), 32))
	}
	for _, e := range []uint{252, 253, 255} {
		p := new(big.Int).Lsh(big.NewInt(1), e)
		inputs = append(inputs, leBytes(p, 32), leBytes(new(big.Int).Sub(p, big.NewInt(1)), 32))
	}
	for range 20000 {
		b := make([]byte, 32)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		switch r.IntN(3) {
		case 0:
			b[31] &= 0x1f // below 2^253, often above L
		case 1:
			b[31] = 0x10 // 2^252 + a little: above or below L by the rest
			for i := 16; i < 31; i++ {
				b[i] = 0
			}
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		_, err := new(edwards25519.Scalar).SetCanonicalBytes(in)
		if got, want := scCanonical(in), err == nil; got != want {
			t.Fatalf("scCanonical(%x) = %v, edwards25519 %v", in, got, want)
		}
	}
}

// TestScClampAndBaseMult: the secret scalar and [s]B that sign computes
// equal Scalar.SetBytesWithClamping and Point.ScalarBaseMult.
func TestScClampAndBaseMult(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for i := range 300 {
		h := randWide(r)
		got := scClamp(h)
		ref, err := new(edwards25519.Scalar).SetBytesWithClamping(h[:32])
		if err != nil {
			t.Fatal(err)
		}
		if want := ref.Bytes(); string(got[:]) != string(want) {
			t.Fatalf("scClamp(%x) = %x, edwards25519 %x", h[:32], got, want)
		}
		s := randScalar(r)
		if i == 0 {
			s = [32]byte{} // [0]B, the identity
		}
		P := baseMult(&s)
		enc := P.bytes()
		sc, err := new(edwards25519.Scalar).SetCanonicalBytes(s[:])
		if err != nil {
			t.Fatal(err)
		}
		if want := new(edwards25519.Point).ScalarBaseMult(sc).Bytes(); string(enc[:]) != string(want) {
			t.Fatalf("baseMult(%x) = %x, edwards25519 %x", s, enc, want)
		}
	}
}
