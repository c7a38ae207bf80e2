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

// hasNameSection reports whether a wasm binary has a "name" custom
// section (debug names).
func hasNameSection(t *testing.T, wasm []byte) bool {
	t.Helper()
	for at := 8; at < len(wasm); {
		id := wasm[at]
		size, n := binary.Uvarint(wasm[at+1:])
		require.Positive(t, n)
		end := at + 1 + n + int(size)
		payload := wasm[at+1+n : end]
		if id == 0 {
			nameLen, m := binary.Uvarint(payload)
			if bytes.Equal(payload[m:m+int(nameLen)], []byte("name")) {
				return true
			}
		}
		at = end
	}
	return false
}

// TestModuleWithoutNameSection: the release build strips the name section,
// and the harness calls exports by their export names, not by its debug
// names.
func TestModuleWithoutNameSection(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	require.False(t, hasNameSection(t, wasm), "the release module keeps its name section")
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
