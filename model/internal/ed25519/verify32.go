package ed25519

import "github.com/privrec/privrec/model/internal/sha2"

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

var (
	// feD is d = -121665/121666 and feD2 is 2d; feSqrtM1 is a square root
	// of -1. The tests check each against its definition.
	feD, feD2, feSqrtM1 fe
	// baseOdd holds B, 3B, 5B, …, 15B, the addends of the base point's
	// sliding window.
	baseOdd [8]cached
)

func init() {
	feFromBytes(&feD, []byte{
		0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
		0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52})
	feAdd(&feD2, &feD, &feD)
	feFromBytes(&feSqrtM1, []byte{
		0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
		0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b})
	var b p3
	enc := [32]byte{0x58}
	for i := 1; i < 32; i++ {
		enc[i] = 0x66
	}
	if !b.setBytes(enc[:]) {
		panic("ed25519: base point does not decode")
	}
	oddMultiples(&baseOdd, &b)
}

// oddMultiples sets out to P, 3P, 5P, …, 15P.
func oddMultiples(out *[8]cached, p *p3) {
	var t p1p1
	var p2x, u p3
	p.toCached(&out[0])
	p.double(&t)
	t.toP3(&p2x)
	for i := 1; i < 8; i++ {
		add(&t, &p2x, &out[i-1])
		t.toP3(&u)
		u.toCached(&out[i])
	}
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

// sub sets r = p - q.
func sub(r *p1p1, p *p3, q *cached) {
	var t0 fe
	feAdd(&r.X, &p.Y, &p.X)
	feSub(&r.Y, &p.Y, &p.X)
	feMul(&r.Z, &r.X, &q.YminusX)
	feMul(&r.Y, &r.Y, &q.YplusX)
	feMul(&r.T, &q.T2d, &p.T)
	feMul(&r.X, &p.Z, &q.Z)
	feAdd(&t0, &r.X, &r.X)
	feSub(&r.X, &r.Z, &r.Y)
	feAdd(&r.Y, &r.Z, &r.Y)
	feSub(&r.Z, &t0, &r.T)
	feAdd(&r.T, &t0, &r.T)
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

// slide writes a (little-endian, below 2^253) in signed odd digits of at
// most ±15, most of them zero: r[i] is the digit of 2^i (ref10's slide).
func slide(r *[256]int8, a []byte) {
	for i := range r {
		r[i] = int8(1 & (a[i>>3] >> (i & 7)))
	}
	for i := range r {
		if r[i] == 0 {
			continue
		}
		for b := 1; b <= 6 && i+b < 256; b++ {
			if r[i+b] == 0 {
				continue
			}
			if v := int(r[i]) + int(r[i+b])<<b; v <= 15 {
				r[i], r[i+b] = int8(v), 0
			} else if v := int(r[i]) - int(r[i+b])<<b; v >= -15 {
				r[i] = int8(v)
				for k := i + b; k < 256; k++ {
					if r[k] == 0 {
						r[k] = 1
						break
					}
					r[k] = 0
				}
			} else {
				break
			}
		}
	}
}

// doubleScalarMult returns [a]A + [b]B, with a and b as slide digits,
// in variable time (both scalars are public in a verification).
func doubleScalarMult(a *[256]int8, A *p3, b *[256]int8) p2 {
	var ai [8]cached
	oddMultiples(&ai, A)
	r := p2{Y: fe{1}, Z: fe{1}}
	i := 255
	for ; i >= 0 && a[i] == 0 && b[i] == 0; i-- {
	}
	var t p1p1
	var u p3
	for ; i >= 0; i-- {
		r.double(&t)
		if d := a[i]; d > 0 {
			t.toP3(&u)
			add(&t, &u, &ai[d/2])
		} else if d < 0 {
			t.toP3(&u)
			sub(&t, &u, &ai[-d/2])
		}
		if d := b[i]; d > 0 {
			t.toP3(&u)
			add(&t, &u, &baseOdd[d/2])
		} else if d < 0 {
			t.toP3(&u)
			sub(&t, &u, &baseOdd[-d/2])
		}
		t.toP2(&r)
	}
	return r
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
	slide(&ka, k[:])
	slide(&sb, sig[32:])
	R := doubleScalarMult(&ka, &A, &sb)
	got := R.bytes()
	var diff byte
	for i := range 32 {
		diff |= got[i] ^ sig[i]
	}
	return diff == 0
}
