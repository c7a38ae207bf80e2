package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/privrec/privrec/model"
)

// nodeReady is the first line js/bench/kernel.mjs prints.
type nodeReady struct {
	MemoryAfterLoad      int64    `json:"memory_after_load"`
	MemoryAfterRecommend int64    `json:"memory_after_recommend"`
	ModuleTop            []string `json:"module_top"`
	TfjsTop              []int32  `json:"tfjs_top"`
	TfjsSIMD             bool     `json:"tfjs_simd"`
	LoadMs               float64  `json:"load_ms"`
}

// nodeProc is a running js/bench/kernel.mjs: one command per line on its
// stdin, one JSON answer per line on its stdout.
type nodeProc struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Scanner
	stderr  bytes.Buffer
	ready   nodeReady
	cleanup func()
}

// startNode writes f's inputs into a directory (o.keep's, or a temporary
// one) and starts the node driver on them.
func startNode(o options, f *fixture) (*nodeProc, error) {
	var dir string
	p := &nodeProc{cleanup: func() {}}
	if o.keep != "" {
		dir = filepath.Join(o.keep, fmt.Sprintf("items-%d", f.n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	} else {
		d, err := os.MkdirTemp("", "privrec-bench-")
		if err != nil {
			return nil, err
		}
		dir, p.cleanup = d, func() { os.RemoveAll(d) }
	}
	if err := writeNodeInputs(dir, f, !o.skipTfjs); err != nil {
		p.cleanup()
		return nil, err
	}
	p.cmd = exec.Command(o.node, "--max-old-space-size=4096", o.script, "--dir", dir, "--dims", strconv.Itoa(dims))
	p.cmd.Stderr = &p.stderr
	in, err := p.cmd.StdinPipe()
	if err != nil {
		p.cleanup()
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		p.cleanup()
		return nil, err
	}
	p.in, p.out = in, bufio.NewScanner(out)
	p.out.Buffer(make([]byte, 64<<10), 16<<20)
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start %s %s: %w (is node installed? pass -node or -skip-node)", o.node, o.script, err)
	}
	if err := p.read(&p.ready); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func writeNodeInputs(dir string, f *fixture, tfjs bool) error {
	files := map[string][]byte{"privrec.wasm": f.files.Wasm, "load.msgpack": encodedLoad(f),
		"request.msgpack": model.EncodeRequest(&f.req), "query.f32": f32bytes(f.query)}
	if tfjs {
		files["vectors.f32"] = f32bytes(f.vectors)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// read decodes the next line into v.
func (p *nodeProc) read(v any) error {
	if !p.out.Scan() {
		err := p.out.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("node driver: %w\n%s", err, p.stderr.String())
	}
	if err := json.Unmarshal(p.out.Bytes(), v); err != nil {
		return fmt.Errorf("node driver printed %q: %w\n%s", p.out.Text(), err, p.stderr.String())
	}
	return nil
}

// ask runs one timed call ("module" or "tfjs") and returns its ms.
func (p *nodeProc) ask(cmd string) (float64, error) {
	if _, err := io.WriteString(p.in, cmd+"\n"); err != nil {
		return 0, fmt.Errorf("node driver: %w\n%s", err, p.stderr.String())
	}
	var ms float64
	return ms, p.read(&ms)
}

// quit ends the driver and returns the network attempts it saw.
func (p *nodeProc) quit() ([]string, error) {
	if _, err := io.WriteString(p.in, "quit\n"); err != nil {
		return nil, err
	}
	var res struct {
		Fetches []string `json:"fetches"`
	}
	err := p.read(&res)
	return res.Fetches, err
}

func (p *nodeProc) close() {
	p.in.Close()
	_ = p.cmd.Wait()
	p.cleanup()
}
