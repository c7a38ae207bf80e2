package host

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/privrec/privrec/host/internal/wasi"
	"github.com/privrec/privrec/model"
)

// Phase says which export was running when a host call happened.
type Phase uint8

// Phases of an instance's life.
const (
	PhaseInit      Phase = iota // instantiation, _initialize, privrec_abi_version
	PhaseAlloc                  // privrec_alloc before a load or recommend
	PhaseLoad                   // privrec_load
	PhaseRecommend              // privrec_recommend: must make no host call at all
	PhaseFree                   // privrec_free of a request or a result buffer
)

func (p Phase) String() string {
	switch p {
	case PhaseInit:
		return "init"
	case PhaseAlloc:
		return "alloc"
	case PhaseLoad:
		return "load"
	case PhaseRecommend:
		return "recommend"
	case PhaseFree:
		return "free"
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// Call is one recorded host call: what the module asked of the host and
// every byte the host read out of guest memory to serve it. Payload is
// where a leak would show: fd_write data, poll_oneoff subscriptions.
type Call struct {
	Phase   Phase
	Func    string   // WASI function name, e.g. "fd_write"
	Args    []uint64 // raw arguments as the module passed them
	Payload []byte   // bytes read from guest memory; nil when none
	Errno   uint32   // WASI errno returned (0 = success)
}

// Stream returns the fd a call wrote to (1 stdout, 2 stderr), or -1 when
// the call is not an fd_write.
func (c Call) Stream() int {
	if c.Func != "fd_write" || len(c.Args) == 0 {
		return -1
	}
	return int(uint32(c.Args[0]))
}

// Limits on what one instance records: enough for any honest module, and a
// bound on what a rogue one can make the harness hold. Calls past either
// limit are counted but not kept, and Audit treats that as a violation.
const (
	maxRecordCalls = 1 << 16
	maxRecordBytes = 64 << 20
	stderrHead     = 4 << 10
)

// Instance is one instantiation of a Module: its own memory, its own model,
// its own record of host calls. It is not safe for concurrent use: one
// goroutine at a time, like the module's exports.
type Instance struct {
	mod   *Module
	name  string
	guest api.Module

	phase   Phase
	calls   []Call
	bytes   int
	dropped int
	stderr  []byte // start of fd 2, for crash messages (Go prints the cause first)
	broken  error  // set once a call failed in a way that leaves the guest unusable
	// envelope is the last result envelope read, exactly as the module
	// wrote it (the audit compares it with the native model's bytes).
	envelope []byte
}

// Instantiate creates an instance and runs _initialize (under CallTimeout).
func (m *Module) Instantiate(ctx context.Context) (*Instance, error) {
	return m.instantiate(ctx, m.rt.cfg.Clock, m.rt.rand)
}

// instantiate is Instantiate with the instance's own clock and randomness:
// the audit gives every instance it compares the same sequences of both, so
// that their host-call traces can differ only through the requests.
func (m *Module) instantiate(ctx context.Context, clock func() time.Time, random io.Reader) (*Instance, error) {
	r := m.rt
	cfg := r.cfg
	if m.static.minPages > cfg.MemoryLimitPages {
		return nil, fmt.Errorf("instantiate module: %w: the module declares %d pages of memory; the limit is %d",
			ErrMemoryLimit, m.static.minPages, cfg.MemoryLimitPages)
	}
	inst := &Instance{mod: m, name: fmt.Sprintf("privrec-%d", r.seq.Add(1))}
	r.host.Register(inst.name, &wasi.Env{
		Clock: clock, Rand: random, Stdout: cfg.Stdout, Stderr: cfg.Stderr,
		Record: inst.record,
	})
	g, err := r.rt.InstantiateModule(ctx, m.compiled,
		wazero.NewModuleConfig().WithName(inst.name).WithStartFunctions())
	if err != nil {
		r.host.Unregister(inst.name)
		return nil, fmt.Errorf("instantiate module: %w: %v", ErrCrashed, err)
	}
	inst.guest = g

	if _, err := inst.invoke(ctx, PhaseInit, "_initialize"); err != nil {
		_ = inst.Close(ctx)
		return nil, fmt.Errorf("instantiate module: %w", err)
	}
	res, err := inst.invoke(ctx, PhaseInit, "privrec_abi_version")
	if err != nil {
		_ = inst.Close(ctx)
		return nil, fmt.Errorf("instantiate module: %w", err)
	}
	if v := uint32(res[0]); v != model.ABIVersion {
		_ = inst.Close(ctx)
		return nil, fmt.Errorf("instantiate module: %w: ABI version %d; this harness speaks %d", ErrABI, v, model.ABIVersion)
	}
	return inst, nil
}

// Load hands the module a signed bundle. A zero req.WasmSHA256 is filled
// with the module's own SHA-256, a nil req.WeightsSHA256 or
// req.CatalogSHA256 with the SHA-256 of req.Weights or req.Catalog (computed
// here, natively, from the bytes sent, so the module checks digests instead
// of hashing in WebAssembly: verify once, wasm/ABI.md), and a zero req.Now
// with Config.Clock. Errors the module reports unwrap to model's sentinels:
// errors.Is(err, model.ErrBadSignature).
func (i *Instance) Load(ctx context.Context, req model.LoadRequest) (model.LoadResult, error) {
	return i.load(ctx, req, true)
}

// load is Load; with hostDigests false it leaves absent artifact digests
// absent, so the module hashes the artifacts itself (tests of that path).
func (i *Instance) load(ctx context.Context, req model.LoadRequest, hostDigests bool) (model.LoadResult, error) {
	if len(req.WasmSHA256) == 0 {
		sum := i.mod.sha
		req.WasmSHA256 = sum[:]
	}
	if hostDigests && req.WeightsSHA256 == nil {
		sum := sha256.Sum256(req.Weights)
		req.WeightsSHA256 = sum[:]
	}
	if hostDigests && req.CatalogSHA256 == nil {
		sum := sha256.Sum256(req.Catalog)
		req.CatalogSHA256 = sum[:]
	}
	if req.Now == 0 {
		req.Now = i.mod.rt.cfg.Clock().UnixMilli()
	}
	var res model.LoadResult
	err := i.roundTrip(ctx, PhaseLoad, "privrec_load", "load bundle", model.EncodeLoadRequest(&req), func(b []byte) (err error) {
		res, err = model.DecodeLoadResult(b)
		return err
	})
	return res, err
}

// Recommend asks for recommendations. The module must make no host call
// while it runs; the record (Calls) shows whether it did.
func (i *Instance) Recommend(ctx context.Context, req model.Request) (model.Response, error) {
	var res model.Response
	err := i.roundTrip(ctx, PhaseRecommend, "privrec_recommend", "recommend", model.EncodeRequest(&req), func(b []byte) (err error) {
		res, err = model.DecodeResponse(b)
		return err
	})
	return res, err
}

// Calls returns a copy of the host calls recorded so far, in order.
func (i *Instance) Calls() []Call {
	return append([]Call(nil), i.calls...)
}

// Close releases the instance's memory. It is safe to call twice.
func (i *Instance) Close(ctx context.Context) error {
	if i.broken == nil {
		i.broken = ErrClosed
	}
	i.mod.rt.host.Unregister(i.name)
	if err := i.guest.Close(ctx); err != nil {
		return fmt.Errorf("close instance: %w", err)
	}
	return nil
}

func (i *Instance) record(fn string, args []uint64, payload []byte, errno uint32) {
	if fn == "fd_write" && len(args) > 0 && uint32(args[0]) == 2 && len(i.stderr) < stderrHead {
		i.stderr = append(i.stderr, payload[:min(len(payload), stderrHead-len(i.stderr))]...)
	}
	if len(i.calls) >= maxRecordCalls || i.bytes+len(payload) > maxRecordBytes {
		i.dropped++
		return
	}
	i.bytes += len(payload)
	var p []byte
	if len(payload) > 0 {
		p = append([]byte(nil), payload...) // the guest's view may change
	}
	i.calls = append(i.calls, Call{Phase: i.phase, Func: fn, Args: args, Payload: p, Errno: errno})
}

// roundTrip is one ABI operation: alloc a request buffer, write the
// MessagePack request, call the export, wipe (unless it is a load request:
// the module keeps the bundle bytes it loaded) and free the request buffer,
// read and free the result envelope, and hand the result to decode.
func (i *Instance) roundTrip(ctx context.Context, phase Phase, export, what string, req []byte, decode func([]byte) error) error {
	if i.broken != nil {
		return fmt.Errorf("%s: %w", what, i.broken)
	}
	if uint64(len(req)) > 1<<31 {
		return fmt.Errorf("%s: %w: request of %d bytes", what, model.ErrTooLarge, len(req))
	}
	res, err := i.invoke(ctx, PhaseAlloc, "privrec_alloc", uint64(len(req)))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	ptr := uint32(res[0])
	if ptr == 0 {
		return fmt.Errorf("%s: %w: privrec_alloc refused %d bytes (the module's cap is 256 MiB per buffer)", what, model.ErrTooLarge, len(req))
	}
	mem := i.guest.Memory()
	if mem == nil || !mem.Write(ptr, req) {
		err := fmt.Errorf("%w: privrec_alloc returned %#x, outside memory for %d bytes", ErrABI, ptr, len(req))
		i.fail(err)
		return fmt.Errorf("%s: %w", what, err)
	}
	res, callErr := i.invoke(ctx, phase, export, uint64(ptr), uint64(len(req)))
	if callErr == nil {
		if phase != PhaseLoad {
			// Requests carry history: leave none of it in guest memory.
			// A load request carries only public bundle bytes, which the
			// module adopts on success: its model is views into them.
			mem = i.guest.Memory()
			mem.Write(ptr, make([]byte, len(req)))
		}
		if _, err := i.invoke(ctx, PhaseFree, "privrec_free", uint64(ptr)); err != nil && callErr == nil {
			callErr = err
		}
	}
	if callErr != nil {
		return fmt.Errorf("%s: %w", what, callErr)
	}
	rptr, rlen := uint32(res[0]>>32), uint32(res[0])
	view, ok := i.guest.Memory().Read(rptr, rlen) // re-read: the call may have grown memory
	if !ok || rlen == 0 {
		err := fmt.Errorf("%w: result %#x+%d is outside memory", ErrABI, rptr, rlen)
		i.fail(err)
		return fmt.Errorf("%s: %w", what, err)
	}
	envBytes := append([]byte(nil), view...)
	i.envelope = envBytes
	if _, err := i.invoke(ctx, PhaseFree, "privrec_free", uint64(rptr)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := decodeEnvelope(envBytes, decode); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// decodeEnvelope decodes a result envelope and, on success, hands its
// result to decode. The bytes come from a module the harness does not
// trust, so they go through model's strict decoders: a few bytes claiming
// a huge array must not make the host allocate it.
func decodeEnvelope(b []byte, decode func([]byte) error) error {
	env, err := model.DecodeEnvelope(b)
	if err != nil {
		return fmt.Errorf("%w: decode result envelope: %v", ErrABI, err)
	}
	if env.Code != model.CodeOK {
		return model.ErrorFromCode(env.Code, env.Message)
	}
	if err := decode(env.Result); err != nil {
		return fmt.Errorf("%w: decode result: %v", ErrABI, err)
	}
	return nil
}

// invoke calls one export under CallTimeout and turns a failure into one of
// the harness's errors. After a failure the instance is unusable.
func (i *Instance) invoke(ctx context.Context, phase Phase, name string, params ...uint64) ([]uint64, error) {
	if i.broken != nil {
		return nil, i.broken
	}
	f := i.guest.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("%w: missing export %s", ErrABI, name)
	}
	timeout := i.mod.rt.cfg.CallTimeout
	if phase == PhaseLoad && len(params) == 2 {
		// Loading verifies and decodes the whole bundle: allow a second more
		// per MiB of it, so a large catalog's load is not cut short.
		timeout += time.Duration(params[1]>>20) * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	i.phase = phase
	res, err := f.Call(cctx, params...)
	if err == nil {
		return res, nil
	}
	err = i.classify(ctx, cctx, name, timeout, err)
	i.fail(err)
	return nil, err
}

func (i *Instance) classify(ctx, cctx context.Context, name string, timeout time.Duration, err error) error {
	cfg := i.mod.rt.cfg
	var exit *sys.ExitError
	isExit := errors.As(err, &exit)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %s: %w; the instance is closed", ErrTimeout, name, ctx.Err())
	case cctx.Err() != nil || isExit && (exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled):
		return fmt.Errorf("%w: %s ran longer than the %v call timeout; the instance is closed", ErrTimeout, name, timeout)
	}
	tail := cause(i.stderr)
	mem := i.guest.Memory()
	pages := uint32(0)
	if mem != nil {
		pages = mem.Size() / PageSize
	}
	if strings.Contains(tail, "out of memory") || pages >= cfg.MemoryLimitPages {
		return fmt.Errorf("%w: %s used %d of %d pages (%d MiB) and could not grow: %s", ErrMemoryLimit, name,
			pages, cfg.MemoryLimitPages, uint64(cfg.MemoryLimitPages)*PageSize>>20, orNone(tail))
	}
	if isExit {
		return fmt.Errorf("%w: %s exited with code %d: %s", ErrCrashed, name, exit.ExitCode(), orNone(tail))
	}
	return fmt.Errorf("%w: %s: %v: %s", ErrCrashed, name, firstLine(err.Error()), orNone(tail))
}

// fail marks the instance unusable and closes the guest.
func (i *Instance) fail(err error) {
	if i.broken == nil {
		i.broken = err
	}
	_ = i.guest.Close(context.Background())
}

// cause picks the lines of a Go crash report that say what happened: the
// "fatal error:" or "panic:" line and the one before it, or else the first
// lines.
func cause(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for j, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") {
			return strings.Join(lines[max(0, j-1):j+1], " | ")
		}
	}
	return strings.Join(lines[:min(2, len(lines))], " | ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(nothing on stderr)"
	}
	return "stderr: " + s
}
