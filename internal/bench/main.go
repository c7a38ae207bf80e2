// Command bench compares the embedding kind's top-10 kernel side by side on
// the same generated data: natively (package model), in wazero (the real
// module through host), in node/V8 through the SDK's own WASI shim and
// module wrapper (js/src), and against @tensorflow/tfjs-backend-wasm's SIMD
// matMul + topk over the float32 originals. It prints medians and ratios,
// checks issue 8's speed and memory bars, and writes a JSON list of rows
// (see row). `make bench` runs it:
//
//	go run ./internal/bench -wasm dist/privrec.wasm -out dist/bench.json
//
// Every size is its own catalog: Gaussian-cluster vectors, product-quantized
// by train.QuantizeEmbedding (16 one-byte codes per 64-d item), packed with
// the synthetic catalog of internal/synth and signed with a fresh key. The
// request is a 5-purchase history from one cluster. Native and module answers
// must be identical; the bench fails otherwise.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// row is one catalog size in the JSON output, the schema issue 8 asks for.
// Times are medians in milliseconds of one top-10 request (history of 5).
type row struct {
	Items             int     `json:"items"`
	Dims              int     `json:"dims"`
	NativeMs          float64 `json:"native_ms"`
	WazeroMs          float64 `json:"wazero_ms"`
	NodeMs            float64 `json:"node_ms"`
	TfjsWasmMs        float64 `json:"tfjs_wasm_ms"`
	ModuleMemoryBytes int64   `json:"module_memory_bytes"` // linear memory after load, the larger of wazero and node
	ArtifactBytes     int64   `json:"artifact_bytes"`      // weights + catalog
	Top10OverlapF32   float64 `json:"top10_overlap_f32"`
}

// detail is what the table prints beside a row.
type detail struct {
	weights, catalog    int64
	wazeroMem, nodeMem  int64
	wazeroMemAfter      int64
	nodeMemAfter        int64
	tfjsSIMD, tfjsSame  bool
	titles              bool
	wazeroLoad          time.Duration
	nodeLoadMs          float64
	native, wazero, tfj []float64 // spread of the timings: p10, p90
	nodeSpread          []float64
}

type options struct {
	sizes              []int
	reps, warmup       int
	burst              int
	history, queries   int
	seed               uint64
	wasm, out, node    string
	script, keep       string
	skipNode, skipTfjs bool
}

