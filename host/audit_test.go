package host

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

var bundleFilesZero bundle.Files

// rogues are deliberately misbehaving modules (testdata/rogue/*). Each row
// says which check must catch it and a phrase the reason must contain.
var rogues = []struct {
	name      string
	check     string
	reason    string
	harness   error  // what the plain harness (Compile or Recommend) returns
	harnessIn string // and a phrase of that error
}{
	{name: "socket", check: "imports", reason: "wasi_snapshot_preview1.sock_send", harness: ErrForbiddenImport, harnessIn: "sock_send"},
	{name: "path", check: "imports", reason: "wasi_snapshot_preview1.path_open", harness: ErrForbiddenImport, harnessIn: "path_open"},
	{name: "env", check: "imports", reason: "env.exfiltrate", harness: ErrForbiddenImport, harnessIn: `module "env" is not provided`},
	{name: "stdout", check: "canary", reason: "fd_write to fd 1 during recommend"},
	{name: "stash", check: "canary", reason: "fd_write to fd 2 during load"},
	{name: "hostcall", check: "host-calls", reason: "clock_time_get"},
	{name: "loop", check: "containment", reason: "call timeout", harness: ErrTimeout, harnessIn: "ran longer than"},
	{name: "hog", check: "containment", reason: "could not grow", harness: ErrMemoryLimit, harnessIn: "pages"},
}

