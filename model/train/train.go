package train

import (
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/privrec/privrec/model"
)

// Progress stages reported by Train, in order.
const (
	StageDataset   = "dataset"    // interactions gathered into user rows
	StageMatrix    = "matrix"     // building the Gram matrix (sparse: rows done)
	StageSolve     = "solve"      // dense: factorise and invert; sparse: targets solved
	StageNeighbors = "neighbours" // truncating rows to the strongest weights
	StageContexts  = "contexts"   // hour and weekday lists
)

// Train fits a model of kind cfg.Kind on log: for model.ModelNeighbors an
// EASE model (sparse, see Config.Candidates; dense for DP and up to
// cfg.DenseMaxItems) truncated to cfg.Neighbors positive weights per item,
// for model.ModelEmbedding a product-quantized low-rank EASE
// (EmbeddingConfig). progress, when not nil, is called from the calling
// goroutine as work advances with a stage name and done/total counts for it.
//
// Errors wrap model.ErrBadRequest (an invalid config, an empty log) or
// model.ErrInternal (a Gram matrix that is not positive definite, which a
// positive Lambda rules out).
func Train(log *Log, cfg Config, progress func(stage string, done, total int)) (*model.Spec, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if progress == nil {
		progress = func(string, int, int) {}
	}
	d, err := newDatasetProgress(log, cfg, progress)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	n := len(d.items)
	spec := &model.Spec{
		Items:  d.items,
		Params: cfg.Params,
	}
	spec.Params.PopularityAt = max(0, d.end)
	switch {
	case cfg.Privacy.Enabled():
		b, keep, pop, err := d.private(cfg, progress)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		spec.Popularity = pop
		spec.Neighbors = truncateBlock(b, keep, n, cfg.Neighbors, progress)
	case cfg.Kind == model.ModelEmbedding:
		emb, err := d.embedding(cfg, progress)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		spec.Popularity = d.popularity(cfg.TrendHalfLifeDays)
		spec.Embedding = emb
	case n <= cfg.DenseMaxItems:
		b, err := d.ease(cfg.Lambda, progress)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		spec.Popularity = d.popularity(cfg.TrendHalfLifeDays)
		spec.Neighbors = truncateDense(b, n, cfg.Neighbors, progress)
	default:
		rows, err := d.sparseEASE(cfg, progress)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		spec.Popularity = d.popularity(cfg.TrendHalfLifeDays)
		spec.Neighbors = truncateRows(rows, cfg.Neighbors, progress)
	}
	if !cfg.Privacy.Enabled() {
		spec.Contexts = d.contexts(cfg, progress)
	}
	if err := repeatParams(log, cfg, &spec.Params, progress); err != nil { // repeat.go: buy again
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return spec, nil
}

// truncateDense keeps, of each row of the dense n×n matrix b, its keep
// strongest positive off-diagonal weights.
func truncateDense(b []float64, n, keep int, progress func(string, int, int)) [][]model.Neighbor {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return truncateBlock(b, all, n, keep, progress)
}

// truncateBlock is truncateDense for the weights b among the items block
// (ascending indices, len(block)² values): the other items' rows are
// empty.
func truncateBlock(b []float64, block []int, n, keep int, progress func(string, int, int)) [][]model.Neighbor {
	out := make([][]model.Neighbor, n)
	m := len(block)
	row := make([]model.Neighbor, 0, m)
	for a, i := range block {
		row = row[:0]
		ba := b[a*m : (a+1)*m]
		for c, w := range ba {
			if w > 0 && c != a {
				row = append(row, model.Neighbor{Item: int32(block[c]), Weight: float32(w)})
			}
		}
		sortNeighbors(row)
		if len(row) > keep {
			row = row[:keep]
		}
		out[i] = append([]model.Neighbor(nil), row...)
		if a%256 == 0 || a == m-1 {
			progress(StageNeighbors, a+1, m)
		}
	}
	return out
}

// truncateRows sorts each row, strongest first, and keeps its keep
// strongest weights, in place.
func truncateRows(rows [][]model.Neighbor, keep int, progress func(string, int, int)) [][]model.Neighbor {
	n := len(rows)
	for i, row := range rows {
		sortNeighbors(row)
		if len(row) > keep {
			rows[i] = append([]model.Neighbor(nil), row[:keep]...)
		}
		if i%4096 == 0 || i == n-1 {
			progress(StageNeighbors, i+1, n)
		}
	}
	return rows
}

// sortNeighbors orders by weight, strongest first, ties by lower index.
func sortNeighbors(row []model.Neighbor) {
	sort.Slice(row, func(a, b int) bool {
		if row[a].Weight != row[b].Weight {
			return row[a].Weight > row[b].Weight
		}
		return row[a].Item < row[b].Item
	})
}

// Weights is a dense item-to-item weight matrix: W[i*len(Items)+j] is what
// item i in a history adds to item j's score. Reference models in
// model/eval use it; the shipped model is its truncation.
//
// A Weights is read-only once returned and safe for concurrent reads.
type Weights struct {
	Items []string  // dense index → item id, sorted
	W     []float32 // row-major, len(Items)² values, zero diagonal
}

// EASE fits the full, untruncated EASE matrix B on log with binary
// purchases (any kind counts as 1) and the given lambda. Its cost is cubic
// in the number of items and its result quadratic: a few seconds and ~50 MB
// for the 3.6k items of UCI Online Retail.
func EASE(log *Log, lambda float64) (*Weights, error) {
	cfg := DefaultConfig()
	cfg.Lambda = lambda
	cfg.Params = model.Params{ViewWeight: 1, CartWeight: 1, PurchaseWeight: 1, Saturation: 1}
	cfg.TrainHalfLifeDays = 0
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fit ease: %w", err)
	}
	d, err := newDataset(log, cfg)
	if err != nil {
		return nil, fmt.Errorf("fit ease: %w", err)
	}
	b, err := d.ease(lambda, func(string, int, int) {})
	if err != nil {
		return nil, fmt.Errorf("fit ease: %w", err)
	}
	w := make([]float32, len(b))
	for i, v := range b {
		w[i] = float32(v)
	}
	return &Weights{Items: d.items, W: w}, nil
}

