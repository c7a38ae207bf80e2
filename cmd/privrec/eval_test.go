package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/evalrun"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// runEvalCLI runs privrec eval on a fresh command tree and returns the exit
// code and outputs.
func runEvalCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLI(t, append([]string{"eval"}, args...), newEvalCmd())
}

// ratingsLog is a MovieLens-like CSV without baskets: 240 users in 8
// taste groups, three sessions each (hours apart, events a minute apart),
// every user rating their group's films 4 or 5 and one stray film 1.
func ratingsLog() string {
	var b strings.Builder
	b.WriteString("userId,movieId,rating,timestamp\n")
	for u := 0; u < 240; u++ {
		g := u % 8
		t := int64(1_500_000_000 + u*100_000)
		for s := 0; s < 3; s++ {
			for k := 0; k < 3; k++ {
				film := g*10 + (u/8+s*3+k)%10
				fmt.Fprintf(&b, "%d,%d,%d,%d\n", u, film, 4+(u+k)%2, t+int64(s)*7200+int64(k)*60)
			}
			fmt.Fprintf(&b, "%d,%d,1,%d\n", u, 100+(u*7+s)%20, t+int64(s)*7200+200)
		}
	}
	return b.String()
}

func TestEvalCLI(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "ratings.csv")
	if err := os.WriteFile(logPath, []byte(ratingsLog()), 0o644); err != nil {
		t.Fatal(err)
	}
	wasm := writeWasm(t, wasmtest.Module(t))
	base := []string{"--data", logPath, "--format", "csv", "--wasm", wasm, "--json", "--train-half-life", "0",
		"--columns", "user=userId,item=movieId,rating=rating,time=timestamp,time_format=unix"}
	tests := []struct {
		name     string
		args     []string
		code     int
		models   []string
		say      string // in stderr
		note     string // in the report's notes
		ratedOut int    // rows excluded by the rating filter
	}{
		{
			name: "sessions, median rating, tuned EASE", code: exitOK,
			models: []string{"popularity", "item-knn", "ease-full", "privrec"},
			// ratings: 720 rows of 1, 1080 of 4 and 1080 of 5: the median is 4.
			say: "excluded (rating below 4 (the log's median rating; set --min-rating to change)): 720", note: "ease-full: λ=",
		},
		{
			name: "privrec tuned on the training part", args: []string{"--no-references", "--tune-budget", "1m"}, code: exitOK,
			models: []string{"privrec"}, say: "tuning on a validation split", note: "privrec chosen: train-half-life=0",
		},
		{
			name: "warns of a span far longer than a fixed half-life", args: []string{"--no-references", "--no-tune", "--half-life", "0.5"}, code: exitOK,
			models: []string{"privrec"}, say: "warning: the log spans 277 days, 554× --half-life 0.5 days",
		},
		{
			name: "privrec not tuned", args: []string{"--no-references", "--no-tune"}, code: exitOK,
			models: []string{"privrec"}, note: "privrec tuning: off (--no-tune); using train-half-life=0",
		},
		{
			name: "explicit minimum keeps the dislikes", args: []string{"--min-rating", "1"}, code: exitOK,
			models: []string{"popularity", "item-knn", "ease-full", "privrec"}, say: "excluded: 0",
		},
		{
			name: "EASE too large for the memory cap", args: []string{"--max-reference-bytes", "1000"}, code: exitOK,
			models: []string{"popularity", "item-knn", "privrec"}, note: "ease-full skipped: dense EASE on 80 items needs",
		},
		{
			name: "minimum rating without a rating column", code: exitUsage, say: "needs a rating column",
			args: []string{"--columns", "user=userId,item=movieId,time=timestamp,time_format=unix", "--min-rating", "4"},
		},
		{
			name: "minimum rating that is not a number", code: exitUsage, say: "not a number", args: []string{"--min-rating", "good"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runEvalCLI(t, append(append([]string{}, base...), tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d; want %d\n%s\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.say) {
				t.Errorf("stderr does not say %q:\n%s", tt.say, stderr)
			}
			if code != exitOK {
				return
			}
			var rep eval.Report
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("stdout is not one JSON report: %v\n%s", err, stdout)
			}
			if rep.Protocol != eval.ProtocolSessions || rep.Users != 240 || rep.Items == 0 {
				t.Errorf("protocol %q, %d users, %d items; want %s, 240 users", rep.Protocol, rep.Users, rep.Items, eval.ProtocolSessions)
			}
			var models []string
			for _, r := range rep.Results {
				models = append(models, r.Model)
				if r.Model == "ease-full" && r.Lambda <= 0 {
					t.Errorf("ease-full has no tuned λ: %+v", r)
				}
				if r.Model == "privrec" && (r.Target != eval.TargetWasm || r.NDCG <= 0) {
					t.Errorf("privrec result %+v; want a positive figure through the module", r)
				}
			}
			if strings.Join(models, ",") != strings.Join(tt.models, ",") {
				t.Errorf("models %v; want %v", models, tt.models)
			}
			if tt.note != "" && !strings.Contains(strings.Join(rep.Notes, "\n"), tt.note) {
				t.Errorf("notes %q do not say %q", rep.Notes, tt.note)
			}
		})
	}
}

// TestTrainMinRating checks that train reads the rating role as eval does.
func TestTrainMinRating(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "ratings.csv")
	if err := os.WriteFile(logPath, []byte(ratingsLog()), 0o644); err != nil {
		t.Fatal(err)
	}
	wasm := writeWasm(t, []byte("\x00asm\x01\x00\x00\x00"))
	cols := "user=userId,item=movieId,rating=rating,time=timestamp,time_format=unix"
	for _, tc := range []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"median", nil, exitOK, "excluded (rating below 4 (the log's median rating; set --min-rating to change)): 720"},
		{"given", []string{"--min-rating", "5"}, exitOK, "excluded (rating below 5 (--min-rating)): 1800"},
		{"uci format", []string{"--format", "uci", "--min-rating", "4"}, exitUsage, "--min-rating needs --format csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--data", logPath, "--format", "csv", "--columns", cols, "--wasm", wasm, "--out", filepath.Join(dir, tc.name)}, tc.args...)
			code, stdout, stderr := runTrainCLI(t, args...)
			if code != tc.code || !strings.Contains(stderr, tc.say) {
				t.Errorf("exit %d (want %d), stderr does not say %q?\n%s\n%s", code, tc.code, tc.say, stdout, stderr)
			}
		})
	}
}

// TestEvalTunesOnTrainingPart: the shipped model's search sees the training
// part of the split only, never a test basket.
func TestEvalTunesOnTrainingPart(t *testing.T) {
	log, _, err := train.ReadCSV(strings.NewReader(ratingsLog()), train.Mapping{User: "userId", Item: "movieId", Rating: "rating", Time: "timestamp", TimeFormat: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	_, cases := eval.Split(log)
	calls := 0
	_, err = evalrun.Run(context.Background(), log, evalrun.Options{Config: train.ConfigFor(log), Wasm: wasmtest.Module(t),
		Tune: func(trainLog *train.Log, c train.Config) (train.Config, []string, error) {
			calls++
			at := map[string]int64{}
			for _, cs := range cases {
				at[cs.User] = cs.Now
			}
			for _, in := range trainLog.Interactions {
				if now, ok := at[in.User]; ok && in.At >= now {
					t.Fatalf("the search sees %s's test basket (%s at %d)", in.User, in.Item, in.At)
				}
			}
			return c, nil, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("Tune called %d times; want once", calls)
	}
}
