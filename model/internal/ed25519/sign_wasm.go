//go:build wasip1

package ed25519

// Sign signs message with priv (seed || public key) without
// crypto/ed25519, which the module must not link; the module never signs.
func Sign(priv, message []byte) []byte { return sign(priv, message) }
