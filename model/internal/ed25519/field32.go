package ed25519

import "encoding/binary"

// fe is an element of GF(2^255-19) in ten signed limbs of 26 and 25 bits,
// alternating (radix 2^25.5, as in ref10): f = Σ f[i]·2^⌈25.5·i⌉. Limb
// products are int64, which WebAssembly multiplies natively (i64.mul),
// where filippo.io/edwards25519's 51-bit limbs need 64×64→128-bit products
// that Go's wasm backend emulates. See verify32.go and RATIONALE.md.
//
// A reduced element (the output of feMul, feSquare, feFromBytes) has
// |f[i]| <= 1.01·2^25 for even i and 1.01·2^24 for odd i. feAdd and feSub
// do not carry; the group formulas feed feMul sums of at most three
// reduced elements, for which every int64 sum in feMul stays below 2^61.
type fe [10]int32

// carry reduces h0..h9 (each below 2^62 in magnitude) into h: rounding
// carries (so limbs come out signed and small), the one out of limb 9
// folded back as ×19 since 2^255 ≡ 19.
func carry(h *fe, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9 int64) {
	var c int64
	c = (h0 + 1<<25) >> 26
	h1 += c
	h0 -= c << 26
	c = (h4 + 1<<25) >> 26
	h5 += c
	h4 -= c << 26
	c = (h1 + 1<<24) >> 25
	h2 += c
	h1 -= c << 25
	c = (h5 + 1<<24) >> 25
	h6 += c
	h5 -= c << 25
	c = (h2 + 1<<25) >> 26
	h3 += c
	h2 -= c << 26
	c = (h6 + 1<<25) >> 26
	h7 += c
	h6 -= c << 26
	c = (h3 + 1<<24) >> 25
	h4 += c
	h3 -= c << 25
	c = (h7 + 1<<24) >> 25
	h8 += c
	h7 -= c << 25
	c = (h4 + 1<<25) >> 26
	h5 += c
	h4 -= c << 26
	c = (h8 + 1<<25) >> 26
	h9 += c
	h8 -= c << 26
	c = (h9 + 1<<24) >> 25
	h0 += c * 19
	h9 -= c << 25
	c = (h0 + 1<<25) >> 26
	h1 += c
	h0 -= c << 26
	*h = fe{int32(h0), int32(h1), int32(h2), int32(h3), int32(h4), int32(h5), int32(h6), int32(h7), int32(h8), int32(h9)}
}

// feAdd sets h = f + g, without carrying. Two limbs a step: fewer
// loop back edges (each a br_table dispatch in Go's wasm code), and small
// enough to inline, as a call per addition is dearer still.
func feAdd(h, f, g *fe) {
	for i := 0; i < 10; i += 2 {
		h[i], h[i+1] = f[i]+g[i], f[i+1]+g[i+1]
	}
}

// feSub sets h = f - g, without carrying.
func feSub(h, f, g *fe) {
	for i := 0; i < 10; i += 2 {
		h[i], h[i+1] = f[i]-g[i], f[i+1]-g[i+1]
	}
}

// feNeg sets h = -f.
func feNeg(h, f *fe) {
	*h = fe{-f[0], -f[1], -f[2], -f[3], -f[4], -f[5], -f[6], -f[7], -f[8], -f[9]}
}

// limbOffset[i] is the bit where limb i starts; limb i has
// limbOffset[i+1]-limbOffset[i] bits (26 for even i, 25 for odd).
var limbOffset = [11]uint{0, 26, 51, 77, 102, 128, 153, 179, 204, 230, 255}

// feFromBytes sets h to the little-endian s (32 bytes), ignoring its top
// bit: values from p to 2^255-1 are accepted and reduced, as
// filippo.io/edwards25519 and crypto/ed25519 accept them.
func feFromBytes(h *fe, s []byte) {
	var w [5]uint64
	for i := range 4 {
		w[i] = binary.LittleEndian.Uint64(s[8*i:])
	}
	w[3] &^= 1 << 63
	var l [10]int64
	for i := range l {
		o, n := limbOffset[i], limbOffset[i+1]-limbOffset[i]
		v := w[o/64] >> (o % 64)
		if o%64+n > 64 {
			v |= w[o/64+1] << (64 - o%64)
		}
		l[i] = int64(v & (1<<n - 1))
	}
	carry(h, l[0], l[1], l[2], l[3], l[4], l[5], l[6], l[7], l[8], l[9])
}

