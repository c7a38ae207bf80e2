//go:build wasm

package ed25519

// feMul and feSquare are field32_wasm.s: feMulGo and feSquareGo
// (field32.go) written out in WebAssembly, bit for bit the same results.

//go:noescape
func feMul(h, x, y *fe)

//go:noescape
func feSquare(h, f *fe)

// p2Double is p2DoubleGo (verify32.go), the squarings inlined. r and p
// must not overlap.
//
//go:noescape
func p2Double(r *p1p1, p *p2)
