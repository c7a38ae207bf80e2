package dapagg_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/privrec/privrec/internal/dapagg"
	"github.com/privrec/privrec/model/dap"
)

// A shop's demo deployment end to end: a task, the Leader and Helper on one
// origin, three shoppers' reports made by model/dap's client (what the
// browser's measure module runs), and the collector's exact aggregate.
func Example() {
	const day = 86400
	now := time.Unix(20000*day+3600, 0)
	dir, err := dapagg.NewTaskDir(dapagg.Task{TimePrecision: day, Start: 19990 * day, End: 20030 * day, MinBatchSize: 3,
		ControlShare: 0.2, LeaderURL: dapagg.DemoLeaderPath, HelperURL: dapagg.DemoHelperPath})
	if err != nil {
		panic(err)
	}
	var demo *dapagg.Demo
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { demo.ServeHTTP(w, r) }))
	defer srv.Close()
	clock := dapagg.AggregatorOptions{Now: func() time.Time { return now }}
	if demo, err = dapagg.NewDemo(dir, srv.URL, nil, clock, clock); err != nil {
		panic(err)
	}

	params := dap.ReportParams{TaskID: dir.Task.ID, Now: now.Unix(), TimePrecision: day,
		Leader: dap.HpkeConfigList{dir.Leader.Hpke.Config}, Helper: dap.HpkeConfigList{dir.Helper.Hpke.Config}}
	for _, m := range [][]uint64{
		{1, 0, 0, 0, 8, 1, 1, 0, 0, 0, 2},  // session consent, personal arm: 8 impressions, 1 click, 1 purchase
		{0, 1, 0, 0, 4, 0, 0, 0, 0, 0, 1},  // full consent, personal arm
		{0, 1, 0, 1, 0, 0, 0, 12, 1, 0, 3}, // full consent, control arm
	} {
		r, _ := dap.GenerateReport(&params, m, rand.Reader)
		body, _ := r.MarshalBinary()
		resp, err := http.Post(srv.URL+dapagg.DemoLeaderPath+"/tasks/"+dir.Task.ID.String()+"/reports", dap.MediaReport, bytes.NewReader(body))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}

	col, _ := dapagg.NewCollector(dir.Task, dir.Collector, srv.URL+dapagg.DemoLeaderPath, nil)
	res, err := col.Collect(context.Background(), dapagg.Interval{Start: 19990 * day, Duration: 40 * day})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.ReportCount, res.Aggregate)
	// Output: 3 [1 2 0 1 12 1 1 12 1 0 6]
}