// buildRogues builds every rogue module in parallel (once per binary).
func buildRogues(t *testing.T) map[string][]byte {
	t.Helper()
	out := make(map[string][]byte, len(rogues))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range rogues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := wasmtest.Build(t, "testdata/rogue/"+r.name)
			mu.Lock()
			out[r.name] = w
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

var (
	containOnce sync.Once
	containRT   *Runtime
	containErr  error
)

// containRuntime is tight, so the loop and the hog are stopped quickly; it
// is shared by the tests so each rogue compiles once.
func containRuntime(t *testing.T) *Runtime {
	t.Helper()
	containOnce.Do(func() {
		c := testConfig()
		c.CallTimeout = 2 * time.Second
		c.MemoryLimitPages = 256 // 16 MiB
		containRT, containErr = NewRuntime(context.Background(), c)
	})
	require.NoError(t, containErr)
	return containRT
}

func TestAuditCatchesRogues(t *testing.T) {
	ctx := context.Background()
	wasms := buildRogues(t)
	rt := containRuntime(t)

	caught := 0
	for _, r := range rogues {
		t.Run(r.name, func(t *testing.T) {
			rep, err := Audit(ctx, wasms[r.name], AuditOptions{Runtime: rt, Seed: 42, Requests: 4})
			require.NoError(t, err)
			require.False(t, rep.OK(), "the audit passed a rogue module:\n%s", rep)
			found := false
			for _, v := range rep.Violations {
				if v.Check == r.check && strings.Contains(v.Reason, r.reason) {
					found = true
				}
			}
			require.True(t, found, "no %q violation mentioning %q:\n%s", r.check, r.reason, rep)
			caught++
			t.Logf("caught:\n%s", rep)
		})
	}
	t.Logf("the audit caught %d of %d rogue modules", caught, len(rogues))
	require.Equal(t, len(rogues), caught)
}

func TestHarnessContainsRogues(t *testing.T) {
	ctx := context.Background()
	wasms := buildRogues(t)
	rt := containRuntime(t)

	caught := 0
	for _, r := range rogues {
		if r.harness == nil {
			continue // leaks, not crashes: the recorder shows them (see the audit test)
		}
		t.Run(r.name, func(t *testing.T) {
			m, err := rt.Compile(ctx, wasms[r.name])
			if err == nil {
				var inst *Instance
				inst, err = m.Instantiate(ctx)
				require.NoError(t, err)
				defer inst.Close(ctx)
				_, err = inst.Load(ctx, model.LoadRequest{Now: 1})
				require.NoError(t, err)
				_, err = inst.Recommend(ctx, model.Request{K: 3})
				require.Error(t, err)
				// A failed instance refuses further calls instead of
				// running in an unknown state.
				_, again := inst.Recommend(ctx, model.Request{K: 3})
				require.Error(t, again)
			}
			require.ErrorIs(t, err, r.harness)
			require.Contains(t, err.Error(), r.harnessIn)
			caught++
			t.Logf("%v", err)
		})
	}
	t.Logf("the harness stopped %d rogue modules", caught)
}

func TestAuditRealModule(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	rep, err := Audit(ctx, wasm, AuditOptions{Runtime: testRuntime(t), Seed: 7})
	require.NoError(t, err)
	require.True(t, rep.OK(), "the real module failed the audit:\n%s", rep)
	require.Zero(t, rep.RecommendCalls)
	require.Positive(t, rep.Canaries)
	require.Equal(t, 3, rep.Sessions)
	require.Equal(t, 24, rep.Requests)
	// Every request and every load (the first, then one per 4 requests)
	// of every session was checked against the native model.
	require.Equal(t, 24+3*3, rep.Oracle)
	require.Positive(t, rep.Trace, "start-up reads the clock and the seed")
	require.Zero(t, rep.BytesOut[1]+rep.BytesOut[2])
	t.Logf("\n%s", rep)
}

// TestAuditNoFalsePositives audits the real module with 200 seeds (50 with
// -short; PRIVREC_AUDIT_SEEDS=1000 for the bar, about a minute of
// CPU), two at a time: different shoppers, clock readings and randomness
// each time, and not one violation. It reports what the runs cost.
func TestAuditNoFalsePositives(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	rt := testRuntime(t)
	runs := 200
	if testing.Short() {
		runs = 50
	}
	if v := os.Getenv("PRIVREC_AUDIT_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "PRIVREC_AUDIT_SEEDS")
		runs = n
	}
	if _, err := Audit(ctx, wasm, AuditOptions{Runtime: rt, Seed: 1}); err != nil { // compile outside the measurement
		t.Fatal(err)
	}
	cpu0, wall0 := cpuTime(), time.Now()
	var (
		mu              sync.Mutex
		wg              sync.WaitGroup
		requests, calls int
		failed          []*Report
	)
	seeds := make(chan uint64)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				rep, err := Audit(ctx, wasm, AuditOptions{Runtime: rt, Seed: seed})
				mu.Lock()
				switch {
				case err != nil:
					t.Errorf("seed %d: %v", seed, err)
				case !rep.OK():
					failed = append(failed, rep)
				}
				if err == nil {
					requests += rep.Requests
					calls += rep.Trace * rep.Sessions
				}
				mu.Unlock()
			}
		}()
	}
	for n := range uint64(runs) {
		seeds <- (n + 1) * 0x9e3779b97f4a7c15
	}
	close(seeds)
	wg.Wait()
	for _, rep := range failed[:min(len(failed), 3)] {
		t.Errorf("false positive with seed %d:\n%s", rep.Seed, rep)
	}
	require.Empty(t, failed, "%d of %d audits of the real module failed", len(failed), runs)
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	t.Logf("%d audits passed (%d shopper requests, %d host calls compared): %v CPU, %v wall, %v CPU per audit",
		runs, requests, calls, cpu.Round(time.Millisecond), wall.Round(time.Millisecond), (cpu / time.Duration(runs)).Round(time.Microsecond))
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestAuditOptions(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts AuditOptions
	}{
		{name: "bundle without keys", opts: AuditOptions{Bundle: &bundleFilesZero}},
		{name: "negative requests", opts: AuditOptions{Requests: -1}},
		{name: "one session", opts: AuditOptions{Sessions: 1}},
		{name: "bad config", opts: AuditOptions{Config: Config{MemoryLimitPages: 1 << 20}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Audit(ctx, []byte("\x00asm"), tc.opts)
			require.Error(t, err)
		})
	}
}

func TestAuditNotWasm(t *testing.T) {
	rep, err := Audit(context.Background(), []byte("not wasm"), AuditOptions{Runtime: testRuntime(t), Seed: 1})
	require.NoError(t, err)
	require.False(t, rep.OK())
	require.Equal(t, "abi", rep.Violations[0].Check)
}

