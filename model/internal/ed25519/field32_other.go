//go:build !wasm

package ed25519

// feMul sets h = f·g (feMulGo; field32_wasm.s in WebAssembly).
func feMul(h, f, g *fe) { feMulGo(h, f, g) }

// feSquare sets h = f² (feSquareGo; field32_wasm.s in WebAssembly).
func feSquare(h, f *fe) { feSquareGo(h, f) }

// p2Double sets r = 2p (p2DoubleGo; field32_wasm.s in WebAssembly).
func p2Double(r *p1p1, p *p2) { p2DoubleGo(r, p) }
