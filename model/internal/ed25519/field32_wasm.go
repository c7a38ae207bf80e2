//go:build wasm

package ed25519

// feMul, feSquareN, p2Double, dblStep and addStep are field32_wasm.s:
// feMulGo, feSquareGo (n times), p2DoubleGo, dblStepGo and addStepGo
// written out in WebAssembly, bit for bit the same results.

//go:noescape
func feMul(h, x, y *fe)

// feSquareN sets h = f^(2^n), n >= 1.
//
//go:noescape
func feSquareN(h, f *fe, n int)

// feSquare sets h = f².
func feSquare(h, f *fe) { feSquareN(h, f, 1) }

// p2Double is p2DoubleGo (verify32.go), the squarings inlined. r and p
// must not overlap.
//
//go:noescape
func p2Double(r *p1p1, p *p2)

// dblStep is dblStepGo (verify32.go). t and r must not overlap.
//
//go:noescape
func dblStep(t *p1p1, r *p2)

// addStep is addStepGo (verify32.go). t, u and q must not overlap.
//
//go:noescape
func addStep(t *p1p1, u *p3, q *cached, neg bool)
