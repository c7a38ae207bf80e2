package model

import (
	"bytes"
	"errors"
	"testing"
)

// TestRepeatParamsTravel: the repeat parameters round-trip through the
// weights artifact; weights without them encode as before (8 params) and
// decode with the mode off; a params array of another length is corrupt.
func TestRepeatParamsTravel(t *testing.T) {
	spec := func(p Params) *Spec {
		return &Spec{Items: []string{"a", "b"}, Neighbors: [][]Neighbor{{{Item: 1, Weight: 1}}, {}},
			Popularity: []float32{0.5, 0.25}, Params: p}
	}
	old, err := EncodeWeights(spec(DefaultParams()), [16]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultParams()
	p.RepeatWeight, p.RepeatHalfLifeDays = 0.75, 90
	withRepeat, err := EncodeWeights(spec(p), [16]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	if len(withRepeat) != len(old)+2*9 {
		t.Errorf("weights with repeat params are %d bytes, without %d; want two float64s more", len(withRepeat), len(old))
	}
	for _, tt := range []struct {
		name string
		w    []byte
		want Params
	}{
		{"without", old, DefaultParams()},
		{"with", withRepeat, p},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeWeights(tt.w)
			if err != nil {
				t.Fatal(err)
			}
			if m.params != tt.want {
				t.Errorf("params %+v; want %+v", m.params, tt.want)
			}
		})
	}

	// Nine params: the 8-field header (0x98, then a float64) claiming one
	// more, a float64 after the popularity time (a 1-byte uint here).
	i := bytes.Index(old, []byte{0x98, 0xcb})
	if i < 0 {
		t.Fatal("no params array in the artifact")
	}
	end := i + 1 + 7*9 + 1
	bad := append(bytes.Clone(old[:end]), append([]byte{0xcb, 0, 0, 0, 0, 0, 0, 0, 0}, old[end:]...)...)
	bad[i] = 0x99
	if _, err := DecodeWeights(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("nine params: %v; want ErrCorrupt", err)
	}
	// And ten: the repeat weight must be 0..1.
	bad = bytes.Clone(withRepeat)
	j := bytes.Index(bad, []byte{0x9a, 0xcb})
	bad[j+1+7*9+1+1] = 0x40 // 0.75 (0x3fe8…) → 0x40e8…: 1856
	if _, err := DecodeWeights(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("repeat weight above 1: %v; want ErrCorrupt", err)
	}
	p.RepeatWeight = 1.5
	if _, err := EncodeWeights(spec(p), [16]byte{1}); !errors.Is(err, ErrBadRequest) {
		t.Errorf("encode repeat weight 1.5: %v; want ErrBadRequest", err)
	}
}
