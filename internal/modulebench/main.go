// Command modulebench times the module's two exports in V8 beside the same
// operations natively, in one run, on the model shipped for UCI Online
// Retail: privrec_load (decode the request, verify the bundle, load the
// model) and privrec_recommend (k=10; no history, and 50 events). It is
// part of `make bench`.
//
//	go run ./internal/modulebench [-wasm dist/privrec.wasm] [-rounds 11] [-warmup 8] [-singles 50] [-module-hashes] [-tiering]
//
// The load request carries the host's SHA-256 of the weights and catalog
// (verify once, wasm/ABI.md), as host.Instance.Load and the SDK send it;
// -module-hashes leaves them out, so the module hashes them itself.
//
// V8 compiles every function of the module with TurboFan before the first
// call (node --no-liftoff), so both columns are optimised code from the
// first round: with V8's default dynamic tiering a function runs Liftoff's
// baseline code until it has been hot long enough and TurboFan has
// compiled it on a background thread, and on a loaded machine
// privrec_load, called once a round, still ran Liftoff code after 8 warm-up
// rounds in some runs and not in others (1.1 against 3.8–4.5 ms for the
// same module, one session). -tiering measures with the default tiering
// instead. The first load of a page (cold, in Chromium) is measured by
// internal/browsertest's Navigation benchmark.
//
// It trains and signs the bundle as internal/e2e does, writes the encoded
// requests to a directory, and drives js/bench/module-bench.mjs (node, the
// SDK's own WASI shim) round by round, a native sample then a V8 sample, so
// that noise on a shared machine hits both alike. It prints the medians and
// the ratios, and checks that V8 answers exactly what native answers. Each
// round also times -singles recommend calls one at a time, a native call
// then a V8 call, and prints their medians: on a loaded machine a mean of
// many calls is as much the scheduler as the code. With
// -cpuprof DIR, node writes a V8 CPU profile (--cpu-prof) there.
//
// Without the dataset (../shared/datasets beside the repository) it says so
// and exits 0.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/evalrun"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

func main() {
	wasmPath := flag.String("wasm", "dist/privrec.wasm", "the module to measure (make wasm builds it)")
	data := flag.String("data", "../shared/datasets/uci-online-retail/online_retail.csv.gz", "UCI Online Retail")
	rounds := flag.Int("rounds", 11, "samples of each operation (the median is reported)")
	calls := flag.Int("calls", 100, "recommend calls per sample (their mean is one sample)")
	script := flag.String("script", "js/bench/module-bench.mjs", "the node side")
	node := flag.String("node", "node", "node binary")
	cpuprof := flag.String("cpuprof", "", "directory for a V8 CPU profile of the node side (node --cpu-prof)")
	keep := flag.String("keep", "", "write the module and the encoded requests to this directory and keep them (for profiling module-bench.mjs by hand)")
	warmup := flag.Int("warmup", 8, "rounds to warm up both sides before measuring (at least 1)")
	singles := flag.Int("singles", 50, "single recommend calls per round on each side, interleaved one by one (their median is printed too; 0: none)")
	tiering := flag.Bool("tiering", false, "keep V8's default dynamic tiering (Liftoff first, TurboFan once hot) instead of TurboFan up front (--no-liftoff)")
	cpu := flag.Int("cpu", -1, "run both sides on this CPU (-1: the first this process may use; -2: do not pin)")
	moduleHashes := flag.Bool("module-hashes", false, "send no weights_sha256/catalog_sha256, so the module hashes the artifacts itself (as before verify once)")
	flag.Parse()
	if err := run(*wasmPath, *data, *script, *node, *cpuprof, *keep, *rounds, *warmup, *calls, *singles, *cpu, *moduleHashes, *tiering); err != nil {
		fmt.Fprintln(os.Stderr, "modulebench:", err)
		os.Exit(1)
	}
}

