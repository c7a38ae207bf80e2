package host

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/internal/testbundle"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// moduleConsts evaluates the integer constants of wasm/main.go (which
// builds only for wasip1), so that this test checks the bounds the module
// uses, not a copy of them.
func moduleConsts(t *testing.T) map[string]int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../wasm/main.go", nil, 0)
	require.NoError(t, err)
	exprs := map[string]ast.Expr{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						exprs[n.Name] = vs.Values[i]
					}
				}
			}
		}
	}
	var eval func(e ast.Expr) constant.Value
	eval = func(e ast.Expr) constant.Value {
		switch e := e.(type) {
		case *ast.BasicLit:
			return constant.MakeFromLiteral(e.Value, e.Kind, 0)
		case *ast.ParenExpr:
			return eval(e.X)
		case *ast.Ident:
			x, ok := exprs[e.Name]
			require.True(t, ok, "constant %s of wasm/main.go", e.Name)
			return eval(x)
		case *ast.BinaryExpr:
			x, y := eval(e.X), eval(e.Y)
			if e.Op == token.SHL || e.Op == token.SHR {
				s, _ := constant.Uint64Val(y)
				return constant.Shift(x, e.Op, uint(s))
			}
			if e.Op == token.QUO {
				return constant.BinaryOp(x, token.QUO_ASSIGN, y) // integer division
			}
			return constant.BinaryOp(x, e.Op, y)
		}
		t.Fatalf("wasm/main.go: constant expression %T", e)
		return nil
	}
	out := map[string]int{}
	for name, e := range exprs {
		if v, ok := constant.Int64Val(constant.ToInt(eval(e))); ok {
			out[name] = int(v)
		}
	}
	return out
}

// allocated returns the bytes f allocates (the process's own allocations:
// the test runs nothing else meanwhile).
func allocated(f func()) int {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return int(b.TotalAlloc - a.TotalAlloc)
}

