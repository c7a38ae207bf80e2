package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
)

// stripNames drops the "name" custom section of a wasm binary: a module
// built by other tools may have none.
func stripNames(t *testing.T, wasm []byte) []byte {
	t.Helper()
	out := append([]byte(nil), wasm[:8]...)
	for at := 8; at < len(wasm); {
		id := wasm[at]
		size, n := binary.Uvarint(wasm[at+1:])
		require.Positive(t, n)
		end := at + 1 + n + int(size)
		payload := wasm[at+1+n : end]
		if id == 0 {
			nameLen, m := binary.Uvarint(payload)
			if bytes.Equal(payload[m:m+int(nameLen)], []byte("name")) {
				at = end
				continue
			}
		}
		out = append(out, wasm[at:end]...)
		at = end
	}
	require.Less(t, len(out), len(wasm), "the module had a name section to strip")
	return out
}

// TestModuleWithoutNameSection: the harness calls exports by their export
// names, not by the debug names of the name section.
func TestModuleWithoutNameSection(t *testing.T) {
	ctx := context.Background()
	wasm := stripNames(t, wasmtest.Module(t))
	m, err := testRuntime(t).Compile(ctx, wasm)
	require.NoError(t, err)
	inst, err := m.Instantiate(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)
	_, err = inst.Load(ctx, synthLoad(t, wasm))
	require.NoError(t, err)
	resp, err := inst.Recommend(ctx, model.Request{K: 3})
	require.NoError(t, err)
	require.Len(t, resp.Items, 3)
}