func TestContainsCanary(t *testing.T) {
	cn := []byte("Q7XKM2PAVZ4HRT9B")
	b64 := "aGVsbG8g" + "UTdYS00yUEFWWjRIUlQ5Qg==" // "hello " + cn, at offset 6 (aligned)
	for _, tc := range []struct {
		name    string
		payload string
		want    string
	}{
		{name: "raw", payload: "xx" + string(cn) + "yy", want: "raw"},
		{name: "hex", payload: "id=" + strings.ToUpper("5137584b4d325041565a344852543942"), want: "hex"},
		{name: "base64 aligned", payload: b64, want: "base64"},
		{name: "base64 offset 1", payload: "YVE3WEtNMlBBVlo0SFJUOUI=", want: "base64"}, // "a" + cn
		{name: "base64 offset 2", payload: "YWJRN1hLTTJQQVZaNEhSVDlC", want: "base64"}, // "ab" + cn
		{name: "absent", payload: "Q7XKM2PAVZ4HRT9 is one byte short", want: ""},
		{name: "short payload", payload: "Q7", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := containsCanary([]byte(tc.payload), cn)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestCheckOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{name: "timeout", err: ErrTimeout, want: "containment"},
		{name: "memory", err: ErrMemoryLimit, want: "containment"},
		{name: "abi", err: ErrABI, want: "abi"},
		{name: "model", err: errors.Join(model.ErrBadSignature), want: "load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, checkOf(tc.err, "load"))
		})
	}
}