// TestCollectionBounds: the module decides when to collect from its own
// count of what it allocated (wasm/main.go, debt): the buffers it hands
// out, and for each load and recommend a bound computed from the request.
// Here the same calls run natively (the same code; wasm's pointers are 8
// bytes, as amd64's) and allocate at most that bound: a neighbours and an
// embedding model of 3,600 and 50,000 items, histories from none to
// 5,000 events, explain, buy-again, excludes, and histories of empty
// events (the most elements per request byte). Nothing here is the
// module's result buffer, which the module counts when it allocates it.
func TestCollectionBounds(t *testing.T) {
	// No collection here, as in the module between its own (it collects
	// only in load and free): natively a collection empties the model's
	// sync.Pool of scratch, and the next request allocating the scratch
	// again failed its own bound now and then, where the module's slot
	// (model/scratch_wasm.go) keeps it.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	c := moduleConsts(t)
	wasm := wasmtest.Module(t)
	type kind struct {
		name  string
		files *bundle.Files
		pub   ed25519.PublicKey
		now   int64
	}
	var kinds []kind
	for _, n := range []int{3600, 50_000} {
		files, pub := collectingBundle(t, wasm, n)
		kinds = append(kinds, kind{fmt.Sprintf("neighbors %d", n), files, pub, testNow.UnixMilli()})
		_, ef, epub := testbundle.Embedding(t, wasm, testbundle.Options{Items: n, Clusters: 8, Categories: 20, Seed: 1})
		kinds = append(kinds, kind{fmt.Sprintf("embedding %d", n), ef, epub, time.Now().UnixMilli()})
	}
	var m *model.Model
	longest := 0
	requestCost := func(req *model.Request) int {
		k := req.K
		if k <= 0 {
			k = model.DefaultK
		}
		k = min(k, model.MaxK)
		n := len(req.History) + len(req.Exclude)
		b := c["requestBase"] + c["requestPerK"]*k + c["requestPerElem"]*n + c["growPerElem"]*max(0, n-longest)
		longest = max(longest, n)
		if len(req.History) > 0 {
			perRequest, perEvent := m.QueryBytes()
			b += perRequest + perEvent*min(len(req.History), model.MaxHistory)
		}
		if req.Explain {
			b += c["explainPerItem"]*k + c["explainPerPair"]*k*min(len(req.History), model.MaxHistory)
		}
		return b
	}
	worst, each := 0.0, 0.0 // the largest share of the bounds, in all and of one request
	for _, kd := range kinds {
		lr := model.LoadRequest{Manifest: kd.files.Manifest, Signature: kd.files.Signature, Weights: kd.files.Weights, Catalog: kd.files.Catalog, Keys: [][]byte{kd.pub}, Now: kd.now}
		ws, w, ca := sha256.Sum256(wasm), sha256.Sum256(kd.files.Weights), sha256.Sum256(kd.files.Catalog)
		lr.WasmSHA256, lr.WeightsSHA256, lr.CatalogSHA256 = ws[:], w[:], ca[:]
		raw := model.EncodeLoadRequest(&lr)
		got := allocated(func() {
			req, err := model.DecodeLoadRequest(raw)
			require.NoError(t, err)
			man, err := bundle.Open(&req)
			require.NoError(t, err)
			m, err = model.Load(req.Weights, req.Catalog)
			require.NoError(t, err)
			_ = model.EncodeLoadResultEnvelope(&model.LoadResult{Version: man.Version, KeyID: man.KeyID, Items: m.Items(), BundleID: "00112233445566778899aabbccddeeff", Kind: string(m.Kind())})
		})
		bound := c["loadBase"] + c["loadPerByte"]*len(raw)/c["loadByteDiv"] + c["loadPerItem"]*m.Items()
		require.LessOrEqual(t, got, bound, "%s: a load of %d bytes allocated %d bytes, more than the module counts", kd.name, len(raw), got)
		worst = max(worst, float64(got)/float64(bound))
		cat, err := model.DecodeCatalog(kd.files.Catalog)
		require.NoError(t, err)
		// Recommends may allocate the model's scratch once, which the
		// module counts in advance: what they allocated so far is at most
		// that plus their bounds.
		// Then the same requests again, longest first: each allocates at
		// most its own bound.
		spent, counted := 0, c["scratchBase"]+c["scratchPerItem"]*m.Items()
		longest = 0
		var items []model.Recommendation
		for pass, events := range []int{0, 1, 50, 500, 1000, 5000, 5000, 1000, 500, 50, 1, 0} {
			for _, explain := range []bool{false, true} {
				for _, mode := range []model.Mode{model.ModeDefault, model.ModeBuyAgain} {
					for _, k := range []int{0, model.MaxK} {
						req := model.Request{K: k, Explain: explain, Mode: mode, Context: model.Context{Hour: 9, Weekday: 2}}
						for i := range events {
							req.History = append(req.History, model.Event{Item: cat.Items[(i*7919)%len(cat.Items)].ID, Kind: model.KindPurchase, At: kd.now - int64(i)*1000})
						}
						if events > 0 && k > 0 {
							req.Exclude = []string{cat.Items[1].ID, cat.Items[2].ID}
						}
						in := model.EncodeRequest(&req)
						var dec model.Request
						got := allocated(func() {
							var err error
							dec, err = model.DecodeRequestInPlace(in)
							require.NoError(t, err)
							res, err := m.RecommendInto(items, dec)
							require.NoError(t, err)
							items = res.Items[:0]
						})
						cost := requestCost(&dec)
						spent, counted = spent+got, counted+cost
						require.LessOrEqual(t, spent, counted, "%s: after a request of %d events (explain %v, mode %q, k %d), which allocated %d bytes, recommends allocated more than the module counts", kd.name, events, explain, mode, k, got)
						if pass >= 6 {
							require.LessOrEqual(t, got, cost, "%s: a request of %d events (explain %v, mode %q, k %d) allocated more than the module counts for it", kd.name, events, explain, mode, k)
							each = max(each, float64(got)/float64(cost))
						}
						worst = max(worst, float64(spent)/float64(counted))
					}
				}
			}
		}
		// Empty events: the most decoded elements per request byte.
		for _, events := range []int{1000, 100_000} {
			in := []byte{0x81, 0xa7}
			in = append(in, "history"...)
			in = append(in, 0xdd, byte(events>>24), byte(events>>16), byte(events>>8), byte(events))
			for range events {
				in = append(in, 0x80)
			}
			var dec model.Request
			got := allocated(func() {
				var err error
				dec, err = model.DecodeRequestInPlace(in)
				require.NoError(t, err)
				_, _ = m.RecommendInto(items, dec) // unknown items are an error, after the work
			})
			require.Equal(t, events, len(dec.History))
			spent, counted = spent+got, counted+requestCost(&dec)
			require.LessOrEqual(t, spent, counted, "%s: after %d empty events, which allocated %d bytes, recommends allocated more than the module counts", kd.name, events, got)
			worst = max(worst, float64(spent)/float64(counted))
			// Failing to decode costs at most failedPerByte per byte.
			bad := append(in[:len(in):len(in)], 0xc0) // a byte after the request
			got = allocated(func() { _, err := model.DecodeRequestInPlace(bad); require.Error(t, err) })
			require.LessOrEqual(t, got, c["requestBase"]+c["failedPerByte"]*len(bad), "%s: a bad request of %d bytes allocated %d", kd.name, len(bad), got)
		}
	}
	t.Logf("allocated at most %.0f%% of the bounds so far; a request once the scratch is there, at most %.0f%% of its own", 100*worst, 100*each)
}

