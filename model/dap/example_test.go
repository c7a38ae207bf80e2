package dap_test

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/privrec/privrec/model/dap"
)

// A shopper's day becomes a report; each aggregator opens only its own
// share. (The measure module runs the same NewReport in the browser.)
func ExampleGenerateReport() {
	leader, _ := dap.GenerateHpkeKeyPair(1, rand.Reader)
	helper, _ := dap.GenerateHpkeKeyPair(2, rand.Reader)
	var task dap.TaskID
	rand.Read(task[:])

	day := make([]uint64, dap.MeasurementLength)
	day[dap.IndexConsentFull] = 1
	day[dap.IndexPersonalImpressions] = 12
	day[dap.IndexPersonalClicks] = 2
	day[dap.IndexVisits] = 3
	p := &dap.ReportParams{
		TaskID: task, Leader: dap.HpkeConfigList{leader.Config}, Helper: dap.HpkeConfigList{helper.Config},
		Now: 1_700_000_000, TimePrecision: 86400,
	}
	report, err := dap.GenerateReport(p, day, rand.Reader)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := report.MarshalBinary() // POST to {leader}/tasks/{task-id}/reports
	fmt.Println("report bytes:", len(body), "time:", report.Metadata.Time)

	share, err := dap.OpenInputShare(leader, dap.RoleLeader, task, report.Metadata, report.PublicShare, report.LeaderShare)
	fmt.Println("leader opens its share:", err == nil, len(share.Payload) == dap.LeaderInputShareSize)
	_, err = dap.OpenInputShare(leader, dap.RoleLeader, task, report.Metadata, report.PublicShare, report.HelperShare)
	fmt.Println("leader opens the helper's:", err == nil)
	// Output:
	// report bytes: 2376 time: 1699920000
	// leader opens its share: true true
	// leader opens the helper's: false
}

// A client takes the first configuration it supports from each
// aggregator's list, in the aggregator's order of preference.
func ExampleHpkeConfigList_SelectConfig() {
	kp, _ := dap.GenerateHpkeKeyPair(7, rand.Reader)
	served := dap.HpkeConfigList{
		{ID: 3, KEM: 0x0010, KDF: 0x0001, AEAD: 0x0001, PublicKey: bytes.Repeat([]byte{4}, 65)}, // P-256: not supported
		kp.Config,
	}
	body, _ := served.MarshalBinary() // what {aggregator}/hpke_config serves

	var list dap.HpkeConfigList
	if err := list.UnmarshalBinary(body); err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := list.SelectConfig()
	fmt.Println(cfg.ID, err)
	_, err = dap.HpkeConfigList{}.SelectConfig()
	fmt.Println(err)
	// Output:
	// 7 <nil>
	// dap: unsupported configuration: the HPKE config list is empty
}