func TestHaystackFind(t *testing.T) {
	cn := []byte("85123A-white-heart")
	enc := func(f func(i int, c byte) byte) string {
		out := make([]byte, len(cn))
		for i, c := range cn {
			out[i] = f(i, c)
		}
		return string(out)
	}
	rev := func(s string) string {
		b := []byte(s)
		slices.Reverse(b)
		return string(b)
	}
	for _, tc := range []struct {
		name    string
		payload string
		want    string
	}{
		{name: "raw", payload: "\x00\x01" + string(cn) + "\n", want: "raw"},
		{name: "xor", payload: "..." + enc(func(_ int, c byte) byte { return c ^ 0x5a }) + "...", want: "XOR 0x5a"},
		{name: "plus one", payload: enc(func(_ int, c byte) byte { return c + 1 }), want: "+1 per byte"},
		{name: "minus three", payload: "zz" + enc(func(_ int, c byte) byte { return c - 3 }), want: "-3 per byte"},
		{name: "reversed", payload: "x" + rev(string(cn)), want: "reversed, raw"},
		{name: "reversed xor", payload: rev(enc(func(_ int, c byte) byte { return c ^ 0xff })), want: "reversed, XOR 0xff"},
		{name: "hex", payload: "6964" + hex.EncodeToString(cn), want: "hex"},
		{name: "one byte changed", payload: enc(func(i int, c byte) byte {
			if i == 9 {
				return c + 2
			}
			return c ^ 0x11
		}), want: ""},
		{name: "other bytes", payload: strings.Repeat("\x00\x10", 64), want: ""},
		{name: "short", payload: "85123A", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := newHaystack([]byte(tc.payload)).find(cn)
			require.Equal(t, tc.want != "", ok, "found %q", got)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSearchable(t *testing.T) {
	require.True(t, searchable("85123A"))
	require.True(t, searchable("desktop"))
	require.False(t, searchable("mobil"), "too short")
	require.False(t, searchable("aaaaaaaa"), "too few distinct bytes")
}

// TestShoppersLookReal: the audit's requests use the bundle's own ids,
// categories and devices, have the shapes of real traffic, and nothing
// in them looks made up.
func TestShoppersLookReal(t *testing.T) {
	var items []model.Item
	for i := range 300 {
		items = append(items, model.Item{ID: fmt.Sprintf("%05d", 20000+i*7), Category: []string{"lamps", "rugs", "mugs", "tea"}[i%4]})
	}
	catalog := map[string]bool{}
	for _, it := range items {
		catalog[it.ID] = true
	}
	popular := []string{"20000", "20007", "20014"}
	now := testNow.UnixMilli()
	g := newShoppers(9, items, popular, now)
	lengths := map[string]int{}
	var retired, devices, categories, explains, ks int
	for n := range 400 {
		req := g.next(n, anyone)
		require.GreaterOrEqual(t, req.Now, now)
		for i, e := range req.History {
			require.True(t, e.Kind.Valid())
			require.Less(t, e.At, req.Now, "events happen before the request")
			if i > 0 {
				require.GreaterOrEqual(t, e.At, req.History[i-1].At, "the SDK sends history oldest first")
			}
			if !catalog[e.Item] {
				retired++
				require.Len(t, e.Item, 5, "a retired id is shaped like the catalog's: %q", e.Item)
			}
		}
		switch l := len(req.History); {
		case l == 0:
			lengths["none"]++
		case l <= 5:
			lengths["1-5"]++
		case l <= 30:
			lengths["6-30"]++
		default:
			lengths["31+"]++
		}
		require.Contains(t, []string{"mobile", "desktop", "tablet", ""}, req.Context.Device)
		if req.Context.Device != "" {
			devices++
		}
		if req.Category != "" {
			require.Contains(t, []string{"lamps", "rugs", "mugs", "tea"}, req.Category)
			categories++
		}
		if req.Explain {
			explains++
		}
		if req.K != 0 {
			ks++
		}
		for _, s := range requestStrings(req) {
			if s != "" {
				require.True(t, catalog[s] || len(s) == 5 || slices.Contains([]string{"mobile", "desktop", "tablet", "lamps", "rugs", "mugs", "tea"}, s),
					"%q is neither from the catalog nor what the SDK sends", s)
			}
		}
	}
	t.Logf("history lengths %v, %d retired ids, %d devices, %d categories, %d explain, %d explicit k", lengths, retired, devices, categories, explains, ks)
	for _, bucket := range []string{"none", "1-5", "6-30", "31+"} {
		require.Positive(t, lengths[bucket], "no history of length %s in 400 shoppers", bucket)
	}
	require.Positive(t, retired)
	require.Positive(t, categories)
	require.Greater(t, explains, 100)
	require.Greater(t, ks, 100)

	// Seeded: the same seed gives the same shoppers, another seed others.
	a, b, c := newShoppers(5, items, popular, now), newShoppers(5, items, popular, now), newShoppers(6, items, popular, now)
	ra, rb, rc := a.next(0, anyone), b.next(0, anyone), c.next(0, anyone)
	require.Equal(t, ra, rb)
	require.NotEqual(t, ra, rc)
	// The control session's shoppers have no history; a regular's is long.
	for n := range 50 {
		require.Empty(t, a.next(n, consentOff).History)
		l := len(a.next(n, heavy).History)
		require.True(t, l >= 100 && l <= 600, "a regular's history of %d events", l)
	}
}

func TestSessionClockAndRand(t *testing.T) {
	c1, c2, other := sessionClock(testNow, 3), sessionClock(testNow, 3), sessionClock(testNow, 4)
	var differs bool
	prev := testNow
	for range 100 {
		t1, t2, t3 := c1(), c2(), other()
		require.Equal(t, t1, t2, "every session sees the same readings")
		require.True(t, t1.After(prev), "the clock moves")
		require.Less(t, t1.Sub(prev), time.Millisecond)
		differs = differs || t1 != t3
		prev = t1
	}
	require.True(t, differs, "another seed, other readings")
	b1, b2 := make([]byte, 64), make([]byte, 64)
	_, _ = io.ReadFull(sessionRand(3), b1)
	_, _ = io.ReadFull(sessionRand(3), b2)
	require.Equal(t, b1, b2)
}

// TestCompare: the trace comparison, and the one allowance it makes for
// the collector's clock reads in a load.
func TestCompare(t *testing.T) {
	clock := func(ptr uint64) Call {
		return Call{Phase: PhaseLoad, Func: "clock_time_get", Args: []uint64{1, 0, ptr}}
	}
	reads := func(n int, ptr uint64) []Call {
		var out []Call
		for range n {
			out = append(out, clock(ptr))
		}
		return out
	}
	handed := collectorMinBytes
	sess := func(load []Call, free []Call) *session {
		s := &session{inst: &Instance{}}
		add := func(name string, calls []Call) {
			s.ops = append(s.ops, op{name: name, start: len(s.inst.calls), end: len(s.inst.calls) + len(calls), handed: handed})
			s.inst.calls = append(s.inst.calls, calls...)
		}
		add("load 1", nil)
		for i := range free {
			free[i].Phase = PhaseFree
		}
		add("request 1", free)
		add("load 2", load)
		return s
	}
	random := Call{Phase: PhaseLoad, Func: "random_get", Args: []uint64{100, 8}}
	for _, tc := range []struct {
		name     string
		small    bool // the module was handed too few bytes to collect
		ref, got *session
		ok       bool
		reason   string
	}{
		{name: "identical", ref: sess(reads(30, 8), nil), got: sess(reads(30, 8), nil), ok: true},
		{name: "collector: a few more reads at other addresses", ref: sess(reads(30, 8), nil), got: sess(reads(33, 16), nil), ok: true},
		{name: "a few reads are no collection", ref: sess(reads(3, 8), nil), got: sess(append(reads(2, 8), clock(16)), nil), reason: "differs"},
		{name: "no collection before the module had the bytes", small: true, ref: sess(reads(30, 8), nil), got: sess(reads(30, 16), nil), reason: "differs"},
		{name: "collector: far more reads", ref: sess(reads(30, 8), nil), got: sess(reads(30+collectorSlack+1, 8), nil), reason: "counts of host calls"},
		{name: "reads in a load where the reference made none", ref: sess(nil, nil), got: sess(reads(2, 8), nil), reason: "the first extra one is clock_time_get"},
		{name: "a random call beside the collector", ref: sess(reads(30, 8), nil), got: sess(append(reads(30, 8), random), nil), reason: "random_get"},
		{name: "reads in free", ref: sess(nil, nil), got: sess(nil, reads(1, 8)), reason: "in request 1"},
		{name: "another address in free", ref: sess(nil, reads(1, 8)), got: sess(nil, reads(1, 9)), reason: "host call 1 of request 1 differs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.small {
				for i := range tc.ref.ops {
					tc.ref.ops[i].handed = collectorMinBytes - 1
				}
			}
			a := &auditor{rep: &Report{}}
			require.Equal(t, tc.ok, a.compare(tc.ref, tc.got, 1), "%v", a.rep.Violations)
			if tc.ok {
				require.Empty(t, a.rep.Violations)
				return
			}
			require.Len(t, a.rep.Violations, 1)
			require.Equal(t, "trace", a.rep.Violations[0].Check)
			require.Contains(t, a.rep.Violations[0].Reason, tc.reason)
		})
	}
}

func TestResponseDiff(t *testing.T) {
	req := model.Request{History: model.History{{Item: "85123A", Kind: model.KindView, At: 1}}, Context: model.Context{Device: "mobile"}}
	want := model.Response{K: 2, Items: []model.Recommendation{{Item: "22423", Score: 0.5, Source: model.SourceHistory, Because: []model.Reason{{Item: "85123A", Share: 1}}}, {Item: "21212", Score: 0.25, Source: model.SourcePopular}}}
	env := func(r model.Response) []byte { return model.EncodeResponseEnvelope(&r) }
	for _, tc := range []struct {
		name string
		edit func(r *model.Response)
		want string
	}{
		{name: "device in source", edit: func(r *model.Response) { r.Items[1].Source = "popular:mobile" }, want: `carries the device "mobile"`},
		{name: "history in because", edit: func(r *model.Response) { r.Items[1].Because = []model.Reason{{Item: "85123A"}} }, want: `names history item "85123A"`},
		{name: "score bits", edit: func(r *model.Response) { r.Items[0].Score = math.Nextafter(0.5, 1) }, want: "the score of item 1"},
		{name: "another item", edit: func(r *model.Response) { r.Items[1].Item = "99999" }, want: `item 2 is "99999"`},
		{name: "unknown", edit: func(r *model.Response) { r.Unknown = 4 }, want: "unknown is 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := want
			got.Items = slices.Clone(want.Items)
			tc.edit(&got)
			require.Contains(t, responseDiff(env(got), env(want), req), tc.want)
		})
	}
	// The same answer in other bytes still differs: an extra field.
	extra := append(slices.Clone(env(want)), 0xc0)
	require.Contains(t, responseDiff(extra, env(want), req), "bytes")
}

