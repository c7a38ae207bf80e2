//go:build !wasm || ed25519field51

package ed25519

// The 51-bit field is not compiled into the module (it would link
// filippo.io/edwards25519); build the wasm tests with -tags ed25519field51
// to benchmark it in V8 (BenchmarkVerify).

import (
	"filippo.io/edwards25519"

	"github.com/privrec/privrec/model/internal/sha2"
)

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