// feToBytes returns the canonical (fully reduced) little-endian encoding
// of h.
func feToBytes(h *fe) [32]byte {
	var l [10]int64
	for i := range l {
		l[i] = int64(h[i])
	}
	// q is 1 when h >= p (h is at most a little over p after carry), so
	// that h - q·p is in [0, p): add 19q, then carry all the way up and
	// drop bit 255.
	q := (19*l[9] + 1<<24) >> 25
	for i := range l {
		q = (l[i] + q) >> (limbOffset[i+1] - limbOffset[i])
	}
	l[0] += 19 * q
	for i := range 9 {
		n := limbOffset[i+1] - limbOffset[i]
		c := l[i] >> n
		l[i+1] += c
		l[i] -= c << n
	}
	l[9] &= 1<<25 - 1
	var w [5]uint64
	for i, v := range l {
		o := limbOffset[i]
		w[o/64] |= uint64(v) << (o % 64)
		if o%64+(limbOffset[i+1]-o) > 64 {
			w[o/64+1] |= uint64(v) >> (64 - o%64)
		}
	}
	var s [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(s[8*i:], w[i])
	}
	return s
}

// feIsNegative reports whether the canonical encoding of f is odd.
func feIsNegative(f *fe) bool {
	s := feToBytes(f)
	return s[0]&1 == 1
}

// feIsZero reports whether f ≡ 0 (mod p).
func feIsZero(f *fe) bool {
	s := feToBytes(f)
	var acc byte
	for _, b := range s {
		acc |= b
	}
	return acc == 0
}

// feInvert sets h = z^(p-2) = 1/z (0 for z = 0), by ref10's chain of 254
// squarings and 11 multiplications.
func feInvert(h, z *fe) {
	var t0, t1, t2, t3 fe
	feSquare(&t0, z)         // 2
	feSquareN(&t1, &t0, 2)   // 8
	feMul(&t1, z, &t1)       // 9
	feMul(&t0, &t0, &t1)     // 11
	feSquare(&t2, &t0)       // 22
	feMul(&t1, &t1, &t2)     // 2^5 - 1
	feSquareN(&t2, &t1, 5)   //
	feMul(&t1, &t2, &t1)     // 2^10 - 1
	feSquareN(&t2, &t1, 10)  //
	feMul(&t2, &t2, &t1)     // 2^20 - 1
	feSquareN(&t3, &t2, 20)  //
	feMul(&t2, &t3, &t2)     // 2^40 - 1
	feSquareN(&t2, &t2, 10)  //
	feMul(&t1, &t2, &t1)     // 2^50 - 1
	feSquareN(&t2, &t1, 50)  //
	feMul(&t2, &t2, &t1)     // 2^100 - 1
	feSquareN(&t3, &t2, 100) //
	feMul(&t2, &t3, &t2)     // 2^200 - 1
	feSquareN(&t2, &t2, 50)  //
	feMul(&t1, &t2, &t1)     // 2^250 - 1
	feSquareN(&t1, &t1, 5)   // 2^255 - 32
	feMul(h, &t1, &t0)       // 2^255 - 21 = p - 2
}

// fePow22523 sets h = z^((p-5)/8) = z^(2^252-3), for square roots.
func fePow22523(h, z *fe) {
	var t0, t1, t2 fe
	feSquare(&t0, z)         // 2
	feSquareN(&t1, &t0, 2)   // 8
	feMul(&t1, z, &t1)       // 9
	feMul(&t0, &t0, &t1)     // 11
	feSquare(&t0, &t0)       // 22
	feMul(&t0, &t1, &t0)     // 2^5 - 1
	feSquareN(&t1, &t0, 5)   //
	feMul(&t0, &t1, &t0)     // 2^10 - 1
	feSquareN(&t1, &t0, 10)  //
	feMul(&t1, &t1, &t0)     // 2^20 - 1
	feSquareN(&t2, &t1, 20)  //
	feMul(&t1, &t2, &t1)     // 2^40 - 1
	feSquareN(&t1, &t1, 10)  //
	feMul(&t0, &t1, &t0)     // 2^50 - 1
	feSquareN(&t1, &t0, 50)  //
	feMul(&t1, &t1, &t0)     // 2^100 - 1
	feSquareN(&t2, &t1, 100) //
	feMul(&t1, &t2, &t1)     // 2^200 - 1
	feSquareN(&t1, &t1, 50)  //
	feMul(&t0, &t1, &t0)     // 2^250 - 1
	feSquareN(&t0, &t0, 2)   // 2^252 - 4
	feMul(h, &t0, z)         // 2^252 - 3
}

