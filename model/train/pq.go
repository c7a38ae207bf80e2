package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/privrec/privrec/model"
)

// Progress stages reported by QuantizeEmbedding, in order.
const (
	StageCodebooks = "codebooks" // k-means per subspace: done/total subspaces
	StageEncode    = "encode"    // nearest centroid per item: done/total items
)

// PQ training bounds. They are properties of k-means with 256 centroids,
// not of any one catalog: FAISS trains on at most 256 points per centroid
// for the same reason (more points move the centroids by less than the
// quantization error they leave).
const (
	// pqMaxSample is the most vectors the codebooks are trained on
	// (256 points per centroid); every vector is still encoded.
	pqMaxSample = 256 * model.PQCentroids
	// pqIterations caps Lloyd's iterations per subspace; training stops
	// earlier when no assignment changes.
	pqIterations = 25
)

// QuantizeEmbedding product-quantizes n = len(vectors)/dims item vectors
// (row-major, dims floats each) into subspaces one-byte codes per item and
// returns them, with a copy of fold (dims × dims, row-major; nil means the
// identity), as a model.Embedding.
//
// Each subspace of dims/subspaces consecutive coordinates gets its own
// codebook of model.PQCentroids centroids, trained by k-means (k-means++
// initialisation, at most 25 Lloyd iterations, an emptied centroid re-seeded
// by splitting the largest cluster) on a sample of at most 65,536 vectors
// drawn with seed; then every vector is encoded to its nearest centroid per
// subspace. The result depends only on the inputs and seed, not on the
// number of CPUs: subspaces and items are processed in parallel but each
// one's arithmetic is sequential.
//
// progress, when not nil, is called with StageCodebooks and StageEncode
// from the calling goroutine only. Cost: about 1M items × 64 dims in 10–20 s
// on 2 cores; memory is the codes (n·subspaces bytes) plus the sample.
//
// Errors wrap model.ErrBadRequest (sizes that do not fit, non-finite
// values) or model.ErrTooLarge (dims or subspaces above the model limits).
func QuantizeEmbedding(vectors []float32, dims, subspaces int, fold []float32, seed uint64, progress func(stage string, done, total int)) (*model.Embedding, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: quantize embedding: %s", model.ErrBadRequest, fmt.Sprintf(format, args...))
	}
	switch {
	case dims < 1 || subspaces < 1:
		return nil, bad("dims %d and subspaces %d; want both >= 1", dims, subspaces)
	case dims > model.MaxDims || subspaces > model.MaxSubspaces:
		return nil, fmt.Errorf("%w: quantize embedding: dims %d, subspaces %d; at most %d and %d", model.ErrTooLarge, dims, subspaces, model.MaxDims, model.MaxSubspaces)
	case dims%subspaces != 0:
		return nil, bad("dims %d is not a multiple of subspaces %d", dims, subspaces)
	case len(vectors) == 0 || len(vectors)%dims != 0:
		return nil, bad("%d floats are not a positive number of %d-dim vectors", len(vectors), dims)
	case len(vectors)/dims > model.MaxItems:
		return nil, fmt.Errorf("%w: quantize embedding: %d vectors; at most %d", model.ErrTooLarge, len(vectors)/dims, model.MaxItems)
	case fold != nil && len(fold) != dims*dims:
		return nil, bad("fold has %d floats; want dims² = %d", len(fold), dims*dims)
	}
	for i, v := range vectors {
		if !finite32(v) {
			return nil, bad("vector %d coordinate %d is %v", i/dims, i%dims, v)
		}
	}
	for i, v := range fold {
		if !finite32(v) {
			return nil, bad("fold entry %d is %v", i, v)
		}
	}
	if progress == nil {
		progress = func(string, int, int) {}
	}
	n := len(vectors) / dims
	sub := dims / subspaces
	emb := &model.Embedding{
		Dims:      dims,
		Subspaces: subspaces,
		Codebooks: make([]float32, subspaces*model.PQCentroids*sub),
		Codes:     make([]byte, n*subspaces),
		Fold:      make([]float32, dims*dims),
	}
	if fold == nil {
		for i := 0; i < dims; i++ {
			emb.Fold[i*dims+i] = 1
		}
	} else {
		copy(emb.Fold, fold)
	}

	sample := pqSample(n, seed)
	workers := min(runtime.GOMAXPROCS(0), subspaces)
	done := make(chan int)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pts := make([]float32, len(sample)*sub)
			for {
				m := int(next.Add(1) - 1)
				if m >= subspaces {
					return
				}
				for k, i := range sample {
					copy(pts[k*sub:(k+1)*sub], vectors[int(i)*dims+m*sub:int(i)*dims+(m+1)*sub])
				}
				rng := rand.New(rand.NewChaCha8(pqSeed(seed, m)))
				book := emb.Codebooks[m*model.PQCentroids*sub : (m+1)*model.PQCentroids*sub]
				kmeans(pts, sub, book, rng)
				done <- 1
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	finished := 0
	progress(StageCodebooks, 0, subspaces)
	for range done {
		finished++
		progress(StageCodebooks, finished, subspaces)
	}

	// Encode in chunks; chunk results are independent, so order of
	// completion does not matter.
	const chunk = 4096
	chunks := (n + chunk - 1) / chunk
	workers = min(runtime.GOMAXPROCS(0), chunks)
	next.Store(0)
	counts := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo, hi := c*chunk, min(n, (c+1)*chunk)
				for i := lo; i < hi; i++ {
					v := vectors[i*dims : (i+1)*dims]
					for m := 0; m < subspaces; m++ {
						book := emb.Codebooks[m*model.PQCentroids*sub : (m+1)*model.PQCentroids*sub]
						c, _ := nearest(v[m*sub:(m+1)*sub], book, sub)
						emb.Codes[i*subspaces+m] = byte(c)
					}
				}
				counts <- hi - lo
			}
		}()
	}
	go func() { wg.Wait(); close(counts) }()
	encoded := 0
	progress(StageEncode, 0, n)
	for k := range counts {
		encoded += k
		progress(StageEncode, encoded, n)
	}
	return emb, nil
}

