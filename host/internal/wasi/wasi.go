// Package wasi is the harness's strict wasi_snapshot_preview1 host module.
//
// It exports exactly the functions a Go (GOOS=wasip1) reactor needs and no
// more: no file system, no sockets, no fd_read. Each function is written here
// rather than borrowed from wazero's WASI so that every byte a guest hands the
// host passes through one place, the Env's Record callback, and so that no
// function can reach the host's files, network or real stdout unless the
// embedder forwards it on purpose.
//
// Every guest pointer is bounds-checked; a bad pointer yields EFAULT, never a
// panic. The one deliberate exception is proc_exit, which unwinds the guest
// the way wazero's own WASI does (a panic with a *sys.ExitError that wazero
// turns into the error of the export call).
package wasi

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// ModuleName is the import module every allowed function lives in.
const ModuleName = "wasi_snapshot_preview1"

// Errno values (WASI preview1) returned by the functions here.
const (
	ErrnoSuccess uint32 = 0
	ErrnoBadf    uint32 = 8
	ErrnoFault   uint32 = 21
	ErrnoInval   uint32 = 28
	ErrnoIO      uint32 = 29
	ErrnoNosys   uint32 = 52
	ErrnoNotsup  uint32 = 58
)

const filetypeCharacterDevice = 2

// Limits that bound the work one host call can make the host do.
const (
	maxIovs          = 1024    // iovecs per fd_write (IOV_MAX on Linux)
	maxSubscriptions = 64      // subscriptions per poll_oneoff
	maxRandom        = 1 << 20 // bytes per random_get
	// maxWrite caps the bytes one fd_write takes; more is a short write,
	// as POSIX allows. Without it, 1024 iovecs naming the whole memory
	// would make the host copy 1024 times the module's memory.
	maxWrite = 1 << 20
	maxSleep = time.Second
)

