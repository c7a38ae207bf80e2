package host

import (
	"context"
	"errors"
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

// TestAuditNoFalsePositives audits the real module with 1,000 seeds (50
// with -short), two at a time: different shoppers, clock readings and
// randomness each time, and not one violation. It reports what the runs
// cost.
func TestAuditNoFalsePositives(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	rt := testRuntime(t)
	runs := 1000
	if testing.Short() {
		runs = 50
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
