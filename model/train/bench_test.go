package train_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// uciFile finds ../shared/datasets/uci-online-retail/online_retail.csv.gz
// relative to the repository root, or "" when it is absent.
func uciFile() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "datasets", "uci-online-retail", "online_retail.csv.gz")
			if _, err := os.Stat(p); err != nil {
				return ""
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func readUCI(tb testing.TB) *train.Log {
	p := uciFile()
	if p == "" {
		tb.Skip("dataset uci-online-retail not found under ../shared/datasets (relative to the repo root)")
	}
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	log, _, err := train.ReadUCI(f)
	if err != nil {
		tb.Fatal(err)
	}
	return log
}

// TestReadUCIReal checks the reader's counts on the real file against its
// PROVENANCE.md: 541,909 rows, every one accounted for, none malformed.
func TestReadUCIReal(t *testing.T) {
	p := uciFile()
	if p == "" {
		t.Skip("dataset uci-online-retail not found under ../shared/datasets (relative to the repo root)")
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, rep, err := train.ReadUCI(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Rows != 541909 || rep.MalformedRows() != 0 || rep.Kept != len(log.Interactions) {
		t.Errorf("rows %d, malformed %d, kept %d; want 541909 rows, none malformed", rep.Rows, rep.MalformedRows(), rep.Kept)
	}
	if rep.Excluded[train.ReasonNoCustomer] != 135080 {
		t.Errorf("%d rows without customer; PROVENANCE.md says 135080", rep.Excluded[train.ReasonNoCustomer])
	}
}

func BenchmarkReadUCI(b *testing.B) {
	p := uciFile()
	if p == "" {
		b.Skip("dataset absent")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := train.ReadUCI(bytesReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrain fits the models of every solver on the full UCI log, side
// by side: the dense EASE solve (DenseMaxItems above the catalog), the
// sparse per-target solve (the default) and the embedding kind.
func BenchmarkTrain(b *testing.B) {
	log := readUCI(b)
	for _, v := range []struct {
		name string
		edit func(*train.Config)
	}{
		{"kind=neighbors/solver=dense", func(c *train.Config) { c.DenseMaxItems = model.MaxItems }},
		{"kind=neighbors/solver=sparse", func(*train.Config) {}},
		{"kind=embedding", func(c *train.Config) { c.Kind = model.ModelEmbedding }},
	} {
		b.Run(v.name, func(b *testing.B) {
			cfg := train.DefaultConfig()
			v.edit(&cfg)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := train.Train(log, cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
