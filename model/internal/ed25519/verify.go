// Package ed25519 verifies Ed25519 signatures (RFC 8032, as
// crypto/ed25519.Verify does) on filippo.io/edwards25519 and package sha2,
// for the module: crypto/ed25519 brings the standard library's FIPS 140
// module with it (a DRBG, AES, HMAC, SHA-3, self-tests and, through its
// randomness source, package os and six WASI imports), none of which a
// verifier needs. Natively, signing is crypto/ed25519's (sign_native.go).
//
// In WebAssembly, Verify runs on a field of ten 25/26-bit limbs
// (field32.go, verify32.go: ref10's arithmetic), whose int64 products are
// native wasm multiplies; filippo.io/edwards25519's 51-bit limbs need
// 128-bit products, which Go's wasm backend emulates in four 32-bit ones.
// Both are compiled and tested on every target. The tests check them
// against crypto/ed25519 on RFC 8032's vectors and on valid, tampered and
// malformed signatures, small-order and non-canonical points included.
package ed25519

import (
	"filippo.io/edwards25519"

	"github.com/privrec/privrec/model/internal/sha2"
)

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
// In WebAssembly it is verify32, on a field of 32-bit limbs.
func Verify(pub, message, sig []byte) bool {
	if limbs32 {
		return verify32(pub, message, sig)
	}
	return verify64(pub, message, sig)
}

// verify64 is Verify on filippo.io/edwards25519.
func verify64(pub, message, sig []byte) bool {
	if len(pub) != PublicKeySize || len(sig) != SignatureSize || sig[63]&224 != 0 {
		return false
	}
	A, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return false
	}
	h := sha2.Sum512(sig[:32], pub, message)
	k, err := new(edwards25519.Scalar).SetUniformBytes(h[:])
	if err != nil {
		return false
	}
	S, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	minusA := new(edwards25519.Point).Negate(A)
	R := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(k, minusA, S)
	got := R.Bytes()
	var diff byte
	for i := range 32 {
		diff |= got[i] ^ sig[i]
	}
	return diff == 0
}

// PrivateKeySize is the size of a private key: the 32-byte seed, then the
// public key.
const PrivateKeySize = 64

// sign signs message with priv (seed || public key, as crypto/ed25519
// keeps it) as RFC 8032 does, deterministically: the signature equals
// crypto/ed25519.Sign's, byte for byte (the tests compare). Sign is it in
// the module, where package bundle must not import crypto/ed25519, and
// crypto/ed25519.Sign natively (sign_native.go): a publisher's key is only
// ever used by the standard library's signer.
func sign(priv, message []byte) []byte {
	if len(priv) != PrivateKeySize {
		panic("ed25519: bad private key length")
	}
	h := sha2.Sum512(priv[:32])
	s, err := new(edwards25519.Scalar).SetBytesWithClamping(h[:32])
	if err != nil {
		panic("ed25519: " + err.Error())
	}
	rh := sha2.Sum512(h[32:], message)
	r, err := new(edwards25519.Scalar).SetUniformBytes(rh[:])
	if err != nil {
		panic("ed25519: " + err.Error())
	}
	R := new(edwards25519.Point).ScalarBaseMult(r).Bytes()
	kh := sha2.Sum512(R, priv[32:], message)
	k, err := new(edwards25519.Scalar).SetUniformBytes(kh[:])
	if err != nil {
		panic("ed25519: " + err.Error())
	}
	S := new(edwards25519.Scalar).MultiplyAdd(k, s, r)
	return append(R, S.Bytes()...)
}
