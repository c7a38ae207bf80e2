//go:build wasm

package model

// scratchPool keeps the per-call buffers of a Model's Recommend calls in
// WebAssembly, where goroutines take turns on one thread: one slot, which
// a call takes (so a second call that runs while the first is parked
// finds it empty and makes its own) and gives back when it returns. A
// sync.Pool's Get and Put, with their pinning, were a twentieth of a
// no-history request in V8, and the module links no other pool. Unlike a
// pool, the slot is not emptied by a collection: the module's debt still
// counts the scratch at each collection (wasm/main.go's scratchCost), now
// an overestimate.
type scratchPool struct{ s *scratch }

func (m *Model) getScratch() *scratch {
	if s := m.scratch.s; s != nil {
		m.scratch.s = nil
		return s
	}
	return &scratch{}
}

func (m *Model) putScratch(s *scratch) { m.scratch.s = s }
