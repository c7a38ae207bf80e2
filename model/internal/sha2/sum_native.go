//go:build !wasip1

package sha2

import (
	"crypto/sha256"
	"crypto/sha512"
)

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [32]byte { return sha256.Sum256(data) }

// Sum512 returns the SHA-512 digest of the concatenation of parts.
func Sum512(parts ...[]byte) [64]byte {
	h := sha512.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out [64]byte
	h.Sum(out[:0])
	return out
}