// dataset is the log in dense form: users × items, one weight per pair.
type dataset struct {
	items []string
	index map[string]int32
	users [][]entry // per user, sorted by item
	names []string  // user ids, sorted: users[u] belongs to names[u]
	// per user and item: the times of purchases, for contexts
	log *Log
	cfg Config
	end int64 // the log's latest time, Unix ms
}

type entry struct {
	item int32
	x    float64 // weight in X
	buy  bool    // at least one purchase (or any event when the log has none)
	last int64   // time of the latest such purchase, when buy
}

func newDataset(log *Log, cfg Config) (*dataset, error) {
	return newDatasetProgress(log, cfg, func(string, int, int) {})
}

// newDatasetProgress is newDataset reporting StageDataset: interactions
// gathered into user rows.
func newDatasetProgress(log *Log, cfg Config, progress func(string, int, int)) (*dataset, error) {
	if log == nil || len(log.Interactions) == 0 {
		return nil, fmt.Errorf("%w: no interactions", model.ErrBadRequest)
	}
	d := &dataset{index: make(map[string]int32), log: log, cfg: cfg}
	for _, in := range log.Interactions {
		if _, ok := d.index[in.Item]; !ok {
			d.index[in.Item] = 0
			d.items = append(d.items, in.Item)
		}
	}
	sort.Strings(d.items)
	for i, id := range d.items {
		d.index[id] = int32(i)
	}
	anyPurchase := false
	for _, in := range log.Interactions {
		if in.Kind == model.KindPurchase {
			anyPurchase = true
			break
		}
	}
	uidx := make(map[string]int)
	d.end = math.MinInt64
	for _, in := range log.Interactions {
		if _, ok := uidx[in.User]; !ok {
			uidx[in.User] = len(uidx)
		}
		d.end = max(d.end, in.At)
	}
	// Users in sorted id order, so float sums happen in a fixed order.
	names := make([]string, 0, len(uidx))
	for u := range uidx {
		names = append(names, u)
	}
	sort.Strings(names)
	d.names = names
	if cfg.Privacy.Enabled() && cfg.Privacy.End != 0 {
		d.end = cfg.Privacy.End
	}
	order := make([]int, len(uidx)) // old user index → sorted position
	for pos, u := range names {
		order[uidx[u]] = pos
	}
	acc := make([]map[int32]*entry, len(uidx))
	halfLife := cfg.TrainHalfLifeDays * float64(24*time.Hour/time.Millisecond)
	total := len(log.Interactions)
	progress(StageDataset, 0, total)
	for k, in := range log.Interactions {
		if k%(1<<16) == 0 && k > 0 {
			progress(StageDataset, k, total)
		}
		u := order[uidx[in.User]]
		if acc[u] == nil {
			acc[u] = make(map[int32]*entry)
		}
		it := d.index[in.Item]
		e := acc[u][it]
		if e == nil {
			e = &entry{item: it}
			acc[u][it] = e
		}
		w := kindWeight(cfg.Params, in.Kind)
		if halfLife > 0 {
			w *= math.Exp2(-float64(d.end-in.At) / halfLife)
		}
		if w > e.x {
			e.x = w
		}
		if in.Kind == model.KindPurchase || !anyPurchase {
			if !e.buy || in.At > e.last {
				e.last = in.At
			}
			e.buy = true
		}
	}
	progress(StageDataset, total, total)
	d.users = make([][]entry, len(acc))
	for u, m := range acc {
		row := make([]entry, 0, len(m))
		for _, e := range m {
			row = append(row, *e)
		}
		sort.Slice(row, func(a, b int) bool { return row[a].item < row[b].item })
		d.users[u] = row
	}
	if cfg.Privacy.Enabled() {
		d.bound(cfg.Privacy)
	}
	return d, nil
}