// TestManyLargeRequests: 10,000 requests of 500 events (every fourth with
// explain) in one instance; the module's memory stops growing after the
// first of them (it collects as its count says). PRIVREC_STRESS_WASM runs
// another module build the same way, to compare.
func TestManyLargeRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 requests")
	}
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	if p := os.Getenv("PRIVREC_STRESS_WASM"); p != "" {
		var err error
		wasm, err = os.ReadFile(p)
		require.NoError(t, err)
	}
	m, err := testRuntime(t).Compile(ctx, wasm)
	require.NoError(t, err)
	inst, err := m.Instantiate(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)
	_, err = inst.Load(ctx, synthLoad(t, wasm))
	require.NoError(t, err)
	pages := func() uint32 { return inst.guest.Memory().Size() >> 16 }
	afterLoad := pages()
	requests := 10_000
	if v := os.Getenv("PRIVREC_STRESS_REQUESTS"); v != "" {
		requests, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	var at1000 uint32
	for r := range requests {
		req := model.Request{K: 10, Explain: r%4 == 0}
		for i := range 500 {
			req.History = append(req.History, model.Event{Item: fmt.Sprintf("synth-%03d", (r*31+i)%38+10), Kind: model.KindView, At: testNow.UnixMilli() - int64(i)*1000})
		}
		_, err := inst.Recommend(ctx, req)
		require.NoError(t, err)
		if r+1 == 1000 {
			at1000 = pages()
		}
	}
	end := pages()
	reads := 0
	for _, c := range inst.Calls() {
		if c.Phase != PhaseInit && c.Func == "clock_time_get" {
			reads++
		}
	}
	t.Logf("memory: %.1f MiB after load, %.1f MiB after 1,000 requests, %.1f MiB after %d; %d clock reads after start-up (a collection makes 25 to 35)", mib(afterLoad), mib(at1000), mib(end), requests, reads)
	require.LessOrEqual(t, end, at1000+16, "memory grew by more than 1 MiB after the first 1,000 requests")
}

func mib(pages uint32) float64 { return float64(pages) / 16 }
