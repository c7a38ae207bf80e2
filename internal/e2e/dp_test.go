package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/evalrun"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// throughModule trains cfg on trainLog, ships it like a release and scores
// the cases through the real module in wazero, as privrec eval does.
func throughModule(tb testing.TB, trainLog *train.Log, cases []eval.Case, cfg train.Config, wasm []byte) eval.Metrics {
	tb.Helper()
	ctx := context.Background()
	s, err := evalrun.Ship(trainLog, cfg, wasm, nil)
	require.NoError(tb, err)
	rt, err := host.NewRuntime(ctx, host.DefaultConfig())
	require.NoError(tb, err)
	defer rt.Close(ctx)
	inst, err := s.Instance(ctx, rt)
	require.NoError(tb, err)
	defer inst.Close(ctx)
	m, err := eval.Evaluate(cases, evalrun.Wasm{Ctx: ctx, Inst: inst})
	require.NoError(tb, err)
	native, err := eval.Evaluate(cases, s.Native)
	require.NoError(tb, err)
	require.Equal(tb, native, m, "native and wasm figures of the same artifacts differ")
	return m
}

// TestPrivateThroughModule trains train.PrivateConfig at ε = 4, δ = 1e-6 on
// the protocol's training part, scores it through the module and checks it
// keeps half of the non-private model's gain over exact popularity (issue
// 10's bar; README: 58% on three seeds, 54% on seed 1, the one checked).
//
// With PRIVREC_DP_CURVE=1 it prints the README's DP table instead: ε ∈
// {1, 2, 4, 8}, seeds 1–3, against popularity and non-private privrec
// (DefaultConfig, untuned), all on the same cases (a few minutes).
func TestPrivateThroughModule(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the full dataset; skipped with -short")
	}
	path := uciPath(t)
	wasm := wasmtest.Module(t)
	f, err := os.Open(path)
	require.NoError(t, err)
	log, _, err := train.ReadUCI(f)
	f.Close()
	require.NoError(t, err)
	trainLog, cases := eval.Split(log)
	pop, err := eval.Evaluate(cases, eval.Popularity(trainLog))
	require.NoError(t, err)

	plain := throughModule(t, trainLog, cases, train.DefaultConfig(), wasm)
	if os.Getenv("PRIVREC_DP_CURVE") == "" {
		m := throughModule(t, trainLog, cases, train.PrivateConfig(4, 1e-6, 1), wasm)
		share := (m.NDCG - pop.NDCG) / (plain.NDCG - pop.NDCG)
		t.Logf("ε = 4, δ = 1e-6, seed 1, through the module: %v; popularity %v; not DP %v; share of the gain %.0f%%", m, pop, plain, 100*share)
		require.GreaterOrEqual(t, share, 0.5, "ε = 4 must keep half of the non-private gain over exact popularity (issue 10's bar; README's DP table)")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| model | NDCG@10 (seeds 1 / 2 / 3) | mean | share of the gain over popularity |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| popularity (exact, not DP) | %.4f | | 0%% |\n", pop.NDCG)
	fmt.Fprintf(&b, "| privrec, not DP (DefaultConfig) | %.4f | | 100%% |\n", plain.NDCG)
	for _, eps := range []float64{8, 4, 2, 1} {
		var got []string
		sum := 0.0
		for seed := uint64(1); seed <= 3; seed++ {
			m := throughModule(t, trainLog, cases, train.PrivateConfig(eps, 1e-6, seed), wasm)
			got = append(got, fmt.Sprintf("%.4f", m.NDCG))
			sum += m.NDCG
		}
		mean := sum / 3
		fmt.Fprintf(&b, "| privrec, ε = %g | %s | %.4f | %.0f%% |\n", eps, strings.Join(got, " / "), mean, 100*(mean-pop.NDCG)/(plain.NDCG-pop.NDCG))
	}
	t.Logf("user-level DP, δ = 1e-6, through the module (%d cases):\n%s", len(cases), b.String())
}
