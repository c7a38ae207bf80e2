package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

func init() { rootCmd.AddCommand(newVerifyCmd()) }

// verifyOptions are the flags of privrec verify.
type verifyOptions struct {
	pubs       []string
	minVersion uint64
	at         string // RFC 3339 time to verify at; empty: now
	clockNow   func() time.Time
}

func newVerifyCmd() *cobra.Command {
	o := verifyOptions{clockNow: time.Now}
	cmd := &cobra.Command{
		Use:   "verify DIR --pub FILE",
		Short: "Check a bundle's signature, expiry and every artifact",
		Long: `verify runs on DIR the checks the module runs before it loads a bundle: the
signature of manifest.bin by one of the --pub keys, the format, the expiry, the
--min-version floor, the length and SHA-256 of weights.bin, catalog.bin and
privrec.wasm, and then that weights.bin and catalog.bin decode. It exits 0 and prints a summary when every check passes, and
otherwise exits 1 with one line naming the failed check and what to do.

Exit codes: 0 valid, 1 a check failed, 2 bad command line or key file, 3 a
file could not be read.`,
		Example: `  privrec verify bundle/ --pub keys/privrec.pub
  privrec verify bundle/ --pub keys/old.pub --pub keys/new.pub --min-version 1750000000`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.pubs, "pub", nil, "trusted public key file (repeat for rotation; required)")
	f.Uint64Var(&o.minVersion, "min-version", 0, "refuse model versions below this (rollback check)")
	f.StringVar(&o.at, "at", "", "verify as of this RFC 3339 time instead of now (e.g. to check a bundle is still valid next week)")
	return cmd
}

func runVerify(w io.Writer, dir string, o verifyOptions) error {
	if len(o.pubs) == 0 {
		return fail(exitUsage, errors.New("verify: --pub FILE is required (the publisher's privrec.pub)"))
	}
	now := o.clockNow()
	if o.at != "" {
		t, err := time.Parse(time.RFC3339, o.at)
		if err != nil {
			return fail(exitUsage, fmt.Errorf("verify: --at %q is not an RFC 3339 time such as 2025-07-01T12:00:00Z", o.at))
		}
		now = t
	}
	var keys [][]byte
	for _, p := range o.pubs {
		if err := checkPubKey("verify", p); err != nil {
			return err
		}
		k, err := bundledir.ReadPublicKey(p)
		if err != nil {
			return fail(keyExit(err), fmt.Errorf("verify: %w", err))
		}
		keys = append(keys, k)
	}
	files, err := bundledir.Read(dir)
	if err != nil {
		if errors.Is(err, model.ErrMissingArtifact) || errors.Is(err, model.ErrTooLarge) {
			return fail(exitFailed, fmt.Errorf("verify %s: FAILED: %w; fix: %s", dir, err, verifyHint(err, dir)))
		}
		return fail(exitIOError, fmt.Errorf("verify %s: %w", dir, err))
	}
	wasmSum := sha256.Sum256(files.Wasm)
	req := &model.LoadRequest{
		Manifest: files.Manifest, Signature: files.Signature, Weights: files.Weights, Catalog: files.Catalog,
		WasmSHA256: wasmSum[:], Keys: keys, Now: now.UnixMilli(), MinVersion: o.minVersion,
	}
	m, err := bundle.Open(req) // the module's own checks
	if err == nil {
		err = m.Check(bundle.NameWasm, files.Wasm) // and the module's length, which Open cannot see
	}
	if err == nil {
		// What the module does next: a signed artifact that does not decode
		// would be refused by every shopper's browser.
		_, err = model.Load(files.Weights, files.Catalog)
	}
	items := -1
	if err == nil && m.Artifact(bundle.NameItems) != nil {
		// The page metadata, as the SDK checks and decodes it.
		if files.Items == nil {
			err = fmt.Errorf("%w: %s is missing; the manifest lists it", model.ErrMissingArtifact, bundledir.ItemsFile)
		} else if err = m.Check(bundle.NameItems, files.Items); err == nil {
			var meta []train.ItemMeta
			meta, _, err = train.DecodeItems(files.Items)
			items = len(meta)
		}
	}
	if err != nil {
		return fail(exitFailed, fmt.Errorf("verify %s: FAILED (%s): %w; fix: %s", dir, model.CodeOf(err), err, verifyHint(err, dir)))
	}

	fmt.Fprintf(w, "ok %s\n", dir)
	fmt.Fprintf(w, "  version     %d\n", m.Version)
	fmt.Fprintf(w, "  model       %s\n", m.Model)
	fmt.Fprintf(w, "  key id      %s\n", m.KeyID)
	fmt.Fprintf(w, "  bundle id   %x\n", m.BundleID)
	fmt.Fprintf(w, "  created     %s\n", time.UnixMilli(m.Created).UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "  expires     %s (in %s)\n", time.UnixMilli(m.Expires).UTC().Format(time.RFC3339),
		time.UnixMilli(m.Expires).Sub(now).Round(time.Minute))
	if m.Epsilon > 0 {
		fmt.Fprintf(w, "  privacy     differentially private, ε=%g δ=%g\n", m.Epsilon, m.Delta)
	} else {
		fmt.Fprintf(w, "  privacy     not differentially private\n")
	}
	if t := m.Tuning; t != nil {
		var vals []string
		for _, p := range t.Params {
			vals = append(vals, fmt.Sprintf("%s=%g", p.Name, p.Value))
		}
		fmt.Fprintf(w, "  tuning      validation %s %.4f on %d users, %d trials in %.0f s: %s\n", t.Metric, t.Score, t.Users, t.Trials, t.Seconds, strings.Join(vals, " "))
	}
	for _, a := range m.Artifacts {
		fmt.Fprintf(w, "  %-12s %9d bytes  sha256 %x\n", artifactFile(a.Name), a.Length, a.SHA256)
	}
	if items >= 0 {
		fmt.Fprintf(w, "  page data   %d items (title, price, image, link: rec.catalog.get)\n", items)
	} else if files.Items != nil {
		fmt.Fprintf(w, "  note        %s is not in the signed manifest: pages never see it; re-sign to include it (privrec sign %s --key KEY)\n", bundledir.ItemsFile, dir)
	}
	// The names the SDK fetches; a host that lacks them still works (the
	// SDK falls back to the plain names) but cannot cache them for good.
	var missing []string
	for _, a := range m.Artifacts {
		name := bundledir.ContentName(a.Name, a.SHA256)
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "  note        no content-addressed copies (%s): re-sign with this privrec to write them, so hosts can cache the artifacts as immutable\n", strings.Join(missing, ", "))
	}
	return nil
}

