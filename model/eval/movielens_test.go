package eval_test

import (
	"os"
	"strings"
	"testing"

	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

const movieLensPath = "movielens-ml-latest-small/ratings.csv"

// TestMovieLensProtocol runs the generic protocol on MovieLens ratings: no
// basket column, so sessions; ratings below the log's median (3.5) left
// out. The full figures, tuned EASE included, are `privrec eval`'s (see
// model/train/RATIONALE.md, "Other logs"); this checks the split and that
// the cheap references beat chance by far.
func TestMovieLensProtocol(t *testing.T) {
	p := datasetPath(movieLensPath)
	if p == "" {
		t.Skipf("dataset %s not found under ../shared/datasets (relative to the repo root); skipping real-data test", movieLensPath)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, rep, err := train.ReadCSV(f, train.Mapping{User: "userId", Item: "movieId", Rating: "rating", Time: "timestamp", TimeFormat: train.TimeUnix})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kept != 61716 || rep.ExcludedRows() != 39120 || !strings.Contains(rep.String(), "rating below 3.5 (the log's median") {
		t.Errorf("report %s; want 61716 rows kept, 39120 rated below the median 3.5", rep)
	}
	if eval.HasBaskets(log) {
		t.Fatal("MovieLens has no basket column, yet HasBaskets")
	}
	tr, cases := eval.Split(log)
	t.Logf("%d test users, %d training rows", len(cases), len(tr.Interactions))
	if len(cases) < 250 || len(cases) > 610 {
		t.Errorf("%d test users; want most of the 610 users that rate in more than one session", len(cases))
	}
	for _, c := range cases {
		if len(c.History) == 0 || len(c.Targets) == 0 {
			t.Fatalf("case %s has %d history events and %d targets", c.User, len(c.History), len(c.Targets))
		}
	}
	pop, err := eval.Evaluate(cases, eval.Popularity(tr))
	if err != nil {
		t.Fatal(err)
	}
	knn, err := eval.Evaluate(cases, eval.ItemKNN(tr, 50))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("popularity %v\nitem-knn   %v", pop, knn)
	chance := 10 / float64(len(tr.Catalog))
	if pop.HR < 10*chance || knn.NDCG < pop.NDCG/2 {
		t.Errorf("popularity HR@10 %.4f (chance %.4f), item-kNN NDCG@10 %.4f against popularity's %.4f", pop.HR, chance, knn.NDCG, pop.NDCG)
	}
}
