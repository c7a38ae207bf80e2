package bundledir

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/privrec/privrec/model/bundle"
)

// TestItemsFile: items.bin is optional, written with its content-addressed
// copy, read back by Read and ReadArtifacts, and removed when new weights
// are written without items (a stale one would be signed, or sit unlisted,
// beside the new bundle).
func TestItemsFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	f := sample("items")
	f.Items = []byte("items 1")
	if err := Write(dir, f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ContentName(bundle.NameItems, sha256.Sum256(f.Items)))); err != nil {
		t.Errorf("no content-addressed items copy: %v", err)
	}
	for name, read := range map[string]func(string) (*bundle.Files, error){"Read": Read, "ReadArtifacts": ReadArtifacts} {
		got, err := read(dir)
		if err != nil || !bytes.Equal(got.Items, f.Items) {
			t.Errorf("%s: items %q, %v; want %q", name, got.Items, err, f.Items)
		}
	}
	// Re-signing (manifest only) keeps it.
	if err := Write(dir, &bundle.Files{Manifest: []byte("m2"), Signature: []byte("s2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ItemsFile)); err != nil {
		t.Errorf("a manifest-only write removed items.bin: %v", err)
	}
	// New weights without items: gone, and Read still works.
	if err := Write(dir, sample("2")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ItemsFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("items.bin of the previous bundle left beside new weights: %v", err)
	}
	got, err := Read(dir)
	if err != nil || got.Items != nil {
		t.Errorf("Read without items.bin: items %q, %v", got.Items, err)
	}
}