// feMulGo sets h = f·g: feMul, which is field32_wasm.s in WebAssembly and
// this function in other builds (field32_other.go). Limb i times limb j
// lands on limb i+j, doubled when both are odd (their offsets sum one bit
// past limb i+j's), and times 19 when i+j >= 10 (2^255 ≡ 19).
// Straight-line: a loop would cost a branch per product in WebAssembly.
func feMulGo(h, f, g *fe) {
	f0 := int64(f[0])
	f1 := int64(f[1])
	f2 := int64(f[2])
	f3 := int64(f[3])
	f4 := int64(f[4])
	f5 := int64(f[5])
	f6 := int64(f[6])
	f7 := int64(f[7])
	f8 := int64(f[8])
	f9 := int64(f[9])
	g0 := int64(g[0])
	g1 := int64(g[1])
	g2 := int64(g[2])
	g3 := int64(g[3])
	g4 := int64(g[4])
	g5 := int64(g[5])
	g6 := int64(g[6])
	g7 := int64(g[7])
	g8 := int64(g[8])
	g9 := int64(g[9])
	g119 := 19 * g1
	g219 := 19 * g2
	g319 := 19 * g3
	g419 := 19 * g4
	g519 := 19 * g5
	g619 := 19 * g6
	g719 := 19 * g7
	g819 := 19 * g8
	g919 := 19 * g9
	f12 := 2 * f1
	f32 := 2 * f3
	f52 := 2 * f5
	f72 := 2 * f7
	f92 := 2 * f9
	h0 := f0*g0 + f12*g919 + f2*g819 + f32*g719 + f4*g619 + f52*g519 + f6*g419 + f72*g319 + f8*g219 + f92*g119
	h1 := f0*g1 + f1*g0 + f2*g919 + f3*g819 + f4*g719 + f5*g619 + f6*g519 + f7*g419 + f8*g319 + f9*g219
	h2 := f0*g2 + f12*g1 + f2*g0 + f32*g919 + f4*g819 + f52*g719 + f6*g619 + f72*g519 + f8*g419 + f92*g319
	h3 := f0*g3 + f1*g2 + f2*g1 + f3*g0 + f4*g919 + f5*g819 + f6*g719 + f7*g619 + f8*g519 + f9*g419
	h4 := f0*g4 + f12*g3 + f2*g2 + f32*g1 + f4*g0 + f52*g919 + f6*g819 + f72*g719 + f8*g619 + f92*g519
	h5 := f0*g5 + f1*g4 + f2*g3 + f3*g2 + f4*g1 + f5*g0 + f6*g919 + f7*g819 + f8*g719 + f9*g619
	h6 := f0*g6 + f12*g5 + f2*g4 + f32*g3 + f4*g2 + f52*g1 + f6*g0 + f72*g919 + f8*g819 + f92*g719
	h7 := f0*g7 + f1*g6 + f2*g5 + f3*g4 + f4*g3 + f5*g2 + f6*g1 + f7*g0 + f8*g919 + f9*g819
	h8 := f0*g8 + f12*g7 + f2*g6 + f32*g5 + f4*g4 + f52*g3 + f6*g2 + f72*g1 + f8*g0 + f92*g919
	h9 := f0*g9 + f1*g8 + f2*g7 + f3*g6 + f4*g5 + f5*g4 + f6*g3 + f7*g2 + f8*g1 + f9*g0
	var c int64
	c = (h0 + 1<<25) >> 26
	h1 += c
	h0 -= c << 26
	c = (h4 + 1<<25) >> 26
	h5 += c
	h4 -= c << 26
	c = (h1 + 1<<24) >> 25
	h2 += c
	h1 -= c << 25
	c = (h5 + 1<<24) >> 25
	h6 += c
	h5 -= c << 25
	c = (h2 + 1<<25) >> 26
	h3 += c
	h2 -= c << 26
	c = (h6 + 1<<25) >> 26
	h7 += c
	h6 -= c << 26
	c = (h3 + 1<<24) >> 25
	h4 += c
	h3 -= c << 25
	c = (h7 + 1<<24) >> 25
	h8 += c
	h7 -= c << 25
	c = (h4 + 1<<25) >> 26
	h5 += c
	h4 -= c << 26
	c = (h8 + 1<<25) >> 26
	h9 += c
	h8 -= c << 26
	c = (h9 + 1<<24) >> 25
	h0 += c * 19
	h9 -= c << 25
	c = (h0 + 1<<25) >> 26
	h1 += c
	h0 -= c << 26
	*h = fe{int32(h0), int32(h1), int32(h2), int32(h3), int32(h4), int32(h5), int32(h6), int32(h7), int32(h8), int32(h9)}
}

