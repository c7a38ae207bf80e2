package dap

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds every message decoder arbitrary bytes (which picks the
// decoder). A decoder must not panic, must fail only with ErrMalformed,
// and what it accepts must re-encode to exactly the input: the encoding
// is canonical, so an accepted message has no second form and no
// trailing bytes. The seeds are every sample message's encoding.
func FuzzDecode(f *testing.F) {
	ss := samples()
	for i, s := range ss {
		b, err := s.value.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
		f.Add(uint8(i), b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		s := ss[int(which)%len(ss)]
		m := s.empty()
		if err := m.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: error %v does not wrap ErrMalformed", s.name, err)
			}
			return
		}
		again, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: accepted input does not re-encode: %v", s.name, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("%s: re-encoding differs\n  in %x\n out %x", s.name, data, again)
		}
	})
}

// FuzzMeasureRequest: the measure_report decoder never panics, fails with
// ErrMalformed or ErrTooLarge, and Measure on whatever it accepts fails
// cleanly or yields a report that decodes.
func FuzzMeasureRequest(f *testing.F) {
	tt := newTestTask(f, 9)
	f.Add(EncodeMeasureRequest(&MeasureRequest{
		TaskID: tt.id[:], LeaderConfig: tt.leaderList, HelperConfig: tt.helperList,
		Measurement: []uint64{0, 1, 0, 0, 3, 1, 0, 0, 0, 0, 2}, Now: 1700000000, TimePrecision: 86400,
	}))
	f.Add([]byte{0x80})
	f.Add([]byte{0x81, 0xa3, 'n', 'o', 'w', 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})
	entropy := bytes.Repeat([]byte{7}, EntropySize)
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeMeasureRequest(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
			}
			return
		}
		res, err := Measure(&req, entropy)
		if err != nil {
			if CodeOf(err) == codeInternal {
				t.Fatalf("Measure: %v has no sentinel", err)
			}
			return
		}
		if _, err := DecodeMeasureResult(EncodeMeasureResult(&res)); err != nil {
			t.Fatal(err)
		}
	})
}
