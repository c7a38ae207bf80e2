package bundle

import "crypto/ed25519"

// SignManifest signs m as given, skipping the checks Sign makes, so tests
// can produce signed manifests Sign would refuse to write (a future format,
// an oversized artifact, a missing one).
func SignManifest(m *Manifest, priv ed25519.PrivateKey) (manifest, sig []byte) {
	b, err := m.encode()
	if err != nil {
		panic(err)
	}
	id := keyIDOf(priv.Public().(ed25519.PublicKey))
	return b, append(id[:], ed25519.Sign(priv, signedPayload(b))...)
}

// SignBytes signs arbitrary manifest bytes with priv, the way Sign would.
func SignBytes(manifest []byte, priv ed25519.PrivateKey) []byte {
	id := keyIDOf(priv.Public().(ed25519.PublicKey))
	return append(id[:], ed25519.Sign(priv, signedPayload(manifest))...)
}
