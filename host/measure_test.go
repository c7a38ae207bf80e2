package host

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"

	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/dap"
)

// recordingRand is random_get's source in the measure audit: seeded bytes,
// every one of them logged, so the test knows exactly which entropy the
// module drew and can hand the same bytes to the native client.
type recordingRand struct {
	mu  sync.Mutex
	r   *rand.ChaCha8
	log []byte
}

func (s *recordingRand) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.r.Read(p)
	s.log = append(s.log, p[:n]...)
	return n, err
}

func (s *recordingRand) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

func (s *recordingRand) since(at int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.log[at:]...)
}

// measureModules returns the measure modules the audit runs: the one the
// tests build from wasm/measure with the Makefile's flags, and
// dist/privrec-measure.wasm when make measure-wasm has built it (the bytes
// that ship).
func measureModules(t *testing.T) map[string][]byte {
	root := wasmtest.Root(t)
	mods := map[string][]byte{"built": wasmtest.Build(t, filepath.Join(root, "wasm", "measure"))}
	if b, err := os.ReadFile(filepath.Join(root, "dist", "privrec-measure.wasm")); err == nil {
		mods["dist"] = b
	} else {
		t.Logf("dist/privrec-measure.wasm not audited (%v); make measure-wasm builds it", err)
	}
	return mods
}

// measureTask is a task with the test's own aggregator keys.
type measureTask struct {
	id             dap.TaskID
	leader, helper dap.HpkeKeyPair
	req            dap.MeasureRequest
}

func newMeasureTask(t *testing.T) *measureTask {
	var mt measureTask
	crand.Read(mt.id[:])
	var err error
	if mt.leader, err = dap.GenerateHpkeKeyPair(4, crand.Reader); err != nil {
		t.Fatal(err)
	}
	if mt.helper, err = dap.GenerateHpkeKeyPair(5, crand.Reader); err != nil {
		t.Fatal(err)
	}
	ll := dap.HpkeConfigList{mt.leader.Config}
	hl := dap.HpkeConfigList{mt.helper.Config}
	lb, _ := ll.MarshalBinary()
	hb, _ := hl.MarshalBinary()
	mt.req = dap.MeasureRequest{TaskID: mt.id[:], LeaderConfig: lb, HelperConfig: hb, Now: 1_700_000_000, TimePrecision: 86400}
	return &mt
}

// canaries are shopper-like days whose counters are distinctive byte
// values (none is 0, 1, the entropy size or a common length), so any
// simple encoding of them stands out in a host call or a report.
var canaries = [][]uint64{
	{0, 1, 0, 0, 0xa7, 0x3d, 0x5b, 0, 0, 0, 0xc9},
	{1, 0, 0, 1, 0, 0, 0, 0x9e, 0x71, 0x2b, 0xe3},
	{0, 0, 1, 0, 0xb4, 0x66, 0x17, 0x8c, 0x43, 0x29, 0xd5},
}

// encodings lists the simple encodings of a measurement a leak would
// show: the request's MessagePack array, the counters as bytes, and each
// nonzero counter run as big- and little-endian 16-, 32- and 64-bit words.
func encodings(m []uint64) map[string][]byte {
	out := map[string][]byte{}
	req := dap.EncodeMeasureRequest(&dap.MeasureRequest{Measurement: m})
	if i := bytes.Index(req, []byte("measurement")); i >= 0 {
		out["msgpack array"] = req[i+len("measurement") : i+len("measurement")+1+len(m)]
	}
	var counters []uint64
	for _, v := range m[dap.IndexPersonalImpressions:] {
		if v > 1 {
			counters = append(counters, v)
		}
	}
	b8 := make([]byte, 0, len(counters))
	for _, v := range counters {
		b8 = append(b8, byte(v))
	}
	out["bytes"] = b8
	for _, w := range []int{2, 4, 8} {
		var be, le []byte
		for _, v := range counters[:2] {
			x := make([]byte, 8)
			binary.BigEndian.PutUint64(x, v)
			be = append(be, x[8-w:]...)
			binary.LittleEndian.PutUint64(x, v)
			le = append(le, x[:w]...)
		}
		out["be"+string(rune('0'+w))] = be
		out["le"+string(rune('0'+w))] = le
	}
	return out
}

