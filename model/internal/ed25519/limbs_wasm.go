//go:build wasm

package ed25519

// limbs32 selects verify32: WebAssembly multiplies 64-bit integers but
// has no 64×64→128-bit product, which filippo.io/edwards25519's field
// needs for every limb product.
const limbs32 = true