func main() {
	var o options
	sizes := flag.String("sizes", "1000,10000,100000,1000000", "catalog sizes, comma-separated")
	flag.IntVar(&o.reps, "reps", 31, "timed rounds per size (each target's median over them is reported)")
	flag.IntVar(&o.warmup, "warmup", 15, "untimed rounds before the timed ones (V8 tiers hot wasm functions up to TurboFan after a budget of executed code)")
	flag.IntVar(&o.burst, "burst", 3, "calls per target per round; the first of each burst (cold caches) is not timed")
	flag.IntVar(&o.history, "history", 5, "purchases in the request's history")
	flag.IntVar(&o.queries, "queries", 50, "random histories the float32 overlap is averaged over")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the vectors, the quantizer and the histories")
	flag.StringVar(&o.wasm, "wasm", filepath.Join("dist", "privrec.wasm"), "the module (make wasm)")
	flag.StringVar(&o.out, "out", filepath.Join("dist", "bench.json"), "JSON rows to write")
	flag.StringVar(&o.node, "node", "node", "node binary")
	flag.StringVar(&o.script, "script", filepath.Join("js", "bench", "kernel.mjs"), "the node driver")
	flag.StringVar(&o.keep, "keep", "", "write the node driver's inputs under this directory (one subdirectory per size) and keep them, e.g. to profile with node --cpu-prof")
	flag.BoolVar(&o.skipNode, "skip-node", false, "leave out node and tfjs")
	flag.BoolVar(&o.skipTfjs, "skip-tfjs", false, "leave out tfjs-backend-wasm")
	flag.Parse()
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > model.MaxItems {
			fatalf("-sizes: %q is not a catalog size in 1..%d", s, model.MaxItems)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.reps < 1 || o.warmup < 0 || o.burst < 2 || o.history < 1 || o.queries < 1 {
		fatalf("-reps, -history and -queries must be >= 1, -burst >= 2, -warmup >= 0")
	}
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	wasm, err := os.ReadFile(o.wasm)
	if err != nil {
		return fmt.Errorf("read module: %w (build it with 'make wasm')", err)
	}
	var rows []row
	var details []detail
	for _, n := range o.sizes {
		fmt.Fprintf(stderr, "items=%d: generating and quantizing %d×%d vectors\n", n, n, dims)
		t0 := time.Now()
		f, err := newFixture(n, o.seed, o.history, wasm, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "items=%d: bundle ready in %s (weights %d B, catalog %d B)\n", n, time.Since(t0).Round(time.Millisecond), len(f.files.Weights), len(f.files.Catalog))
		if !f.titles {
			fmt.Fprintf(stderr, "items=%d: the catalog with titles is over the bundle's cap of %d bytes: shipping it without titles\n", n, bundle.MaxCatalog)
		}
		r, d, err := measure(ctx, o, f, stderr)
		if err != nil {
			return fmt.Errorf("items=%d: %w", n, err)
		}
		rows, details = append(rows, r), append(details, d)
	}
	printTable(stdout, rows, details)
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", o.out)
	return nil
}

// quantiles returns the median, 10th and 90th percentile of ms.
func quantiles(ms []float64) []float64 {
	ms = slices.Clone(ms)
	slices.Sort(ms)
	q := func(p float64) float64 { return ms[int(p*float64(len(ms)-1)+0.5)] }
	return []float64{q(0.5), q(0.1), q(0.9)}
}

// target is one way of answering the request; run times one call in ms.
type target struct {
	name  string
	run   func() (float64, error)
	times []float64
}

// measure sets every target up on f, checks that the module's answers equal
// the native one, then times them in interleaved rounds (each round calls
// every target once, starting with a different one each time), so that the
// shared machine's noise falls on all targets alike.
func measure(ctx context.Context, o options, f *fixture, stderr io.Writer) (row, detail, error) {
	r := row{Items: f.n, Dims: dims, ArtifactBytes: int64(len(f.files.Weights) + len(f.files.Catalog))}
	d := detail{weights: int64(len(f.files.Weights)), catalog: int64(len(f.files.Catalog)), titles: f.titles}
	want, err := f.native.Recommend(f.req)
	if err != nil {
		return r, d, fmt.Errorf("native recommend: %w", err)
	}
	if len(want.Items) != 10 {
		return r, d, fmt.Errorf("native recommend returned %d items; want 10", len(want.Items))
	}
	elapsed := func(fn func() error) (float64, error) {
		t0 := time.Now()
		err := fn()
		return float64(time.Since(t0).Nanoseconds()) / 1e6, err
	}
	targets := []*target{{name: "native", run: func() (float64, error) {
		return elapsed(func() error { _, err := f.native.Recommend(f.req); return err })
	}}}

	hc := host.DefaultConfig()
	// Loading a 1M-item bundle takes longer than the default 10 s per call
	// in the harness (its deadline instruments every guest loop).
	hc.CallTimeout = 5 * time.Minute
	rt, err := host.NewRuntime(ctx, hc)
	if err != nil {
		return r, d, err
	}
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, f.files.Wasm)
	if err != nil {
		return r, d, err
	}
	inst, err := mod.Instantiate(ctx)
	if err != nil {
		return r, d, err
	}
	defer inst.Close(ctx)
	t0 := time.Now()
	if _, err := inst.Load(ctx, host.LoadRequest(f.files, f.key)); err != nil {
		return r, d, fmt.Errorf("load the bundle into the module (wazero): %w", err)
	}
	d.wazeroLoad = time.Since(t0)
	got, err := inst.Recommend(ctx, f.req)
	if err != nil {
		return r, d, fmt.Errorf("recommend in wazero: %w", err)
	}
	if !equalResponses(got, want) {
		return r, d, fmt.Errorf("wazero answered %v; native %v: the module and package model disagree", ids(got), ids(want))
	}
	targets = append(targets, &target{name: "wazero", run: func() (float64, error) {
		return elapsed(func() error { _, err := inst.Recommend(ctx, f.req); return err })
	}})
	if d.wazeroMem, d.wazeroMemAfter, err = wazeroMemory(ctx, f); err != nil {
		return r, d, fmt.Errorf("measure module memory in wazero: %w", err)
	}
	r.ModuleMemoryBytes = d.wazeroMem

	var node *nodeProc
	if !o.skipNode {
		fmt.Fprintf(stderr, "items=%d: starting node (SDK shim) and tfjs-backend-wasm\n", f.n)
		if node, err = startNode(o, f); err != nil {
			return r, d, err
		}
		defer node.close()
		if !slices.Equal(node.ready.ModuleTop, ids(want)) {
			return r, d, fmt.Errorf("node (SDK shim) answered %v; native %v: the module in V8 and package model disagree", node.ready.ModuleTop, ids(want))
		}
		d.nodeMem, d.nodeMemAfter, d.tfjsSIMD = node.ready.MemoryAfterLoad, node.ready.MemoryAfterRecommend, node.ready.TfjsSIMD
		d.nodeLoadMs = node.ready.LoadMs
		r.ModuleMemoryBytes = max(r.ModuleMemoryBytes, d.nodeMem)
		targets = append(targets, &target{name: "node", run: func() (float64, error) { return node.ask("module") }})
		if !o.skipTfjs {
			d.tfjsSame = slices.Equal(f.topF32(f.query, nil), node.ready.TfjsTop)
			targets = append(targets, &target{name: "tfjs", run: func() (float64, error) { return node.ask("tfjs") }})
		}
	}

	fmt.Fprintf(stderr, "items=%d: %d warm-up and %d timed rounds of %d calls over %d targets\n", f.n, o.warmup, o.reps, o.burst, len(targets))
	for round := range o.warmup + o.reps {
		for k := range targets {
			t := targets[(round+k)%len(targets)]
			// A burst per target: the first call of a burst finds the
			// caches full of the previous target's data and is not kept.
			for b := range o.burst {
				ms, err := t.run()
				if err != nil {
					return r, d, fmt.Errorf("%s: %w", t.name, err)
				}
				if round >= o.warmup && b > 0 {
					t.times = append(t.times, ms)
				}
			}
		}
	}
	for _, t := range targets {
		q := quantiles(t.times)
		switch t.name {
		case "native":
			d.native, r.NativeMs = q, q[0]
		case "wazero":
			d.wazero, r.WazeroMs = q, q[0]
		case "node":
			d.nodeSpread, r.NodeMs = q, q[0]
		case "tfjs":
			d.tfj, r.TfjsWasmMs = q, q[0]
		}
	}
	if node != nil {
		seen, err := node.quit()
		if err != nil {
			return r, d, err
		}
		if len(seen) > 0 {
			return r, d, fmt.Errorf("node: something tried to reach the network: %q", seen)
		}
	}

	fmt.Fprintf(stderr, "items=%d: float32 overlap over %d histories\n", f.n, o.queries)
	if r.Top10OverlapF32, err = f.overlapF32(o.seed, o.queries, o.history); err != nil {
		return r, d, err
	}
	return r, d, nil
}

