package ed25519

import (
	"encoding/binary"

	"github.com/privrec/privrec/model/internal/sha2"
)

// The group arithmetic of ref10 (the reference code of the Ed25519 paper)
// on fe: enough for verify32's [k](-A) + [s]B. Points are
//
//	p2        (X:Y:Z)        x = X/Z, y = Y/Z
//	p3        (X:Y:Z:T)      extended, XY = ZT
//	p1p1      ((X:Z),(Y:T))  completed, x = X/Z, y = Y/T
//	cached    (Y+X, Y-X, Z, 2dT), the form an addend takes
type (
	p2     struct{ X, Y, Z fe }
	p3     struct{ X, Y, Z, T fe }
	p1p1   struct{ X, Y, Z, T fe }
	cached struct{ YplusX, YminusX, Z, T2d fe }
)

// baseWindow is the width of the base point's non-adjacent form: its
// digits are odd and below 2^(baseWindow-1) in magnitude, one in
// baseWindow+1 positions on average, and baseOdd holds the
// 2^(baseWindow-2) odd multiples they add, computed at init. A's window
// is 5 (8 multiples, computed for each verification). See RATIONALE.md.
const baseWindow = 7

var (
	// feD is d = -121665/121666 and feD2 is 2d; feSqrtM1 is a square root
	// of -1. The tests check each against its definition.
	feD, feD2, feSqrtM1 fe
	// baseOdd holds B, 3B, 5B, …, the addends of the base point's
	// window (baseWindow).
	baseOdd [1 << (baseWindow - 2)]cached
)

// basePoint returns B, from its affine coordinates (y = 4/5; the tests
// check it against the decoding of its encoding, which init skips: that
// is a square root, 250 squarings).
func basePoint() p3 {
	var b p3
	feFromBytes(&b.X, []byte{
		0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
		0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21})
	enc := [32]byte{0x58}
	for i := 1; i < 32; i++ {
		enc[i] = 0x66
	}
	feFromBytes(&b.Y, enc[:])
	b.Z = fe{1}
	feMul(&b.T, &b.X, &b.Y)
	return b
}

func init() {
	feFromBytes(&feD, []byte{
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52})
	feAdd(&feD2, &feD, &feD)
	feFromBytes(&feSqrtM1, []byte{
		0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
		0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b})
	b := basePoint()
	oddMultiples(baseOdd[:], &b)
}

// oddMultiples sets out to P, 3P, 5P, …: t runs through them as
// completed points, each addStep adding 2P and leaving the one before in
// u, extended.
func oddMultiples(out []cached, p *p3) {
	var t p1p1
	var u p3
	var p2x cached
	p.double(&t)
	t.toP3(&u)
	u.toCached(&p2x)
	t = p1p1{X: p.X, Y: p.Y, Z: p.Z, T: p.Z} // x = X/Z, y = Y/T
	last := len(out) - 1
	for i := range last {
		addStep(&t, &u, &p2x, false)
		u.toCached(&out[i])
	}
	t.toP3(&u)
	u.toCached(&out[last])
}

// setBytes decodes the point encoded in s (32 bytes) as
// filippo.io/edwards25519's Point.SetBytes does: y's top bit ignored and
// non-canonical y accepted, x's sign from bit 255; it reports false when
// no point has that y.
func (p *p3) setBytes(s []byte) bool {
	var u, v, v3, vxx, check fe
	feFromBytes(&p.Y, s)
	p.Z = fe{1}
	feSquare(&u, &p.Y)
	feMul(&v, &u, &feD)
	feSub(&u, &u, &p.Z) // u = y² - 1
	feAdd(&v, &v, &p.Z) // v = dy² + 1
	feSquare(&v3, &v)
	feMul(&v3, &v3, &v) // v³
	feSquare(&p.X, &v3)
	feMul(&p.X, &p.X, &v)
	feMul(&p.X, &p.X, &u) // uv⁷
	fePow22523(&p.X, &p.X)
	feMul(&p.X, &p.X, &v3)
	feMul(&p.X, &p.X, &u) // x = uv³(uv⁷)^((p-5)/8)
	feSquare(&vxx, &p.X)
	feMul(&vxx, &vxx, &v)
	feSub(&check, &vxx, &u) // vx² - u
	if !feIsZero(&check) {
		feAdd(&check, &vxx, &u) // vx² + u
		if !feIsZero(&check) {
			return false
		}
		feMul(&p.X, &p.X, &feSqrtM1)
	}
	if feIsNegative(&p.X) != (s[31]>>7 == 1) {
		feNeg(&p.X, &p.X)
	}
	feMul(&p.T, &p.X, &p.Y)
	return true
}

