//go:build !wasm

package ed25519

// limbs32 is false where 64×64→128-bit products are one instruction:
// filippo.io/edwards25519 (51-bit limbs) is the faster field there. The
// tests run verify32 natively all the same.
const limbs32 = false
