package train

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// sparseGram is G = XᵀX in compressed sparse rows, without its diagonal
// (kept apart in diag): row i lists (cols[k], vals[k]) for k in
// start[i]..start[i+1], columns ascending. A row may be truncated to its
// largest entries (rowCap), so G need not be exactly symmetric; lookups
// symmetrise (see localRidge).
type sparseGram struct {
	n     int
	diag  []float64
	start []int64
	cols  []int32
	vals  []float32
}

// row returns row i's columns and values.
func (g *sparseGram) row(i int) ([]int32, []float32) {
	a, b := g.start[i], g.start[i+1]
	return g.cols[a:b], g.vals[a:b]
}

// capUsers returns each user's row of X as used for co-occurrences: at most
// maxItems entries (the heaviest by x: the most recent, strongest kinds;
// ties by item index), in item order. A user with d items adds d² pairs to
// G, so one wholesale account must not cost more than maxItems² work.
func (d *dataset) capUsers(maxItems int) [][]entry {
	out := make([][]entry, len(d.users))
	for u, row := range d.users {
		if len(row) <= maxItems {
			out[u] = row
			continue
		}
		kept := slices.Clone(row)
		slices.SortFunc(kept, func(a, b entry) int {
			switch {
			case a.x > b.x:
				return -1
			case a.x < b.x:
				return 1
			}
			return int(a.item) - int(b.item)
		})
		kept = kept[:maxItems]
		slices.SortFunc(kept, func(a, b entry) int { return int(a.item) - int(b.item) })
		out[u] = kept
	}
	return out
}

// buildGram computes G = XᵀX from users (rows of X in item order) over n
// items, row by row (Gustavson's sparse product: row i sums x_ui·x_u over
// the users u of item i), rows in parallel. Each row keeps at most rowCap
// off-diagonal entries, its largest (ties by lower column), so memory is at
// most n·rowCap·8 bytes whatever the log. progress gets StageMatrix with
// rows done.
//
// The result does not depend on the number of goroutines: each row is
// summed by one goroutine, users in index order.
func buildGram(users [][]entry, n, rowCap int, progress func(string, int, int)) *sparseGram {
	// Columns of X: for each item, its users and weights, users ascending.
	colStart := make([]int64, n+1)
	for _, row := range users {
		for _, e := range row {
			if e.x != 0 {
				colStart[e.item+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		colStart[i+1] += colStart[i]
	}
	colUser := make([]int32, colStart[n])
	colX := make([]float64, colStart[n])
	fill := slices.Clone(colStart[:n])
	for u, row := range users {
		for _, e := range row {
			if e.x != 0 {
				k := fill[e.item]
				colUser[k], colX[k] = int32(u), e.x
				fill[e.item]++
			}
		}
	}
	fill = nil

	g := &sparseGram{n: n, diag: make([]float64, n)}
	// Rows are computed in blocks; each block's rows are appended in order
	// once every earlier block is done, so the CSR comes out sequential.
	const block = 1024
	blocks := (n + block - 1) / block
	type blockOut struct {
		lens []int32
		cols []int32
		vals []float32
	}
	outs := make([]*blockOut, blocks)
	var next atomic.Int64
	var mu sync.Mutex
	ready := sync.NewCond(&mu)
	workers := max(1, min(runtime.GOMAXPROCS(0), blocks))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := make([]float64, n)
			touched := make([]int32, 0, 1024)
			type cv struct {
				c int32
				v float32
			}
			var tmp []cv
			for {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				o := &blockOut{}
				for i := b * block; i < min(n, (b+1)*block); i++ {
					touched = touched[:0]
					for k := colStart[i]; k < colStart[i+1]; k++ {
						xi := colX[k]
						for _, e := range users[colUser[k]] {
							if e.x == 0 {
								continue
							}
							if acc[e.item] == 0 {
								touched = append(touched, e.item)
							}
							acc[e.item] += xi * e.x
						}
					}
					g.diag[i] = acc[i]
					acc[i] = 0
					tmp = tmp[:0]
					for _, j := range touched {
						if v := acc[j]; v != 0 {
							tmp = append(tmp, cv{j, float32(v)})
							acc[j] = 0
						}
					}
					if len(tmp) > rowCap {
						slices.SortFunc(tmp, func(a, b cv) int {
							switch {
							case a.v > b.v:
								return -1
							case a.v < b.v:
								return 1
							}
							return int(a.c) - int(b.c)
						})
						tmp = tmp[:rowCap]
					}
					slices.SortFunc(tmp, func(a, b cv) int { return int(a.c) - int(b.c) })
					o.lens = append(o.lens, int32(len(tmp)))
					for _, e := range tmp {
						o.cols = append(o.cols, e.c)
						o.vals = append(o.vals, e.v)
					}
				}
				mu.Lock()
				outs[b] = o
				ready.Broadcast()
				mu.Unlock()
			}
		}()
	}
	// Assemble in block order as blocks complete, reporting progress from
	// this goroutine only.
	g.start = make([]int64, n+1)
	progress(StageMatrix, 0, n)
	row := 0
	for b := 0; b < blocks; b++ {
		mu.Lock()
		for outs[b] == nil {
			ready.Wait()
		}
		o := outs[b]
		outs[b] = nil
		mu.Unlock()
		for _, l := range o.lens {
			g.start[row+1] = g.start[row] + int64(l)
			row++
		}
		g.cols = append(g.cols, o.cols...)
		g.vals = append(g.vals, o.vals...)
		progress(StageMatrix, row, n)
	}
	wg.Wait()
	g.cols = slices.Clip(g.cols)
	g.vals = slices.Clip(g.vals)
	return g
}
