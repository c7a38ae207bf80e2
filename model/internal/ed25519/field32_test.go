package ed25519

import (
	std "crypto/ed25519"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519/field"
)

// randBytes returns 32 random bytes; every few calls one of the edge
// values near 0 and p (and non-canonical ones above p).
func randBytes(r *rand.Rand) []byte {
	b := make([]byte, 32)
	switch r.IntN(8) {
	case 0: // p - 2 .. 2^256 - 1 (top bit and non-canonical)
		for i := range b {
			b[i] = 0xff
		}
		b[0] = byte(0xed - 2 + r.IntN(20))
		if r.IntN(2) == 0 {
			b[31] = 0x7f
		}
	case 1: // small
		b[0] = byte(r.IntN(4))
	default:
		for i := range b {
			b[i] = byte(r.Uint32())
		}
	}
	return b
}

func std32(t *testing.T, b []byte) *field.Element {
	t.Helper()
	e, err := new(field.Element).SetBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func feOf(b []byte) *fe {
	var f fe
	feFromBytes(&f, b)
	return &f
}

// TestFieldAgreesWithFilippo checks fe against filippo.io/edwards25519's
// field on random and edge inputs, including sums of three reduced
// elements, the largest inputs the group formulas give feMul.
func TestFieldAgreesWithFilippo(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 3000; i++ {
		a, b, c := randBytes(r), randBytes(r), randBytes(r)
		fa, fb, fc := feOf(a), feOf(b), feOf(c)
		sa, sb, sc := std32(t, a), std32(t, b), std32(t, c)
		check := func(op string, got *fe, want *field.Element) {
			t.Helper()
			if g, w := feToBytes(got), want.Bytes(); string(g[:]) != string(w) {
				t.Fatalf("case %d %s(%x, %x, %x) = %x, want %x", i, op, a, b, c, g, w)
			}
		}
		check("set", fa, sa)
		var h fe
		feMul(&h, fa, fb)
		check("mul", &h, new(field.Element).Multiply(sa, sb))
		feSquare(&h, fa)
		check("square", &h, new(field.Element).Square(sa))
		feSquare2(&h, fa)
		check("square2", &h, new(field.Element).Add(new(field.Element).Square(sa), new(field.Element).Square(sa)))
		// (a+b+c)·(a-b-c) and its square: three-element sums.
		var s3, d3 fe
		feAdd(&s3, fa, fb)
		feAdd(&s3, &s3, fc)
		feSub(&d3, fa, fb)
		feSub(&d3, &d3, fc)
		ss3 := new(field.Element).Add(new(field.Element).Add(sa, sb), sc)
		sd3 := new(field.Element).Subtract(new(field.Element).Subtract(sa, sb), sc)
		feMul(&h, &s3, &d3)
		check("mul3", &h, new(field.Element).Multiply(ss3, sd3))
		feSquare(&h, &d3)
		check("square3", &h, new(field.Element).Square(sd3))
		check("sum3", &s3, ss3)
		check("diff3", &d3, sd3)
		feNeg(&h, fa)
		check("neg", &h, new(field.Element).Negate(sa))
		if i%10 == 0 {
			feInvert(&h, fa)
			check("invert", &h, new(field.Element).Invert(sa))
			fePow22523(&h, fa)
			check("pow22523", &h, new(field.Element).Pow22523(sa))
		}
		if got, want := feIsNegative(fa), sa.IsNegative() == 1; got != want {
			t.Fatalf("case %d isNegative(%x) = %v, want %v", i, a, got, want)
		}
		if got, want := feIsZero(fa), sa.Equal(new(field.Element)) == 1; got != want {
			t.Fatalf("case %d isZero(%x) = %v, want %v", i, a, got, want)
		}
	}
}

func TestFieldConstants(t *testing.T) {
	var h, one fe
	one[0] = 1
	feMul(&h, &feD, feOf(le(121666)))
	feAdd(&h, &h, feOf(le(121665)))
	if !feIsZero(&h) {
		t.Errorf("d·121666 + 121665 = %x, want 0", feToBytes(&h))
	}
	feSquare(&h, &feSqrtM1)
	feAdd(&h, &h, &one)
	if !feIsZero(&h) {
		t.Errorf("sqrt(-1)² + 1 = %x, want 0", feToBytes(&h))
	}
}

func le(v uint32) []byte {
	b := make([]byte, 32)
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return b
}

// RFC 8032, section 7.1, tests 1 to 3 and the SHA(abc) one.
var rfc8032 = []struct{ seed, pub, msg, sig string }{
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
		"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerify32RFC8032(t *testing.T) {
	for i, v := range rfc8032 {
		seed, pub, msg, sig := unhex(t, v.seed), unhex(t, v.pub), unhex(t, v.msg), unhex(t, v.sig)
		priv := std.NewKeyFromSeed(seed)
		if got := priv.Public().(std.PublicKey); string(got) != string(pub) {
			t.Fatalf("vector %d: public key %x, want %x", i+1, got, pub)
		}
		if got := std.Sign(priv, msg); string(got) != string(sig) {
			t.Fatalf("vector %d: crypto/ed25519 signs %x, want %x", i+1, got, sig)
		}
		if !verify32(pub, msg, sig) {
			t.Errorf("vector %d refused", i+1)
		}
		bad := append([]byte(nil), sig...)
		bad[5] ^= 4
		if verify32(pub, msg, bad) {
			t.Errorf("vector %d with a flipped bit accepted", i+1)
		}
	}
}

// TestVerify32AgreesWithStdlib: on valid, tampered and malformed
// signatures, and on public keys and R values that are non-canonical,
// small-order or not on the curve, verify32 answers what crypto/ed25519
// answers.
func TestVerify32AgreesWithStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	seed := make([]byte, 32)
	for i := 0; i < 300; i++ {
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		priv := std.NewKeyFromSeed(seed)
		pub := []byte(priv.Public().(std.PublicKey))
		msg := make([]byte, r.IntN(300))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		sig := std.Sign(priv, msg)
		if !verify32(pub, msg, sig) {
			t.Fatalf("valid signature %d refused", i)
		}
		bad := append([]byte(nil), sig...)
		bad[r.IntN(64)] ^= byte(1 << r.IntN(8))
		badPub := append([]byte(nil), pub...)
		badPub[r.IntN(32)] ^= byte(1 << r.IntN(8))
		oddPub := randBytes(r) // random, edge or non-canonical y
		highS := append([]byte(nil), sig...)
		highS[63] |= 0x10 // s >= L, still under 2^253
		for c, tc := range []struct{ pub, msg, sig []byte }{
			{pub, msg, bad}, {pub, append([]byte{1}, msg...), sig}, {badPub, msg, sig},
			{oddPub, msg, sig}, {pub, msg, highS}, {pub[:31], msg, sig}, {pub, msg, sig[:63]},
		} {
			want := len(tc.pub) == 32 && std.Verify(tc.pub, tc.msg, tc.sig)
			if got := verify32(tc.pub, tc.msg, tc.sig); got != want {
				t.Fatalf("case %d.%d: verify32 %v, crypto/ed25519 %v", i, c, got, want)
			}
		}
	}
	// Small-order and non-canonical encodings of the identity and of
	// points of order 2, 4 and 8, as keys and as R, with s = 0 (the
	// signatures crypto/ed25519 accepts for such keys).
	small := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4, x sign set on 0
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // non-canonical identity (p+1)
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // p with the sign bit
	}
	for _, k := range small {
		for _, rr := range small {
			pub := unhex(t, k)
			sig := append(unhex(t, rr), make([]byte, 32)...)
			for _, msg := range [][]byte{nil, []byte("privrec")} {
				want := std.Verify(pub, msg, sig)
				if got := verify32(pub, msg, sig); got != want {
					t.Fatalf("key %s R %s msg %q: verify32 %v, crypto/ed25519 %v", k, rr, msg, got, want)
				}
			}
		}
	}
}

// TestBasePoint: basePoint, which init takes as the base point without
// decoding it, is the decoding of B's encoding (y = 4/5, x even).
func TestBasePoint(t *testing.T) {
	enc := [32]byte{0x58}
	for i := 1; i < 32; i++ {
		enc[i] = 0x66
	}
	var want p3
	if !want.setBytes(enc[:]) {
		t.Fatal("B does not decode")
	}
	got := basePoint()
	for i, f := range []*[2]fe{{got.X, want.X}, {got.Y, want.Y}, {got.Z, want.Z}, {got.T, want.T}} {
		if feToBytes(&f[0]) != feToBytes(&f[1]) {
			t.Errorf("coordinate %d: %x, decoded %x", i, feToBytes(&f[0]), feToBytes(&f[1]))
		}
	}
}
