package ed25519

// Scalars modulo L = 2^252 + 27742317777372353535851937790883648493, the
// order of the base point, in signed 21-bit limbs held in int64 (ref10's
// representation): v = Σ l[i]·2^(21·i). This replaces
// filippo.io/edwards25519's Scalar in the module, where its Montgomery
// arithmetic (fiat-crypto's 64-bit limbs, 128-bit products emulated in
// wasm) and the package's init were about 40 KiB of code for two calls per
// verification; see RATIONALE.md. The tests check every function against
// filippo.io/edwards25519 natively.
//
// Everything here is constant time (no branch or index depends on a
// scalar's value), as signing needs for its secret nonce and key.

const limbMask = 1<<21 - 1

// scLimbs is the number of 21-bit limbs of a 512-bit value (the last one
// holds the top 29 bits).
const scLimbs = 24

// minusC is -(L - 2^252) in signed 21-bit limbs: 2^252 ≡ minusC (mod L),
// so a limb at bit 21·i, i >= 12, folds into limbs i-12 … i-7. The tests
// check it against L.
var minusC = [6]int64{666643, 470296, 654183, -997805, 136657, -683901}

// lLimbs is L in 21-bit limbs; limb 12 is its bit 252.
var lLimbs = [13]int64{
	0x15d3ed, 0x18d2e7, 0x160498, 0x0f39ac, 0x1dea2f, 0x0a6f7c,
	0, 0, 0, 0, 0, 0, 1,
}

// loadLimbs reads the little-endian s (at most 64 bytes) into 21-bit
// limbs; the last limb takes every bit above the others.
func loadLimbs(l *[scLimbs]int64, s []byte) {
	var b [72]byte // room to read 8 bytes at any limb's first byte
	copy(b[:], s)
	for i := range l {
		o := 21 * i
		var w uint64
		for j := 7; j >= 0; j-- {
			w = w<<8 | uint64(b[o/8+j])
		}
		w >>= o % 8
		if i < scLimbs-1 {
			w &= limbMask
		}
		l[i] = int64(w)
	}
}

// carryFloor carries l[0 … n-1] into the limb above each, rounding down,
// so that they end in [0, 2^21) and l[n] takes the rest (signed).
func carryFloor(l []int64, n int) {
	for i := range n {
		c := l[i] >> 21
		l[i+1] += c
		l[i] -= c << 21
	}
}

// reduceLimbs returns l mod L as 32 little-endian bytes. l[0 … 22] must
// be below 2^21 in magnitude and l[23] below 2^29, as loadLimbs leaves
// them.
func reduceLimbs(l *[scLimbs]int64) [32]byte {
	// Fold the limbs at bit 252 and above down, top first: after each
	// fold, a rounding carry brings the limbs below the next one to fold
	// back into [-2^20, 2^20], so no product exceeds 2^29·2^20.
	for i := scLimbs - 1; i >= 12; i-- {
		x := l[i]
		l[i] = 0
		for j, c := range minusC {
			l[i-12+j] += x * c
		}
		for k := 0; k < i-1; k++ {
			c := (l[k] + 1<<20) >> 21
			l[k+1] += c
			l[k] -= c << 21
		}
	}
	// Now v = Σ l[0 … 11]·2^(21·i) with l[0 … 10] in [-2^20, 2^20) and
	// l[11] in [-2^20-2, 2^20+2] (the last rounding carries into it were
	// at most 2): |v| < 2^20·2^231 + 2^232 < 2^252 < L. So v mod L is v,
	// or v + L when v < 0: added by mask.
	var v [13]int64
	copy(v[:], l[:12])
	carryFloor(v[:], 12) // v[12] = floor(v / 2^252): 0, or -1 when v < 0
	neg := v[12] >> 63   // all ones when v < 0
	for i := range v {
		v[i] += lLimbs[i] & neg
	}
	carryFloor(v[:], 12)
	return packLimbs(&v)
}

// packLimbs writes 13 limbs in [0, 2^21) (the last one 0 or 1: a value
// below 2^253) as 32 little-endian bytes.
func packLimbs(v *[13]int64) [32]byte {
	var out [32]byte
	var acc uint64
	bits, n := 0, 0
	for _, x := range v {
		acc |= uint64(x) << bits
		bits += 21
		for bits >= 8 && n < 32 {
			out[n] = byte(acc)
			acc >>= 8
			bits -= 8
			n++
		}
	}
	if n < 32 {
		out[n] = byte(acc)
	}
	return out
}

// scReduce returns the 64-byte little-endian s modulo L (what
// filippo.io/edwards25519's Scalar.SetUniformBytes computes).
func scReduce(s *[64]byte) [32]byte {
	var l [scLimbs]int64
	loadLimbs(&l, s[:])
	return reduceLimbs(&l)
}

// scMulAdd returns a·b + c modulo L, for a, b and c below 2^253
// (Scalar.MultiplyAdd).
func scMulAdd(a, b, c *[32]byte) [32]byte {
	var la, lb, lc, p [scLimbs]int64
	loadLimbs(&la, a[:])
	loadLimbs(&lb, b[:])
	loadLimbs(&lc, c[:])
	// 13 limbs each (253 bits): 25 product limbs of at most 13 terms
	// below 2^42 each.
	var prod [26]int64
	for i := range 13 {
		for j := range 13 {
			prod[i+j] += la[i] * lb[j]
		}
		prod[i] += lc[i]
	}
	carryFloor(prod[:], 25)
	// a·b + c < 2^506: limbs 23 … 25 together hold bits 483 and up.
	copy(p[:], prod[:scLimbs])
	p[scLimbs-1] += prod[24]<<21 + prod[25]<<42
	return reduceLimbs(&p)
}

// scCanonical reports whether the 32-byte little-endian s is below L
// (Scalar.SetCanonicalBytes accepts it).
func scCanonical(s []byte) bool {
	var l [scLimbs]int64
	loadLimbs(&l, s[:32])
	var t [13]int64
	for i := range t {
		t[i] = l[i] - lLimbs[i]
	}
	// l[12] holds bits 252 … 255 (loadLimbs stops reading at byte 32).
	carryFloor(t[:], 12)
	return t[12] < 0
}

// scClamp returns h's first 32 bytes clamped as RFC 8032 derives the
// secret scalar from a key, reduced modulo L
// (Scalar.SetBytesWithClamping).
func scClamp(h []byte) [32]byte {
	var s [64]byte
	copy(s[:], h[:32])
	s[0] &= 248
	s[31] &= 63
	s[31] |= 64
	return scReduce(&s)
}
