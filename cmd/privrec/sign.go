package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func init() { rootCmd.AddCommand(newSignCmd()) }

// defaultExpiry is how long a signed manifest stays valid: hosts refuse it
// afterwards (freeze protection), so publish a re-signed bundle before then.
const defaultExpiry = 720 * time.Hour

// signOptions are the flags of privrec sign.
type signOptions struct {
	key      string
	version  uint64        // 0: the current Unix time in seconds
	expires  time.Duration // validity from now
	wasm     string        // module to copy into the bundle
	epsilon  float64
	delta    float64
	privSet  bool // --epsilon or --delta given
	clockNow func() time.Time
}

func newSignCmd() *cobra.Command {
	o := signOptions{clockNow: time.Now}
	cmd := &cobra.Command{
		Use:   "sign DIR --key FILE",
		Short: "Sign a bundle directory (writes manifest.bin and manifest.sig)",
		Long: `sign writes DIR/manifest.bin, which names weights.bin, catalog.bin and
privrec.wasm by length and SHA-256, and DIR/manifest.sig, its Ed25519 signature.

The model version defaults to the current Unix time in seconds, so each new
signature supersedes the previous one; hosts refuse versions below the highest
they accepted. The manifest expires after --expires (hosts refuse it then):
re-sign and republish before that. Re-signing keeps the bundle's privacy
figures (ε, δ) unless --epsilon/--delta are given. The manifest signs the model
kind the weights hold (neighbors or embedding).

Beside each artifact it writes a copy under a content-addressed name
(weights.<16 hex digits of its SHA-256>.bin, catalog.<…>.bin, privrec.<…>.wasm):
the SDK derives those names from the signed manifest, so any static host can
serve them with "Cache-Control: public, max-age=31536000, immutable" and only
manifest.bin and manifest.sig need revalidating.`,
		Example: `  privrec sign bundle/ --key keys/privrec.key
  privrec sign bundle/ --key keys/privrec.key --wasm dist/privrec.wasm --expires 168h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.privSet = cmd.Flags().Changed("epsilon") || cmd.Flags().Changed("delta")
			return runSign(cmd, args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.key, "key", "", "private key file from privrec keygen (required)")
	f.Uint64Var(&o.version, "version", 0, "model version (default: the current Unix time in seconds)")
	f.DurationVar(&o.expires, "expires", defaultExpiry, "how long the signature stays valid")
	f.StringVar(&o.wasm, "wasm", "", "copy this privrec.wasm into the bundle before signing")
	f.Float64Var(&o.epsilon, "epsilon", 0, "differential privacy ε of the training (0: not DP)")
	f.Float64Var(&o.delta, "delta", 0, "differential privacy δ of the training (0: not DP)")
	return cmd
}

func runSign(cmd *cobra.Command, dir string, o signOptions) error {
	if o.key == "" {
		return fail(exitUsage, errors.New("sign: --key FILE is required (create one with privrec keygen --out keys/)"))
	}
	if o.expires <= 0 {
		return fail(exitUsage, fmt.Errorf("sign: --expires %v; want a positive duration such as 720h", o.expires))
	}
	if err := checkSignKey("--key", o.key); err != nil {
		return err
	}
	priv, err := bundledir.ReadPrivateKey(o.key)
	if err != nil {
		return fail(keyExit(err), fmt.Errorf("sign: %w", err))
	}
	var wasm []byte
	if o.wasm != "" {
		if wasm, err = os.ReadFile(o.wasm); err != nil {
			return fail(exitIOError, fmt.Errorf("sign: %w", err))
		}
		if len(wasm) > bundle.MaxWasm {
			return fail(exitFailed, fmt.Errorf("sign: %s is %d bytes; at most %d", o.wasm, len(wasm), bundle.MaxWasm))
		}
	}
	files, err := readForSigning(dir, wasm)
	if err != nil {
		return err
	}
	h, err := model.PeekHeader(files.Weights)
	if err != nil {
		return fail(exitFailed, fmt.Errorf("sign: %s is not a privrec weights artifact (%v); run privrec train first", filepath.Join(dir, bundledir.WeightsFile), err))
	}
	now := o.clockNow()
	meta := bundle.Meta{
		Version:  o.version,
		Created:  now.UnixMilli(),
		Expires:  now.Add(o.expires).UnixMilli(),
		BundleID: h.BundleID,
		Epsilon:  o.epsilon,
		Delta:    o.delta,
	}
	if meta.Version == 0 {
		meta.Version = uint64(now.Unix())
	}
	if prev, err := os.ReadFile(filepath.Join(dir, bundledir.ManifestFile)); err == nil {
		if old, err := bundle.Inspect(prev); err == nil {
			if meta.Version < old.Version {
				return fail(exitFailed, fmt.Errorf("sign: version %d is below the bundle's current version %d: hosts that saw it would refuse this one; pass --version %d or higher", meta.Version, old.Version, old.Version))
			}
			if !o.privSet && old.BundleID == h.BundleID {
				meta.Epsilon, meta.Delta = old.Epsilon, old.Delta
			}
		}
	}
	if err := bundle.Sign(files, meta, priv); err != nil {
		return fail(exitFailed, fmt.Errorf("sign %s: %w", dir, err))
	}
	// Every artifact is passed, so each gets its content-addressed copy
	// (written only when missing); the plain files are rewritten in place.
	if err := bundledir.Write(dir, files); err != nil {
		return fail(exitIOError, err)
	}
	w := cmd.OutOrStdout()
	kind := "?"
	if m, err := bundle.Inspect(files.Manifest); err == nil {
		kind = string(m.Model)
	}
	fmt.Fprintf(w, "signed %s: version %d, model %s, key id %s, bundle id %x, expires %s (in %s)\n",
		dir, meta.Version, kind, bundle.KeyID(priv.Public().(ed25519.PublicKey)), meta.BundleID,
		time.UnixMilli(meta.Expires).UTC().Format(time.RFC3339), o.expires)
	return nil
}

// readForSigning reads the artifacts of dir, with wasm (when not nil) in
// place of dir's privrec.wasm. A bundle without a module gets wasm copied in
// first (the signed manifest is written after it, so nothing half-signed is
// left if signing fails).
func readForSigning(dir string, wasm []byte) (*bundle.Files, error) {
	if wasm != nil {
		if _, err := os.Stat(filepath.Join(dir, bundledir.WasmFile)); errors.Is(err, fs.ErrNotExist) {
			if err := bundledir.Write(dir, &bundle.Files{Wasm: wasm}); err != nil {
				return nil, fail(exitIOError, err)
			}
		}
	}
	files, err := bundledir.ReadArtifacts(dir)
	if err != nil {
		code := exitIOError
		if errors.Is(err, model.ErrMissingArtifact) || errors.Is(err, model.ErrTooLarge) {
			code = exitFailed
		}
		return nil, fail(code, fmt.Errorf("sign: %w", err))
	}
	if wasm != nil {
		files.Wasm = wasm
	}
	return files, nil
}

// keyExit chooses the exit code for a key file error.
func keyExit(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return exitIOError
	case errors.Is(err, bundledir.ErrKeyPermissions):
		return exitFailed
	}
	return exitUsage
}
