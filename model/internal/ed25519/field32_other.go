//go:build !wasm

package ed25519

// feMul sets h = f·g (feMulGo; field32_wasm.s in WebAssembly).
func feMul(h, f, g *fe) { feMulGo(h, f, g) }

// feSquare sets h = f² (feSquareGo; field32_wasm.s in WebAssembly).
func feSquare(h, f *fe) { feSquareGo(h, f) }

// feSquareN sets h = f^(2^n), n >= 1 (field32_wasm.s in WebAssembly).
func feSquareN(h, f *fe, n int) {
	feSquareGo(h, f)
	for range n - 1 {
		feSquareGo(h, h)
	}
}

// p2Double sets r = 2p (p2DoubleGo; field32_wasm.s in WebAssembly).
func p2Double(r *p1p1, p *p2) { p2DoubleGo(r, p) }

// dblStep is dblStepGo (field32_wasm.s in WebAssembly).
func dblStep(t *p1p1, r *p2) { dblStepGo(t, r) }

// addStep is addStepGo (field32_wasm.s in WebAssembly).
func addStep(t *p1p1, u *p3, q *cached, neg bool) { addStepGo(t, u, q, neg) }
