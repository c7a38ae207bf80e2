package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// harness answers parity requests with the Go harness (wazero running the
// very module bytes the SDK runs) and checks each answer against native
// scoring, so an expectation is never a bug shared by one side only.
type harness struct {
	ctx    context.Context
	rt     *host.Runtime
	inst   *host.Instance
	native *model.Model
}

func newHarness(wasm []byte, f *bundle.Files, pub ed25519.PublicKey) (*harness, error) {
	ctx := context.Background()
	rt, err := host.NewRuntime(ctx, host.Config{Clock: func() time.Time { return time.UnixMilli(now) }})
	if err != nil {
		return nil, err
	}
	h := &harness{ctx: ctx, rt: rt}
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		h.close()
		return nil, err
	}
	if h.inst, err = mod.Instantiate(ctx); err != nil {
		h.close()
		return nil, err
	}
	_, err = h.inst.Load(ctx, model.LoadRequest{Manifest: f.Manifest, Signature: f.Signature, Weights: f.Weights,
		Catalog: f.Catalog, Keys: [][]byte{pub}, Now: now})
	if err != nil {
		h.close()
		return nil, err
	}
	if h.native, err = model.Load(f.Weights, f.Catalog); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *harness) recommend(req model.Request) (model.Response, error) {
	got, err := h.inst.Recommend(h.ctx, req)
	want, nerr := h.native.Recommend(req)
	if model.CodeOf(err) != model.CodeOf(nerr) {
		return got, fmt.Errorf("%w: harness says %v, native scoring %v", model.ErrInternal, err, nerr)
	}
	if err == nil && !sameJSON(got, want) {
		return got, errors.New("harness and native scoring disagree")
	}
	return got, err
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}

func (h *harness) close() {
	if h.rt != nil {
		h.rt.Close(h.ctx)
	}
}