func run(wasmPath, data, script, node, cpuprof, keep string, rounds, warmup, calls, singles, cpu int, moduleHashes, tiering bool) error {
	if _, err := os.Stat(data); err != nil {
		fmt.Printf("modulebench: dataset not found at %s (../shared/datasets beside the repo); skipping\n", data)
		return nil
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return fmt.Errorf("read the module: %w (run make wasm first)", err)
	}
	fmt.Fprintf(os.Stderr, "modulebench: training on %s …\n", data)
	f, err := os.Open(data)
	if err != nil {
		return err
	}
	log, _, err := train.ReadUCI(f)
	f.Close()
	if err != nil {
		return err
	}
	trainLog, cases := eval.Split(log)
	s, err := evalrun.Ship(trainLog, train.DefaultConfig(), wasm, nil)
	if err != nil {
		return fmt.Errorf("ship the model: %w", err)
	}

	dir := keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "modulebench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The request a host sends (verify once): the SHA-256 of the module,
	// the weights and the catalog, computed by the host (natively here, as
	// host.Instance.Load does; WebCrypto in the SDK), so the module checks
	// digests against the signed manifest instead of hashing in
	// WebAssembly. -module-hashes leaves the artifacts' digests out, as an
	// older host would.
	lr := host.LoadRequest(s.Files, s.Key)
	sum := sha256.Sum256(wasm)
	lr.WasmSHA256 = sum[:]
	th := time.Now()
	if !moduleHashes {
		ws, cs := sha256.Sum256(lr.Weights), sha256.Sum256(lr.Catalog)
		lr.WeightsSHA256, lr.CatalogSHA256 = ws[:], cs[:]
	}
	hostHash := time.Since(th)
	loadBytes := model.EncodeLoadRequest(&lr)
	requests := []struct {
		name string
		req  model.Request
	}{
		{"none", model.Request{K: 10, Context: model.Context{Hour: 12, Weekday: 3}}},
		{"50", model.Request{K: 10, History: history50(cases), Context: model.Context{Hour: 12, Weekday: 3}}},
	}
	files := map[string][]byte{"privrec.wasm": wasm, "load.msgpack": loadBytes}
	for _, r := range requests {
		files["request-"+r.name+".msgpack"] = model.EncodeRequest(&r.req)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}

	args := []string{script, "--dir", dir}
	if !tiering {
		args = append([]string{"--no-liftoff"}, args...)
	}
	if cpuprof != "" {
		args = append([]string{"--cpu-prof", "--cpu-prof-dir", cpuprof}, args...)
	}
	pinned := "not pinned: each side runs where the system puts it"
	if cpu > -2 {
		c, err := pin(cpu)
		if err != nil {
			return fmt.Errorf("%w (-cpu -2 runs unpinned)", err)
		}
		pinned = fmt.Sprintf("both sides on CPU %d", c)
	}
	cmd := exec.Command(node, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 16<<20)
	readLine := func() (string, error) {
		if !lines.Scan() {
			if err := lines.Err(); err != nil {
				return "", err
			}
			return "", io.ErrUnexpectedEOF
		}
		return lines.Text(), nil
	}
	ready, err := readLine()
	if err != nil {
		return fmt.Errorf("node side: %w", err)
	}
	var hello struct {
		Node                string                     `json:"node"`
		V8                  string                     `json:"v8"`
		FirstLoadMS         float64                    `json:"first_load_ms"`
		Loaded              model.LoadResult           `json:"loaded"`
		MemoryAfterLoad     int64                      `json:"memory_after_load"`
		MemoryAfterRequests int64                      `json:"memory_after_requests"`
		Answers             map[string]json.RawMessage `json:"answers"`
	}
	if err := json.Unmarshal([]byte(ready), &hello); err != nil {
		return fmt.Errorf("node side: %w: %s", err, ready)
	}
	for _, r := range requests {
		want, err := s.Native.Recommend(r.req)
		if err != nil {
			return err
		}
		var got model.Response
		if err := json.Unmarshal(hello.Answers[r.name], &got); err != nil {
			return fmt.Errorf("answer %s: %w", r.name, err)
		}
		if !slices.EqualFunc(got.Items, want.Items, func(a, b model.Recommendation) bool { return a.Item == b.Item && a.Score == b.Score }) {
			return fmt.Errorf("request %s: V8 answers %v, native %v", r.name, got.Items, want.Items)
		}
	}
	ask := func(cmd string) (float64, error) {
		if _, err := io.WriteString(stdin, cmd+"\n"); err != nil {
			return 0, err
		}
		line, err := readLine()
		if err != nil {
			return 0, fmt.Errorf("node side, %s: %w", cmd, err)
		}
		return strconv.ParseFloat(line, 64)
	}

	// Native: what privrec_load and privrec_recommend run. The load's
	// steps are timed apart too: decode, bundle.Open (Ed25519 and the
	// artifacts' SHA-256), model.Load.
	var splitDecode, splitOpen, splitLoad []float64
	nativeLoad := func() (float64, error) {
		t0 := time.Now()
		req, err := model.DecodeLoadRequest(loadBytes)
		if err != nil {
			return 0, err
		}
		t1 := time.Now()
		man, err := bundle.Open(&req)
		if err != nil {
			return 0, err
		}
		t2 := time.Now()
		m, err := model.Load(req.Weights, req.Catalog)
		if err != nil {
			return 0, err
		}
		splitDecode = append(splitDecode, ms(t1.Sub(t0)))
		splitOpen = append(splitOpen, ms(t2.Sub(t1)))
		splitLoad = append(splitLoad, ms(time.Since(t2)))
		_ = model.EncodeLoadResultEnvelope(&model.LoadResult{Version: man.Version, KeyID: man.KeyID, Items: m.Items(), Kind: string(m.Kind())})
		return ms(time.Since(t0)), nil
	}
	// One recommend as privrec_recommend runs it (wasm/main.go's
	// recommendEnvelope): a request with no history and no filter
	// answered from its bytes (DecodePopularRequest, AppendPopular), any
	// other decoded in place and answered by AppendRecommendEnvelope,
	// into a kept buffer with the items' slice the last call used.
	// (Recommend and EncodeResponseEnvelope, which this side ran before,
	// allocate both afresh each call, which the module does not: they
	// made a no-history request natively about 1.4 times as long.)
	var items []model.Recommendation
	envelope := make([]byte, 0, 4096)
	recommendOnce := func(b []byte) error {
		if q, ok := model.DecodePopularRequest(b); ok {
			envelope = s.Native.AppendPopular(envelope[:0], q)
			return nil
		}
		req, err := model.DecodeRequestInPlace(b)
		if err != nil {
			return err
		}
		envelope, items, err = s.Native.AppendRecommendEnvelope(envelope[:0], items, &req)
		return err
	}
	nativeRecommend := func(b []byte) (float64, error) {
		t0 := time.Now()
		for range calls {
			if err := recommendOnce(b); err != nil {
				return 0, err
			}
		}
		return ms(time.Since(t0)) / float64(calls), nil
	}

	type row struct {
		op       string
		native   []float64
		v8       []float64
		bar      float64
		perRound func() (float64, float64, error)
		// single calls, one native then one V8, singles of each a round
		// (recommend only: a load sample is one call already)
		oneNative, oneV8 []float64
		single           func() (float64, float64, error)
	}
	rows := []*row{{op: "load (privrec_load)", bar: 2}}
	rows[0].perRound = func() (float64, float64, error) {
		n, err := nativeLoad()
		if err != nil {
			return 0, 0, err
		}
		v, err := ask("load")
		return n, v, err
	}
	for _, r := range requests {
		b := files["request-"+r.name+".msgpack"]
		label := "recommend, no history"
		if len(r.req.History) > 0 {
			label = fmt.Sprintf("recommend, %d events", len(r.req.History))
		}
		name := r.name
		rows = append(rows, &row{op: label, bar: 2, perRound: func() (float64, float64, error) {
			n, err := nativeRecommend(b)
			if err != nil {
				return 0, 0, err
			}
			v, err := ask(fmt.Sprintf("rec %s %d", name, calls))
			return n, v, err
		}, single: func() (float64, float64, error) {
			t0 := time.Now()
			if err := recommendOnce(b); err != nil {
				return 0, 0, err
			}
			n := ms(time.Since(t0))
			v, err := ask(fmt.Sprintf("rec %s 1", name))
			return n, v, err
		}})
	}
	fmt.Fprintf(os.Stderr, "modulebench: %d rounds after %d to warm up …\n", rounds, warmup)
	// The rounds below 0 warm both sides up (caches, the Go heap, the
	// module's scratch). With -tiering they also give TurboFan time: V8
	// runs a function in Liftoff until TurboFan has compiled it on a
	// background thread, which on a busy machine takes longer than one
	// round (a load's V8 column then swung 1.2–4.7 ms from run to run;
	// after 8 rounds it mostly stayed at 1.16–1.18, not always).
	for i := -max(warmup, 1); i < rounds; i++ {
		for _, r := range rows {
			n, v, err := r.perRound()
			if err != nil {
				return err
			}
			if i >= 0 {
				r.native, r.v8 = append(r.native, n), append(r.v8, v)
			}
			for j := 0; r.single != nil && j < singles; j++ {
				n, v, err := r.single()
				if err != nil {
					return err
				}
				if i >= 0 {
					r.oneNative, r.oneV8 = append(r.oneNative, n), append(r.oneV8, v)
				}
			}
		}
	}
	_, _ = io.WriteString(stdin, "quit\n")

	art := len(s.Files.Weights) + len(s.Files.Catalog)
	fmt.Printf("module %s: %d bytes; model %q, %d items; artifacts %d bytes (weights %d, catalog %d)\n",
		wasmPath, len(wasm), hello.Loaded.Kind, hello.Loaded.Items, art, len(s.Files.Weights), len(s.Files.Catalog))
	compiled := "every function compiled by TurboFan up front (--no-liftoff)"
	if tiering {
		compiled = "V8's dynamic tiering (Liftoff first, TurboFan once hot)"
	}
	fmt.Printf("V8: %s; %s\n", compiled, pinned)
	first := "first privrec_load (cold)"
	if !tiering {
		first = "first privrec_load (TurboFan compiling what it calls, lazily)"
	}
	fmt.Printf("node %s (V8 %s); %s %.1f ms; module memory after load %.1f MiB (%.2f × artifacts), after requests %.1f MiB\n",
		hello.Node, hello.V8, first, hello.FirstLoadMS, mib(hello.MemoryAfterLoad), float64(hello.MemoryAfterLoad)/float64(art), mib(hello.MemoryAfterRequests))
	fmt.Printf("medians of %d rounds (recommend: mean of %d calls per round); V8 and native answers identical\n\n", rounds, calls)
	// The bar is judged on the ratio of the medians; the median of the
	// rounds' own ratios (each round's two samples are taken back to back)
	// is printed beside it, and when the two disagree much the machine was
	// too busy for either to be trusted.
	fmt.Printf("%-26s %12s %12s %8s %10s %6s\n", "operation", "native ms", "V8 ms", "V8/nat", "per round", "bar")
	var failed []string
	for _, r := range rows {
		n, v := median(r.native), median(r.v8)
		perRound := make([]float64, len(r.native))
		for i := range perRound {
			perRound[i] = r.v8[i] / r.native[i]
		}
		ok := "ok"
		if v/n > r.bar {
			ok = "OVER"
			failed = append(failed, r.op)
		}
		fmt.Printf("%-26s %12.4f %12.4f %7.2f× %9.2f× %4.0f× %s\n", r.op, n, v, v/n, median(perRound), r.bar, ok)
	}
	if singles > 0 {
		// A mean of 100 calls takes in every preemption that falls within
		// it, and a V8 sample is the longer one, so on a loaded machine the
		// column above goes against V8 by more than the code does; the
		// median of single calls, taken one native then one V8, is what
		// the code costs (both are printed; neither is judged alone).
		fmt.Printf("\nsingle calls, %d a round each side, one native then one V8; medians:\n", singles)
		fmt.Printf("%-26s %12s %12s %8s %6s\n", "operation", "native ms", "V8 ms", "V8/nat", "bar")
		for _, r := range rows {
			if r.single == nil {
				continue
			}
			n, v := median(r.oneNative), median(r.oneV8)
			ok := "ok"
			if v/n > r.bar {
				ok = "OVER"
			}
			fmt.Printf("%-26s %12.4f %12.4f %7.2f× %4.0f× %s\n", r.op, n, v, v/n, r.bar, ok)
		}
	}
	open := "Ed25519, digests from the host"
	if moduleHashes {
		open = "Ed25519, SHA-256 in Go"
	}
	fmt.Printf("\nnative load, median of each step: decode %.3f ms, bundle.Open (%s) %.3f ms, model.Load %.3f ms\n",
		median(splitDecode), open, median(splitOpen), median(splitLoad))
	if !moduleHashes {
		fmt.Printf("host side, once per bundle, not in either column: crypto/sha256 of weights and catalog %.3f ms (the SDK: WebCrypto)\n", ms(hostHash))
	}
	if len(failed) > 0 {
		fmt.Printf("\nover the bar: %s\n", strings.Join(failed, "; "))
	}
	return nil
}

func history50(cases []eval.Case) model.History {
	var best model.History
	for _, c := range cases {
		if len(c.History) >= 50 {
			return c.History[len(c.History)-50:]
		}
		if len(c.History) > len(best) {
			best = c.History
		}
	}
	return best
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mib(n int64) float64        { return float64(n) / (1 << 20) }
