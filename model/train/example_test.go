package train_test

import (
	"fmt"
	"strings"

	"github.com/privrec/privrec/model/train"
)

func ExampleReadUCI() {
	csv := "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
		"536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01T08:26:00,2.55,17850,United Kingdom\n" +
		"C536379,D,Discount,-1,2010-12-01T09:41:00,27.5,14527,United Kingdom\n" +
		"536380,22961,JAM MAKING SET PRINTED,24,2010-12-01T09:41:00,1.45,,United Kingdom\n"
	log, report, err := train.ReadUCI(strings.NewReader(csv))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(log.Interactions), log.Catalog[0].Title)
	fmt.Print(report)
	// Output:
	// 1 WHITE HANGING HEART T-LIGHT HOLDER
	// rows: 3, kept: 1, excluded: 2, malformed: 0
	//   excluded (cancellation invoice (C)): 1
	//   excluded (no customer id): 1
}

func ExampleReadCSV() {
	csv := "session,visitor,sku,event,time\n" +
		"s1,v1,mug,view,2024-05-01T10:00:00Z\n" +
		"s1,v1,mug,purchase,2024-05-01T10:05:00Z\n"
	m := train.Mapping{User: "visitor", Item: "sku", Kind: "event", Time: "time", Basket: "session"}
	log, _, err := train.ReadCSV(strings.NewReader(csv), m)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range log.Interactions {
		fmt.Println(in.User, in.Item, in.Kind, in.At)
	}
	// Output:
	// v1 mug view 1714557600000
	// v1 mug purchase 1714557900000
}

func ExampleTrain() {
	log := &train.Log{Interactions: []train.Interaction{
		{User: "ann", Item: "tea", Kind: "purchase", At: 1},
		{User: "ann", Item: "cups", Kind: "purchase", At: 1},
		{User: "bob", Item: "tea", Kind: "purchase", At: 2},
		{User: "bob", Item: "cups", Kind: "purchase", At: 2},
		{User: "cat", Item: "tea", Kind: "purchase", At: 3},
	}}
	cfg := train.DefaultConfig()
	cfg.Lambda = 1 // a tiny log needs a tiny regulariser
	spec, err := train.Train(log, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, id := range spec.Items {
		for _, nb := range spec.Neighbors[i] {
			fmt.Printf("%s → %s %.3f\n", id, spec.Items[nb.Item], nb.Weight)
		}
	}
	// Output:
	// cups → tea 0.667
	// tea → cups 0.500
}

func ExampleEASE() {
	log := &train.Log{Interactions: []train.Interaction{
		{User: "ann", Item: "a", Kind: "purchase"}, {User: "ann", Item: "b", Kind: "purchase"},
		{User: "bob", Item: "a", Kind: "purchase"},
	}}
	w, err := train.EASE(log, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v %.3f\n", w.Items, w.W)
	// Output:
	// [a b] [0.000 0.333 0.500 0.000]
}

func ExampleChooseKind() {
	cfg := train.DefaultConfig()
	for _, items := range []int{3_644, 300_000} {
		c, err := train.ChooseKind(train.Sizing{
			Items: items, IDBytes: int64(items) * 7,
			MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: 4_500_000, // module + catalog
		}, "", cfg)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(c.Reason)
		cfg := c.Apply(cfg) // then train.Train(log, cfg, progress)
		_ = cfg
	}
	// Output:
	// 3,644 items × 200 neighbours ≈ 2.3 MB + 4.5 MB module and catalog fits the 16 MiB budget: neighbors
	// 300,000 items × 200 neighbours ≈ 306.3 MB exceeds the 16 MiB budget (3 would fit, fewer than 4); 16 codes per item ≈ 9.4 MB + 4.5 MB module and catalog fit: embedding
}

func ExampleQuantizeEmbedding() {
	// 1,000 vectors of 8 dims, each coordinate one of four values: 4
	// subspaces of 2 dims hold at most 16 distinct points, fewer than the
	// 256 centroids, so quantization is lossless.
	const n, dims = 1000, 8
	v := make([]float32, n*dims)
	for i := range v {
		v[i] = float32((i*7 + i/dims) % 4)
	}
	e, err := train.QuantizeEmbedding(v, dims, 4, nil, 1, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(e.Codes), "codes,", len(e.Codebooks)/(dims/4), "centroids")
	fmt.Println("relative error:", relativeError(v, dims, e))
	// Output:
	// 4000 codes, 1024 centroids
	// relative error: 0
}
