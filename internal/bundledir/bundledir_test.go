package bundledir

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func sample(tag string) *bundle.Files {
	return &bundle.Files{
		Manifest: []byte("manifest " + tag), Signature: []byte("sig " + tag),
		Weights: []byte("weights " + tag), Catalog: []byte("catalog " + tag), Wasm: []byte("wasm " + tag),
	}
}

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	want := sample("1")
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %+v; want %+v", got, want)
	}
	// A partial write replaces only the files it names.
	if err := Write(dir, &bundle.Files{Manifest: []byte("m2"), Signature: []byte("s2")}); err != nil {
		t.Fatal(err)
	}
	got, err = ReadArtifacts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Manifest != nil || !bytes.Equal(got.Weights, want.Weights) {
		t.Fatalf("ReadArtifacts = %+v", got)
	}
	assertNoTemps(t, dir)
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestWriteFailureKeepsOldBundle fails the n-th temporary file of a write:
// the directory must still hold the old bundle, whole, and no temp file.
func TestWriteFailureKeepsOldBundle(t *testing.T) {
	for n := 1; n <= 5; n++ {
		t.Run(fmt.Sprintf("fail file %d", n), func(t *testing.T) {
			dir := t.TempDir()
			old := sample("old")
			if err := Write(dir, old); err != nil {
				t.Fatal(err)
			}
			calls := 0
			createTemp = func(dir, pattern string) (*os.File, error) {
				calls++
				if calls == n {
					return nil, errors.New("disk full")
				}
				return os.CreateTemp(dir, pattern)
			}
			defer func() { createTemp = os.CreateTemp }()
			if err := Write(dir, sample("new")); err == nil {
				t.Fatal("write succeeded despite the injected failure")
			}
			got, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, old) {
				t.Fatalf("bundle changed by a failed write: %+v", got)
			}
			assertNoTemps(t, dir)
		})
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []error
	}{
		{"missing signature", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SignatureFile)) },
			[]error{model.ErrMissingArtifact, fs.ErrNotExist}},
		{"weights above cap", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, WeightsFile), bundle.MaxWeights+1); err != nil {
				t.Fatal(err)
			}
		}, []error{model.ErrTooLarge}},
		{"signature above its read cap", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, SignatureFile), make([]byte, 2<<10), 0o644)
		}, []error{model.ErrTooLarge}},
		{"catalog is a directory", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, CatalogFile))
			os.Mkdir(filepath.Join(dir, CatalogFile), 0o755)
		}, []error{model.ErrBadRequest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, sample("x")); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir)
			_, err := Read(dir)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("got %v; want it to wrap %v", err, w)
				}
			}
		})
	}
}

func TestKeyPair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	pub, err := WriteKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	gotPub, err := ReadPublicKey(filepath.Join(dir, PublicKeyFile))
	if err != nil || !gotPub.Equal(pub) {
		t.Fatalf("ReadPublicKey = %x, %v; want %x", gotPub, err, pub)
	}
	priv, err := ReadPrivateKey(filepath.Join(dir, PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatal("private key does not match the public key")
	}
	if _, err := WriteKeyPair(dir); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second WriteKeyPair: %v; want fs.ErrExist", err)
	}
	if again, _ := ReadPrivateKey(filepath.Join(dir, PrivateKeyFile)); !again.Equal(priv) {
		t.Fatal("refused WriteKeyPair replaced the private key")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		os.Chmod(filepath.Join(dir, PrivateKeyFile), mode)
		if _, err := ReadPrivateKey(filepath.Join(dir, PrivateKeyFile)); !errors.Is(err, ErrKeyPermissions) {
			t.Errorf("mode %04o: %v; want ErrKeyPermissions", mode, err)
		}
	}
}