func artifactFile(name string) string {
	switch name {
	case bundle.NameWeights:
		return bundledir.WeightsFile
	case bundle.NameCatalog:
		return bundledir.CatalogFile
	case bundle.NameWasm:
		return bundledir.WasmFile
	case bundle.NameItems:
		return bundledir.ItemsFile
	}
	return name
}

// manifestOf returns dir's manifest.bin, or nil.
func manifestOf(dir string) []byte {
	b, _ := os.ReadFile(filepath.Join(dir, bundledir.ManifestFile))
	return b
}

// isUnsigned reports whether dir lacks manifest.bin or manifest.sig.
func isUnsigned(dir string) bool {
	for _, name := range []string{bundledir.ManifestFile, bundledir.SignatureFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// verifyHint says what to do about a failed check.
func verifyHint(err error, dir string) string {
	sign := fmt.Sprintf("privrec sign %s --key KEY", dir)
	switch model.CodeOf(err) {
	case model.CodeBadSignature:
		return "the manifest or its signature was altered or is damaged: fetch the bundle again from the publisher, and do not load it"
	case model.CodeUnknownKey:
		return "add the signer's public key with another --pub if you trust it (check its key id with the publisher), otherwise reject the bundle"
	case model.CodeExpired:
		return "the publisher re-signs and republishes it: " + sign
	case model.CodeNotYetValid:
		return "check this machine's clock (or the publisher's)"
	case model.CodeRollback:
		return "this model is older than --min-version: fetch the current bundle"
	case model.CodeDigestMismatch:
		return "an artifact was altered, truncated or replaced: copy all files of the bundle again from the publisher"
	case model.CodeMixAndMatch:
		return "the files come from different bundles: publish all files of one bundle together (or re-run privrec train with --sign-key)"
	case model.CodeUnsupported:
		if f, ok := bundle.PeekFormat(manifestOf(dir)); ok && f < bundle.FormatVersion {
			return "the manifest was written by an older privrec, before the model kind was signed: re-sign it: " + sign
		}
		return "the bundle was made by a newer privrec: update privrec"
	case model.CodeTooLarge:
		return "a file is above privrec's size caps: this is not a bundle privrec made"
	case model.CodeMissingArtifact:
		if isUnsigned(dir) {
			return "the bundle is not signed: " + sign
		}
		return fmt.Sprintf("copy the missing file into %s, or re-create the bundle with privrec train", dir)
	}
	return "re-create the bundle with this version of privrec: " + sign
}