func (p *p3) toCached(c *cached) {
	feAdd(&c.YplusX, &p.Y, &p.X)
	feSub(&c.YminusX, &p.Y, &p.X)
	c.Z = p.Z
	feMul(&c.T2d, &p.T, &feD2)
}

func (p *p3) double(r *p1p1) {
	q := p2{p.X, p.Y, p.Z}
	q.double(r)
}

func (p *p2) double(r *p1p1) { p2Double(r, p) }

// p2DoubleGo is p2.double: p2Double, which is field32_wasm.s in
// WebAssembly and this function in other builds (field32_other.go).
func p2DoubleGo(r *p1p1, p *p2) {
	var t0 fe
	feSquare(&r.X, &p.X)
	feSquare(&r.Z, &p.Y)
	feSquare2(&r.T, &p.Z)
	feAdd(&r.Y, &p.X, &p.Y)
	feSquare(&t0, &r.Y)
	feAdd(&r.Y, &r.Z, &r.X)
	feSub(&r.Z, &r.Z, &r.X)
	feSub(&r.X, &t0, &r.Y)
	feSub(&r.T, &r.T, &r.Z)
}

// add sets r = p + q.
func add(r *p1p1, p *p3, q *cached) {
	var t0 fe
	feAdd(&r.X, &p.Y, &p.X)
	feSub(&r.Y, &p.Y, &p.X)
	feMul(&r.Z, &r.X, &q.YplusX)
	feMul(&r.Y, &r.Y, &q.YminusX)
	feMul(&r.T, &q.T2d, &p.T)
	feMul(&r.X, &p.Z, &q.Z)
	feAdd(&t0, &r.X, &r.X)
	feSub(&r.X, &r.Z, &r.Y)
	feAdd(&r.Y, &r.Z, &r.Y)
	feAdd(&r.Z, &t0, &r.T)
	feSub(&r.T, &t0, &r.T)
}

// dblStepGo sets t = 2t: t to projective in r, then doubled back into t
// (dblStep, which is field32_wasm.s in WebAssembly and this function in
// other builds).
func dblStepGo(t *p1p1, r *p2) {
	t.toP2(r)
	p2Double(t, r)
}

// addStepGo sets t = t + q, or t - q when neg, t to extended in u
// first: toP3, then add or sub (addStep, which is field32_wasm.s in
// WebAssembly and this function in other builds). -q is (Y-X, Y+X, Z,
// -2dT): the two first swapped, and the sign of 2dT·u.T swaps the sums
// that become Z and T.
func addStepGo(t *p1p1, u *p3, q *cached, neg bool) {
	qp, qm, oz, ot := &q.YplusX, &q.YminusX, &t.Z, &t.T
	if neg {
		qp, qm, oz, ot = qm, qp, ot, oz
	}
	t.toP3(u)
	feAdd(&t.X, &u.Y, &u.X)
	feSub(&t.Y, &u.Y, &u.X)
	feMul(&t.Z, &t.X, qp)
	feMul(&t.Y, &t.Y, qm)
	feMul(&t.T, &q.T2d, &u.T)
	feMul(&t.X, &u.Z, &q.Z)
	var x2 fe
	feAdd(&x2, &t.X, &t.X)
	z, tt := t.Z, t.T
	feSub(&t.X, &z, &t.Y)
	feAdd(&t.Y, &z, &t.Y)
	feAdd(oz, &x2, &tt)
	feSub(ot, &x2, &tt)
}