func TestParsePublicKey(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(bytes.NewReader(make([]byte, 64)))
	valid := MarshalPublicKey(pub)
	tests := []struct {
		name string
		text string
		ok   bool
	}{
		{"valid", string(valid), true},
		{"no final newline", strings.TrimSuffix(string(valid), "\n"), true},
		{"CRLF", strings.ReplaceAll(string(valid), "\n", "\r\n"), true},
		{"empty", "", false},
		{"header only", PublicKeyHeader + "\n", false},
		{"other version", strings.Replace(string(valid), "-v1", "-v2", 1), false},
		{"private key file", string(marshalPrivateKey(ed25519.NewKeyFromSeed(make([]byte, 32)))), false},
		{"short key", PublicKeyHeader + "\nAAAA\n", false},
		{"not base64", PublicKeyHeader + "\n" + strings.Repeat("!", 44) + "\n", false},
		{"extra line", string(valid) + "comment\n", false},
		{"two final newlines", string(valid) + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKey([]byte(tt.text))
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v; want ok=%v", err, tt.ok)
			}
			if err == nil && !got.Equal(pub) {
				t.Fatal("wrong key")
			}
			if err != nil && !errors.Is(err, model.ErrBadRequest) {
				t.Fatalf("%v does not wrap ErrBadRequest", err)
			}
		})
	}
}

// FuzzParsePublicKey: the key parser never panics, and what it accepts
// marshals back to the canonical text (modulo the optional final newline
// and CRs).
func FuzzParsePublicKey(f *testing.F) {
	pub, _, _ := ed25519.GenerateKey(bytes.NewReader(make([]byte, 64)))
	f.Add(MarshalPublicKey(pub))
	f.Add([]byte(PublicKeyHeader + "\nAAAA"))
	f.Add([]byte(PrivateKeyHeader + "\n" + strings.Repeat("A", 43) + "=\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		k, err := ParsePublicKey(text)
		if err != nil {
			return
		}
		canon := MarshalPublicKey(k)
		norm := bytes.ReplaceAll(text, []byte("\r"), nil)
		if !bytes.Equal(canon, norm) && !bytes.Equal(canon, append(norm, '\n')) {
			t.Fatalf("accepted %q, which is not the canonical %q", text, canon)
		}
	})
}

// TestContentNames: Write puts each artifact beside its plain file under
// its content-addressed name too, and ContentName is the name the SDK
// derives (js/src/core.js contentName).
func TestContentNames(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	for _, tt := range []struct{ name, want string }{
		{bundle.NameWeights, "weights.2d711642b726b044.bin"},
		{bundle.NameCatalog, "catalog.2d711642b726b044.bin"},
		{bundle.NameWasm, "privrec.2d711642b726b044.wasm"},
		{"js", ""},
	} {
		if got := ContentName(tt.name, sum); got != tt.want {
			t.Errorf("ContentName(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}

	dir := t.TempDir()
	f := sample("1")
	if err := Write(dir, f); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		name string
		data []byte
	}{{bundle.NameWeights, f.Weights}, {bundle.NameCatalog, f.Catalog}, {bundle.NameWasm, f.Wasm}} {
		got, err := os.ReadFile(filepath.Join(dir, ContentName(a.name, sha256.Sum256(a.data))))
		if err != nil || !bytes.Equal(got, a.data) {
			t.Errorf("%s: content-addressed copy %q, %v; want %q", a.name, got, err, a.data)
		}
	}
	// A new bundle leaves the old copies (pages may still need them) and
	// adds its own; an unchanged artifact's copy is not rewritten.
	wasmCopy := filepath.Join(dir, ContentName(bundle.NameWasm, sha256.Sum256(f.Wasm)))
	before, _ := os.Stat(wasmCopy)
	g := sample("2")
	g.Wasm = f.Wasm
	if err := Write(dir, g); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(wasmCopy)
	if !os.SameFile(before, after) {
		t.Error("the unchanged module's content-addressed copy was rewritten")
	}
	for _, data := range [][]byte{f.Weights, g.Weights} {
		if _, err := os.Stat(filepath.Join(dir, ContentName(bundle.NameWeights, sha256.Sum256(data)))); err != nil {
			t.Error(err)
		}
	}
	assertNoTemps(t, dir)
}