// pqSeed derives subspace m's random stream from seed, so each subspace's
// k-means is reproducible whatever goroutine runs it.
func pqSeed(seed uint64, m int) [32]byte {
	var s [32]byte
	for i := 0; i < 8; i++ {
		s[i] = byte(seed >> (8 * i))
		s[8+i] = byte(uint64(m) >> (8 * i))
	}
	copy(s[16:], "privrec-pq-kmean")
	return s
}

// pqSample returns the indices of the vectors the codebooks train on: all
// of them when n <= pqMaxSample, else pqMaxSample drawn without
// replacement (partial Fisher–Yates) by a stream keyed by seed.
func pqSample(n int, seed uint64) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	if n <= pqMaxSample {
		return idx
	}
	rng := rand.New(rand.NewChaCha8(pqSeed(seed, -1)))
	for k := 0; k < pqMaxSample; k++ {
		j := k + rng.IntN(n-k)
		idx[k], idx[j] = idx[j], idx[k]
	}
	return idx[:pqMaxSample:pqMaxSample]
}

// kmeans fits len(book)/sub centroids to the points pts (sub floats each)
// and writes them into book.
func kmeans(pts []float32, sub int, book []float32, rng *rand.Rand) {
	k := len(book) / sub
	np := len(pts) / sub
	// k-means++: each next centroid is a point drawn with probability
	// proportional to its squared distance to the nearest chosen one.
	d2 := make([]float64, np)
	first := rng.IntN(np)
	copy(book[:sub], pts[first*sub:(first+1)*sub])
	for p := 0; p < np; p++ {
		d2[p] = float64(dist2(pts[p*sub:(p+1)*sub], book[:sub]))
	}
	for c := 1; c < k; c++ {
		var total float64
		for _, d := range d2 {
			total += d
		}
		pick := 0
		if total > 0 {
			r := rng.Float64() * total
			for pick = 0; pick < np-1; pick++ {
				r -= d2[pick]
				if r < 0 {
					break
				}
			}
		} else {
			// Fewer distinct points than centroids: duplicates are harmless
			// (encoding picks the lowest index among equals).
			pick = rng.IntN(np)
		}
		cen := book[c*sub : (c+1)*sub]
		copy(cen, pts[pick*sub:(pick+1)*sub])
		for p := 0; p < np; p++ {
			if d := float64(dist2(pts[p*sub:(p+1)*sub], cen)); d < d2[p] {
				d2[p] = d
			}
		}
	}
	// Lloyd.
	assign := make([]int32, np)
	for p := range assign {
		assign[p] = -1
	}
	sums := make([]float64, k*sub)
	count := make([]int, k)
	for it := 0; it < pqIterations; it++ {
		changed := 0
		for p := 0; p < np; p++ {
			c, _ := nearest(pts[p*sub:(p+1)*sub], book, sub)
			if int32(c) != assign[p] {
				assign[p] = int32(c)
				changed++
			}
		}
		if changed == 0 {
			break
		}
		clear(sums)
		clear(count)
		for p := 0; p < np; p++ {
			c := int(assign[p])
			count[c]++
			for d := 0; d < sub; d++ {
				sums[c*sub+d] += float64(pts[p*sub+d])
			}
		}
		for c := 0; c < k; c++ {
			if count[c] == 0 {
				continue
			}
			for d := 0; d < sub; d++ {
				book[c*sub+d] = float32(sums[c*sub+d] / float64(count[c]))
			}
		}
		// An empty centroid takes half of the largest cluster: it moves
		// next to that centroid, both nudged apart, so the next
		// assignment splits the cluster.
		for c := 0; c < k; c++ {
			if count[c] != 0 {
				continue
			}
			big := 0
			for j := 1; j < k; j++ {
				if count[j] > count[big] {
					big = j
				}
			}
			if count[big] < 2 {
				break
			}
			for d := 0; d < sub; d++ {
				v := book[big*sub+d]
				eps := float32(1e-4) * max(float32(math.Abs(float64(v))), 1e-3)
				book[c*sub+d] = v + eps
				book[big*sub+d] = v - eps
			}
			count[c] = count[big] / 2
			count[big] -= count[c]
		}
	}
}

// nearest returns the index of the centroid of book closest to v, the
// lowest index among equals, and its squared distance.
func nearest(v, book []float32, sub int) (int, float32) {
	best, bestD := 0, float32(math.Inf(1))
	switch sub {
	case 4:
		v0, v1, v2, v3 := v[0], v[1], v[2], v[3]
		for c := 0; c+4 <= len(book); c += 4 {
			cb := book[c : c+4 : c+4]
			a, b, e, f := v0-cb[0], v1-cb[1], v2-cb[2], v3-cb[3]
			if d := a*a + b*b + e*e + f*f; d < bestD {
				best, bestD = c/4, d
			}
		}
	default:
		for c := 0; c+sub <= len(book); c += sub {
			if d := dist2(v, book[c:c+sub]); d < bestD {
				best, bestD = c/sub, d
			}
		}
	}
	return best, bestD
}

func dist2(a, b []float32) float32 {
	var s float32
	for i, x := range a {
		d := x - b[i]
		s += d * d
	}
	return s
}

func finite32(f float32) bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}
