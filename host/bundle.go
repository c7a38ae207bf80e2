package host

import (
	"crypto/ed25519"
	"time"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// ReadBundle reads a bundle directory (manifest.bin, manifest.sig,
// weights.bin, catalog.bin, privrec.wasm) as `privrec train` and `privrec
// sign` write it. Each file's size is capped; nothing is verified here: the
// module verifies when the bundle is loaded.
func ReadBundle(dir string) (*bundle.Files, error) { return bundledir.Read(dir) }

// ReadPublicKey reads a public key file written by `privrec keygen`.
func ReadPublicKey(path string) (ed25519.PublicKey, error) { return bundledir.ReadPublicKey(path) }

// LoadRequest is the request that loads f into a module, trusting keys, at
// the current time and with no version floor beyond the module's own.
// Instance.Load fills in the SHA-256 of the module it runs and of the
// weights and catalog it sends (computed when sent, so a request edited
// after this call still carries the digests of its own bytes).
func LoadRequest(f *bundle.Files, keys ...ed25519.PublicKey) model.LoadRequest {
	req := model.LoadRequest{
		Manifest: f.Manifest, Signature: f.Signature,
		Weights: f.Weights, Catalog: f.Catalog,
		Now: time.Now().UnixMilli(),
	}
	for _, k := range keys {
		req.Keys = append(req.Keys, k)
	}
	return req
}
