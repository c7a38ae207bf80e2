package host

import (
	"context"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/privrec/privrec/host/internal/wasi"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/dap"
)

// PhaseMeasure is measure_report of the measure module
// (wasm/measure/ABI.md): it may make one host call, random_get.
const PhaseMeasure Phase = 16

// measureExports are the exports of wasm/measure/ABI.md.
var measureExports = []struct {
	name            string
	params, results []api.ValueType
}{
	{"_initialize", nil, nil},
	{"measure_abi_version", nil, []api.ValueType{api.ValueTypeI32}},
	{"measure_alloc", []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}},
	{"measure_free", []api.ValueType{api.ValueTypeI32}, nil},
	{"measure_report", []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI64}},
}

// MeasureModule is a compiled, checked measure module: the DAP client of
// docs/measurement.md, under the same strict WASI host and allowlist as
// the main module. It is safe for concurrent use.
type MeasureModule struct {
	m *Module
}

// CompileMeasure compiles the measure module and checks its imports
// against the allowlist (ErrForbiddenImport) and its exports against
// wasm/measure/ABI.md (ErrABI).
func (r *Runtime) CompileMeasure(ctx context.Context, wasm []byte) (*MeasureModule, error) {
	m, err := r.compile(ctx, wasm)
	if err != nil {
		return nil, err
	}
	if bad := m.static.forbidden(); len(bad) > 0 {
		return nil, fmt.Errorf("compile measure module: %w", m.static.err())
	}
	var probs []string
	exports := m.compiled.ExportedFunctions()
	for _, e := range measureExports {
		f, ok := exports[e.name]
		switch {
		case !ok:
			probs = append(probs, "missing export "+e.name)
		case string(f.ParamTypes()) != string(e.params) || string(f.ResultTypes()) != string(e.results):
			probs = append(probs, fmt.Sprintf("export %s is %s; want %s", e.name,
				signature(f.ParamTypes(), f.ResultTypes()), signature(e.params, e.results)))
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("compile measure module: %w: %s", ErrABI, strings.Join(probs, "; "))
	}
	return &MeasureModule{m: m}, nil
}

// Imports lists the module's imports, each marked allowed or not.
func (mm *MeasureModule) Imports() []Import { return append([]Import(nil), mm.m.static.imports...) }

// MeasureInstance is one instantiation of a MeasureModule, with its own
// memory and record of host calls. It is not safe for concurrent use.
type MeasureInstance struct {
	inst *Instance
}

// Instantiate creates an instance, runs _initialize and checks
// measure_abi_version. Its random_get reads Config.Rand of the runtime.
func (mm *MeasureModule) Instantiate(ctx context.Context) (*MeasureInstance, error) {
	m := mm.m
	r := m.rt
	cfg := r.cfg
	if m.static.minPages > cfg.MemoryLimitPages {
		return nil, fmt.Errorf("instantiate measure module: %w: the module declares %d pages of memory; the limit is %d",
			ErrMemoryLimit, m.static.minPages, cfg.MemoryLimitPages)
	}
	inst := &Instance{mod: m, name: fmt.Sprintf("privrec-measure-%d", r.seq.Add(1))}
	r.host.Register(inst.name, &wasi.Env{
		Clock: cfg.Clock, Rand: r.rand, Stdout: cfg.Stdout, Stderr: cfg.Stderr,
		Record: inst.record,
	})
	g, err := r.rt.InstantiateModule(ctx, m.compiled,
		wazero.NewModuleConfig().WithName(inst.name).WithStartFunctions())
	if err != nil {
		r.host.Unregister(inst.name)
		return nil, fmt.Errorf("instantiate measure module: %w: %v", ErrCrashed, err)
	}
	inst.guest = g
	if _, err := inst.invoke(ctx, PhaseInit, "_initialize"); err != nil {
		_ = inst.Close(ctx)
		return nil, fmt.Errorf("instantiate measure module: %w", err)
	}
	res, err := inst.invoke(ctx, PhaseInit, "measure_abi_version")
	if err != nil {
		_ = inst.Close(ctx)
		return nil, fmt.Errorf("instantiate measure module: %w", err)
	}
	if v := uint32(res[0]); v != dap.MeasureABIVersion {
		_ = inst.Close(ctx)
		return nil, fmt.Errorf("instantiate measure module: %w: measure ABI version %d; this harness speaks %d", ErrABI, v, dap.MeasureABIVersion)
	}
	return &MeasureInstance{inst: inst}, nil
}

// Report runs measure_report on req: alloc, write, call, wipe and free the
// request, read and free the envelope. The result's report decodes as a
// dap.Report (dap.DecodeMeasureResult checks it). Errors the module
// reports unwrap to model's sentinels, as the main module's do.
func (mi *MeasureInstance) Report(ctx context.Context, req dap.MeasureRequest) (dap.MeasureResult, error) {
	i := mi.inst
	const what = "measure report"
	if i.broken != nil {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, i.broken)
	}
	body := dap.EncodeMeasureRequest(&req)
	res, err := i.invoke(ctx, PhaseAlloc, "measure_alloc", uint64(len(body)))
	if err != nil {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	ptr := uint32(res[0])
	if ptr == 0 {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w: measure_alloc refused %d bytes", what, model.ErrTooLarge, len(body))
	}
	if mem := i.guest.Memory(); mem == nil || !mem.Write(ptr, body) {
		err := fmt.Errorf("%w: measure_alloc returned %#x, outside memory for %d bytes", ErrABI, ptr, len(body))
		i.fail(err)
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	res, err = i.invoke(ctx, PhaseMeasure, "measure_report", uint64(ptr), uint64(len(body)))
	if err != nil {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	i.guest.Memory().Write(ptr, make([]byte, len(body))) // the request holds the day's counters
	if _, err := i.invoke(ctx, PhaseFree, "measure_free", uint64(ptr)); err != nil {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	rptr, rlen := uint32(res[0]>>32), uint32(res[0])
	view, ok := i.guest.Memory().Read(rptr, rlen)
	if !ok || rlen == 0 {
		err := fmt.Errorf("%w: result %#x+%d is outside memory", ErrABI, rptr, rlen)
		i.fail(err)
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	env := append([]byte(nil), view...)
	i.envelope = env
	if _, err := i.invoke(ctx, PhaseFree, "measure_free", uint64(rptr)); err != nil {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	var out dap.MeasureResult
	err = decodeEnvelope(env, func(b []byte) (err error) {
		out, err = dap.DecodeMeasureResult(b)
		return err
	})
	if err != nil {
		return dap.MeasureResult{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Envelope returns the last result envelope exactly as the module wrote it.
func (mi *MeasureInstance) Envelope() []byte { return append([]byte(nil), mi.inst.envelope...) }

// Calls returns a copy of the host calls recorded so far, in order.
func (mi *MeasureInstance) Calls() []Call { return mi.inst.Calls() }

// Close releases the instance's memory. It is safe to call twice.
func (mi *MeasureInstance) Close(ctx context.Context) error { return mi.inst.Close(ctx) }
