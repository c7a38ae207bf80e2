package wasi

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// fakeMem is a bounds-checked linear memory for calling the functions
// directly.
type fakeMem struct{ b []byte }

func (m *fakeMem) ok(off, n uint32) bool { return uint64(off)+uint64(n) <= uint64(len(m.b)) }
func (m *fakeMem) Read(off, n uint32) ([]byte, bool) {
	if !m.ok(off, n) {
		return nil, false
	}
	return m.b[off : off+n], true
}
func (m *fakeMem) Write(off uint32, v []byte) bool {
	if !m.ok(off, uint32(len(v))) || uint64(len(v)) > 1<<32 {
		return false
	}
	copy(m.b[off:], v)
	return true
}
func (m *fakeMem) ReadUint32Le(off uint32) (uint32, bool) {
	b, ok := m.Read(off, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}
func (m *fakeMem) WriteUint32Le(off, v uint32) bool {
	return m.Write(off, binary.LittleEndian.AppendUint32(nil, v))
}
func (m *fakeMem) WriteUint64Le(off uint32, v uint64) bool {
	return m.Write(off, binary.LittleEndian.AppendUint64(nil, v))
}

func newEnv(out *bytes.Buffer) *Env {
	now := time.Unix(1_700_000_000, 0)
	e := &Env{Clock: func() time.Time { return now }, Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 1<<20)), Stdout: out}
	e.epoch = now
	return e
}

func call(t testing.TB, name string, e *Env, mem memory, args ...uint64) uint32 {
	t.Helper()
	f, ok := Lookup(ModuleName, name)
	if !ok {
		t.Fatalf("%s is not in the allowlist", name)
	}
	stack := make([]uint64, max(len(f.Params), len(f.Results)))
	copy(stack, args)
	errno, _ := f.fn(context.Background(), e, nil, mem, stack)
	return errno
}

func TestFunctions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fn    string
		setup func(m *fakeMem)
		args  []uint64
		want  uint32
		check func(t *testing.T, m *fakeMem, out *bytes.Buffer)
	}{
		{name: "fd_write stdout", fn: "fd_write", setup: func(m *fakeMem) {
			copy(m.b[100:], "hello")
			binary.LittleEndian.PutUint32(m.b[0:], 100)
			binary.LittleEndian.PutUint32(m.b[4:], 5)
		}, args: []uint64{1, 0, 1, 200}, want: ErrnoSuccess, check: func(t *testing.T, m *fakeMem, out *bytes.Buffer) {
			if out.String() != "hello" || binary.LittleEndian.Uint32(m.b[200:]) != 5 {
				t.Fatalf("wrote %q, nwritten %d", out, binary.LittleEndian.Uint32(m.b[200:]))
			}
		}},
		{name: "fd_write to a file", fn: "fd_write", args: []uint64{3, 0, 0, 200}, want: ErrnoBadf},
		{name: "fd_write iovec out of bounds", fn: "fd_write", setup: func(m *fakeMem) {
			binary.LittleEndian.PutUint32(m.b[0:], 0xfffffff0)
			binary.LittleEndian.PutUint32(m.b[4:], 100)
		}, args: []uint64{1, 0, 1, 200}, want: ErrnoFault},
		{name: "fd_write too many iovecs", fn: "fd_write", args: []uint64{1, 0, maxIovs + 1, 200}, want: ErrnoInval},
		{name: "fd_read", fn: "fd_read", args: []uint64{0, 0, 1, 8}, want: ErrnoBadf},
		{name: "fd_prestat_get: no preopens", fn: "fd_prestat_get", args: []uint64{3, 0}, want: ErrnoBadf},
		{name: "fd_fdstat_get stdout", fn: "fd_fdstat_get", args: []uint64{1, 64}, want: ErrnoSuccess, check: func(t *testing.T, m *fakeMem, _ *bytes.Buffer) {
			if m.b[64] != filetypeCharacterDevice {
				t.Fatalf("filetype %d", m.b[64])
			}
		}},
		{name: "fd_fdstat_get file", fn: "fd_fdstat_get", args: []uint64{5, 64}, want: ErrnoBadf},
		{name: "random_get", fn: "random_get", args: []uint64{10, 4}, want: ErrnoSuccess, check: func(t *testing.T, m *fakeMem, _ *bytes.Buffer) {
			if !bytes.Equal(m.b[10:14], []byte{7, 7, 7, 7}) {
				t.Fatalf("random bytes %v", m.b[10:14])
			}
		}},
		{name: "random_get out of bounds", fn: "random_get", args: []uint64{65530, 16}, want: ErrnoFault},
		{name: "clock realtime", fn: "clock_time_get", args: []uint64{0, 0, 8}, want: ErrnoSuccess, check: func(t *testing.T, m *fakeMem, _ *bytes.Buffer) {
			if got := binary.LittleEndian.Uint64(m.b[8:]); got != 1_700_000_000*1e9 {
				t.Fatalf("realtime %d", got)
			}
		}},
		{name: "clock unknown id", fn: "clock_time_get", args: []uint64{9, 0, 8}, want: ErrnoInval},
		{name: "args_sizes_get", fn: "args_sizes_get", args: []uint64{0, 4}, want: ErrnoSuccess},
		{name: "args_sizes_get out of bounds", fn: "args_sizes_get", args: []uint64{1 << 31, 4}, want: ErrnoFault},
		{name: "poll_oneoff no subscriptions", fn: "poll_oneoff", args: []uint64{0, 100, 0, 200}, want: ErrnoInval},
		{name: "poll_oneoff clock", fn: "poll_oneoff", setup: func(m *fakeMem) {
			m.b[8] = eventTypeClock // relative timeout 0
		}, args: []uint64{0, 100, 1, 200}, want: ErrnoSuccess, check: func(t *testing.T, m *fakeMem, _ *bytes.Buffer) {
			if binary.LittleEndian.Uint32(m.b[200:]) != 1 {
				t.Fatal("nevents != 1")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &fakeMem{b: make([]byte, 65536)}
			if tc.setup != nil {
				tc.setup(m)
			}
			var out bytes.Buffer
			if got := call(t, tc.fn, newEnv(&out), m, tc.args...); got != tc.want {
				t.Fatalf("errno %d; want %d", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, m, &out)
			}
		})
	}
}