// collectingBundle is a signed bundle of n items, large enough that the
// module collects garbage while the audit runs (loads allocate the
// bundle's bytes; the module collects after 8 MiB).
func collectingBundle(t *testing.T, wasm []byte, n int) (*bundle.Files, ed25519.PublicKey) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	spec := &model.Spec{Items: make([]string, n), Neighbors: make([][]model.Neighbor, n), Popularity: make([]float32, n), Params: model.DefaultParams()}
	items := make([]model.Item, n)
	for i := range n {
		id := fmt.Sprintf("%05d%c", 10000+i, 'A'+rune(i%26))
		spec.Items[i] = id
		spec.Popularity[i] = rng.Float32()
		for range 16 {
			spec.Neighbors[i] = append(spec.Neighbors[i], model.Neighbor{Item: int32(rng.IntN(n)), Weight: rng.Float32()})
		}
		// Long titles make a big catalog of few items: quick to score,
		// and the bundle's bytes alone pass the collector's threshold.
		items[i] = model.Item{ID: id, Title: "Item " + id + strings.Repeat(" with a long description", 12), Price: 3, Category: fmt.Sprintf("category %d", i%40)}
	}
	bid := [16]byte{'c', 'o', 'l', 'l', 'e', 'c', 't'}
	weights, err := model.EncodeWeights(spec, bid)
	require.NoError(t, err)
	catalog, err := model.EncodeCatalog(items, bid)
	require.NoError(t, err)
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	files := &bundle.Files{Weights: weights, Catalog: catalog, Wasm: wasm}
	ms := testNow.UnixMilli()
	require.NoError(t, bundle.Sign(files, bundle.Meta{Version: 1, Created: ms - 1000, Expires: ms + 3_600_000, BundleID: bid}, priv))
	return files, pub
}