func kindWeight(p model.Params, k model.Kind) float64 {
	switch k {
	case model.KindView:
		return p.ViewWeight
	case model.KindCart:
		return p.CartWeight
	default:
		return p.PurchaseWeight
	}
}

// ease returns B = I − P·diag(1/diag(P)) with zero diagonal, P = (XᵀX+λI)⁻¹,
// dense and row-major.
func (d *dataset) ease(lambda float64, progress func(string, int, int)) ([]float64, error) {
	g := d.gram(progress)
	addDiagonal(g, lambda)
	return solveEASE(g, progress)
}

// gram returns XᵀX, summed user by user in sorted order.
func (d *dataset) gram(progress func(string, int, int)) *mat.SymDense {
	n := len(d.items)
	g := mat.NewSymDense(n, nil)
	raw := g.RawSymmetric()
	for u, row := range d.users {
		for a, ea := range row {
			if ea.x == 0 {
				continue
			}
			base := int(ea.item) * raw.Stride
			for _, eb := range row[a:] {
				raw.Data[base+int(eb.item)] += ea.x * eb.x
			}
		}
		if u%512 == 0 || u == len(d.users)-1 {
			progress(StageMatrix, u+1, len(d.users))
		}
	}
	return g
}

// addDiagonal adds v to every diagonal entry of g.
func addDiagonal(g *mat.SymDense, v float64) {
	raw := g.RawSymmetric()
	for i := 0; i < raw.N; i++ {
		raw.Data[i*raw.Stride+i] += v
	}
}

// solveEASE returns B = I − P·diag(1/diag(P)) with zero diagonal,
// P = g⁻¹, for a regularised Gram matrix g, which it does not modify.
func solveEASE(g *mat.SymDense, progress func(string, int, int)) ([]float64, error) {
	n := g.SymmetricDim()
	progress(StageSolve, 0, 2)
	var chol mat.Cholesky
	if ok := chol.Factorize(g); !ok {
		return nil, fmt.Errorf("%w: factorize gram matrix: not positive definite", model.ErrInternal)
	}
	g = nil
	progress(StageSolve, 1, 2)
	var p mat.SymDense
	if err := chol.InverseTo(&p); err != nil {
		return nil, fmt.Errorf("%w: invert gram matrix: %v", model.ErrInternal, err)
	}
	progress(StageSolve, 2, 2)
	pr := p.RawSymmetric()
	b := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			var pij float64
			if i <= j {
				pij = pr.Data[i*pr.Stride+j]
			} else {
				pij = pr.Data[j*pr.Stride+i]
			}
			b[i*n+j] = -pij / pr.Data[j*pr.Stride+j]
		}
	}
	return b, nil
}

