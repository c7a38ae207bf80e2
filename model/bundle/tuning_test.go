package bundle_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func tuningRecord() *bundle.Tuning {
	return &bundle.Tuning{Metric: "ndcg@10", Score: 0.1205, Users: 1763, Trials: 66, Seconds: 132.2,
		Params: []bundle.TunedParam{{"train-half-life", 124}, {"lambda", 150}, {"popularity-weight", 32}}}
}

// TestTuningRoundTrip signs a tuning record and reads it back, and reads a
// manifest without one (older ones, --no-tune) as before.
func TestTuningRoundTrip(t *testing.T) {
	priv := key("tuning")
	for _, tc := range []struct {
		name   string
		tuning *bundle.Tuning
	}{
		{"with tuning", tuningRecord()},
		{"without tuning", nil},
		{"no parameters searched", &bundle.Tuning{Metric: "ndcg@10", Params: []bundle.TunedParam{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := meta("tuning", 100)
			m.Tuning = tc.tuning
			f := signed(t, "tuning", m, priv)
			got, err := bundle.Verify(f.Manifest, f.Signature, bundle.VerifyOptions{Keys: [][]byte{pub(priv)}, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Tuning, tc.tuning) {
				t.Errorf("tuning read back as %+v; want %+v", got.Tuning, tc.tuning)
			}
		})
	}
}

// TestTuningInvalid: Sign refuses a record no reader would accept.
func TestTuningInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*bundle.Tuning)
		want error
	}{
		{"no metric", func(t *bundle.Tuning) { t.Metric = "" }, model.ErrCorrupt},
		{"NaN score", func(t *bundle.Tuning) { t.Score = math.NaN() }, model.ErrCorrupt},
		{"negative seconds", func(t *bundle.Tuning) { t.Seconds = -1 }, model.ErrCorrupt},
		{"negative trials", func(t *bundle.Tuning) { t.Trials = -1 }, model.ErrCorrupt},
		{"infinite value", func(t *bundle.Tuning) { t.Params[0].Value = math.Inf(1) }, model.ErrCorrupt},
		{"duplicate name", func(t *bundle.Tuning) { t.Params[1].Name = t.Params[0].Name }, model.ErrCorrupt},
		{"empty name", func(t *bundle.Tuning) { t.Params[1].Name = "" }, model.ErrCorrupt},
		{"too many", func(t *bundle.Tuning) {
			for len(t.Params) <= bundle.MaxTunedParams {
				t.Params = append(t.Params, bundle.TunedParam{Name: "p" + string(rune('a'+len(t.Params))), Value: 1})
			}
		}, model.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := meta("tuning", 100)
			m.Tuning = tuningRecord()
			tc.edit(m.Tuning)
			f := artifacts(t, m.BundleID, "tuning")
			if err := bundle.Sign(f, m, key("tuning")); !errors.Is(err, tc.want) {
				t.Errorf("Sign = %v; want %v", err, tc.want)
			}
		})
	}
}