func (p *p1p1) toP2(r *p2) {
	feMul(&r.X, &p.X, &p.T)
	feMul(&r.Y, &p.Y, &p.Z)
	feMul(&r.Z, &p.Z, &p.T)
}

func (p *p1p1) toP3(r *p3) {
	feMul(&r.X, &p.X, &p.T)
	feMul(&r.Y, &p.Y, &p.Z)
	feMul(&r.Z, &p.Z, &p.T)
	feMul(&r.T, &p.X, &p.Y)
}

// bytes returns the encoding of p: y, with x's sign in bit 255.
func (p *p2) bytes() [32]byte {
	var recip, x, y fe
	feInvert(&recip, &p.Z)
	feMul(&x, &p.X, &recip)
	feMul(&y, &p.Y, &recip)
	s := feToBytes(&y)
	if feIsNegative(&x) {
		s[31] |= 0x80
	}
	return s
}

// naf writes a (32 little-endian bytes, below 2^253) in width-w
// non-adjacent form, 2 <= w <= 8: r[i] is the digit of 2^i, zero or odd
// and below 2^(w-1) in magnitude, and a nonzero digit is followed by at
// least w-1 zeros. As filippo.io/edwards25519's Scalar.nonAdjacentForm
// (after curve25519-dalek): a window of w bits at each odd position, its
// value taken as negative at 2^(w-1) and up, with the 2^w that costs
// carried into the next window.
func naf(r *[256]int8, a []byte, w uint) {
	var k [5]uint64
	for i := range 4 {
		k[i] = binary.LittleEndian.Uint64(a[8*i:])
	}
	*r = [256]int8{}
	width := uint64(1) << w
	carry := uint64(0)
	for pos := uint(0); pos < 256; {
		i, bit := pos/64, pos%64
		buf := k[i] >> bit
		if bit+w > 64 {
			buf |= k[i+1] << (64 - bit)
		}
		window := carry + buf&(width-1)
		if window&1 == 0 {
			pos++
			continue
		}
		if window < width/2 {
			carry = 0
			r[pos] = int8(window)
		} else {
			carry = 1
			r[pos] = int8(int64(window) - int64(width))
		}
		pos += w
	}
}

// doubleScalarMult returns [a]A + [b]B, with a and b as naf digits of
// width 5 and baseWindow, in variable time (both scalars are public in a
// verification).
func doubleScalarMult(a *[256]int8, A *p3, b *[256]int8) p2 {
	var ai [8]cached
	oddMultiples(ai[:], A)
	i := 255
	for ; i >= 0 && a[i] == 0 && b[i] == 0; i-- {
	}
	t := p1p1{Y: fe{1}, Z: fe{1}, T: fe{1}} // the identity
	var r p2
	var u p3
	for ; i >= 0; i-- {
		dblStep(&t, &r)
		if d := a[i]; d != 0 {
			addStep(&t, &u, &ai[abs8(d)/2], d < 0)
		}
		if d := b[i]; d != 0 {
			addStep(&t, &u, &baseOdd[abs8(d)/2], d < 0)
		}
	}
	t.toP2(&r)
	return r
}

func abs8(d int8) int8 {
	if d < 0 {
		return -d
	}
	return d
}

// verify32 is Verify on fe, the field the module uses (see verify.go):
// the same checks and the same answers as crypto/ed25519.Verify.
func verify32(pub, message, sig []byte) bool {
	if len(pub) != PublicKeySize || len(sig) != SignatureSize || sig[63]&224 != 0 {
		return false
	}
	var A p3
	if !A.setBytes(pub) {
		return false
	}
	feNeg(&A.X, &A.X) // -A
	feNeg(&A.T, &A.T)
	if !scCanonical(sig[32:]) {
		return false
	}
	h := sha2.Sum512(sig[:32], pub, message)
	k := scReduce(&h)
	var ka, sb [256]int8
	naf(&ka, k[:], 5)
	naf(&sb, sig[32:], baseWindow)
	R := doubleScalarMult(&ka, &A, &sb)
	got := R.bytes()
	var diff byte
	for i := range 32 {
		diff |= got[i] ^ sig[i]
	}
	return diff == 0
}
