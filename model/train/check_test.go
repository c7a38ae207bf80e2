package train_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

func TestCheck(t *testing.T) {
	const day = int64(86_400_000)
	now := int64(1_764_000_000_000) // late 2025
	// healthy: 20 users, three events each over 90 days.
	healthy := func(at func(u, e int) int64) *train.Log {
		l := &train.Log{}
		for u := 0; u < 20; u++ {
			for e := 0; e < 3; e++ {
				l.Interactions = append(l.Interactions, train.Interaction{User: fmt.Sprint("u", u), Item: fmt.Sprint("i", (u+e)%7), Kind: model.KindPurchase, At: at(u, e)})
			}
		}
		return l
	}
	normal := func(u, e int) int64 { return now - 90*day + int64(u*3+e)*day }
	single := &train.Log{}
	for u := 0; u < 20; u++ {
		single.Interactions = append(single.Interactions, train.Interaction{User: fmt.Sprint("u", u), Item: "i", At: now - int64(u)*day})
	}
	single.Interactions = append(single.Interactions, train.Interaction{User: "u0", Item: "j", At: now})
	for _, tc := range []struct {
		name  string
		log   *train.Log
		opts  train.CheckOptions
		codes []string
		say   string
	}{
		{"healthy", healthy(normal), train.CheckOptions{TimeFormat: train.TimeUnix, Now: now, HalfLives: []train.NamedHalfLife{{"train-half-life", 30}}}, nil, ""},
		{"seconds read as ms", healthy(func(u, e int) int64 { return normal(u, e) / 1000 }), train.CheckOptions{TimeFormat: train.TimeUnixMs, Now: now},
			[]string{train.WarnEpoch}, "read as unix_ms (milliseconds since 1970): a time-unit mismatch? if the times are seconds, use time_format=unix"},
		{"ms read as seconds", healthy(func(u, e int) int64 { return normal(u, e) * 1000 }), train.CheckOptions{TimeFormat: train.TimeUnix, Now: now},
			[]string{train.WarnFuture}, "if the times are milliseconds, use time_format=unix_ms"},
		{"all at one time", healthy(func(int, int) int64 { return now - day }), train.CheckOptions{Now: now}, []string{train.WarnSameTime}, "all 60 events have the same time"},
		{"span over a fixed half-life", healthy(func(u, e int) int64 { return now - int64(u*3+e)*200*day }), train.CheckOptions{Now: now,
			HalfLives: []train.NamedHalfLife{{"train-half-life", 60}, {"half-life", 0}}}, []string{train.WarnSpan}, "--train-half-life 60 days"},
		{"single-event users", single, train.CheckOptions{Now: now}, []string{train.WarnSingleEvent}, "19 of 20 users (95%) have a single event"},
		{"empty", &train.Log{}, train.CheckOptions{Now: now}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := train.Check(tc.log, tc.opts)
			var codes []string
			var text strings.Builder
			for _, w := range ws {
				codes = append(codes, w.Code)
				text.WriteString(w.String() + "\n")
			}
			if fmt.Sprint(codes) != fmt.Sprint(tc.codes) {
				t.Fatalf("warnings %v; want %v\n%s", codes, tc.codes, text.String())
			}
			if !strings.Contains(text.String(), tc.say) {
				t.Errorf("warnings do not say %q:\n%s", tc.say, text.String())
			}
		})
	}
}

// TestReportTimeFormat: the readers say how they read times, which the
// time-unit warnings name.
func TestReportTimeFormat(t *testing.T) {
	for _, tc := range []struct{ format, value, want string }{
		{"", "2023-11-14T22:13:20Z", train.TimeRFC3339},
		{train.TimeUnix, "1700000000", train.TimeUnix},
		{train.TimeUnixMs, "1700000000000", train.TimeUnixMs},
	} {
		csv := "u,i,t\na,x," + tc.value + "\n"
		_, rep, err := train.ReadCSV(strings.NewReader(csv), train.Mapping{User: "u", Item: "i", Time: "t", TimeFormat: tc.format})
		if err != nil {
			t.Fatal(err)
		}
		if rep.TimeFormat != tc.want {
			t.Errorf("format %q: report says %q; want %q", tc.format, rep.TimeFormat, tc.want)
		}
	}
}