// TestAuditCollectingBundle: with a bundle large enough that the module
// collects garbage during the audit, its collections read the clock a few
// times more or less depending on the heap, and it still passes: the one
// allowance of the trace check. Everything else stays exact.
func TestAuditCollectingBundle(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	files, pub := collectingBundle(t, wasm, 20_000)
	rep, err := Audit(ctx, wasm, AuditOptions{Runtime: testRuntime(t), Seed: 2, Bundle: files, Keys: []ed25519.PublicKey{pub}, Requests: 16})
	require.NoError(t, err)
	require.True(t, rep.OK(), "the real module failed the audit of a large bundle:\n%s", rep)
	reads := 0
	for _, c := range rep.Calls {
		if c.Phase != PhaseInit {
			require.Equal(t, "clock_time_get", c.Func, "after start-up the collector only reads the clock")
			reads += c.Count
		}
	}
	require.Positive(t, reads, "the module never collected: the bundle is too small for the test to check the allowance")
	t.Logf("%d clock reads after start-up, %d export calls within the allowance\n%s", reads, rep.Collected, rep)
}

// TestProfile: each rule of the call profile, on made-up traces.
func TestProfile(t *testing.T) {
	write := func(p Phase, fd uint64) Call {
		return Call{Phase: p, Func: "fd_write", Args: []uint64{fd, 0, 1, 0}, Payload: []byte("x")}
	}
	clock := func(p Phase, id, precision uint64) Call {
		return Call{Phase: p, Func: "clock_time_get", Args: []uint64{id, precision, 64}}
	}
	poll := func(kind byte) Call {
		sub := make([]byte, 48)
		sub[8] = kind
		return Call{Phase: PhaseFree, Func: "poll_oneoff", Args: []uint64{0, 0, 1, 0}, Payload: sub}
	}
	many := make([]Call, maxOpCalls+1)
	for i := range many {
		many[i] = clock(PhaseLoad, 1, 0)
	}
	for _, tc := range []struct {
		name    string
		startup []Call
		calls   []Call
		crashed bool
		check   string // "" for no violation
		reason  string
	}{
		{name: "the honest module's", startup: []Call{{Phase: PhaseInit, Func: "random_get", Args: []uint64{0, 32}}, clock(PhaseInit, 1, 0)},
			calls: []Call{clock(PhaseLoad, 0, 0), clock(PhaseFree, 1, 0), {Phase: PhaseFree, Func: "sched_yield"}, poll(0)}},
		{name: "a write at start-up", startup: []Call{write(PhaseInit, 1)}, check: "stdio", reason: "stdout during start-up"},
		{name: "a write in a load", calls: []Call{write(PhaseLoad, 2)}, check: "stdio", reason: "stderr during load"},
		{name: "a crash report", calls: []Call{write(PhaseLoad, 2)}, crashed: true},
		{name: "randomness after start-up", calls: []Call{{Phase: PhaseFree, Func: "random_get", Args: []uint64{0, 8}}}, check: "profile", reason: "random_get during free"},
		{name: "the environment after start-up", calls: []Call{{Phase: PhaseLoad, Func: "environ_sizes_get", Args: []uint64{0, 0}}}, check: "profile", reason: "environ_sizes_get"},
		{name: "a precision", calls: []Call{clock(PhaseLoad, 1, 0x41)}, check: "profile", reason: "precision 0x41"},
		{name: "another clock", calls: []Call{clock(PhaseFree, 3, 0)}, check: "profile", reason: "clock 3"},
		{name: "an fd subscription", calls: []Call{poll(1)}, check: "profile", reason: "subscribes to an fd"},
		{name: "too many calls", calls: many, check: "profile", reason: "host calls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := &Instance{calls: append(slices.Clone(tc.startup), tc.calls...)}
			s := &session{inst: inst, ops: []op{{name: "load 2", start: len(tc.startup), end: len(inst.calls), crashed: tc.crashed}}}
			a := &auditor{rep: &Report{}, profiled: map[string]bool{}}
			a.profile(s)
			if tc.check == "" {
				require.Empty(t, a.rep.Violations)
				return
			}
			require.Len(t, a.rep.Violations, 1, "%v", a.rep.Violations)
			require.Equal(t, tc.check, a.rep.Violations[0].Check)
			require.Contains(t, a.rep.Violations[0].Reason, tc.reason)
		})
	}
}

