package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Content codings the handler serves, most preferred first.
const (
	encBrotli = "br"
	encGzip   = "gzip"
)

// BrotliQuality is the brotli quality of files compressed at start-up: 5
// compresses a 4 MB module in about half a second, where 11 (what a build
// step writes, see Precompressed) takes half a minute for 13% less.
const BrotliQuality = 5

// maxPrecompressed caps the decompressed size of a precompressed file, so
// a hostile .br in a bundle directory cannot expand without bound.
const maxPrecompressed = 128 << 20

// encodings are the compressed representations of one file's content.
type encodings map[string][]byte

// startupCache holds what start-up compressed, by content, for the life of
// the process: tests and benchmarks build many handlers over the same
// module, and compressing it is the slowest part of New.
var startupCache sync.Map // [32]byte -> encodings

// compressible reports whether a file of this content type is worth
// compressing; images and the like already are.
func compressible(ctype string) bool {
	for _, p := range []string{"text/", "application/json", "application/wasm", "application/octet-stream", "image/svg+xml"} {
		if strings.HasPrefix(ctype, p) {
			return true
		}
	}
	return false
}

// precompressed reads the .br and .gz files of fsys (its top directory
// only, unless deep) and returns them by the SHA-256 of the content they
// decompress to: a served file whose content matches uses them instead of
// compressing at start-up. A file that does not decompress is an error (a
// broken build), never served.
func precompressed(fsys fs.FS, deep bool) (map[[32]byte]encodings, error) {
	out := map[[32]byte]encodings{}
	if fsys == nil {
		return out, nil
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && !deep {
			return fs.SkipDir
		}
		var enc string
		switch {
		case !d.Type().IsRegular():
			return nil
		case strings.HasSuffix(p, ".br"):
			enc = encBrotli
		case strings.HasSuffix(p, ".gz"):
			enc = encGzip
		default:
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		plain, err := decompress(enc, data)
		if err != nil {
			return fmt.Errorf("precompressed %s: %w", p, err)
		}
		sum := sha256.Sum256(plain)
		if out[sum] == nil {
			out[sum] = encodings{}
		}
		out[sum][enc] = data
		return nil
	})
	return out, err
}

func decompress(enc string, data []byte) ([]byte, error) {
	var r io.Reader
	switch enc {
	case encBrotli:
		r = brotli.NewReader(bytes.NewReader(data))
	case encGzip:
		z, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		r = z
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPrecompressed+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPrecompressed {
		return nil, fmt.Errorf("decompresses to more than %d bytes", maxPrecompressed)
	}
	return b, nil
}

// compress returns data in brotli (at BrotliQuality) and gzip, keeping
// only codings that save at least a tenth.
func compress(data []byte) encodings {
	out := encodings{}
	var br bytes.Buffer
	w := brotli.NewWriterLevel(&br, BrotliQuality)
	w.Write(data)
	w.Close()
	var gz bytes.Buffer
	z, _ := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	z.Write(data)
	z.Close()
	for enc, b := range map[string][]byte{encBrotli: br.Bytes(), encGzip: gz.Bytes()} {
		if len(b) < len(data)-len(data)/10 {
			out[enc] = b
		}
	}
	return out
}

// encodeAll fills in the codings of every compressible file: the
// precompressed ones when their content matches, else compressed now, in
// parallel.
func (h *Handler) encodeAll(pre map[[32]byte]encodings) {
	type job struct {
		path string
		sum  [32]byte
	}
	var jobs []job
	for p, f := range h.files {
		if !compressible(f.ctype) || len(f.data) < 256 {
			continue
		}
		sum := sha256.Sum256(f.data)
		enc := encodings{}
		if c, ok := startupCache.Load(sum); ok {
			for k, v := range c.(encodings) {
				enc[k] = v
			}
		}
		for k, v := range pre[sum] {
			enc[k] = v // a build step's (better) compression wins
		}
		if len(enc) == 0 {
			jobs = append(jobs, job{p, sum})
			continue
		}
		f.enc = enc
		h.files[p] = f
	}
	results := make([]encodings, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if c, ok := startupCache.Load(j.sum); ok { // the same content at another path
				results[i] = c.(encodings)
				return
			}
			results[i] = compress(h.files[j.path].data)
			startupCache.Store(j.sum, results[i])
		}()
	}
	wg.Wait()
	for i, j := range jobs {
		f := h.files[j.path]
		f.enc = results[i]
		h.files[j.path] = f
	}
}

// negotiate picks the coding of f for an Accept-Encoding header: brotli,
// then gzip, among those the client accepts with a non-zero q and f has;
// "" for identity.
func negotiate(accept string, f file) string {
	if len(f.enc) == 0 || accept == "" {
		return ""
	}
	ok := map[string]bool{}
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			continue
		}
		ok[name] = true
	}
	for _, enc := range []string{encBrotli, encGzip} {
		if _, has := f.enc[enc]; has && (ok[enc] || ok["*"]) {
			return enc
		}
	}
	return ""
}