// feSquareGo sets h = f² (feSquare, as feMulGo is feMul): feMulGo with
// the symmetric products counted once and the constant factors folded into
// the operands (55 products).
func feSquareGo(h, f *fe) {
	f0 := int64(f[0])
	f1 := int64(f[1])
	f2 := int64(f[2])
	f3 := int64(f[3])
	f4 := int64(f[4])
	f5 := int64(f[5])
	f6 := int64(f[6])
	f7 := int64(f[7])
	f8 := int64(f[8])
	f9 := int64(f[9])
	f0x2 := 2 * f0
	f1x2 := 2 * f1
	f2x2 := 2 * f2
	f3x2 := 2 * f3
	f4x2 := 2 * f4
	f5x2 := 2 * f5
	f5x19 := 19 * f5
	f6x2 := 2 * f6
	f6x19 := 19 * f6
	f7x2 := 2 * f7
	f7x19 := 19 * f7
	f7x38 := 38 * f7
	f8x2 := 2 * f8
	f8x19 := 19 * f8
	f9x2 := 2 * f9
	f9x19 := 19 * f9
	f9x38 := 38 * f9
	h0 := f0*f0 + f1x2*f9x38 + f2x2*f8x19 + f3x2*f7x38 + f4x2*f6x19 + f5x2*f5x19
	h1 := f0x2*f1 + f2x2*f9x19 + f3x2*f8x19 + f4x2*f7x19 + f5x2*f6x19
	h2 := f0x2*f2 + f1x2*f1 + f3x2*f9x38 + f4x2*f8x19 + f5x2*f7x38 + f6*f6x19
	h3 := f0x2*f3 + f1x2*f2 + f4x2*f9x19 + f5x2*f8x19 + f6x2*f7x19
	h4 := f0x2*f4 + f1x2*f3x2 + f2*f2 + f5x2*f9x38 + f6x2*f8x19 + f7x2*f7x19
	h5 := f0x2*f5 + f1x2*f4 + f2x2*f3 + f6x2*f9x19 + f7x2*f8x19
	h6 := f0x2*f6 + f1x2*f5x2 + f2x2*f4 + f3x2*f3 + f7x2*f9x38 + f8*f8x19
	h7 := f0x2*f7 + f1x2*f6 + f2x2*f5 + f3x2*f4 + f8x2*f9x19
	h8 := f0x2*f8 + f1x2*f7x2 + f2x2*f6 + f3x2*f5x2 + f4*f4 + f9x2*f9x19
	h9 := f0x2*f9 + f1x2*f8 + f2x2*f7 + f3x2*f6 + f4x2*f5
	var c int64
	c = (h0 + 1<<25) >> 26
	h1 += c
	h0 -= c << 26
	c = (h4 + 1<<25) >> 26
	h5 += c
	h4 -= c << 26
	c = (h1 + 1<<24) >> 25
	h2 += c
	h1 -= c << 25
	c = (h5 + 1<<24) >> 25
	h6 += c
	h5 -= c << 25
	c = (h2 + 1<<25) >> 26
	h3 += c
	h2 -= c << 26
	c = (h6 + 1<<25) >> 26
	h7 += c
	h6 -= c << 26
	c = (h3 + 1<<24) >> 25
	h4 += c
	h3 -= c << 25
	c = (h7 + 1<<24) >> 25
	h8 += c
	h7 -= c << 25
	c = (h4 + 1<<25) >> 26
	h5 += c
	h4 -= c << 26
	c = (h8 + 1<<25) >> 26
	h9 += c
	h8 -= c << 26
	c = (h9 + 1<<24) >> 25
	h0 += c * 19
	h9 -= c << 25
	c = (h0 + 1<<25) >> 26
	h1 += c
	h0 -= c << 26
	*h = fe{int32(h0), int32(h1), int32(h2), int32(h3), int32(h4), int32(h5), int32(h6), int32(h7), int32(h8), int32(h9)}
}

// feSquare2 sets h = 2f².
func feSquare2(h, f *fe) {
	feSquare(h, f)
	feAdd(h, h, h)
}
