package wasmpack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/privrec/privrec/internal/wasmpack"
	"github.com/privrec/privrec/internal/wasmtest"
)

// image instantiates module in wazero without running any of its code (no
// _initialize) and returns its memory as instantiation left it: the data
// segments, written over zeros.
func image(t *testing.T, module []byte) []byte {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)
	mem := mod.Memory()
	b, ok := mem.Read(0, mem.Size())
	require.True(t, ok)
	return bytes.Clone(b)
}

// The real module, packed, starts with the same memory and has the same
// sections, byte for byte, but for its data section.
func TestPackRealModule(t *testing.T) {
	root := wasmtest.Root(t)
	for _, dir := range []string{"wasm", "wasm/measure"} {
		t.Run(dir, func(t *testing.T) {
			linked := wasmtest.Linked(t, root+"/"+dir)
			packed, st, err := wasmpack.Pack(linked)
			require.NoError(t, err)
			require.Equal(t, packed, wasmtest.Build(t, root+"/"+dir), "wasmtest hands out the packed module")
			require.Greater(t, st.Segments, 1000, "Go's linker cuts the data at every 8 zero bytes")
			require.Less(t, st.Packed, 10)

			require.Equal(t, image(t, linked), image(t, packed))
			a, b := sections(t, linked), sections(t, packed)
			require.Equal(t, len(a), len(b))
			for i := range a {
				require.Equal(t, a[i][0], b[i][0], "section %d's id", i)
				if a[i][0][0] != 11 {
					require.Equal(t, a[i], b[i], "section %d (id %d)", i, a[i][0][0])
				}
			}
			again, st2, err := wasmpack.Pack(packed)
			require.NoError(t, err)
			require.Equal(t, packed, again, "packing is idempotent")
			require.Equal(t, st.Packed, st2.Segments)
		})
	}
}

// sections splits a module into [id, whole section] pairs.
func sections(t *testing.T, m []byte) [][2][]byte {
	var out [][2][]byte
	for i := 8; i < len(m); {
		start := i
		i++
		size, n := 0, 0
		for shift := 0; ; shift += 7 {
			c := m[i]
			i++
			size |= int(c&0x7f) << shift
			if n++; c < 0x80 {
				break
			}
		}
		i += size
		require.LessOrEqual(t, i, len(m))
		out = append(out, [2][]byte{m[start : start+1], m[start:i]})
	}
	return out
}

// module assembles a module with one memory of one page and the given data
// section body (nil: none), after an optional DataCount section.
func module(data []byte, dataCount bool) []byte {
	m := []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
		5, 3, 1, 0, 1} // memory section: one memory, min 1 page
	if dataCount {
		m = append(m, 12, 1, 1)
	}
	if data != nil {
		m = append(m, 11, byte(len(data)))
		m = append(m, data...)
	}
	return m
}

// seg is an active segment of memory 0 at a one-byte LEB offset.
func seg(off byte, b ...byte) []byte {
	return append([]byte{0, 0x41, off, 0x0b, byte(len(b))}, b...)
}

func dataSection(segs ...[]byte) []byte {
	out := []byte{byte(len(segs))}
	for _, s := range segs {
		out = append(out, s...)
	}
	return out
}

func TestPackSmall(t *testing.T) {
	// Out of order, and an empty one at the end: one segment, by address.
	in := module(dataSection(seg(40, 7, 8), seg(0, 1, 2, 3), seg(10, 4), seg(50)), false)
	out, st, err := wasmpack.Pack(in)
	require.NoError(t, err)
	require.Equal(t, wasmpack.Stats{Segments: 4, Packed: 1, ZerosWritten: 7 + 29 + 8}, st)
	require.Equal(t, image(t, in), image(t, out))
	want := append([]byte{1, 0, 0x41, 0, 0x0b, 50, 1, 2, 3}, make([]byte, 7)...)
	want = append(want, 4)
	want = append(want, make([]byte, 29)...)
	want = append(want, 7, 8)
	want = append(want, make([]byte, 8)...)
	require.Equal(t, module(want, false), out)

	// A gap over MaxGap keeps two segments.
	far := dataSection(seg(0, 1), []byte{0, 0x41, 0x80, 0xc0, 0x00, 0x0b, 1, 2}) // 1, then 2 at 8192
	out, st, err = wasmpack.Pack(module(far, false))
	require.NoError(t, err)
	require.Equal(t, wasmpack.Stats{Segments: 2, Packed: 2}, st)
	require.Equal(t, module(far, false), out)
}

func TestPackRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		module []byte
		err    string
	}{
		"not wasm":         {[]byte("\x00asm\x02\x00\x00\x00"), "not a WebAssembly module"},
		"no data":          {module(nil, false), "no data section"},
		"data count":       {module(dataSection(seg(0, 1)), true), "DataCount"},
		"passive segment":  {module([]byte{1, 1, 1, 9}, false), "not an active segment"},
		"global offset":    {module([]byte{1, 0, 0x23, 0, 0x0b, 1, 9}, false), "not an i32.const"},
		"overlap":          {module(dataSection(seg(0, 1, 2, 3), seg(2, 9)), false), "overlap"},
		"segment too long": {module([]byte{1, 0, 0x41, 0, 0x0b, 9, 1}, false), "past the end of the section"},
		"truncated":        {module(dataSection(seg(0, 1)), false)[:16], "past the end of the module"},
		"trailing bytes":   {module(append(dataSection(seg(0, 1)), 0), false), "after its 1 segments"},
		"negative offset":  {module([]byte{1, 0, 0x41, 0x7f, 0x0b, 1, 9}, false), "outside a 32-bit memory"},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, err := wasmpack.Pack(c.module)
			require.Error(t, err)
			require.Nil(t, out)
			require.True(t, strings.Contains(err.Error(), c.err), "%v", err)
		})
	}
}
