package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/synth"
)

// runSynthCLI runs synth and train on a fresh command tree and returns what
// main would: the exit code and the outputs.
func runSynthCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, args, newSynthCmd(), newTrainCmd())
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s is not gzip: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSynthCLI: synth writes a gzip log and catalog, the same seed gives the
// same bytes, and the train command it prints trains a bundle from the log.
func TestSynthCLI(t *testing.T) {
	d := t.TempDir()
	logA, logB, cat := filepath.Join(d, "a.csv.gz"), filepath.Join(d, "b.csv.gz"), filepath.Join(d, "catalog.csv")
	args := []string{"synth", "--items", "300", "--users", "200", "--events", "4000", "--seed", "9"}
	code, stdout, stderr := runSynthCLI(t, append(args, "--out", logA, "--catalog", cat)...)
	if code != exitOK {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"wrote " + logA, "views", "purchases", "wrote " + cat + ": 300 items in 3 categories", "--columns " + synth.Columns} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, stderr := runSynthCLI(t, append(args, "--out", logB)...); code != exitOK {
		t.Fatalf("synth again: exit %d: %s", code, stderr)
	}
	a, b := gunzip(t, logA), gunzip(t, logB)
	if !bytes.Equal(a, b) {
		t.Fatal("the same flags and seed wrote different logs")
	}
	if !strings.HasPrefix(string(a), synth.Header+"\n") {
		t.Fatalf("log starts %q; want the header %q", a[:60], synth.Header)
	}
	catalog, err := os.ReadFile(cat)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(catalog), "\n"); !strings.HasPrefix(string(catalog), synth.CatalogHeader+"\n") || n != 301 {
		t.Fatalf("catalog: %d lines, starting %q; want the header and 300 items", n, catalog[:40])
	}

	// The printed train command, with a stand-in module.
	wasm := filepath.Join(d, "m.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	line := stdout[strings.Index(stdout, "privrec train "):]
	line = strings.TrimSpace(strings.SplitN(line, "\n", 2)[0])
	bundle := filepath.Join(d, "bundle")
	targs := append(strings.Fields(strings.TrimPrefix(line, "privrec ")), "--wasm", wasm)
	for i, a := range targs {
		if a == "--out" {
			targs[i+1] = bundle
		}
	}
	code, stdout, stderr = runSynthCLI(t, targs...)
	if code != exitOK {
		t.Fatalf("%s: exit %d: %s", strings.Join(targs, " "), code, stderr)
	}
	if !strings.Contains(stderr, "excluded: 0, malformed: 0") {
		t.Errorf("train did not keep every row of the generated log:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(bundle, bundledir.WeightsFile)); err != nil {
		t.Fatalf("train wrote no weights: %v\n%s", err, stdout)
	}
}

func TestSynthCLIErrors(t *testing.T) {
	d := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no items", []string{"synth", "--items", "0", "--out", filepath.Join(d, "x.csv")}, exitUsage, "items is 0"},
		{"too few events", []string{"synth", "--users", "10", "--events", "5", "--out", filepath.Join(d, "x.csv")}, exitUsage, "events is 5"},
		{"bad loyalty", []string{"synth", "--loyalty", "2", "--out", filepath.Join(d, "x.csv")}, exitUsage, "loyalty"},
		{"unwritable", []string{"synth", "--items", "10", "--users", "2", "--out", filepath.Join(d, "no", "such", "dir.csv")}, exitIOError, "no such file"},
		{"empty out", []string{"synth", "--items", "10", "--users", "2", "--out", ""}, exitUsage, "--out is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runSynthCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}

// TestSynthStdout: --out - writes plain CSV to stdout and nothing else.
func TestSynthStdout(t *testing.T) {
	code, stdout, stderr := runSynthCLI(t, "synth", "--items", "20", "--users", "3", "--out", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, synth.Header+"\n") || strings.Contains(stdout, "wrote") {
		t.Fatalf("stdout is not just the CSV:\n%s", stdout)
	}
}
