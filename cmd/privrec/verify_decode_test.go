package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/bundledir"
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
