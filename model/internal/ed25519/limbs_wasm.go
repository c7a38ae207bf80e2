//go:build wasm

package ed25519

// verify is verify32 in WebAssembly, which multiplies 64-bit integers
// but has no 64×64→128-bit product, which filippo.io/edwards25519's field
// needs for every limb product (RATIONALE.md).
func verify(pub, message, sig []byte) bool { return verify32(pub, message, sig) }
