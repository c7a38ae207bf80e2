// Package variant builds rogue variants of the real module: wasm/main.go with
// a few small edits and one extra file, compiled exactly as the release is
// (go build -overlay, so the repository is never written). A variant keeps
// every behaviour of privrec.wasm except the one channel it adds, so the
// audit must find that channel among the real module's own host calls and
// responses, not in a toy module that does nothing else.
//
// A variant is a directory holding rogue.go (package main, built into the
// module beside wasm/main.go) and patch.txt, a list of edits of wasm/main.go:
//
//	@@ after
//	<lines of wasm/main.go, which must occur exactly once>
//	@@ insert
//	<lines inserted after them>
//	@@ end
//
// An anchor that no longer matches fails the build with a message naming it,
// so a change to wasm/main.go cannot silently turn a rogue honest.
package variant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Names lists the variant directories under host/testdata/rogue.
var Names = []string{
	"freeclock", "loadclock", "loadrandom", "precision", "clockptr", "pollargs",
	"stderrxor", "stderrplus", "stderrrev",
	"because", "source", "keyid", "oldcanary",
}

var (
	mu     sync.Mutex
	builds = map[string]*build{}
)

type build struct {
	once sync.Once
	wasm []byte
	err  error
}

// Build returns the bytes of the variant name (a directory of
// host/testdata/rogue) of the module in root/wasm, where root is the
// repository root. Each variant is built once per process; Build is safe for
// concurrent use and callers must not modify the result.
func Build(root, name string) ([]byte, error) {
	mu.Lock()
	b, ok := builds[name]
	if !ok {
		b = &build{}
		builds[name] = b
	}
	mu.Unlock()
	b.once.Do(func() { b.wasm, b.err = goBuild(root, name) })
	return b.wasm, b.err
}

// Patch applies the edits of patch to src.
func Patch(src, patch string) (string, error) {
	lines := strings.SplitAfter(patch, "\n")
	var mode, after, insert string
	n := 0
	for _, l := range lines {
		switch strings.TrimRight(l, "\n") {
		case "@@ after":
			mode, after, insert = "after", "", ""
			continue
		case "@@ insert":
			mode = "insert"
			continue
		case "@@ end":
			n++
			if after == "" {
				return "", fmt.Errorf("patch: edit %d has no anchor", n)
			}
			if c := strings.Count(src, after); c != 1 {
				return "", fmt.Errorf("patch: the anchor of edit %d occurs %d times in wasm/main.go (want once); update the variant:\n%s", n, c, after)
			}
			src = strings.Replace(src, after, after+insert, 1)
			mode = ""
			continue
		}
		switch mode {
		case "after":
			after += l
		case "insert":
			insert += l
		}
	}
	if mode != "" {
		return "", errors.New("patch: an edit lacks its @@ end")
	}
	if n == 0 {
		return "", errors.New("patch: no edits")
	}
	return src, nil
}

func goBuild(root, name string) ([]byte, error) {
	dir := filepath.Join(root, "host", "testdata", "rogue", name)
	patch, err := os.ReadFile(filepath.Join(dir, "patch.txt"))
	if err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	mainGo := filepath.Join(root, "wasm", "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	patched, err := Patch(string(src), string(patch))
	if err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	tmp, err := os.MkdirTemp("", "rogue-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "main.go"), []byte(patched), 0o644); err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	overlay := map[string]map[string]string{"Replace": {
		mainGo: filepath.Join(tmp, "main.go"),
		filepath.Join(root, "wasm", "rogue_"+name+".go"): filepath.Join(dir, "rogue.go"),
	}}
	ov, _ := json.Marshal(overlay)
	if err := os.WriteFile(filepath.Join(tmp, "overlay.json"), ov, 0o644); err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	out := filepath.Join(tmp, "module.wasm")
	// The release flags of the Makefile's wasm target.
	cmd := exec.Command("go", "build", "-overlay", filepath.Join(tmp, "overlay.json"), "-buildmode=c-shared",
		"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build variant %s: %v\n%s", name, err, stderr.Bytes())
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build variant %s: %w", name, err)
	}
	return wasm, nil
}
