//go:build !wasip1

package ed25519

import std "crypto/ed25519"

// Sign signs message with priv (seed || public key) with crypto/ed25519.
func Sign(priv, message []byte) []byte { return std.Sign(std.PrivateKey(priv), message) }
