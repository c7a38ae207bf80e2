package eval_test

import (
	"fmt"
	"os"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

func ExampleSplit() {
	log := &train.Log{Interactions: []train.Interaction{
		{User: "ann", Item: "tea", Kind: model.KindPurchase, At: 1, Basket: "inv1"},
		{User: "ann", Item: "cups", Kind: model.KindPurchase, At: 2, Basket: "inv2"},
		{User: "ann", Item: "tea", Kind: model.KindPurchase, At: 2, Basket: "inv2"},
	}}
	tr, cases := eval.Split(log)
	fmt.Println(len(tr.Interactions), cases[0].User, cases[0].Targets)
	// Output: 1 ann [cups]
}

func ExampleEvaluate() {
	log := &train.Log{Interactions: []train.Interaction{
		{User: "ann", Item: "tea", Kind: model.KindPurchase, At: 1, Basket: "1"},
		{User: "ann", Item: "cups", Kind: model.KindPurchase, At: 1, Basket: "1"},
		{User: "bob", Item: "tea", Kind: model.KindPurchase, At: 2, Basket: "2"},
		{User: "bob", Item: "cups", Kind: model.KindPurchase, At: 3, Basket: "3"},
	}}
	tr, cases := eval.Split(log)
	m, err := eval.Evaluate(cases, eval.Popularity(tr))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m)
	// Output: cases=1 HR@10=1.0000 Recall@10=1.0000 NDCG@10=1.0000
}

func ExampleReport_WriteTable() {
	r := &eval.Report{Protocol: eval.Protocol, Users: 2498, Items: 3644, Results: []eval.Result{
		eval.NewResult("popularity", eval.TargetNative, 0, eval.Metrics{HR: 0.2342, Recall: 0.0384, NDCG: 0.0350}),
		eval.NewResult("privrec", eval.TargetWasm, 2251956, eval.Metrics{HR: 0.4127, Recall: 0.0974, NDCG: 0.0884}),
	}}
	r.WriteTable(os.Stdout)
	// Output:
	// protocol last-basket-new: 2498 users, 3644 items
	// model        target      bytes   HR@10 Recall@10  NDCG@10
	// popularity   native          -  0.2342    0.0384   0.0350
	// privrec      wasm      2251956  0.4127    0.0974   0.0884
}

// TuneEASE picks full EASE's λ on the validation split of a training log
// (each user's last training basket): here a log where only a small λ ranks
// each user's pair item above a dozen popular decoys.
func ExampleTuneEASE() {
	tun, err := eval.TuneEASE(decoyLog(false), nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("λ=%g, validation NDCG@10 %.2f on %d users, %d λ tried\n",
		tun.Best.Lambda, tun.Best.Validation.NDCG, tun.Best.Validation.Cases, len(tun.Tried))
	// Output: λ=30, validation NDCG@10 1.00 on 60 users, 7 λ tried
}

// A log without baskets is split by sessions: events less than 30 minutes
// apart belong together.
func ExampleSessions() {
	const min = 60 * 1000
	log := &train.Log{Interactions: []train.Interaction{
		{User: "ann", Item: "tea", Kind: model.KindPurchase, At: 0},
		{User: "ann", Item: "cups", Kind: model.KindPurchase, At: 20 * min},
		{User: "ann", Item: "pot", Kind: model.KindPurchase, At: 90 * min},
	}}
	fmt.Println(eval.Sessions(log))
	_, cases := eval.Split(log)
	fmt.Println(cases[0].Targets, len(cases[0].History))
	// Output:
	// [0 0 1]
	// [pot] 2
}