// TestMeasureModuleAudit runs the measure module on canary days under the
// strict host and checks the promises of docs/measurement.md: it imports
// only the allowlist; after start-up its only host call is one random_get
// per report, of dap.EntropySize bytes, whatever the day; its answer is a
// valid Report of exactly the layout's sizes; no canary encoding shows in
// any host call or in the report outside the two HPKE ciphertexts; the
// aggregators' keys open the shares and they unshard to the day; and the
// native client given the same entropy writes the same bytes.
func TestMeasureModuleAudit(t *testing.T) {
	for name, wasm := range measureModules(t) {
		t.Run(name, func(t *testing.T) { auditMeasure(t, wasm) })
	}
}

func auditMeasure(t *testing.T, wasm []byte) {
	ctx := context.Background()
	rnd := &recordingRand{r: rand.NewChaCha8([32]byte{'m', 'e', 'a', 's'})}
	cfg := testConfig()
	cfg.Rand = rnd
	rt, err := NewRuntime(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	mm, err := rt.CompileMeasure(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, imp := range mm.Imports() {
		if !imp.Allowed {
			t.Fatalf("import %s is not allowed: %s", imp, imp.Reason)
		}
		imports = append(imports, imp.Name)
	}
	t.Logf("imports: %s", strings.Join(imports, " "))

	mt := newMeasureTask(t)
	var traces [][]string
	for n, day := range canaries {
		inst, err := mm.Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		startup := len(inst.Calls())
		req := mt.req
		req.Measurement = day
		at := rnd.mark()
		res, err := inst.Report(ctx, req)
		if err != nil {
			t.Fatalf("canary %d: %v", n, err)
		}
		entropy := rnd.since(at)

		// Host calls after start-up: one random_get of EntropySize bytes,
		// made by measure_report.
		calls := inst.Calls()[startup:]
		var trace []string
		for _, c := range calls {
			trace = append(trace, c.Phase.String()+":"+c.Func)
		}
		if len(calls) != 1 || calls[0].Func != "random_get" || calls[0].Phase != PhaseMeasure || uint32(calls[0].Args[1]) != dap.EntropySize {
			t.Fatalf("canary %d: host calls after start-up %v; want exactly one random_get(%d) in measure_report", n, trace, dap.EntropySize)
		}
		if len(entropy) != dap.EntropySize {
			t.Fatalf("canary %d: the module drew %d random bytes, want %d", n, len(entropy), dap.EntropySize)
		}
		var boot []string
		for _, c := range inst.Calls()[:startup] {
			if c.Phase != PhaseInit {
				t.Fatalf("canary %d: %s call in phase %s before the first report", n, c.Func, c.Phase)
			}
			// The Go runtime's and package os's start-up: clocks, the seed,
			// args and environment sizes (empty), the std fds' flags, and
			// the preopened directories (none).
			switch c.Func {
			case "clock_time_get", "random_get", "args_sizes_get", "environ_sizes_get", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_prestat_get":
			default:
				t.Fatalf("canary %d: start-up calls %s, which the runtime's start-up does not", n, c.Func)
			}
			boot = append(boot, c.Func)
		}
		if n == 0 {
			t.Logf("start-up host calls: %s", strings.Join(boot, " "))
		}
		traces = append(traces, trace)

		// A valid Report of the layout's sizes.
		var rep dap.Report
		if err := rep.UnmarshalBinary(res.Report); err != nil {
			t.Fatal(err)
		}
		if len(res.Report) != dap.ReportSize || len(rep.PublicShare) != dap.PublicShareSize ||
			len(rep.LeaderShare.Payload) != dap.LeaderCiphertextSize || len(rep.HelperShare.Payload) != dap.HelperCiphertextSize ||
			len(rep.LeaderShare.Enc) != dap.EncSize || len(rep.HelperShare.Enc) != dap.EncSize || len(rep.Metadata.PublicExtensions) != 0 {
			t.Fatalf("canary %d: report of %d bytes (public %d, leader %d, helper %d); want %d (%d, %d, %d)", n, len(res.Report),
				len(rep.PublicShare), len(rep.LeaderShare.Payload), len(rep.HelperShare.Payload),
				dap.ReportSize, dap.PublicShareSize, dap.LeaderCiphertextSize, dap.HelperCiphertextSize)
		}
		if rep.Metadata.Time != 1_700_000_000/86400*86400 || !bytes.Equal(res.ReportID, rep.Metadata.ID[:]) {
			t.Fatalf("canary %d: time %d id %x", n, rep.Metadata.Time, res.ReportID)
		}

		// No canary outside the ciphertexts, nor in any host call.
		var clear []byte
		clear = append(clear, rep.Metadata.ID[:]...)
		clear = binary.BigEndian.AppendUint64(clear, rep.Metadata.Time)
		clear = append(clear, rep.PublicShare...)
		clear = append(clear, rep.LeaderShare.ConfigID, rep.HelperShare.ConfigID)
		clear = append(clear, rep.LeaderShare.Enc...)
		clear = append(clear, rep.HelperShare.Enc...)
		// The search can find what it looks for: the request itself holds
		// the day's MessagePack array.
		if !bytes.Contains(dap.EncodeMeasureRequest(&req), encodings(day)["msgpack array"]) {
			t.Fatalf("canary %d: its MessagePack array is not even in the request: the search is broken", n)
		}
		for enc, canary := range encodings(day) {
			if len(canary) < 2 {
				t.Fatalf("canary %d: %s encoding is %d bytes, too short to search", n, enc, len(canary))
			}
			if bytes.Contains(clear, canary) {
				t.Fatalf("canary %d: its %s encoding %x is in the report's clear fields", n, enc, canary)
			}
			for _, c := range inst.Calls() {
				var args []byte
				for _, a := range c.Args {
					args = binary.LittleEndian.AppendUint64(args, a)
				}
				if bytes.Contains(c.Payload, canary) || bytes.Contains(args, canary) {
					t.Fatalf("canary %d: its %s encoding %x is in host call %s", n, enc, canary, c.Func)
				}
			}
		}

		// The test's aggregator keys open both shares; they unshard to the day.
		if got := unshardOne(t, mt, rep); !slices.Equal(got, day) {
			t.Fatalf("canary %d: shares unshard to %v, want %v", n, got, day)
		}

		// Same entropy, same bytes natively.
		native, err := dap.Measure(&req, entropy)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(native.Report, res.Report) {
			t.Fatalf("canary %d: the module's report differs from the native client's given the same entropy", n)
		}
		if err := inst.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for n := range traces {
		if !slices.Equal(traces[n], traces[0]) {
			t.Fatalf("host calls depend on the day: canary 0 %v, canary %d %v", traces[0], n, traces[n])
		}
	}
}

// unshardOne opens a report's shares with the aggregators' keys, prepares
// them and unshards the single measurement.
func unshardOne(t *testing.T, mt *measureTask, rep dap.Report) []uint64 {
	t.Helper()
	vdaf, err := dap.NewVDAF(mt.id)
	if err != nil {
		t.Fatal(err)
	}
	var key sumvec.VerifyKey
	crand.Read(key[:])
	pub, err := dap.DecodePublicShare(vdaf, rep.PublicShare)
	if err != nil {
		t.Fatal(err)
	}
	nonce := sumvec.Nonce(rep.Metadata.ID)
	var states [2]*sumvec.PrepState
	var shares [2]sumvec.PrepShare
	for i, side := range []struct {
		kp   dap.HpkeKeyPair
		role dap.Role
		ct   dap.HpkeCiphertext
	}{{mt.leader, dap.RoleLeader, rep.LeaderShare}, {mt.helper, dap.RoleHelper, rep.HelperShare}} {
		pt, err := dap.OpenInputShare(side.kp, side.role, mt.id, rep.Metadata, rep.PublicShare, side.ct)
		if err != nil {
			t.Fatal(err)
		}
		in, err := dap.DecodeInputShare(vdaf, uint8(i), pt.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if states[i], shares[i], err = prepInit(vdaf, &key, &nonce, uint8(i), pub, in); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := vdaf.PrepSharesToPrep(shares[:])
	if err != nil {
		t.Fatalf("the report does not verify: %v", err)
	}
	aggs := []sumvec.AggShare{vdaf.AggregateInit(), vdaf.AggregateInit()}
	for i := range states {
		out, err := vdaf.PrepNext(states[i], msg)
		if err != nil {
			t.Fatal(err)
		}
		vdaf.AggregateUpdate(&aggs[i], out)
	}
	sum, err := vdaf.Unshard(aggs, 1)
	if err != nil {
		t.Fatal(err)
	}
	return *sum
}

func prepInit(v *sumvec.SumVec, key *sumvec.VerifyKey, nonce *sumvec.Nonce, id uint8, pub sumvec.PublicShare, in sumvec.InputShare) (*sumvec.PrepState, sumvec.PrepShare, error) {
	st, sh, err := v.PrepInit(key, nonce, id, pub, in)
	if err != nil {
		return nil, sumvec.PrepShare{}, err
	}
	return st, *sh, nil
}

// TestMeasureModuleErrors: bad requests come back as coded errors (never
// traps), after the same single random_get, and the instance keeps
// working.
func TestMeasureModuleErrors(t *testing.T) {
	ctx := context.Background()
	inst := newMeasureInstance(t, ctx)
	mt := newMeasureTask(t)
	for _, tc := range []struct {
		name     string
		edit     func(r *dap.MeasureRequest)
		sentinel error
		want     string
	}{
		{"consent off", func(r *dap.MeasureRequest) { r.Measurement = []uint64{0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1} }, model.ErrBadRequest, "0 consent entries set"},
		{"short task id", func(r *dap.MeasureRequest) { r.TaskID = r.TaskID[:8] }, model.ErrBadRequest, "task_id is 8 bytes"},
		{"P-256 helper only", func(r *dap.MeasureRequest) {
			l := dap.HpkeConfigList{{ID: 9, KEM: 0x10, KDF: 1, AEAD: 1, PublicKey: make([]byte, 65)}}
			r.HelperConfig, _ = l.MarshalBinary()
		}, model.ErrUnsupported, "helper: "},
		{"garbage leader config", func(r *dap.MeasureRequest) { r.LeaderConfig = []byte{0xff} }, model.ErrBadRequest, "leader_config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := mt.req
			req.Measurement = canaries[0]
			tc.edit(&req)
			before := len(inst.Calls())
			_, err := inst.Report(ctx, req)
			if !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.sentinel, tc.want)
			}
			calls := inst.Calls()[before:]
			if len(calls) != 1 || calls[0].Func != "random_get" {
				t.Fatalf("host calls %v, want one random_get", calls)
			}
		})
	}
	req := mt.req
	req.Measurement = canaries[1]
	if _, err := inst.Report(ctx, req); err != nil {
		t.Fatalf("after errors: %v", err)
	}
}

// TestMainModuleLinksNoCircl guards the exception RATIONALE.md makes for
// model/dap: circl is linked by the measure module only. The main
// module's package graph holds no circl package, and neither the module
// the tests build nor dist/privrec.wasm (when built) names one in its
// function table (Go keeps function names in pclntab even with -s).
func TestMainModuleLinksNoCircl(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./wasm")
	cmd.Dir = wasmtest.Root(t)
	cmd.Env = append(cmd.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/cloudflare/circl") || p == "github.com/privrec/privrec/model/dap" {
			t.Fatalf("the main module imports %s", p)
		}
	}
	const mark = "github.com/cloudflare/circl"
	if bytes.Contains(wasmtest.Module(t), []byte(mark)) {
		t.Fatal("the main module built from ./wasm names circl functions")
	}
	if b, err := os.ReadFile(filepath.Join(wasmtest.Root(t), "dist", "privrec.wasm")); err == nil && bytes.Contains(b, []byte(mark)) {
		t.Fatal("dist/privrec.wasm names circl functions")
	}
	// The check can fail: the measure module does name them.
	if !bytes.Contains(wasmtest.Build(t, filepath.Join(wasmtest.Root(t), "wasm", "measure")), []byte(mark)) {
		t.Fatal("the measure module names no circl function: the byte check would not see circl")
	}
}

// TestMeasureModuleManyReports: a run of reports in one instance keeps the
// host-call discipline once garbage builds up: every report is one
// random_get in measure_report, and the collector's clock reads happen in
// measure_free only, where it does run.
func TestMeasureModuleManyReports(t *testing.T) {
	ctx := context.Background()
	inst := newMeasureInstance(t, ctx)
	mt := newMeasureTask(t)
	start := len(inst.Calls())
	const reports = 200 // a report allocates about 65 KB: the 8 MiB collection threshold is crossed
	for n := range reports {
		req := mt.req
		req.Measurement = canaries[n%len(canaries)]
		if _, err := inst.Report(ctx, req); err != nil {
			t.Fatalf("report %d: %v", n, err)
		}
	}
	counts := map[string]int{}
	for _, c := range inst.Calls()[start:] {
		counts[c.Phase.String()+":"+c.Func]++
		switch {
		case c.Phase == PhaseMeasure && c.Func == "random_get":
		case c.Phase == PhaseFree && (c.Func == "clock_time_get" || c.Func == "sched_yield" || c.Func == "poll_oneoff"):
		default:
			t.Fatalf("host call %s in phase %s", c.Func, c.Phase)
		}
	}
	if counts[PhaseMeasure.String()+":random_get"] != reports {
		t.Fatalf("host calls %v: want %d random_get in measure_report", counts, reports)
	}
	if counts[PhaseFree.String()+":clock_time_get"] == 0 {
		t.Fatalf("host calls %v: the collector never ran in measure_free over %d reports (is GC still off?)", counts, reports)
	}
	t.Logf("host calls over %d reports: %v", reports, counts)
}

// BenchmarkMeasureReport times one report natively and in wazero (the
// module the tests build), side by side: b.Run order native, wazero.
func BenchmarkMeasureReport(b *testing.B) {
	ctx := context.Background()
	leader, _ := dap.GenerateHpkeKeyPair(4, crand.Reader)
	helper, _ := dap.GenerateHpkeKeyPair(5, crand.Reader)
	lb, _ := (&dap.HpkeConfigList{leader.Config}).MarshalBinary()
	hb, _ := (&dap.HpkeConfigList{helper.Config}).MarshalBinary()
	req := dap.MeasureRequest{TaskID: make([]byte, 32), LeaderConfig: lb, HelperConfig: hb,
		Measurement: canaries[0], Now: 1_700_000_000, TimePrecision: 86400}
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		entropy := make([]byte, dap.EntropySize)
		for range b.N {
			crand.Read(entropy)
			if _, err := dap.Measure(&req, entropy); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wazero", func(b *testing.B) {
		mm, err := testRuntime(b).CompileMeasure(ctx, wasmtest.Build(b, filepath.Join(wasmtest.Root(b), "wasm", "measure")))
		if err != nil {
			b.Fatal(err)
		}
		inst, err := mm.Instantiate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer inst.Close(ctx)
		b.ResetTimer()
		for range b.N {
			if _, err := inst.Report(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// newMeasureInstance builds wasm/measure from the tree and instantiates it
// in the test runtime, closed when the test ends.
func newMeasureInstance(t *testing.T, ctx context.Context) *MeasureInstance {
	t.Helper()
	mm, err := testRuntime(t).CompileMeasure(ctx, wasmtest.Build(t, filepath.Join(wasmtest.Root(t), "wasm", "measure")))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := mm.Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Close(ctx) })
	return inst
}
