//go:build !wasm

package model

import "sync"

// scratchPool keeps the per-call buffers of a Model's Recommend calls,
// which may run concurrently: a sync.Pool (scratch_wasm.go has the
// module's single slot).
type scratchPool struct{ pool sync.Pool }

func (m *Model) getScratch() *scratch {
	if s, ok := m.scratch.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

func (m *Model) putScratch(s *scratch) { m.scratch.pool.Put(s) }
