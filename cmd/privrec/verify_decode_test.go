package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// TestVerifyDecodesArtifacts: a bundle whose signed weights do not decode
// (here a trailing byte after a valid header) passes every digest check,
// and the module would still refuse it; verify must not say "ok".
func TestVerifyDecodesArtifacts(t *testing.T) {
	e := newKeysEnv(t)
	path := filepath.Join(e.bundle, bundledir.WeightsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, 0xc0), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runKeysCLI(t, "sign", e.bundle, "--key", filepath.Join(e.keys, bundledir.PrivateKeyFile), "--version", "200"); code != exitOK {
		t.Fatalf("sign: %s", stderr)
	}
	code, stdout, stderr := runKeysCLI(t, "verify", e.bundle, "--pub", pubFile(e.keys))
	if code != exitFailed || !strings.Contains(stderr, "FAILED (corrupt)") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and FAILED (corrupt)", code, stdout, stderr, exitFailed)
	}
}

// TestSignWritesContentNames: sign writes each artifact under the name the
// SDK derives from the manifest, with the signed bytes, and signs the model
// kind; verify says so, and notes a bundle without those copies.
func TestSignWritesContentNames(t *testing.T) {
	e := newKeysEnv(t)
	files, err := bundledir.Read(e.bundle)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bundle.Inspect(files.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if m.Model != model.ModelNeighbors {
		t.Errorf("model kind %q; want neighbors", m.Model)
	}
	var names []string
	for _, a := range m.Artifacts {
		name := bundledir.ContentName(a.Name, a.SHA256)
		names = append(names, name)
		b, err := os.ReadFile(filepath.Join(e.bundle, name))
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if err := m.Check(a.Name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	code, stdout, stderr := runKeysCLI(t, "verify", e.bundle, "--pub", pubFile(e.keys))
	if code != exitOK || strings.Contains(stdout, "note") || !strings.Contains(stdout, "model       neighbors") {
		t.Fatalf("verify: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A host that only has the plain names still verifies, with a note.
	for _, name := range names {
		os.Remove(filepath.Join(e.bundle, name))
	}
	code, stdout, _ = runKeysCLI(t, "verify", e.bundle, "--pub", pubFile(e.keys))
	if code != exitOK || !strings.Contains(stdout, "no content-addressed copies") {
		t.Fatalf("verify without copies: exit %d, stdout %q", code, stdout)
	}
}
