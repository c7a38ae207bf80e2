package ed25519

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// feBig is the value of f's limbs, Σ f[i]·2^limbOffset[i], unreduced.
func feBig(f *fe) *big.Int {
	v := new(big.Int)
	for i := range f {
		v.Add(v, new(big.Int).Lsh(big.NewInt(int64(f[i])), limbOffset[i]))
	}
	return v
}

// limbsFor returns limbs of each kind the group formulas give feMul and
// feSquare (reduced, sums of up to three reduced elements, their extremes
// and signs), or with within false any int32 limbs at all.
func limbsFor(r *rand.Rand) (f fe, within bool) {
	const e, o = 1 << 25 * 101 / 100, 1 << 24 * 101 / 100 // reduced bounds
	k := int32(1 + r.IntN(3))                             // summands
	switch r.IntN(8) {
	case 0: // the extremes of a k-element sum, signs mixed or not
		neg := r.IntN(3)
		for i := range f {
			b := int32(e)
			if i%2 == 1 {
				b = o
			}
			f[i] = k * b
			if neg == 1 || neg == 2 && r.IntN(2) == 0 {
				f[i] = -f[i]
			}
		}
		return f, true
	case 1: // zero, one, small
		for i := range f {
			if r.IntN(3) == 0 {
				f[i] = int32(r.IntN(5) - 2)
			}
		}
		return f, true
	case 2: // anything: the products wrap the same in both versions
		for i := range f {
			f[i] = int32(r.Uint32())
		}
		return f, false
	default:
		for i := range f {
			b := int32(e)
			if i%2 == 1 {
				b = o
			}
			f[i] = int32(r.Int64N(2*int64(k*b)+1)) - k*b
		}
		return f, true
	}
}

// TestFeMulAsm checks feMul and feSquare (field32_wasm.s in WebAssembly,
// run by the package's test binary in V8) against feMulGo and feSquareGo
// limb for limb, and within the group formulas' bounds against math/big
// mod p, including results written over an input (feSquare(h, h)).
func TestFeMulAsm(t *testing.T) {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	r := rand.New(rand.NewPCG(25, 26))
	for i := 0; i < 200000; i++ {
		f, fin := limbsFor(r)
		g, gin := limbsFor(r)
		var h, w fe
		feMul(&h, &f, &g)
		feMulGo(&w, &f, &g)
		if h != w {
			t.Fatalf("case %d: feMul(%v, %v) = %v, feMulGo %v", i, f, g, h, w)
		}
		hs, ws := f, f
		feSquare(&hs, &hs)
		feSquareGo(&ws, &f)
		if hs != ws {
			t.Fatalf("case %d: feSquare(%v) = %v, feSquareGo %v", i, f, hs, ws)
		}
		ha := g
		feMul(&ha, &f, &ha)
		if ha != w {
			t.Fatalf("case %d: feMul(h, f, h) = %v, want %v", i, ha, w)
		}
		if !fin || !gin || i%8 != 0 {
			continue
		}
		fb, gb := feBig(&f), feBig(&g)
		d := new(big.Int).Sub(feBig(&h), new(big.Int).Mul(fb, gb))
		if d.Mod(d, p).Sign() != 0 {
			t.Fatalf("case %d: feMul(%v, %v) = %v, not f·g mod p", i, f, g, h)
		}
		d = new(big.Int).Sub(feBig(&hs), new(big.Int).Mul(fb, fb))
		if d.Mod(d, p).Sign() != 0 {
			t.Fatalf("case %d: feSquare(%v) = %v, not f² mod p", i, f, hs)
		}
		for j, l := range h {
			if b := int32(1 << 25 * 101 / 100); l > b || l < -b || j%2 == 1 && (l > b/2+1 || l < -b/2-1) {
				t.Fatalf("case %d: feMul limb %d = %d, not reduced", i, j, l)
			}
		}
	}
}

// TestP2DoubleAsm checks p2Double (field32_wasm.s in WebAssembly) against
// p2DoubleGo limb for limb, on the limbs of limbsFor (any int32 limbs
// too: the int32 sums wrap the same) and on points of the group.
func TestP2DoubleAsm(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for i := 0; i < 50000; i++ {
		var p p2
		p.X, _ = limbsFor(r)
		p.Y, _ = limbsFor(r)
		p.Z, _ = limbsFor(r)
		if i%4 == 0 { // limbs as add and toP2 leave them, from baseOdd
			var q p3
			q.X, q.Y, q.Z, q.T = baseOdd[0].YplusX, baseOdd[0].YminusX, baseOdd[0].Z, baseOdd[0].T2d
			var c p1p1
			add(&c, &q, &baseOdd[r.IntN(len(baseOdd))])
			c.toP2(&p)
		}
		var got, want p1p1
		got.T, _ = limbsFor(r) // garbage the doubling overwrites
		want.T = got.T
		p2Double(&got, &p)
		p2DoubleGo(&want, &p)
		if got != want {
			t.Fatalf("case %d: p2Double(%v) = %v, p2DoubleGo %v", i, p, got, want)
		}
	}
}

// BenchmarkFeMul times feMul and feSquare against their Go twins (in V8:
// the package's test binary, -test.bench FeMul).
func BenchmarkFeMul(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := *feOf(randBytes(r)), *feOf(randBytes(r))
	for _, c := range []struct {
		name string
		f    func(h, f, g *fe)
	}{
		{"mul", feMul}, {"mulGo", feMulGo},
		{"square", func(h, f, _ *fe) { feSquare(h, f) }}, {"squareGo", func(h, f, _ *fe) { feSquareGo(h, f) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := x
			for b.Loop() {
				c.f(&h, &h, &y)
			}
		})
	}
}
