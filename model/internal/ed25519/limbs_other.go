//go:build !wasm

package ed25519

// verify is verify64 where 64×64→128-bit products are one instruction:
// filippo.io/edwards25519 (51-bit limbs) is the faster field there. The
// tests run verify32 natively all the same.
func verify(pub, message, sig []byte) bool { return verify64(pub, message, sig) }
