package train

import (
	"fmt"
	"strconv"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// DefaultMaxBundleBytes is the default byte budget of a whole bundle
// (module, catalog and weights): 16 MiB. A phone downloads it once (about 7 s
// at 20 Mbit/s, a typical mobile link; later visits use the cached,
// content-addressed copy) and the module then holds about 1.5 × its
// artifacts + 16 MiB of memory, some 40 MiB, which mobile browsers allow a
// worker without evicting the tab. RATIONALE.md ("Kind and budget").
const DefaultMaxBundleBytes = 16 << 20

// Sizing is what ChooseKind knows about a bundle before training.
type Sizing struct {
	// Items is the number of items the model will hold.
	Items int
	// IDBytes is the summed length of their ids.
	IDBytes int64
	// MaxBytes is the budget of the whole bundle.
	MaxBytes int64
	// OtherBytes is what the bundle holds besides the weights: the module
	// and the catalog.
	OtherBytes int64
}

// Choice is the model ChooseKind settled on, and why.
type Choice struct {
	Kind model.ModelKind
	// Neighbors per item (kind neighbors) or Subspaces (kind embedding).
	Neighbors, Subspaces int
	// Bytes estimates the weights artifact from above: rows may keep fewer
	// neighbours than allowed, never more.
	Bytes int64
	// Reason says it in one line, for the operator.
	Reason string
}

// Apply returns cfg set up to train c.
func (c Choice) Apply(cfg Config) Config {
	cfg.Kind = c.Kind
	switch c.Kind {
	case model.ModelNeighbors:
		cfg.Neighbors = c.Neighbors
	case model.ModelEmbedding:
		cfg.Embedding.Subspaces = c.Subspaces
	}
	return cfg
}

// ChooseKind picks the model for a catalog and a byte budget. want is
// model.ModelNeighbors, model.ModelEmbedding or "" (auto).
//
// The weights may take what the module and catalog leave of s.MaxBytes, and
// never more than bundle.MaxWeights. Auto takes the neighbors kind with cfg.Neighbors per item when it fits,
// else with as many as fit, down to cfg.MinNeighbors; below that the
// embedding kind (cfg.Embedding) when it fits. A kind asked for explicitly
// is sized to the budget (fewer neighbours) but never swapped. Errors wrap
// model.ErrTooLarge when nothing fits, saying which budget would, or
// model.ErrBadRequest for an invalid want or sizing.
//
// The estimates follow the weights format of model.EncodeWeights (ids,
// popularity, and per neighbour a 2- or 4-byte index and a 1-byte weight,
// or per item Subspaces code bytes plus the codebooks); a test holds them
// to the encoder.
func ChooseKind(s Sizing, want model.ModelKind, cfg Config) (Choice, error) {
	if s.Items < 1 || s.IDBytes < int64(s.Items) || s.MaxBytes < 1 || s.OtherBytes < 0 {
		return Choice{}, fmt.Errorf("%w: choose kind: sizing %+v", model.ErrBadRequest, s)
	}
	if want != "" && !want.Valid() {
		return Choice{}, fmt.Errorf("%w: choose kind: kind %q; want %q, %q or auto", model.ErrBadRequest, want, model.ModelNeighbors, model.ModelEmbedding)
	}
	// A row cannot hold more neighbours than there are other items.
	cfg.Neighbors = min(cfg.Neighbors, max(1, s.Items-1))
	room := s.MaxBytes - s.OtherBytes
	items := groupDigits(int64(s.Items))
	others := ""
	if s.OtherBytes > 0 {
		others = " + " + formatBytes(s.OtherBytes) + " module and catalog"
	}
	budget := formatBytes(s.MaxBytes) + " budget"
	if room > bundle.MaxWeights {
		// The budget leaves more than a weights artifact may hold.
		room, others, budget = bundle.MaxWeights, "", formatBytes(bundle.MaxWeights)+" cap on weights"
	}
	full := neighborsBytes(s.Items, s.IDBytes, int64(s.Items)*int64(cfg.Neighbors), cfg.ContextItems)
	if want != model.ModelEmbedding {
		if full <= room {
			return Choice{Kind: model.ModelNeighbors, Neighbors: cfg.Neighbors, Bytes: full,
				Reason: fmt.Sprintf("%s items × %d neighbours ≈ %s%s fits the %s: neighbors", items, cfg.Neighbors, formatBytes(full), others, budget)}, nil
		}
		k := fitNeighbors(s, room, cfg)
		floor := cfg.MinNeighbors
		if want == model.ModelNeighbors {
			floor = 1
		}
		if k >= floor {
			b := neighborsBytes(s.Items, s.IDBytes, int64(s.Items)*int64(k), cfg.ContextItems)
			return Choice{Kind: model.ModelNeighbors, Neighbors: k, Bytes: b,
				Reason: fmt.Sprintf("%s items × %d neighbours ≈ %s%s exceeds the %s; %d neighbours ≈ %s fit: neighbors", items, cfg.Neighbors, formatBytes(full), others, budget, k, formatBytes(b))}, nil
		}
		if want == model.ModelNeighbors {
			one := neighborsBytes(s.Items, s.IDBytes, int64(s.Items), cfg.ContextItems)
			return Choice{}, fmt.Errorf("%w: choose kind: %s items × 1 neighbour ≈ %s%s exceeds the %s; raise --max-bundle-bytes to %s or use --kind embedding",
				model.ErrTooLarge, items, formatBytes(one), others, budget, formatBytes(one+s.OtherBytes))
		}
	}
	e := cfg.Embedding
	b := embeddingBytes(s.Items, s.IDBytes, e.Dims, e.Subspaces, cfg.ContextItems)
	if b <= room {
		reason := fmt.Sprintf("%s items × %d codes ≈ %s%s fits the %s: embedding", items, e.Subspaces, formatBytes(b), others, budget)
		if want == "" {
			k := fitNeighbors(s, room, cfg)
			reason = fmt.Sprintf("%s items × %d neighbours ≈ %s exceeds the %s (%d would fit, fewer than %d); %d codes per item ≈ %s%s fit: embedding",
				items, cfg.Neighbors, formatBytes(full), budget, max(0, k), cfg.MinNeighbors, e.Subspaces, formatBytes(b), others)
		}
		return Choice{Kind: model.ModelEmbedding, Subspaces: e.Subspaces, Bytes: b, Reason: reason}, nil
	}
	if b > bundle.MaxWeights {
		return Choice{}, fmt.Errorf("%w: choose kind: %s items × %d codes (the smallest model) ≈ %s exceed the %s cap on weights; fewer items (or fewer codes, --embedding-subspaces) are needed",
			model.ErrTooLarge, items, e.Subspaces, formatBytes(b), formatBytes(bundle.MaxWeights))
	}
	return Choice{}, fmt.Errorf("%w: choose kind: %s items × %d codes (the smallest model) ≈ %s%s exceeds the %s; raise --max-bundle-bytes to %s",
		model.ErrTooLarge, items, e.Subspaces, formatBytes(b), others, budget, formatBytes(b+s.OtherBytes))
}

// fitNeighbors is the most neighbours per item (up to cfg.Neighbors) whose
// model fits room, or 0.
func fitNeighbors(s Sizing, room int64, cfg Config) int {
	base := neighborsBytes(s.Items, s.IDBytes, 0, cfg.ContextItems)
	if base >= room {
		return 0
	}
	per := int64(s.Items) * int64(indexWidth(s.Items)+1)
	return int(min(int64(cfg.Neighbors), (room-base)/per))
}

// Weights artifact layout (model.EncodeWeights, format 2), in bytes.
const (
	weightsHeaderBytes = 128 // kind, versions, bundle id, params, array headers
	// per item: id end (uint32) and popularity (float32)
	itemBytes = 8
	// per item of kind neighbors: count (uint16) and row scale (float32)
	neighborRowBytes = 6
	// contexts: at most 24 hours + 7 weekdays, each up to ContextItems
	// (index uint32 + score float32) and a short key
	contextKeys = 31
)

func indexWidth(items int) int {
	if items <= 1<<16 {
		return 2
	}
	return 4
}

func contextBytes(contextItems int) int64 {
	return contextKeys * (16 + 8*int64(contextItems))
}

// neighborsBytes bounds the weights artifact of kind neighbors with nnz
// weights in all.
func neighborsBytes(items int, idBytes, nnz int64, contextItems int) int64 {
	n := int64(items)
	return weightsHeaderBytes + idBytes + n*(itemBytes+neighborRowBytes) + nnz*int64(indexWidth(items)+1) + contextBytes(contextItems)
}

// embeddingBytes bounds the weights artifact of kind embedding.
func embeddingBytes(items int, idBytes int64, dims, subspaces, contextItems int) int64 {
	n := int64(items)
	return weightsHeaderBytes + idBytes + n*itemBytes + n*int64(subspaces) +
		int64(model.PQCentroids)*int64(dims)*4 + int64(dims)*int64(dims)*4 + contextBytes(contextItems)
}

// formatBytes prints b as the operator reads it: MiB for round binary
// budgets, MB (10⁶) otherwise, one decimal.
func formatBytes(b int64) string {
	switch {
	case b >= 1<<20 && b%(1<<20) == 0:
		return strconv.FormatInt(b>>20, 10) + " MiB"
	case b >= 1e6:
		return strconv.FormatFloat(float64(b)/1e6, 'f', 1, 64) + " MB"
	case b >= 1e3:
		return strconv.FormatFloat(float64(b)/1e3, 'f', 1, 64) + " kB"
	}
	return strconv.FormatInt(b, 10) + " B"
}

// groupDigits writes n with thousands separators: 3,644.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
