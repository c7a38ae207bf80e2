package dapagg

import (
	"context"
	"math"
	"testing"

	"github.com/privrec/privrec/model/dap"
)

// TestNoisyCollection: with DP noise on the task, each aggregator adds a
// discrete Laplace draw to every coordinate; the collected aggregate is the
// truth plus their sum (signed: a zero count can come out negative), within
// a few standard deviations, and not the truth itself.
func TestNoisyCollection(t *testing.T) {
	d, err := NewTaskDir(Task{TimePrecision: day, Start: 19990 * day, End: 20030 * day, MinBatchSize: 1,
		LeaderURL: DemoLeaderPath, HelperURL: DemoHelperPath, Noise: Noise{Epsilon: 0.5, Sensitivity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	dep := deploymentFor(t, d, AggregatorOptions{}, AggregatorOptions{})
	m := []uint64{0, 1, 0, 0, 10, 1, 0, 0, 0, 0, 2}
	const n = 20
	for range n {
		if _, p := dep.upload(t, dep.report(t, m, 0), dap.MediaReport, d.Task.ID); p != nil {
			t.Fatal(p)
		}
	}
	res, err := dep.col.Collect(context.Background(), Interval{Start: 19990 * day, Duration: 40 * day})
	if err != nil {
		t.Fatal(err)
	}
	sd := math.Sqrt(2 * d.Task.Noise.Variance())
	differs := 0
	for j, v := range m {
		diff := float64(res.Aggregate[j] - n*int64(v))
		if diff != 0 {
			differs++
		}
		if math.Abs(diff) > 8*sd {
			t.Errorf("aggregate[%d] = %d, truth %d: %.1f noise standard deviations off", j, res.Aggregate[j], n*v, diff/sd)
		}
	}
	if differs == 0 {
		t.Error("no coordinate carries noise")
	}
	t.Logf("noisy aggregate %v (truth ×%d of %v, noise sd %.2f per coordinate)", res.Aggregate, n, m, sd)
}

func TestSignedSum(t *testing.T) {
	var one, minusTwo [16]byte
	one[0] = 1
	a, _ := fieldVec(one[:])
	b, _ := fieldVec(one[:])
	b[0].SubAssign(&a[0])
	b[0].SubAssign(&a[0])
	b[0].SubAssign(&a[0]) // -2
	bb, _ := b.MarshalBinary()
	copy(minusTwo[:], bb)
	got, err := signedSum(one[:], minusTwo[:])
	if err != nil || len(got) != 1 || got[0] != -1 {
		t.Fatalf("1 + (-2) = %v, %v", got, err)
	}
}
