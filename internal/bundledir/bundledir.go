// Package bundledir reads and writes privrec bundle directories and key
// files. It is the os-facing half of package model/bundle, which stays
// portable so the module can run it.
//
// A bundle directory holds manifest.bin, manifest.sig, weights.bin,
// catalog.bin and privrec.wasm, optionally items.bin, and beside each artifact a copy under its
// content-addressed name (weights.<digest>.bin, see ContentName) that any
// static host can serve as immutable: the SDK derives those names from the
// signed manifest. Functions here are safe for concurrent use on different
// directories; two writers on one directory race like any two processes
// writing the same files.
package bundledir

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// File names inside a bundle directory.
const (
	ManifestFile  = "manifest.bin"
	SignatureFile = "manifest.sig"
	WeightsFile   = "weights.bin"
	CatalogFile   = "catalog.bin"
	WasmFile      = "privrec.wasm"
	// ItemsFile is optional: the page metadata (privrec train --catalog).
	ItemsFile = "items.bin"
)

// ContentDigits is how many hex digits of an artifact's SHA-256 its
// content-addressed name carries: 64 bits, far beyond any accidental
// collision. The name only picks a URL; the SDK and the module still check
// the full digest the manifest signs.
const ContentDigits = 16

// ContentName returns the content-addressed file name of the artifact
// called name in a manifest (bundle.NameWeights, NameCatalog or NameWasm)
// whose SHA-256 is sum: its plain file name with the first ContentDigits
// hex digits of sum before the extension, e.g. weights.0123456789abcdef.bin
// and privrec.0123456789abcdef.wasm. It returns "" for an unknown name.
// js/src/core.js derives the same names.
func ContentName(name string, sum [32]byte) string {
	var plain string
	switch name {
	case bundle.NameWeights:
		plain = WeightsFile
	case bundle.NameCatalog:
		plain = CatalogFile
	case bundle.NameWasm:
		plain = WasmFile
	case bundle.NameItems:
		plain = ItemsFile
	default:
		return ""
	}
	ext := filepath.Ext(plain)
	return strings.TrimSuffix(plain, ext) + "." + hex.EncodeToString(sum[:ContentDigits/2]) + ext
}

// maxSignatureFile bounds the read of manifest.sig; the bundle package then
// insists on exactly bundle.SignatureSize bytes.
const maxSignatureFile = 1 << 10

type entry struct {
	name     string
	artifact string // the name in a manifest; "" for manifest.bin and manifest.sig
	limit    int64
	field    func(*bundle.Files) *[]byte
	optional bool // absent is not an error (items.bin)
}

var entries = []entry{
	{WeightsFile, bundle.NameWeights, bundle.MaxWeights, func(f *bundle.Files) *[]byte { return &f.Weights }, false},
	{CatalogFile, bundle.NameCatalog, bundle.MaxCatalog, func(f *bundle.Files) *[]byte { return &f.Catalog }, false},
	{WasmFile, bundle.NameWasm, bundle.MaxWasm, func(f *bundle.Files) *[]byte { return &f.Wasm }, false},
	{ItemsFile, bundle.NameItems, bundle.MaxItemData, func(f *bundle.Files) *[]byte { return &f.Items }, true},
	{ManifestFile, "", bundle.MaxManifest, func(f *bundle.Files) *[]byte { return &f.Manifest }, false},
	{SignatureFile, "", maxSignatureFile, func(f *bundle.Files) *[]byte { return &f.Signature }, false},
}

// Read reads every file of the bundle in dir (items.bin only if present). A
// missing file is an error
// that wraps both model.ErrMissingArtifact and fs.ErrNotExist; a file above
// its cap wraps model.ErrTooLarge and is not read past the cap.
func Read(dir string) (*bundle.Files, error) {
	return read(dir, entries)
}

// ReadArtifacts reads only weights.bin, catalog.bin, privrec.wasm and
// items.bin if there is one: what there is to sign in a bundle that was
// never signed.
func ReadArtifacts(dir string) (*bundle.Files, error) {
	return read(dir, entries[:4])
}

func read(dir string, list []entry) (*bundle.Files, error) {
	f := &bundle.Files{}
	for _, e := range list {
		b, err := readCapped(filepath.Join(dir, e.name), e.limit)
		if e.optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		*e.field(f) = b
	}
	return f, nil
}

func readCapped(path string, limit int64) ([]byte, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read bundle: %w: %s: %w", model.ErrMissingArtifact, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read bundle: %w: %s is not a regular file", model.ErrBadRequest, path)
	}
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read bundle: %w: %s is above the cap of %d bytes", model.ErrTooLarge, path, limit)
	}
	return b, nil
}

// Write writes the non-nil files of f into dir, creating dir if needed, and
// each non-nil artifact a second time under its ContentName (skipped when
// that file already holds the same bytes). Content-addressed files of
// earlier bundles stay: a page that still holds an older manifest can
// finish loading it. Delete them when no page can need them any more.
// New weights written without items remove a previous items.bin (its
// content-addressed copy stays, like the others).
//
// Each file is first written and synced under a temporary name, and only
// when all of them are on disk are they renamed into place, artifacts first
// and manifest.sig last: a write that fails (disk full, permissions) removes
// its temporary files and leaves the previous bundle as it was. Renames in
// one directory do not fail in practice, but a crash between two of them can
// leave a mix of old and new files, which verification then refuses
// (mix-and-match or digest mismatch) rather than loads.
func Write(dir string, f *bundle.Files) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	var temps []string
	defer func() {
		if err != nil {
			for _, t := range temps {
				os.Remove(t)
			}
		}
	}()
	var finals []string
	put := func(name string, data []byte) error {
		tmp, err := writeTemp(dir, name, data, 0o644)
		if err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
		temps = append(temps, tmp)
		finals = append(finals, filepath.Join(dir, name))
		return nil
	}
	for _, e := range entries {
		data := *e.field(f)
		if data == nil {
			continue
		}
		if err := put(e.name, data); err != nil {
			return err
		}
		if e.artifact == "" {
			continue
		}
		name := ContentName(e.artifact, sha256.Sum256(data))
		if old, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := put(name, data); err != nil {
			return err
		}
	}
	for i, t := range temps {
		if err := os.Rename(t, finals[i]); err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
	}
	// New weights without items: an items.bin of an earlier bundle would
	// be signed with them later (refused: another bundle's id) or sit
	// unlisted beside a manifest that does not name it.
	if f.Weights != nil && len(f.Items) == 0 {
		if err := os.Remove(filepath.Join(dir, ItemsFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("write bundle: remove the previous %s: %w", ItemsFile, err)
		}
	}
	syncDir(dir)
	return nil
}

// createTemp is os.CreateTemp; tests replace it to inject failures.
var createTemp = os.CreateTemp

// writeTemp writes data to a new temporary file beside name and syncs it.
func writeTemp(dir, name string, data []byte, perm os.FileMode) (string, error) {
	fh, err := createTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", err
	}
	tmp := fh.Name()
	_, err = fh.Write(data)
	if err == nil {
		err = fh.Sync()
	}
	if err == nil {
		err = fh.Chmod(perm)
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// syncDir makes the renames durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