// Func is one allowed import: its name and wasm signature.
type Func struct {
	Name    string
	Params  []api.ValueType
	Results []api.ValueType
	fn      func(ctx context.Context, e *Env, mod api.Module, mem memory, stack []uint64) (uint32, []byte)
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// Allowlist is every function the host exports, sorted by name. It is the
// list of imports a module may have; anything else is refused at compile
// time.
//
// Ten of them are what the Go runtime itself imports for GOOS=wasip1. The
// six fd_* functions besides fd_write are imported by package os (linked
// through fmt, which model/ and msgpack use): its init asks for preopened
// directories and the kind of fds 0-2. Here they are inert: there are no
// preopens (fd_prestat_get is EBADF, so the guest sees no file system),
// fd_read is always EBADF (there is no stdin, nothing flows in), and fds
// 0-2 are character devices that cannot be closed or reconfigured. Nothing
// here can open a path or a socket: path_* and sock_* are not exported at all.
var Allowlist = []Func{
	{Name: "args_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: argsGet},
	{Name: "args_sizes_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: sizesGet},
	{Name: "clock_time_get", Params: []api.ValueType{i32, i64, i32}, Results: []api.ValueType{i32}, fn: clockTimeGet},
	{Name: "environ_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: argsGet},
	{Name: "environ_sizes_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: sizesGet},
	{Name: "fd_close", Params: []api.ValueType{i32}, Results: []api.ValueType{i32}, fn: fdClose},
	{Name: "fd_fdstat_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: fdFdstatGet},
	{Name: "fd_fdstat_set_flags", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: fdFdstatSetFlags},
	{Name: "fd_prestat_dir_name", Params: []api.ValueType{i32, i32, i32}, Results: []api.ValueType{i32}, fn: badf},
	{Name: "fd_prestat_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: badf},
	{Name: "fd_read", Params: []api.ValueType{i32, i32, i32, i32}, Results: []api.ValueType{i32}, fn: badf},
	{Name: "fd_write", Params: []api.ValueType{i32, i32, i32, i32}, Results: []api.ValueType{i32}, fn: fdWrite},
	{Name: "poll_oneoff", Params: []api.ValueType{i32, i32, i32, i32}, Results: []api.ValueType{i32}, fn: pollOneoff},
	{Name: "proc_exit", Params: []api.ValueType{i32}, fn: procExit},
	{Name: "random_get", Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, fn: randomGet},
	{Name: "sched_yield", Results: []api.ValueType{i32}, fn: schedYield},
}

// Lookup returns the allowed function module.name, if there is one.
func Lookup(module, name string) (Func, bool) {
	if module != ModuleName {
		return Func{}, false
	}
	for _, f := range Allowlist {
		if f.Name == name {
			return f, true
		}
	}
	return Func{}, false
}

// SameSignature reports whether params/results are f's signature.
func (f Func) SameSignature(params, results []api.ValueType) bool {
	return string(params) == string(f.Params) && string(results) == string(f.Results)
}

// Env is what one guest instance sees through the host: its clock, its
// randomness, where its stdout and stderr go, and who records its calls. An
// Env serves one instance; the host calls it from the goroutine running that
// instance's export, so it needs no locking of its own.
type Env struct {
	// Clock is the wall clock (clock_time_get realtime). The monotonic clock
	// is derived from it and forced to advance by at least 1ns per read, so a
	// fixed Clock still lets the Go runtime make progress.
	Clock func() time.Time
	// Rand fills random_get. A short read is EIO.
	Rand io.Reader
	// Stdout and Stderr, when not nil, receive what the guest writes to fd 1
	// and fd 2 (after it is recorded). Write errors are ignored: forwarding is
	// for humans reading test logs, not part of the guest's contract.
	Stdout, Stderr io.Writer
	// Record is called after every host call with the function name, its
	// raw arguments, a copy of every byte the call read from guest memory, and
	// the errno it returned (0 for proc_exit).
	Record func(fn string, args []uint64, payload []byte, errno uint32)

	epoch    time.Time
	lastMono uint64
}

// Host is the instantiated host module of one wazero.Runtime. Guests are
// matched to their Env by module name. Host is safe for concurrent use.
type Host struct {
	envs sync.Map // module name -> *Env
}

// Instantiate builds the host module in r. Call it once per runtime, before
// instantiating any guest.
func Instantiate(ctx context.Context, r wazero.Runtime) (*Host, error) {
	h := &Host{}
	b := r.NewHostModuleBuilder(ModuleName)
	for _, f := range Allowlist {
		b.NewFunctionBuilder().
			WithGoModuleFunction(h.wrap(f), f.Params, f.Results).
			Export(f.Name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return nil, fmt.Errorf("instantiate %s: %w", ModuleName, err)
	}
	return h, nil
}

// Register makes env the environment of the guest instantiated as name.
func (h *Host) Register(name string, env *Env) {
	if env.Clock == nil {
		env.Clock = time.Now
	}
	env.epoch = env.Clock()
	h.envs.Store(name, env)
}

// Unregister forgets name's environment, after its instance is closed.
func (h *Host) Unregister(name string) { h.envs.Delete(name) }

func (h *Host) wrap(f Func) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		v, ok := h.envs.Load(mod.Name())
		if !ok {
			if len(f.Results) == 1 {
				stack[0] = uint64(ErrnoNosys)
			}
			return
		}
		e := v.(*Env)
		args := make([]uint64, len(f.Params))
		for i, t := range f.Params {
			args[i] = stack[i]
			if t == api.ValueTypeI32 {
				args[i] = uint64(uint32(stack[i])) // the upper half of an i32 slot is undefined
			}
		}
		if f.Name == "proc_exit" {
			// Record first: procExit does not return.
			if e.Record != nil {
				e.Record(f.Name, args, nil, ErrnoSuccess)
			}
		}
		errno, payload := f.fn(ctx, e, mod, mod.Memory(), stack)
		if len(f.Results) == 1 {
			stack[0] = uint64(errno)
		}
		if e.Record != nil {
			e.Record(f.Name, args, payload, errno)
		}
	}
}

// memory is the part of api.Memory the functions use; tests fake it.
type memory interface {
	Read(offset, byteCount uint32) ([]byte, bool)
	Write(offset uint32, v []byte) bool
	ReadUint32Le(offset uint32) (uint32, bool)
	WriteUint32Le(offset, v uint32) bool
	WriteUint64Le(offset uint32, v uint64) bool
}

// argsGet serves args_get and environ_get: there are no arguments and no
// environment variables, so there is nothing to write.
func argsGet(_ context.Context, _ *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	return ErrnoSuccess, nil
}

// sizesGet serves args_sizes_get and environ_sizes_get: zero of each.
func sizesGet(_ context.Context, _ *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	if mem == nil || !mem.WriteUint32Le(uint32(stack[0]), 0) || !mem.WriteUint32Le(uint32(stack[1]), 0) {
		return ErrnoFault, nil
	}
	return ErrnoSuccess, nil
}

func clockTimeGet(_ context.Context, e *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	id, resultPtr := uint32(stack[0]), uint32(stack[2])
	var v uint64
	switch id {
	case 0: // realtime
		v = uint64(e.Clock().UnixNano())
	case 1: // monotonic
		v = e.monotonic()
	default:
		return ErrnoInval, nil
	}
	if mem == nil || !mem.WriteUint64Le(resultPtr, v) {
		return ErrnoFault, nil
	}
	return ErrnoSuccess, nil
}

// monotonic is nanoseconds since Register, strictly increasing.
func (e *Env) monotonic() uint64 {
	v := uint64(1)
	if d := e.Clock().Sub(e.epoch); d > 0 {
		v = uint64(d)
	}
	if v <= e.lastMono {
		v = e.lastMono + 1
	}
	e.lastMono = v
	return v
}

// fdWrite gathers the iovecs of fd 1 or 2 and records them; any other fd is
// EBADF (there are no files).
func fdWrite(_ context.Context, e *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	fd, iovs, iovsLen, nwrittenPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if mem == nil {
		return ErrnoFault, nil
	}
	if iovsLen > maxIovs {
		return ErrnoInval, nil
	}
	vec, ok := mem.Read(iovs, iovsLen*8) // iovsLen <= 1024: no overflow
	if !ok {
		return ErrnoFault, nil
	}
	var payload []byte
	for i := uint32(0); i < iovsLen && len(payload) < maxWrite; i++ {
		ptr := binary.LittleEndian.Uint32(vec[i*8:])
		n := binary.LittleEndian.Uint32(vec[i*8+4:])
		n = min(n, uint32(maxWrite-len(payload)))
		b, ok := mem.Read(ptr, n)
		if !ok {
			return ErrnoFault, payload
		}
		payload = append(payload, b...)
	}
	var w io.Writer
	switch fd {
	case 1:
		w = e.Stdout
	case 2:
		w = e.Stderr
	default:
		// The guest handed these bytes out even though there is nowhere
		// for them to go: they are still recorded.
		return ErrnoBadf, payload
	}
	if w != nil && len(payload) > 0 {
		_, _ = w.Write(payload)
	}
	if !mem.WriteUint32Le(nwrittenPtr, uint32(len(payload))) {
		return ErrnoFault, payload
	}
	return ErrnoSuccess, payload
}

func randomGet(_ context.Context, e *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	buf, n := uint32(stack[0]), uint32(stack[1])
	if n > maxRandom {
		return ErrnoInval, nil
	}
	if mem == nil {
		return ErrnoFault, nil
	}
	if _, ok := mem.Read(buf, n); !ok {
		return ErrnoFault, nil
	}
	if e.Rand == nil {
		return ErrnoIO, nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(e.Rand, b); err != nil {
		return ErrnoIO, nil
	}
	mem.Write(buf, b)
	return ErrnoSuccess, nil
}

// badf serves the functions that name a file the guest cannot have:
// fd_read, fd_prestat_get and fd_prestat_dir_name. It reads and writes no
// guest memory.
func badf(context.Context, *Env, api.Module, memory, []uint64) (uint32, []byte) {
	return ErrnoBadf, nil
}

// fdClose pretends to close stdio (a no-op) and knows no other fd.
func fdClose(_ context.Context, _ *Env, _ api.Module, _ memory, stack []uint64) (uint32, []byte) {
	if uint32(stack[0]) > 2 {
		return ErrnoBadf, nil
	}
	return ErrnoSuccess, nil
}

// fdFdstatGet describes fds 0-2 as character devices with no rights and no
// flags, which keeps package os from trying to poll them.
func fdFdstatGet(_ context.Context, _ *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	fd, buf := uint32(stack[0]), uint32(stack[1])
	if fd > 2 {
		return ErrnoBadf, nil
	}
	var stat [24]byte
	stat[0] = filetypeCharacterDevice
	if mem == nil || !mem.Write(buf, stat[:]) {
		return ErrnoFault, nil
	}
	return ErrnoSuccess, nil
}

// fdFdstatSetFlags refuses to change stdio flags.
func fdFdstatSetFlags(_ context.Context, _ *Env, _ api.Module, _ memory, stack []uint64) (uint32, []byte) {
	if uint32(stack[0]) > 2 {
		return ErrnoBadf, nil
	}
	return ErrnoNotsup, nil
}

func schedYield(context.Context, *Env, api.Module, memory, []uint64) (uint32, []byte) {
	return ErrnoSuccess, nil
}

func procExit(ctx context.Context, _ *Env, mod api.Module, _ memory, stack []uint64) (uint32, []byte) {
	code := uint32(stack[0])
	if mod != nil {
		_ = mod.CloseWithExitCode(ctx, code)
	}
	// Nothing may run after proc_exit: unwind the guest. wazero recovers
	// this value and returns it as the export call's error.
	panic(sys.NewExitError(code))
}

// Subscription and event layout (WASI preview1).
const (
	subscriptionSize = 48
	eventSize        = 32
	eventTypeClock   = 0
	subClockAbstime  = 1
)

// pollOneoff answers clock subscriptions by sleeping until the earliest
// deadline (bounded by the call's context and by maxSleep); fd subscriptions
// get EBADF events because there are no readable or writable files.
func pollOneoff(ctx context.Context, e *Env, _ api.Module, mem memory, stack []uint64) (uint32, []byte) {
	in, out, nsubs, neventsPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if nsubs == 0 || nsubs > maxSubscriptions {
		return ErrnoInval, nil
	}
	if mem == nil {
		return ErrnoFault, nil
	}
	view, ok := mem.Read(in, nsubs*subscriptionSize)
	if !ok {
		return ErrnoFault, nil
	}
	subs := append([]byte(nil), view...)
	if _, ok := mem.Read(out, nsubs*eventSize); !ok {
		return ErrnoFault, subs
	}
	events := make([]byte, nsubs*eventSize)
	sleep := maxSleep
	for i := uint32(0); i < nsubs; i++ {
		s := subs[i*subscriptionSize:]
		ev := events[i*eventSize:]
		copy(ev[0:8], s[0:8]) // userdata
		ev[10] = s[8]         // type
		if s[8] == eventTypeClock {
			// clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40
			timeout := binary.LittleEndian.Uint64(s[24:])
			d := time.Duration(min(timeout, uint64(maxSleep)))
			if binary.LittleEndian.Uint16(s[40:])&subClockAbstime != 0 {
				now := uint64(e.Clock().UnixNano())
				if binary.LittleEndian.Uint32(s[16:]) == 1 {
					now = e.monotonic()
				}
				d = 0
				if timeout > now {
					d = time.Duration(min(timeout-now, uint64(maxSleep)))
				}
			}
			sleep = min(sleep, d)
			continue
		}
		binary.LittleEndian.PutUint16(ev[8:], uint16(ErrnoBadf))
		sleep = 0
	}
	if sleep > 0 {
		t := time.NewTimer(sleep)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if !mem.Write(out, events) || !mem.WriteUint32Le(neventsPtr, nsubs) {
		return ErrnoFault, subs
	}
	return ErrnoSuccess, subs
}
