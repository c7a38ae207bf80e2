package ed25519

import (
	"math/rand/v2"
	"testing"
)

// sub sets r = p - q (ref10's ge_sub): addStep's formula when neg, as add
// (verify32.go) is when not.
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

// TestStepsAsm checks dblStep and addStep (field32_wasm.s in WebAssembly)
// limb for limb against their Go twins and against the formulas they
// fuse (toP2 then p2Double; toP3 then add or sub), on the limbs of
// limbsFor (any int32 limbs too) and on points of the group, and feSquareN
// against feSquareGo n times, in place and not.
func TestStepsAsm(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	rnd := func() fe { f, _ := limbsFor(r); return f }
	for i := 0; i < 50000; i++ {
		var t0 p1p1
		t0.X, t0.Y, t0.Z, t0.T = rnd(), rnd(), rnd(), rnd()
		if i%4 == 0 { // a point of the group, as the loop has them
			var u p3
			addStep(&t0, &u, &baseOdd[r.IntN(len(baseOdd))], r.IntN(2) == 0)
		}
		garbage := p2{rnd(), rnd(), rnd()}

		got, want, ref := t0, t0, t0
		gr, wr, rr := garbage, garbage, garbage
		dblStep(&got, &gr)
		dblStepGo(&want, &wr)
		ref.toP2(&rr)
		p2DoubleGo(&ref, &rr)
		if got != want || got != ref || gr != wr || gr != rr {
			t.Fatalf("case %d: dblStep(%v) = %v, dblStepGo %v, formulas %v", i, t0, got, want, ref)
		}

		c := cached{rnd(), rnd(), rnd(), rnd()}
		for _, neg := range []bool{false, true} {
			got, want, ref := t0, t0, t0
			gu := p3{rnd(), rnd(), rnd(), rnd()} // garbage toP3 overwrites
			wu := gu
			var ru p3
			addStep(&got, &gu, &c, neg)
			addStepGo(&want, &wu, &c, neg)
			ref.toP3(&ru)
			if neg {
				sub(&ref, &ru, &c)
			} else {
				add(&ref, &ru, &c)
			}
			if got != want || gu != wu || got != ref || gu != ru {
				t.Fatalf("case %d (neg %v): addStep(%v, %v) = %v (u %v), addStepGo %v (u %v), formulas %v", i, neg, t0, c, got, gu, want, wu, ref)
			}
		}

		f := rnd()
		n := 1 + r.IntN(6)
		var h, w fe
		w = f
		for range n {
			feSquareGo(&w, &w)
		}
		feSquareN(&h, &f, n)
		hh := f
		feSquareN(&hh, &hh, n)
		if h != w || hh != w {
			t.Fatalf("case %d: feSquareN(%v, %d) = %v (in place %v), feSquareGo %v", i, f, n, h, hh, w)
		}
	}
}

// TestOddMultiples checks baseOdd, and oddMultiples on B in coordinates
// scaled by a random λ (Z ≠ 1, as no caller has them yet), against [k]B
// from baseMult (sign.go's double and add) for k = 1, 3, 5, ….
func TestOddMultiples(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	b := basePoint()
	lambda := *feOf(randBytes(r))
	var s p3
	feMul(&s.X, &b.X, &lambda)
	feMul(&s.Y, &b.Y, &lambda)
	feMul(&s.Z, &b.Z, &lambda)
	feMul(&s.T, &b.T, &lambda)
	var scaled [len(baseOdd)]cached
	oddMultiples(scaled[:], &s)
	eq := func(a, b *fe) bool { return feToBytes(a) == feToBytes(b) }
	for i := range baseOdd {
		var k [32]byte
		k[0] = byte(2*i + 1)
		p := baseMult(&k)
		for name, c := range map[string]*cached{"baseOdd": &baseOdd[i], "scaled": &scaled[i]} {
			var ypx, ymx, l, rr, xy fe
			feAdd(&ypx, &p.Y, &p.X)
			feSub(&ymx, &p.Y, &p.X)
			feMul(&l, &ypx, &c.Z)
			feMul(&rr, &c.YplusX, &p.Z)
			ok := eq(&l, &rr)
			feMul(&l, &ymx, &c.Z)
			feMul(&rr, &c.YminusX, &p.Z)
			ok = ok && eq(&l, &rr)
			feSquare(&l, &p.Z)
			feMul(&l, &l, &c.T2d) // 2dT/Z' · Z²
			feMul(&xy, &p.X, &p.Y)
			feMul(&xy, &xy, &feD2)
			feMul(&rr, &xy, &c.Z)
			ok = ok && eq(&l, &rr)
			if !ok {
				t.Errorf("%s[%d] is not %dB", name, i, 2*i+1)
			}
		}
	}
}
