package wasmtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var wasmMagic = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

func TestBuild(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = Build(t, "testdata/tiny")
		}()
	}
	wg.Wait()
	if !bytes.HasPrefix(got[0], wasmMagic) {
		t.Fatalf("Build returned %d bytes without the wasm magic", len(got[0]))
	}
	for i, b := range got[1:] {
		if &b[0] != &got[0][0] {
			t.Errorf("call %d built again instead of sharing the first build", i+1)
		}
	}
}

// fatalTB records Fatalf instead of failing the real test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestBuildFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, dir, want string
	}{
		{name: "compile error", dir: "testdata/broken", want: "cannot use"},
		{name: "missing dir", dir: "testdata/nope", want: "testdata/nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for attempt := range 2 { // the second attempt hits the cached error
				fake := &fatalTB{TB: t}
				done := make(chan struct{})
				go func() {
					defer close(done)
					Build(fake, tc.dir)
				}()
				<-done
				if !strings.Contains(fake.msg, tc.want) {
					t.Fatalf("attempt %d: Fatalf(%q); want it to mention %q", attempt, fake.msg, tc.want)
				}
			}
		})
	}
}

func TestRoot(t *testing.T) {
	t.Parallel()
	root := Root(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("Root = %q has no go.mod: %v", root, err)
	}
	if filepath.Base(root) == "wasmtest" {
		t.Fatalf("Root = %q; want the module root, not the package directory", root)
	}
}
