package train_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// gaussianVectors draws n vectors of dims coordinates, each coordinate
// normal with a per-dimension scale, so subspaces differ.
func gaussianVectors(n, dims int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, n*dims)
	for i := range v {
		scale := 1 + float64(i%dims)/float64(dims)
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

// reconstruct decodes item i of e.
func reconstruct(e *model.Embedding, i int) []float32 {
	sub := e.Dims / e.Subspaces
	out := make([]float32, 0, e.Dims)
	for m := 0; m < e.Subspaces; m++ {
		c := int(e.Codes[i*e.Subspaces+m])
		off := (m*model.PQCentroids + c) * sub
		out = append(out, e.Codebooks[off:off+sub]...)
	}
	return out
}

// relativeError is the mean squared reconstruction error over the mean
// squared deviation of the vectors from their mean (their total variance).
func relativeError(vectors []float32, dims int, e *model.Embedding) float64 {
	n := len(vectors) / dims
	mean := make([]float64, dims)
	for i, v := range vectors {
		mean[i%dims] += float64(v) / float64(n)
	}
	var errSum, varSum float64
	for i := 0; i < n; i++ {
		r := reconstruct(e, i)
		for d := 0; d < dims; d++ {
			x := float64(vectors[i*dims+d])
			errSum += (x - float64(r[d])) * (x - float64(r[d]))
			varSum += (x - mean[d]) * (x - mean[d])
		}
	}
	return errSum / varSum
}

func TestQuantizeEmbeddingErrors(t *testing.T) {
	ok := gaussianVectors(10, 8, 1)
	nan := append([]float32(nil), ok...)
	nan[13] = float32(math.NaN())
	for _, tc := range []struct {
		name            string
		vectors         []float32
		dims, subspaces int
		fold            []float32
		want            error
	}{
		{"no vectors", nil, 8, 2, nil, model.ErrBadRequest},
		{"zero dims", ok, 0, 2, nil, model.ErrBadRequest},
		{"zero subspaces", ok, 8, 0, nil, model.ErrBadRequest},
		{"dims not a multiple", ok, 8, 3, nil, model.ErrBadRequest},
		{"ragged vectors", ok[:79], 8, 2, nil, model.ErrBadRequest},
		{"short fold", ok, 8, 2, make([]float32, 63), model.ErrBadRequest},
		{"non-finite vector", nan, 8, 2, nil, model.ErrBadRequest},
		{"non-finite fold", ok, 8, 2, append(make([]float32, 63), float32(math.Inf(1))), model.ErrBadRequest},
		{"too many dims", gaussianVectors(2, model.MaxDims+2, 1), model.MaxDims + 2, 2, nil, model.ErrTooLarge},
		{"too many subspaces", gaussianVectors(2, 2*model.MaxSubspaces, 1), 2 * model.MaxSubspaces, 2 * model.MaxSubspaces, nil, model.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := train.QuantizeEmbedding(tc.vectors, tc.dims, tc.subspaces, tc.fold, 1, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
		})
	}
}

func TestQuantizeEmbedding(t *testing.T) {
	for _, tc := range []struct {
		name            string
		n, dims, subs   int
		maxRelativeErr  float64
		wantExactLayout bool
	}{
		// 4 coordinates per code at 8 bits: Gaussian data keeps roughly a
		// tenth of its variance as error; 0.25 is "well below" with margin.
		{"gaussian 64d/16", 20000, 64, 16, 0.25, false},
		{"gaussian 32d/16 (2 per code)", 5000, 32, 16, 0.1, false},
		{"gaussian 24d/3 (8 per code)", 3000, 24, 3, 0.6, false},
		// Fewer vectors than centroids: every vector gets its own centroid.
		{"fewer items than centroids", 100, 16, 4, 1e-9, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := gaussianVectors(tc.n, tc.dims, 7)
			fold := make([]float32, tc.dims*tc.dims)
			for i := range fold {
				fold[i] = float32(i % 5)
			}
			var stages []string
			e, err := train.QuantizeEmbedding(v, tc.dims, tc.subs, fold, 42, func(s string, done, total int) {
				if done > total {
					t.Errorf("progress %s %d/%d", s, done, total)
				}
				if len(stages) == 0 || stages[len(stages)-1] != s {
					stages = append(stages, s)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if e.Dims != tc.dims || e.Subspaces != tc.subs || len(e.Codes) != tc.n*tc.subs ||
				len(e.Codebooks) != tc.dims*model.PQCentroids || len(e.Fold) != tc.dims*tc.dims {
				t.Fatalf("layout: dims %d subspaces %d codes %d codebooks %d fold %d", e.Dims, e.Subspaces, len(e.Codes), len(e.Codebooks), len(e.Fold))
			}
			for i := range fold {
				if e.Fold[i] != fold[i] {
					t.Fatalf("fold[%d] = %v; want %v", i, e.Fold[i], fold[i])
				}
			}
			if got := relativeError(v, tc.dims, e); got > tc.maxRelativeErr {
				t.Errorf("reconstruction error / variance = %.4f; want <= %v", got, tc.maxRelativeErr)
			} else {
				t.Logf("reconstruction error / variance = %.4f", got)
			}
			if len(stages) != 2 || stages[0] != train.StageCodebooks || stages[1] != train.StageEncode {
				t.Errorf("stages = %v", stages)
			}
		})
	}
}

func TestQuantizeEmbeddingNearestCode(t *testing.T) {
	// Every code must be the nearest centroid of its subspace: brute force.
	const n, dims, subs = 3000, 16, 4
	v := gaussianVectors(n, dims, 3)
	e, err := train.QuantizeEmbedding(v, dims, subs, nil, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sub := dims / subs
	for i := 0; i < n; i++ {
		for m := 0; m < subs; m++ {
			x := v[i*dims+m*sub : i*dims+(m+1)*sub]
			got := int(e.Codes[i*subs+m])
			best, bestD := -1, math.Inf(1)
			for c := 0; c < model.PQCentroids; c++ {
				off := (m*model.PQCentroids + c) * sub
				var d float64
				for k := 0; k < sub; k++ {
					diff := float64(x[k] - e.Codebooks[off+k])
					d += diff * diff
				}
				if d < bestD {
					best, bestD = c, d
				}
			}
			off := (m*model.PQCentroids + got) * sub
			var dg float64
			for k := 0; k < sub; k++ {
				diff := float64(x[k] - e.Codebooks[off+k])
				dg += diff * diff
			}
			if dg > bestD*(1+1e-5)+1e-12 {
				t.Fatalf("item %d subspace %d: code %d at %g, centroid %d at %g", i, m, got, dg, best, bestD)
			}
		}
	}
	// Identity fold when nil.
	for r := 0; r < dims; r++ {
		for c := 0; c < dims; c++ {
			want := float32(0)
			if r == c {
				want = 1
			}
			if e.Fold[r*dims+c] != want {
				t.Fatalf("fold[%d][%d] = %v; want identity", r, c, e.Fold[r*dims+c])
			}
		}
	}
}

func TestQuantizeEmbeddingDeterministic(t *testing.T) {
	// More vectors than the training sample, so the sample is drawn.
	const n, dims, subs = 70000, 8, 2
	v := gaussianVectors(n, dims, 5)
	a, err := train.QuantizeEmbedding(v, dims, subs, nil, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := train.QuantizeEmbedding(v, dims, subs, nil, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Codes, b.Codes) || !equal32(a.Codebooks, b.Codebooks) {
		t.Fatal("same seed, different embedding")
	}
	c, err := train.QuantizeEmbedding(v, dims, subs, nil, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if equal32(a.Codebooks, c.Codebooks) {
		t.Fatal("different seeds, same codebooks: the seed is not used")
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// BenchmarkQuantizeEmbedding measures PQ training and encoding at the
// shipped shape (64 dims, 16 subspaces).
func BenchmarkQuantizeEmbedding(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		v := gaussianVectors(n, 64, 1)
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := train.QuantizeEmbedding(v, 64, 16, nil, 1, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return "items=" + itoaPlain(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return "items=" + itoaPlain(n/1000) + "k"
	}
	return "items=" + itoaPlain(n)
}

func itoaPlain(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