// popularity is each item's share of distinct buyers. With halfLifeDays > 0
// a buyer counts 2^(−age/half-life), age being the time from their latest
// purchase of the item to the end of the log: the share of buyers "now",
// which favours what is selling at the end of the log (RATIONALE.md).
// Users are summed in sorted order, so the floats are deterministic.
func (d *dataset) popularity(halfLifeDays float64) []float32 {
	sum := d.buyerSums(halfLifeDays)
	out := make([]float32, len(sum))
	if len(d.users) == 0 {
		return out
	}
	for i, c := range sum {
		out[i] = float32(c / float64(len(d.users)))
	}
	return out
}

// buyerSums counts each item's buyers, a buyer weighing 2^(−age/half-life)
// when halfLifeDays > 0 (age: from their latest purchase of the item to the
// end of the log, never negative) and 1 otherwise.
func (d *dataset) buyerSums(halfLifeDays float64) []float64 {
	sum := make([]float64, len(d.items))
	halfLife := halfLifeDays * float64(24*time.Hour/time.Millisecond)
	for _, row := range d.users {
		for _, e := range row {
			if !e.buy {
				continue
			}
			w := 1.0
			if halfLife > 0 {
				w = math.Exp2(-float64(max(0, d.end-e.last)) / halfLife)
			}
			sum[e.item] += w
		}
	}
	return sum
}

// contexts lists, for each hour of the day and day of the week (UTC), the
// items whose share of buyers in that context exceeds their overall share,
// scored by the excess, so popularity + context score = share in context.
func (d *dataset) contexts(cfg Config, progress func(string, int, int)) map[string][]model.Neighbor {
	if cfg.ContextItems == 0 {
		return nil
	}
	pop := d.popularity(0)
	type key struct {
		ctx  string
		user string
		item int32
	}
	seen := make(map[key]struct{})
	buyers := make(map[string]map[int32]int)
	users := make(map[string]map[string]struct{})
	anyPurchase := false
	for _, in := range d.log.Interactions {
		if in.Kind == model.KindPurchase {
			anyPurchase = true
			break
		}
	}
	for _, in := range d.log.Interactions {
		if anyPurchase && in.Kind != model.KindPurchase {
			continue
		}
		t := time.UnixMilli(in.At).UTC()
		for _, ctx := range []string{fmt.Sprintf("hour:%d", t.Hour()), fmt.Sprintf("weekday:%d", int(t.Weekday()))} {
			if users[ctx] == nil {
				users[ctx] = make(map[string]struct{})
				buyers[ctx] = make(map[int32]int)
			}
			users[ctx][in.User] = struct{}{}
			k := key{ctx, in.User, d.index[in.Item]}
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			buyers[ctx][k.item]++
		}
	}
	keys := make([]string, 0, len(buyers))
	for k := range buyers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string][]model.Neighbor)
	for done, ctx := range keys {
		nu := float64(len(users[ctx]))
		var list []model.Neighbor
		for it, c := range buyers[ctx] {
			if c < cfg.ContextMinBuyers {
				continue
			}
			if lift := float32(float64(c)/nu) - pop[it]; lift > 0 {
				list = append(list, model.Neighbor{Item: it, Weight: lift})
			}
		}
		sortNeighbors(list)
		if len(list) > cfg.ContextItems {
			list = list[:cfg.ContextItems]
		}
		if len(list) > 0 {
			out[ctx] = list
		}
		progress(StageContexts, done+1, len(keys))
	}
	return out
}
