package host

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/privrec/privrec/internal/wasmtest"
)

// TestModuleIsLean guards what RATIONALE.md ("The module links no os")
// decided: privrec.wasm imports only the ten WASI functions the Go runtime
// needs (no fd_*), and its package graph holds neither msgpack nor fmt,
// os or the standard library's crypto, which would bring them back.
func TestModuleIsLean(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	m, err := r.CompileModule(ctx, wasmtest.Module(t))
	require.NoError(t, err)
	var got []string
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		require.Equal(t, "wasi_snapshot_preview1", mod)
		if !slices.Contains(got, name) {
			got = append(got, name)
		}
	}
	slices.Sort(got)
	require.Equal(t, []string{"args_get", "args_sizes_get", "clock_time_get", "environ_get", "environ_sizes_get",
		"fd_write", "poll_oneoff", "proc_exit", "random_get", "sched_yield"}, got)

	cmd := exec.Command("go", "list", "-deps", "./wasm")
	cmd.Dir = wasmtest.Root(t)
	cmd.Env = append(cmd.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	for _, banned := range []string{"github.com/vmihailenco/msgpack/v5", "fmt", "os", "encoding/hex", "runtime/debug", "crypto/ed25519", "crypto/sha256", "time"} {
		require.NotContains(t, deps, banned, "the module's packages import %s again", banned)
	}
}
