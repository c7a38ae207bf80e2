package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"20000000", 20_000_000, true},
		{"16MiB", 16 << 20, true},
		{"1.5 MiB", 3 << 19, true},
		{"40MB", 40_000_000, true},
		{"512KiB", 512 << 10, true},
		{"2GB", 2_000_000_000, true},
		{"0", 0, false},
		{"-1MB", 0, false},
		{"lots", 0, false},
		{"16 MIB", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var b byteSize
			err := b.Set(tc.in)
			if (err == nil) != tc.ok || (tc.ok && int64(b) != tc.want) {
				t.Fatalf("Set(%q) = %d, %v; want %d, ok=%v", tc.in, b, err, tc.want, tc.ok)
			}
		})
	}
}

// runTrainCLI runs privrec train on a fresh command tree and returns the
// exit code and outputs.
func runTrainCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, append([]string{"train"}, args...), newTrainCmd())
}

// TestTrainKind trains a small CSV log with each --kind and checks the
// reason printed, the weights' kind and the signed manifest's kind.
func TestTrainKind(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("user,item,ts\n")
	for u := 0; u < 300; u++ {
		for k := 0; k < 4; k++ {
			fmt.Fprintf(&csv, "u%03d,item-%02d,%d\n", u, (u*3+k*7)%40, 1_700_000_000_000+int64(u*4+k)*3_600_000)
		}
	}
	logPath := filepath.Join(dir, "log.csv")
	wasm := filepath.Join(dir, "m.wasm")
	key := filepath.Join(dir, "keys")
	if err := os.WriteFile(logPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runKeysCLI(t, "keygen", "--out", key); code != exitOK {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	common := []string{"--data", logPath, "--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix_ms", "--wasm", wasm,
		"--sign-key", filepath.Join(key, "privrec.key")}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		kind   model.ModelKind
		reason string
	}{
		{"auto, small catalog", nil, exitOK, model.ModelNeighbors, "kind: 40 items × 39 neighbours ≈ "},
		{"auto, tight budget", []string{"--max-bundle-bytes", "16000"}, exitOK, model.ModelNeighbors, "exceeds the 16.0 kB budget; 10 neighbours ≈ "},
		// Below MinNeighbors auto wants the embedding kind, whose codebooks
		// alone do not fit; asked for, neighbours are sized down to two.
		{"auto, too tight", []string{"--max-bundle-bytes", "15000"}, exitUsage, "", "raise --max-bundle-bytes"},
		{"neighbors sized down", []string{"--kind", "neighbors", "--max-bundle-bytes", "15000"}, exitOK, model.ModelNeighbors, "exceeds the 15.0 kB budget; 2 neighbours ≈ "},
		{"embedding", []string{"--kind", "embedding"}, exitOK, model.ModelEmbedding, "kind: 40 items × 16 codes ≈ "},
		{"nothing fits", []string{"--max-bundle-bytes", "1000"}, exitUsage, "", "raise --max-bundle-bytes"},
		{"unknown kind", []string{"--kind", "graph"}, exitUsage, "", "use auto, neighbors or embedding"},
		{"bad size", []string{"--max-bundle-bytes", "lots"}, exitUsage, "", "not a positive size"},
		{"private embedding", []string{"--kind", "embedding", "--dp-epsilon", "8"}, exitUsage, "", "neighbors kind only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			code, stdout, stderr := runTrainCLI(t, append(append([]string{"--out", out}, common...), tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d; want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tc.reason) {
				t.Errorf("output does not say %q:\n%s\n%s", tc.reason, stdout, stderr)
			}
			if tc.code != exitOK {
				return
			}
			files, err := bundledir.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.DecodeWeights(files.Weights)
			if err != nil {
				t.Fatal(err)
			}
			man, err := bundle.Inspect(files.Manifest)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind() != tc.kind || man.Model != tc.kind {
				t.Errorf("weights kind %s, manifest kind %s; want %s", m.Kind(), man.Model, tc.kind)
			}
		})
	}
}
