package wasi

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
)

// TestFdWriteIsBounded: 1024 iovecs that each name all of a 64 KiB memory
// ask for 64 MiB; the host takes at most maxWrite bytes (a short write) and
// reports what it took.
func TestFdWriteIsBounded(t *testing.T) {
	m := &fakeMem{b: bytes.Repeat([]byte{'x'}, 64<<10)}
	for i := range maxIovs {
		binary.LittleEndian.PutUint32(m.b[8*i:], 0)
		binary.LittleEndian.PutUint32(m.b[8*i+4:], uint32(len(m.b)))
	}
	var out bytes.Buffer
	f, _ := Lookup(ModuleName, "fd_write")
	stack := []uint64{1, 0, maxIovs, 60 << 10}
	errno, payload := f.fn(context.Background(), newEnv(&out), nil, m, stack)
	if errno != ErrnoSuccess {
		t.Fatalf("errno %d", errno)
	}
	if len(payload) != maxWrite || out.Len() != maxWrite {
		t.Fatalf("took %d bytes and wrote %d; want the cap, %d", len(payload), out.Len(), maxWrite)
	}
	if got := binary.LittleEndian.Uint32(m.b[60<<10:]); got != maxWrite {
		t.Fatalf("nwritten %d; want %d", got, maxWrite)
	}
}
