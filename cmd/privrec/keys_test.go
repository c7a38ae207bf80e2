package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// runKeysCLI runs the key verbs on a fresh command tree (cobra keeps flag
// values between runs of one tree) and returns what main would: the exit
// code and the outputs, stderr holding main's "privrec: …" line.
func runKeysCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, args, newKeygenCmd(), newSignCmd(), newVerifyCmd())
}

// runCLI runs args on a fresh command tree of cmds and returns what main
// would: the exit code and the outputs, stderr holding main's
// "privrec: …" line.
func runCLI(t *testing.T, args []string, cmds ...*cobra.Command) (code int, stdout, stderr string) {
	t.Helper()
	root := &cobra.Command{Use: "privrec", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(cmds...)
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(&errb, "privrec:", err)
		return exitCode(err), out.String(), errb.String()
	}
	return exitOK, out.String(), errb.String()
}

// writeArtifacts writes an unsigned bundle (real weights and catalog with
// the bundle id label in their headers, a stand-in module) into dir.
func writeArtifacts(t *testing.T, dir, label string) {
	t.Helper()
	id := [16]byte{}
	sum := sha256.Sum256([]byte(label))
	copy(id[:], sum[:])
	spec := &model.Spec{
		Items:      []string{label + "-a", label + "-b", label + "-c"},
		Neighbors:  [][]model.Neighbor{{{Item: 1, Weight: 1}}, {{Item: 2, Weight: 1}}, {{Item: 0, Weight: 1}}},
		Popularity: []float32{3, 2, 1},
		Params:     model.DefaultParams(),
	}
	w, err := model.EncodeWeights(spec, id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.EncodeCatalog([]model.Item{{ID: label + "-a"}, {ID: label + "-b"}, {ID: label + "-c"}}, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := bundledir.Write(dir, &bundle.Files{Weights: w, Catalog: c, Wasm: []byte("\x00asm\x01\x00\x00\x00" + label)}); err != nil {
		t.Fatal(err)
	}
}

type keysEnv struct {
	keys, other, bundle, bundleB string
}

// newKeysEnv makes two key pairs and two signed bundles, A and B.
func newKeysEnv(t *testing.T) keysEnv {
	t.Helper()
	d := t.TempDir()
	e := keysEnv{keys: filepath.Join(d, "keys"), other: filepath.Join(d, "other"), bundle: filepath.Join(d, "A"), bundleB: filepath.Join(d, "B")}
	for _, k := range []string{e.keys, e.other} {
		if code, _, stderr := runKeysCLI(t, "keygen", "--out", k); code != 0 {
			t.Fatalf("keygen: %s", stderr)
		}
	}
	for i, b := range []string{e.bundle, e.bundleB} {
		writeArtifacts(t, b, b)
		args := []string{"sign", b, "--key", filepath.Join(e.keys, bundledir.PrivateKeyFile), "--version", fmt.Sprint(100 + i)}
		if code, _, stderr := runKeysCLI(t, args...); code != 0 {
			t.Fatalf("sign: %s", stderr)
		}
	}
	return e
}

func flipLastByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCLI(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, e keysEnv)
		args     func(e keysEnv) []string
		wantCode int
		want     []string // substrings of stdout (exit 0) or of the one stderr line
	}{
		{
			name:     "valid",
			args:     func(e keysEnv) []string { return []string{"--pub", pubFile(e.keys)} },
			wantCode: exitOK,
			want:     []string{"ok ", "version     100", "model       neighbors", "not differentially private", "privrec.wasm"},
		},
		{
			name:     "rotation: any trusted key",
			args:     func(e keysEnv) []string { return []string{"--pub", pubFile(e.other), "--pub", pubFile(e.keys)} },
			wantCode: exitOK,
			want:     []string{"ok "},
		},
		{
			name:     "tampered weights",
			setup:    func(t *testing.T, e keysEnv) { flipLastByte(t, filepath.Join(e.bundle, bundledir.WeightsFile)) },
			wantCode: exitFailed,
			want:     []string{"FAILED (digest_mismatch)", "check weights", "copy all files"},
		},
		{
			name:     "tampered module",
			setup:    func(t *testing.T, e keysEnv) { flipLastByte(t, filepath.Join(e.bundle, bundledir.WasmFile)) },
			wantCode: exitFailed,
			want:     []string{"FAILED (digest_mismatch)", "module"},
		},
		{
			name:     "tampered manifest",
			setup:    func(t *testing.T, e keysEnv) { flipLastByte(t, filepath.Join(e.bundle, bundledir.ManifestFile)) },
			wantCode: exitFailed,
			want:     []string{"FAILED (bad_signature)", "do not load it"},
		},
		{
			name:     "unknown key",
			args:     func(e keysEnv) []string { return []string{"--pub", pubFile(e.other)} },
			wantCode: exitFailed,
			want:     []string{"FAILED (unknown_key)", "--pub"},
		},
		{
			name: "expired",
			args: func(e keysEnv) []string {
				return []string{"--at", time.Now().Add(800 * time.Hour).Format(time.RFC3339)}
			},
			wantCode: exitFailed,
			want:     []string{"FAILED (expired)", "re-sign"},
		},
		{
			name:     "not yet valid",
			args:     func(e keysEnv) []string { return []string{"--at", time.Now().Add(-time.Hour).Format(time.RFC3339)} },
			wantCode: exitFailed,
			want:     []string{"FAILED (not_yet_valid)", "clock"},
		},
		{
			name:     "rollback",
			args:     func(e keysEnv) []string { return []string{"--min-version", "101"} },
			wantCode: exitFailed,
			want:     []string{"FAILED (rollback)", "version 100 is below the minimum 101"},
		},
		{
			name: "catalog of another bundle",
			setup: func(t *testing.T, e keysEnv) {
				copyFile(t, filepath.Join(e.bundleB, bundledir.CatalogFile), filepath.Join(e.bundle, bundledir.CatalogFile))
			},
			wantCode: exitFailed,
			want:     []string{"FAILED (mix_and_match)", "publish all files of one bundle together"},
		},
		{
			name: "signature of another bundle",
			setup: func(t *testing.T, e keysEnv) {
				copyFile(t, filepath.Join(e.bundleB, bundledir.SignatureFile), filepath.Join(e.bundle, bundledir.SignatureFile))
			},
			wantCode: exitFailed,
			want:     []string{"FAILED (bad_signature)"},
		},
		{
			name:     "not signed",
			setup:    func(t *testing.T, e keysEnv) { os.Remove(filepath.Join(e.bundle, bundledir.SignatureFile)) },
			wantCode: exitFailed,
			want:     []string{"missing artifact", "not signed", "privrec sign"},
		},
		{
			name:     "missing catalog",
			setup:    func(t *testing.T, e keysEnv) { os.Remove(filepath.Join(e.bundle, bundledir.CatalogFile)) },
			wantCode: exitFailed,
			want:     []string{"missing artifact", "catalog.bin", "copy the missing file"},
		},
		{
			name:     "no --pub",
			args:     func(e keysEnv) []string { return []string{} },
			wantCode: exitUsage,
			want:     []string{"--pub FILE is required"},
		},
		{
			name:     "public key file missing",
			args:     func(e keysEnv) []string { return []string{"--pub", filepath.Join(e.keys, "nope.pub")} },
			wantCode: exitIOError,
			want:     []string{"nope.pub"},
		},
		{
			name:     "private key passed as public",
			args:     func(e keysEnv) []string { return []string{"--pub", filepath.Join(e.keys, bundledir.PrivateKeyFile)} },
			wantCode: exitUsage,
			want:     []string{"privrec-ed25519-private-v1", "want \"privrec-ed25519-public-v1\""},
		},
		{
			name:     "bad --at",
			args:     func(e keysEnv) []string { return []string{"--pub", pubFile(e.keys), "--at", "tomorrow"} },
			wantCode: exitUsage,
			want:     []string{"RFC 3339"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newKeysEnv(t)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			args := []string{"verify", e.bundle}
			extra := []string{"--pub", pubFile(e.keys)}
			if tt.args != nil {
				extra = tt.args(e)
				if len(extra) > 0 && extra[0] != "--pub" {
					extra = append(extra, "--pub", pubFile(e.keys))
				}
			}
			code, stdout, stderr := runKeysCLI(t, append(args, extra...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d; want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			got := stdout
			if code != exitOK {
				got = stderr
				if strings.Count(stderr, "\n") != 1 || stdout != "" {
					t.Fatalf("want exactly one line on stderr and nothing on stdout; got stdout %q, stderr %q", stdout, stderr)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func pubFile(dir string) string { return filepath.Join(dir, bundledir.PublicKeyFile) }

func TestKeygenCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	code, stdout, stderr := runKeysCLI(t, "keygen", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pub, err := bundledir.ReadPublicKey(pubFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := bundledir.ReadPrivateKey(filepath.Join(dir, bundledir.PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, bundledir.PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %04o; want 0600", st.Mode().Perm())
	}
	for _, w := range []string{"key id      " + bundle.KeyID(pub), base64.StdEncoding.EncodeToString(pub)} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	if seed := base64.StdEncoding.EncodeToString(priv.Seed()); strings.Contains(stdout+stderr, seed) {
		t.Error("keygen printed the private key")
	}

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"existing key is never overwritten", []string{"keygen", "--out", dir}, exitFailed, "file already exists"},
		{"no --out", []string{"keygen"}, exitUsage, "--out DIR is required"},
		{"stray argument", []string{"keygen", "--out", dir, "extra"}, exitUsage, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runKeysCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.wantCode, tt.want)
			}
		})
	}
	if again, err := bundledir.ReadPublicKey(pubFile(dir)); err != nil || !again.Equal(pub) {
		t.Fatal("a refused keygen changed the existing key")
	}
}

func TestSignCLI(t *testing.T) {
	e := newKeysEnv(t)
	key := filepath.Join(e.keys, bundledir.PrivateKeyFile)
	tests := []struct {
		name     string
		setup    func(t *testing.T) []string
		wantCode int
		want     string
	}{
		{"re-sign keeps working", func(t *testing.T) []string {
			return []string{"sign", e.bundle, "--key", key, "--version", "100"}
		}, exitOK, "version 100"},
		{"default version is the Unix time", func(t *testing.T) []string {
			return []string{"sign", e.bundle, "--key", key}
		}, exitOK, fmt.Sprintf("version %d", time.Now().Unix()/1000)},
		{"lower version refused", func(t *testing.T) []string {
			return []string{"sign", e.bundleB, "--key", key, "--version", "7"}
		}, exitFailed, "pass --version 101 or higher"},
		{"no --key", func(t *testing.T) []string { return []string{"sign", e.bundle} }, exitUsage, "--key FILE is required"},
		{"readable private key refused", func(t *testing.T) []string {
			loose := filepath.Join(t.TempDir(), "loose.key")
			copyFile(t, key, loose) // mode 0644
			return []string{"sign", e.bundle, "--key", loose}
		}, exitFailed, "chmod 600"},
		{"public key as private", func(t *testing.T) []string {
			p := filepath.Join(t.TempDir(), "x.key")
			copyFile(t, pubFile(e.keys), p)
			os.Chmod(p, 0o600)
			return []string{"sign", e.bundle, "--key", p}
		}, exitUsage, "want \"privrec-ed25519-private-v1\""},
		{"nothing to sign", func(t *testing.T) []string {
			return []string{"sign", t.TempDir(), "--key", key}
		}, exitFailed, "missing artifact"},
		{"weights of another bundle", func(t *testing.T) []string {
			d := t.TempDir()
			writeArtifacts(t, d, "C")
			copyFile(t, filepath.Join(e.bundleB, bundledir.CatalogFile), filepath.Join(d, bundledir.CatalogFile))
			return []string{"sign", d, "--key", key}
		}, exitFailed, "artifacts from different bundles"},
		{"bad --expires", func(t *testing.T) []string {
			return []string{"sign", e.bundle, "--key", key, "--expires", "-1h"}
		}, exitUsage, "positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runKeysCLI(t, tt.setup(t)...)
			if code != tt.wantCode || !strings.Contains(stdout+stderr, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tt.wantCode, tt.want)
			}
		})
	}
}

// TestSignKeepsPrivacyFigures re-signs a DP bundle without --epsilon: the
// manifest must still state ε and δ, or the dashboard would say "not DP".
func TestSignKeepsPrivacyFigures(t *testing.T) {
	e := newKeysEnv(t)
	key := filepath.Join(e.keys, bundledir.PrivateKeyFile)
	wasm := filepath.Join(t.TempDir(), "privrec.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00 new module"), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{
		{"sign", e.bundle, "--key", key, "--version", "200", "--epsilon", "2", "--delta", "1e-6"},
		{"sign", e.bundle, "--key", key, "--version", "201", "--wasm", wasm},
	}
	for _, s := range steps {
		if code, _, stderr := runKeysCLI(t, s...); code != exitOK {
			t.Fatalf("%v: %s", s, stderr)
		}
	}
	code, stdout, stderr := runKeysCLI(t, "verify", e.bundle, "--pub", pubFile(e.keys), "--min-version", "201")
	if code != exitOK {
		t.Fatalf("verify: %s", stderr)
	}
	for _, w := range []string{"ε=2 δ=1e-06", "version     201"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("verify output lacks %q:\n%s", w, stdout)
		}
	}
	got, _ := os.ReadFile(filepath.Join(e.bundle, bundledir.WasmFile))
	if !bytes.HasSuffix(got, []byte("new module")) {
		t.Error("--wasm did not replace the bundle's module")
	}
}
