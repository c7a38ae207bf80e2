package host

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/privrec/privrec/host/internal/wasi"
)

// sharedCache holds compiled machine code for every Runtime in the process,
// so a test suite that creates many Runtimes compiles each module once.
var sharedCache = wazero.NewCompilationCache()

// Allowlist returns the imports a module may have, as "module.name"
// strings, sorted. The JS SDK's WASI shim implements the same list.
func Allowlist() []string {
	out := make([]string, len(wasi.Allowlist))
	for i, f := range wasi.Allowlist {
		out[i] = wasi.ModuleName + "." + f.Name
	}
	return out
}

// Runtime owns a wazero runtime with the strict WASI host, and a cache of
// the modules compiled in it. It is safe for concurrent use.
type Runtime struct {
	cfg  Config
	rt   wazero.Runtime
	host *wasi.Host
	rand io.Reader // cfg.Rand, serialised
	seq  atomic.Uint64

	mu      sync.Mutex
	modules map[[32]byte]*Module
	closed  bool
}

// NewRuntime creates a Runtime. Zero fields of cfg take their defaults.
func NewRuntime(ctx context.Context, cfg Config) (*Runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new runtime: %w", err)
	}
	cfg = cfg.withDefaults()
	rc := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(cfg.MemoryLimitPages).
		WithCloseOnContextDone(true).
		WithCompilationCache(sharedCache)
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	h, err := wasi.Instantiate(ctx, rt)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("new runtime: %w", err)
	}
	return &Runtime{
		cfg: cfg, rt: rt, host: h, rand: &lockedReader{r: cfg.Rand},
		modules: map[[32]byte]*Module{},
	}, nil
}

// Config returns the runtime's configuration, defaults filled in.
func (r *Runtime) Config() Config { return r.cfg }

// Close closes every instance and module of r.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.modules = nil
	r.mu.Unlock()
	if err := r.rt.Close(ctx); err != nil {
		return fmt.Errorf("close runtime: %w", err)
	}
	return nil
}

// Compile checks wasm's imports against the allowlist and its exports
// against the ABI, and compiles it. Modules are cached by the SHA-256 of
// their bytes: compiling the same bytes twice returns the same *Module (and
// the same refusal).
//
// A forbidden import is an ErrForbiddenImport naming every offender; a
// missing or mistyped export is an ErrABI.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	m, err := r.compile(ctx, wasm)
	if err != nil {
		return nil, err
	}
	if err := m.static.err(); err != nil {
		return nil, fmt.Errorf("compile module: %w", err)
	}
	return m, nil
}

// compile compiles and inspects wasm, caching the result even when the
// module breaks the rules, so Audit can report on it without compiling it
// twice. A module that is not wasm at all is an error.
func (r *Runtime) compile(ctx context.Context, wasm []byte) (*Module, error) {
	sum := sha256.Sum256(wasm)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("compile module: runtime: %w", ErrClosed)
	}
	if m, ok := r.modules[sum]; ok {
		r.mu.Unlock()
		return m, nil
	}
	r.mu.Unlock()

	cm, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		msg := firstLine(err.Error())
		if strings.Contains(msg, "over limit of") { // wazero: the module's minimum memory exceeds the limit
			return nil, fmt.Errorf("compile module: %w: %s; raise Config.MemoryLimitPages", ErrMemoryLimit, msg)
		}
		return nil, fmt.Errorf("compile module: %w: not a valid WebAssembly module: %s", ErrABI, msg)
	}
	m := &Module{rt: r, compiled: cm, sha: sum, static: inspect(cm)}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		_ = cm.Close(ctx)
		return nil, fmt.Errorf("compile module: runtime: %w", ErrClosed)
	}
	if prev, ok := r.modules[sum]; ok { // compiled concurrently
		_ = cm.Close(ctx)
		return prev, nil
	}
	r.modules[sum] = m
	return m, nil
}

// Module is a compiled, checked module. It is safe for concurrent use:
// instantiate it once per goroutine.
type Module struct {
	rt       *Runtime
	compiled wazero.CompiledModule
	sha      [32]byte
	static   static
}

// SHA256 returns the SHA-256 of the module's bytes, the value a bundle's
// manifest must list for its privrec.wasm.
func (m *Module) SHA256() [32]byte { return m.sha }