// equalResponses compares what the targets must agree on exactly.
func equalResponses(a, b model.Response) bool {
	if len(a.Items) != len(b.Items) || a.K != b.K || a.Unknown != b.Unknown {
		return false
	}
	for i := range a.Items {
		if a.Items[i].Item != b.Items[i].Item || a.Items[i].Score != b.Items[i].Score || a.Items[i].Source != b.Items[i].Source {
			return false
		}
	}
	return true
}

// bare is the module in a bare wazero runtime with wazero's own WASI, no
// recorder and no per-call deadline: the harness does not expose its
// instances' memory, and the gap between the two is what containment costs.
type bare struct {
	rt  wazero.Runtime
	mod api.Module
}

func newBare(ctx context.Context, f *fixture) (*bare, error) {
	rt := wazero.NewRuntime(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, f.files.Wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	b := &bare{rt: rt, mod: mod}
	if err := b.call(ctx, "privrec_load", encodedLoad(f)); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	return b, nil
}

func (b *bare) close(ctx context.Context) { b.rt.Close(ctx) }

func (b *bare) memory() int64 { return int64(b.mod.Memory().Size()) }

// call sends the encoded request in to export name through the ABI and
// checks the envelope.
func (b *bare) call(ctx context.Context, name string, in []byte) error {
	mod := b.mod
	res, err := mod.ExportedFunction("privrec_alloc").Call(ctx, uint64(len(in)))
	if err != nil {
		return err
	}
	if !mod.Memory().Write(uint32(res[0]), in) {
		return errors.New("write request out of memory")
	}
	out, err := mod.ExportedFunction(name).Call(ctx, res[0], uint64(len(in)))
	if err != nil {
		return err
	}
	env, ok := mod.Memory().Read(uint32(out[0]>>32), uint32(out[0]))
	if !ok {
		return errors.New("envelope out of memory")
	}
	e, err := model.DecodeEnvelope(env)
	if err != nil {
		return err
	}
	if e.Code != model.CodeOK {
		return fmt.Errorf("%s: code %d: %s", name, e.Code, e.Message)
	}
	for _, p := range []uint64{res[0], out[0] >> 32} {
		if _, err := mod.ExportedFunction("privrec_free").Call(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// wazeroMemory is the module's linear memory after loading f's bundle and
// after one recommend, measured on a bare instance: the same bytes and calls
// as through host.
func wazeroMemory(ctx context.Context, f *fixture) (afterLoad, afterRecommend int64, err error) {
	b, err := newBare(ctx, f)
	if err != nil {
		return 0, 0, err
	}
	defer b.close(ctx)
	afterLoad = b.memory()
	if err := b.call(ctx, "privrec_recommend", model.EncodeRequest(&f.req)); err != nil {
		return 0, 0, err
	}
	return afterLoad, b.memory(), nil
}

// encodedLoad is the LoadRequest of f's bundle as the module reads it from
// a host that verifies once, as the SDK and host.Instance.Load do: with the
// SHA-256 of the module, the weights and the catalog computed by the host,
// so the module compares digests with the signed manifest instead of
// hashing megabytes in WebAssembly (wasm/ABI.md, "Verify once").
func encodedLoad(f *fixture) []byte {
	lr := host.LoadRequest(f.files, f.key)
	wasm, weights, catalog := sha256.Sum256(f.files.Wasm), sha256.Sum256(f.files.Weights), sha256.Sum256(f.files.Catalog)
	lr.WasmSHA256, lr.WeightsSHA256, lr.CatalogSHA256 = wasm[:], weights[:], catalog[:]
	return model.EncodeLoadRequest(&lr)
}

// Issue 8's bars.
const (
	barNodeVsTfjs   = 0.5
	barNodeVsNative = 2
	barGrowth       = 120
	barMemFactor    = 1.5
	barMemSlack     = 16 << 20
)

func printTable(w io.Writer, rows []row, ds []detail) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	ratio := func(a, b float64) string {
		if a == 0 || b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	fmt.Fprintln(w, "\ntop-10 of a 5-purchase history, 64-d items, 16-byte PQ codes; medians of every target in ms (p10–p90)")
	fmt.Fprintf(w, "%8s %22s %22s %22s %22s %8s %8s %8s %8s\n", "items", "native", "wazero", "node (SDK shim)", "tfjs-backend-wasm", "wz/nat", "node/nat", "node/tfjs", "overlap")
	spread := func(s []float64) string {
		if len(s) < 3 {
			return "-"
		}
		return fmt.Sprintf("%.3f (%.3f–%.3f)", s[0], s[1], s[2])
	}
	for i, r := range rows {
		d := ds[i]
		fmt.Fprintf(w, "%8d %22s %22s %22s %22s %8s %8s %8s %8.3f\n", r.Items, spread(d.native), spread(d.wazero), spread(d.nodeSpread), spread(d.tfj),
			ratio(r.WazeroMs, r.NativeMs), ratio(r.NodeMs, r.NativeMs), ratio(r.NodeMs, r.TfjsWasmMs), r.Top10OverlapF32)
	}
	fmt.Fprintf(w, "\n%8s %10s %10s %10s %12s %12s %12s %12s %9s %12s %12s\n", "items", "weights", "catalog", "artifact", "wazero mem", "node mem",
		"wz +rec", "node +rec", "mem/art", "wazero load", "node load")
	for i, r := range rows {
		d := ds[i]
		fmt.Fprintf(w, "%8d %8.1fMi %8.1fMi %8.1fMi %10.1fMi %10.1fMi %10.1fMi %10.1fMi %9.2f %10.0fms %10.0fms\n", r.Items, mib(d.weights), mib(d.catalog), mib(r.ArtifactBytes),
			mib(d.wazeroMem), mib(d.nodeMem), mib(d.wazeroMemAfter), mib(d.nodeMemAfter), float64(r.ModuleMemoryBytes)/float64(r.ArtifactBytes),
			float64(d.wazeroLoad.Microseconds())/1e3, d.nodeLoadMs)
	}
	fmt.Fprintln(w, "(memory: linear memory after privrec_load, and after the first recommend (+rec); load: privrec_load including signature and hash checks)")
	for i, d := range ds {
		if !d.titles {
			fmt.Fprintf(w, "note: items=%d: catalog without titles (with them it is over bundle.MaxCatalog, %d MiB)\n", rows[i].Items, bundle.MaxCatalog>>20)
		}
	}
	if len(ds) > 0 && !ds[0].tfjsSIMD && ds[0].tfj != nil {
		fmt.Fprintln(w, "note: tfjs-backend-wasm ran without SIMD")
	}
	for i, d := range ds {
		if d.tfj != nil && !d.tfjsSame {
			fmt.Fprintf(w, "note: items=%d: tfjs's top 10 differs from the native float32 top 10 (float summation order)\n", rows[i].Items)
		}
	}
	fmt.Fprintln(w, "\nissue 8 bars:")
	find := func(n int) *row {
		for i := range rows {
			if rows[i].Items == n {
				return &rows[i]
			}
		}
		return nil
	}
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "FAIL"
	}
	if r := find(100_000); r != nil && r.NodeMs > 0 {
		fmt.Fprintf(w, "  %s  100k: node %.3f ms <= 0.5 × tfjs-backend-wasm %.3f ms (ratio %.2f)\n", verdict(r.NodeMs <= barNodeVsTfjs*r.TfjsWasmMs), r.NodeMs, r.TfjsWasmMs, r.NodeMs/r.TfjsWasmMs)
		fmt.Fprintf(w, "  %s  100k: node %.3f ms <= 2 × native %.3f ms (ratio %.2f)\n", verdict(r.NodeMs <= barNodeVsNative*r.NativeMs), r.NodeMs, r.NativeMs, r.NodeMs/r.NativeMs)
	} else {
		fmt.Fprintln(w, "  (no 100k row with node: node bars not checked)")
	}
	if a, b := find(10_000), find(1_000_000); a != nil && b != nil {
		for _, t := range []struct {
			name string
			x, y float64
		}{{"native", a.NativeMs, b.NativeMs}, {"wazero", a.WazeroMs, b.WazeroMs}, {"node", a.NodeMs, b.NodeMs}} {
			if t.x > 0 {
				fmt.Fprintf(w, "  %s  10k → 1M, %s: %.1f× <= 120×\n", verdict(t.y/t.x <= barGrowth), t.name, t.y/t.x)
			}
		}
	} else {
		fmt.Fprintln(w, "  (no 10k and 1M rows: growth bar not checked)")
	}
	if r := find(1_000_000); r != nil {
		limit := barMemFactor*float64(r.ArtifactBytes) + barMemSlack
		fmt.Fprintf(w, "  %s  1M: module memory %.1f MiB <= 1.5 × artifact %.1f MiB + 16 MiB = %.1f MiB\n",
			verdict(float64(r.ModuleMemoryBytes) <= limit), mib(r.ModuleMemoryBytes), mib(r.ArtifactBytes), limit/(1<<20))
	} else {
		fmt.Fprintln(w, "  (no 1M row: memory bar not checked)")
	}
}
