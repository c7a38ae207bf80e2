package model

// QueryBytes bounds what a request with history allocates for the
// shopper's query beyond what depends on the request alone: perRequest
// once, perEvent for each history event (explain's per-item vectors). They
// are the embedding's query vectors and lookup table, sized by the model;
// a neighbours model allocates none. wasm/main.go counts them to decide
// when to collect garbage (host/collect_test.go checks the bound).
func (m *Model) QueryBytes() (perRequest, perEvent int) {
	e := m.emb
	if e == nil {
		return 0, 0
	}
	return 4*(e.sub*PQCentroids+8*e.dims) + 1024, 4*e.dims + 32
}