// Import is one import of a module, as the static check saw it.
type Import struct {
	Module, Name string
	Signature    string // e.g. "(i32,i64,i32)->i32"; "memory" for a memory import
	Allowed      bool
	Reason       string // why it is refused; empty when allowed
}

func (i Import) String() string { return i.Module + "." + i.Name }

// static is what a compiled module declares: its imports and exports.
type static struct {
	imports  []Import
	abiProbs []string // missing or mistyped exports
	minPages uint32
}

// abiExports are the exports of wasm/ABI.md with their signatures.
var abiExports = []struct {
	name            string
	params, results []api.ValueType
}{
	{"_initialize", nil, nil},
	{"privrec_abi_version", nil, []api.ValueType{api.ValueTypeI32}},
	{"privrec_alloc", []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}},
	{"privrec_free", []api.ValueType{api.ValueTypeI32}, nil},
	{"privrec_load", []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI64}},
	{"privrec_recommend", []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI64}},
}

func inspect(cm wazero.CompiledModule) static {
	var s static
	seen := map[string]bool{}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		imp := Import{Module: mod, Name: name, Signature: signature(f.ParamTypes(), f.ResultTypes())}
		if seen[imp.String()+imp.Signature] {
			continue // Go imports fd_write and random_get twice (runtime and syscall)
		}
		seen[imp.String()+imp.Signature] = true
		allowed, ok := wasi.Lookup(mod, name)
		switch {
		case !ok && mod != wasi.ModuleName:
			imp.Reason = fmt.Sprintf("module %q is not provided: only %s functions are", mod, wasi.ModuleName)
		case !ok:
			imp.Reason = "not in the allowlist" + forbiddenWhy(name)
		case !allowed.SameSignature(f.ParamTypes(), f.ResultTypes()):
			imp.Reason = "signature differs from the host's " + signature(allowed.Params, allowed.Results)
		default:
			imp.Allowed = true
		}
		s.imports = append(s.imports, imp)
	}
	for _, m := range cm.ImportedMemories() {
		mod, name, _ := m.Import()
		s.imports = append(s.imports, Import{Module: mod, Name: name, Signature: "memory",
			Reason: "a module must define its own memory, not import one"})
	}
	exports := cm.ExportedFunctions()
	for _, e := range abiExports {
		f, ok := exports[e.name]
		switch {
		case !ok:
			s.abiProbs = append(s.abiProbs, "missing export "+e.name)
		case string(f.ParamTypes()) != string(e.params) || string(f.ResultTypes()) != string(e.results):
			s.abiProbs = append(s.abiProbs, fmt.Sprintf("export %s is %s; want %s", e.name,
				signature(f.ParamTypes(), f.ResultTypes()), signature(e.params, e.results)))
		}
	}
	for _, mem := range cm.ExportedMemories() {
		s.minPages = mem.Min()
	}
	return s
}

// forbiddenWhy names the capability a well-known forbidden import grants.
func forbiddenWhy(name string) string {
	switch {
	case strings.HasPrefix(name, "sock_"):
		return " (a socket: network access)"
	case strings.HasPrefix(name, "path_"):
		return " (a path: file system access)"
	case strings.HasPrefix(name, "fd_"):
		return " (a file operation)"
	case strings.HasPrefix(name, "proc_"):
		return " (process control)"
	}
	return ""
}

func (s static) forbidden() []Import {
	var out []Import
	for _, imp := range s.imports {
		if !imp.Allowed {
			out = append(out, imp)
		}
	}
	return out
}

func (s static) err() error {
	if bad := s.forbidden(); len(bad) > 0 {
		msgs := make([]string, len(bad))
		for i, imp := range bad {
			msgs[i] = fmt.Sprintf("%s%s: %s", imp, imp.Signature, imp.Reason)
		}
		return fmt.Errorf("%w: %s", ErrForbiddenImport, strings.Join(msgs, "; "))
	}
	if len(s.abiProbs) > 0 {
		return fmt.Errorf("%w: %s", ErrABI, strings.Join(s.abiProbs, "; "))
	}
	return nil
}

func signature(params, results []api.ValueType) string {
	name := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ",")
	}
	out := "(" + name(params) + ")"
	switch len(results) {
	case 0:
	case 1:
		out += "->" + name(results)
	default:
		out += "->(" + name(results) + ")"
	}
	return out
}

// lockedReader serialises reads of a shared io.Reader.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
