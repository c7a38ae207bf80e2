//go:build wasip1

package sha2

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [32]byte { return sum256(data) }

// Sum512 returns the SHA-512 digest of the concatenation of parts.
func Sum512(parts ...[]byte) [64]byte { return sum512(parts...) }