// TestStoreBundle: the audit's own bundle opens and loads natively, is the
// same for the same seed, and differs in size and id style across seeds, so
// no fixed catalog marks an audit.
func TestStoreBundle(t *testing.T) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	sum := sha256.Sum256(wasm)
	sizes, styles := map[int]bool{}, map[string]bool{}
	for seed := uint64(1); seed <= 12; seed++ {
		files, pub, what, err := storeBundle(wasm, testNow, seed)
		require.NoError(t, err)
		req := &model.LoadRequest{Manifest: files.Manifest, Signature: files.Signature, Weights: files.Weights,
			Catalog: files.Catalog, Keys: [][]byte{pub}, Now: testNow.UnixMilli(), WasmSHA256: sum[:]}
		_, err = bundle.Open(req)
		require.NoError(t, err)
		m, err := model.Load(files.Weights, files.Catalog)
		require.NoError(t, err)
		res, err := m.Recommend(model.Request{K: 5, History: model.History{{Item: m.ItemID(0), Kind: model.KindView, At: 1}}})
		require.NoError(t, err)
		require.NotEmpty(t, res.Items)
		sizes[m.Items()] = true
		styles[what[strings.Index(what, "("):strings.Index(what, ")")+1]] = true
		again, _, _, err := storeBundle(wasm, testNow, seed)
		require.NoError(t, err)
		require.Equal(t, files.Catalog, again.Catalog)
	}
	require.Greater(t, len(sizes), 6)
	require.Len(t, styles, 3, "%v", styles)
}

// TestModelIsPure checks the oracle's premise natively: model.Recommend is a
// pure function of (model, request), so a model that served other shoppers
// answers each request exactly as a fresh one does. When it does not, a
// request's history stays in the model and changes a later shopper's
// answer, in the module too, and audits of the real module fail the oracle.
func TestModelIsPure(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		files, _, _, err := storeBundle([]byte("\x00asm"), testNow, seed*0x9e3779b97f4a7c15)
		require.NoError(t, err)
		used, err := model.Load(files.Weights, files.Catalog)
		require.NoError(t, err)
		cat, err := model.DecodeCatalog(files.Catalog)
		require.NoError(t, err)
		g := newShoppers(seed, cat.Items, nil, testNow.UnixMilli())
		var prev model.Request
		for n := range 100 {
			req := g.next(n, []int{anyone, heavy, consentOff}[n%7%3])
			got, err := used.Recommend(req)
			require.NoError(t, err)
			fresh, err := model.Load(files.Weights, files.Catalog)
			require.NoError(t, err)
			want, err := fresh.Recommend(req)
			require.NoError(t, err)
			if !bytes.Equal(model.EncodeResponse(&got), model.EncodeResponse(&want)) {
				t.Fatalf("store %d, shopper %d: a model that served %d shoppers answers %s, a fresh one %s; the shopper before had %d events, category %q, seen %q (this one: %d events, category %q, %d exclusions)",
					seed, n, n, summary(got), summary(want), len(prev.History), prev.Category, prev.Seen, len(req.History), req.Category, len(req.Exclude))
			}
			prev = req
		}
	}
}
