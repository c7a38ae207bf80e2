// Package ed25519 verifies Ed25519 signatures (RFC 8032, as
// crypto/ed25519.Verify does) for the module, on package sha2 and, in
// WebAssembly, on its own field and scalar arithmetic: crypto/ed25519
// brings the standard library's FIPS 140 module with it (a DRBG, AES,
// HMAC, SHA-3, self-tests and, through its randomness source, package os
// and six WASI imports), none of which a verifier needs. Natively, signing
// is crypto/ed25519's (sign_native.go).
//
// In WebAssembly, Verify runs on a field of ten 25/26-bit limbs
// (field32.go, verify32.go: ref10's arithmetic), whose int64 products are
// native wasm multiplies, with scalars in 21-bit limbs (scalar.go), and
// the module links no filippo.io/edwards25519 (its 51-bit limbs need
// 128-bit products, which Go's wasm backend emulates in four 32-bit ones,
// and its code and init were about 40 KiB of the module). Natively Verify
// runs on filippo.io/edwards25519 (verify64.go). Both implementations are
// compiled and tested natively. The tests check them against
// crypto/ed25519 on RFC 8032's vectors and on valid, tampered and
// malformed signatures, small-order and non-canonical points included,
// and the scalar arithmetic against filippo.io/edwards25519's.
package ed25519

// Sizes of keys and signatures, as in crypto/ed25519.
const (
	PublicKeySize = 32
	SignatureSize = 64
)

// Verify reports whether sig is a valid signature of message by pub. Like
// crypto/ed25519.Verify it refuses a public key that is not a point
// encoding and an s that is not canonical (s < L), and compares the
// encoding of R' = [s]B - [k]A with the signature's R.
//
// In WebAssembly it is verify32, on a field of 32-bit limbs; natively
// verify64 (limbs_wasm.go, limbs_other.go).
func Verify(pub, message, sig []byte) bool { return verify(pub, message, sig) }

// PrivateKeySize is the size of a private key: the 32-byte seed, then the
// public key.
const PrivateKeySize = 64
