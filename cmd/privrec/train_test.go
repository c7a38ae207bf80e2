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

// tasteLog is a CSV log of 300 users in 6 taste groups over 120 days,
// each with four events hours apart (four sessions), times in unit.
func tasteLog(unit int64) string {
	var b strings.Builder
	b.WriteString("user,item,ts\n")
	for u := 0; u < 300; u++ {
		for k := 0; k < 4; k++ {
			at := (1_700_000_000_000 + int64(u)*34_560_000 + int64(k)*3_600_000) / unit
			fmt.Fprintf(&b, "u%03d,g%d-%d,%d\n", u, u%6, (u/6+k*3)%8, at)
		}
	}
	return b.String()
}

// TestTrainTune: train tunes by default, prints and signs what it chose;
// a given flag stays fixed; --no-tune trains without a search and signs no
// record.
func TestTrainTune(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log.csv")
	wasm := filepath.Join(dir, "m.wasm")
	key := filepath.Join(dir, "keys")
	if err := os.WriteFile(logPath, []byte(tasteLog(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runKeysCLI(t, "keygen", "--out", key); code != exitOK {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	common := []string{"--data", logPath, "--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix_ms", "--wasm", wasm,
		"--sign-key", filepath.Join(key, "privrec.key"), "--tune-budget", "1m"}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		say    []string // in stdout
		tuning bool     // a record in the manifest
		lambda float64  // the record's λ, when not zero
	}{
		{"default", nil, exitOK, []string{"tuned in ", "validation NDCG@10 ", "users' last basket", "chosen: train-half-life="}, true, 0},
		{"lambda given", []string{"--lambda", "77"}, exitOK, []string{"lambda=77", "(given: lambda)"}, true, 77},
		{"no tune", []string{"--no-tune"}, exitOK, []string{"tuning: off (--no-tune); using train-half-life=", "lambda=150"}, false, 0},
		{"private", []string{"--dp-epsilon", "8"}, exitOK, []string{"tuning: off under --dp-epsilon"}, false, 0},
		{"bad budget", []string{"--tune-budget", "0s"}, exitUsage, nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			code, stdout, stderr := runTrainCLI(t, append(append([]string{"--out", out}, common...), tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d; want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.say {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout does not say %q:\n%s", s, stdout)
				}
			}
			if tc.code != exitOK {
				return
			}
			files, err := bundledir.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			man, err := bundle.Inspect(files.Manifest)
			if err != nil {
				t.Fatal(err)
			}
			if (man.Tuning != nil) != tc.tuning {
				t.Fatalf("manifest tuning %+v; want a record: %v", man.Tuning, tc.tuning)
			}
			if !tc.tuning {
				return
			}
			if man.Tuning.Metric != "ndcg@10" || man.Tuning.Users == 0 || man.Tuning.Trials == 0 || !(man.Tuning.Score > 0) {
				t.Errorf("manifest tuning %+v", man.Tuning)
			}
			got := map[string]float64{}
			for _, p := range man.Tuning.Params {
				got[p.Name] = p.Value
			}
			if _, ok := got["train-half-life"]; !ok || len(got) < 7 {
				t.Errorf("signed values %v; want every parameter", got)
			}
			if tc.lambda != 0 && got["lambda"] != tc.lambda {
				t.Errorf("signed lambda %v; want the given %v", got["lambda"], tc.lambda)
			}
		})
	}
}

// TestTrainWarnings: train warns about times read in the wrong unit and a
// span far longer than a half-life given with --no-tune.
func TestTrainWarnings(t *testing.T) {
	dir := t.TempDir()
	wasm := filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, format string
		unit         int64
		args         []string
		say          string
	}{
		{"seconds read as ms", "unix_ms", 1000, []string{"--no-tune"}, "warning: 1200 of 1200 events are dated before 1971"},
		{"ms read as seconds", "unix", 1, []string{"--no-tune"}, "if the times are milliseconds, use time_format=unix_ms"},
		{"short half-life", "unix_ms", 1, []string{"--no-tune", "--train-half-life", "2"}, "warning: the log spans 120 days, 60× --train-half-life 2 days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logPath := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".csv")
			if err := os.WriteFile(logPath, []byte(tasteLog(tc.unit)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runTrainCLI(t, append([]string{"--out", filepath.Join(dir, "b"), "--data", logPath, "--format", "csv",
				"--columns", "user=user,item=item,time=ts,time_format=" + tc.format, "--wasm", wasm}, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.say) {
				t.Errorf("stderr does not say %q:\n%s", tc.say, stderr)
			}
		})
	}
}