func TestMonotonicAdvances(t *testing.T) {
	e := newEnv(nil) // a fixed clock
	a, b := e.monotonic(), e.monotonic()
	if b <= a {
		t.Fatalf("monotonic clock went %d then %d", a, b)
	}
}

func TestAllowlistSorted(t *testing.T) {
	for i := 1; i < len(Allowlist); i++ {
		if Allowlist[i-1].Name >= Allowlist[i].Name {
			t.Fatalf("%s before %s", Allowlist[i-1].Name, Allowlist[i].Name)
		}
	}
	for _, forbidden := range []string{"path_open", "sock_send", "sock_accept", "fd_pwrite", "proc_raise"} {
		if _, ok := Lookup(ModuleName, forbidden); ok {
			t.Errorf("%s is allowed", forbidden)
		}
	}
	if _, ok := Lookup("env", "fd_write"); ok {
		t.Error("env.fd_write is allowed")
	}
}

// FuzzFunctions calls every function except proc_exit with arbitrary
// arguments and memory: none may panic, and a call that fails reads nothing
// it then forwards.
func FuzzFunctions(f *testing.F) {
	f.Add(uint8(0), uint64(1), uint64(0), uint64(1), uint64(64), []byte("\x40\x00\x00\x00\x05\x00\x00\x00"))
	f.Add(uint8(5), uint64(0), uint64(0xffff), uint64(0xffffffff), uint64(0xffffffff), []byte{})
	f.Add(uint8(9), uint64(0), uint64(100), uint64(2), uint64(8), bytes.Repeat([]byte{0xff}, 200))
	f.Fuzz(func(t *testing.T, which uint8, a0, a1, a2, a3 uint64, init []byte) {
		fns := make([]Func, 0, len(Allowlist))
		for _, fn := range Allowlist {
			if fn.Name != "proc_exit" && fn.Name != "poll_oneoff" || fn.Name == "poll_oneoff" && a2 <= 4 {
				fns = append(fns, fn)
			}
		}
		fn := fns[int(which)%len(fns)]
		m := &fakeMem{b: make([]byte, 4096)}
		copy(m.b, init)
		stack := []uint64{a0, a1, a2, a3}
		for i, typ := range fn.Params {
			if typ == api.ValueTypeI32 {
				stack[i] = uint64(uint32(stack[i]))
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // poll_oneoff must not sleep in a fuzz loop
		var out bytes.Buffer
		fn.fn(ctx, newEnv(&out), nil, m, stack)
	})
}
