package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/eval"
)

// rebuyLog is a CSV of weekly baskets where every user buys a staple for
// three weeks, then a new item in the fourth and fifth, with two filler
// items per basket: the shopper re-buys what they bought last, which a
// recency-aware buy-again ranks first and P-TopFreq (counts) second.
func rebuyLog() string {
	const week = 7 * 24 * 3600 * 1000
	var b strings.Builder
	b.WriteString("user,item,ts,basket\n")
	for u := range 60 {
		for k := range 6 {
			item := fmt.Sprintf("staple%d", u%6)
			if k >= 3 {
				item = fmt.Sprintf("new%d", u%6)
			}
			at := int64(1_300_000_000_000 + k*week + u*1000)
			for _, it := range []string{item, fmt.Sprintf("x%d", (u+k)%9), fmt.Sprintf("y%d", (u*k)%7)} {
				fmt.Fprintf(&b, "u%02d,%s,%d,u%02d-%d\n", u, it, at, u, k)
			}
		}
	}
	return b.String()
}

func TestEvalNextBasketCLI(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "baskets.csv")
	if err := os.WriteFile(logPath, []byte(rebuyLog()), 0o644); err != nil {
		t.Fatal(err)
	}
	wasm := writeWasm(t, wasmtest.Module(t))
	base := []string{"--data", logPath, "--format", "csv", "--wasm", wasm,
		"--columns", "user=user,item=item,time=ts,time_format=unix_ms,basket=basket"}

	code, out, errOut := runEvalCLI(t, append(base, "--protocol", "next-basket", "--json")...)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, errOut)
	}
	var rep eval.NextBasketReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Protocol != eval.ProtocolNextBasket || rep.Users != 60 || rep.RepeatUsers != 60 {
		t.Errorf("protocol %q, %d users, %d with a repeat target; want next-basket, 60, 60", rep.Protocol, rep.Users, rep.RepeatUsers)
	}
	got := map[string]eval.NextBasketResult{}
	for _, r := range rep.Results {
		got[r.Model+"/"+r.Mode] = r
	}
	for _, m := range []string{"g-topfreq/", "p-topfreq/", "gp-topfreq/", "privrec/default", "privrec/buy_again"} {
		if _, ok := got[m]; !ok {
			t.Errorf("no result for %s in %s", m, out)
		}
	}
	if r := got["privrec/buy_again"]; r.Target != eval.TargetWasm || r.NDCG <= got["p-topfreq/"].NDCG {
		t.Errorf("buy again (%s) NDCG@10 %.4f; want it through the module and above P-TopFreq's %.4f", r.Target, r.NDCG, got["p-topfreq/"].NDCG)
	}
	if r := got["privrec/default"]; r.RepeatShare != 0 {
		t.Errorf("the default mode recommends bought items (repeat share %v)", r.RepeatShare)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "privrec buy_again: repeat weight") {
		t.Errorf("no note on the buy-again parameters: %q", rep.Notes)
	}

	code, _, errOut = runEvalCLI(t, append(base, "--protocol", "next")...)
	if code != exitUsage || !strings.Contains(errOut, "use last-basket-new or next-basket") {
		t.Errorf("unknown protocol: exit %d, stderr %q; want %d and the choices", code, errOut, exitUsage)
	}
}
