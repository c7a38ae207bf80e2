package dapagg

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/privrec/privrec/model/dap"
)

// FuzzHandlers throws arbitrary bodies at the network-facing handlers (the
// Leader's upload, the Helper's aggregation job and aggregate share): each
// answers a 2xx or a problem document, never panics, and a refused upload
// leaves no report behind.
func FuzzHandlers(f *testing.F) {
	dep := newDeployment(f, 1, AggregatorOptions{})
	good := dep.report(f, []uint64{1, 0, 0, 0, 3, 1, 0, 0, 0, 0, 1}, 0)
	f.Add(uint8(0), good)
	f.Add(uint8(0), good[:100])
	f.Add(uint8(1), []byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(2), []byte{1, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	task := dep.dir.Task.ID.String()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		var path, media string
		switch which % 3 {
		case 0:
			path, media = DemoLeaderPath+"/tasks/"+task+"/reports", dap.MediaReport
		case 1:
			path, media = DemoHelperPath+"/tasks/"+task+"/aggregation_jobs/AAAAAAAAAAAAAAAAAAAAAA", dap.MediaAggregationJobInitReq
		default:
			path, media = DemoHelperPath+"/tasks/"+task+"/aggregate_shares/AAAAAAAAAAAAAAAAAAAAAA", dap.MediaAggregateShareReq
		}
		method := http.MethodPut
		if which%3 == 0 {
			method = http.MethodPost
		}
		before := dep.demo.Leader.Stats().Uploaded
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", media)
		req.Header.Set("Authorization", "Bearer "+dep.dir.Leader.HelperToken)
		rec := httptest.NewRecorder()
		dep.demo.ServeHTTP(rec, req)
		if rec.Code/100 != 2 && rec.Header().Get("Content-Type") != mediaProblem {
			t.Fatalf("HTTP %d without a problem document: %q", rec.Code, rec.Body.String())
		}
		if which%3 == 0 && rec.Code/100 != 2 && dep.demo.Leader.Stats().Uploaded != before {
			t.Fatal("a refused upload was kept")
		}
	})
}
