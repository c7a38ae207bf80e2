package eval_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// datasetPath finds ../shared/datasets/<rel> relative to the repository
// root (the directory holding go.mod), or "" when it is absent.
func datasetPath(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "datasets", rel)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

const uciPath = "uci-online-retail/online_retail.csv.gz"

type uciData struct {
	full  *train.Log
	train *train.Log
	cases []eval.Case
	err   error
}

var (
	uciOnce sync.Once
	uci     uciData
)

// loadUCI reads and splits the UCI data once per test binary; it skips the
// test when the dataset is absent.
func loadUCI(tb testing.TB) *uciData {
	tb.Helper()
	p := datasetPath(uciPath)
	if p == "" {
		tb.Skipf("dataset %s not found under ../shared/datasets (relative to the repo root); skipping real-data test", uciPath)
	}
	uciOnce.Do(func() {
		f, err := os.Open(p)
		if err != nil {
			uci.err = err
			return
		}
		defer f.Close()
		log, _, err := train.ReadUCI(f)
		if err != nil {
			uci.err = err
			return
		}
		uci.full = log
		uci.train, uci.cases = eval.Split(log)
	})
	if uci.err != nil {
		tb.Fatal(uci.err)
	}
	return &uci
}
