package dap

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func goodRequest(tt *testTask) MeasureRequest {
	return MeasureRequest{
		TaskID: tt.id[:], LeaderConfig: tt.leaderList, HelperConfig: tt.helperList,
		Measurement: []uint64{0, 1, 0, 1, 0, 0, 0, 9, 2, 1, 3}, Now: 1700000123, TimePrecision: 86400,
	}
}

// TestMeasureRequestCodec: the hand-written codec reads what
// msgpack.Marshal writes for the tags (what the SDK's msgpack sends), in
// any key order, and writes the same bytes for the same value.
func TestMeasureRequestCodec(t *testing.T) {
	tt := newTestTask(t, 5)
	req := goodRequest(tt)
	lib, err := msgpack.Marshal(&req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeMeasureRequest(lib)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(EncodeMeasureRequest(&got), EncodeMeasureRequest(&req)) {
		t.Fatal("msgpack.Marshal's bytes decode to another request")
	}
	// Another key order plus an unknown key, through a map.
	m := map[string]any{"extra": []int{1}, "time_precision": 86400, "now": -1, "measurement": req.Measurement,
		"helper_config": req.HelperConfig, "leader_config": req.LeaderConfig, "task_id": req.TaskID}
	b, _ := msgpack.Marshal(m)
	if got, err = DecodeMeasureRequest(b); err != nil || got.Now != -1 || got.TimePrecision != 86400 {
		t.Fatalf("map form: %+v, %v", got, err)
	}
}

func TestMeasureRequestRefuses(t *testing.T) {
	tt := newTestTask(t, 6)
	req := goodRequest(tt)
	full := map[string]any{}
	b, _ := msgpack.Marshal(&req)
	if err := msgpack.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	without := func(k string) []byte {
		m := map[string]any{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		b, _ := msgpack.Marshal(m)
		return b
	}
	with := func(k string, v any) []byte {
		m := map[string]any{}
		for kk, vv := range full {
			m[kk] = vv
		}
		m[k] = v
		b, _ := msgpack.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name     string
		in       []byte
		sentinel error
		want     string
	}{
		{"empty", nil, ErrMalformed, "no bytes"},
		{"not a map", []byte{0x91, 0x01}, ErrMalformed, "measure request"},
		{"no task id", without("task_id"), ErrMalformed, `no "task_id"`},
		{"no time precision", without("time_precision"), ErrMalformed, `no "time_precision"`},
		{"long task id", with("task_id", make([]byte, 33)), ErrTooLarge, "task_id"},
		{"long measurement", with("measurement", make([]uint64, 65)), ErrTooLarge, "measurement"},
		{"negative entry", with("measurement", []int{-1}), ErrMalformed, "negative"},
		{"negative precision", with("time_precision", -1), ErrMalformed, "negative"},
		{"trailing", append(b, 0xc0), ErrMalformed, "trailing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeMeasureRequest(tc.in)
			if !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.sentinel, tc.want)
			}
		})
	}
	// Decodes, but Measure refuses.
	entropy := make([]byte, EntropySize)
	for _, tc := range []struct {
		name string
		edit func(r *MeasureRequest)
		want string
	}{
		{"short task id", func(r *MeasureRequest) { r.TaskID = r.TaskID[:31] }, "task_id is 31 bytes"},
		{"leader config garbage", func(r *MeasureRequest) { r.LeaderConfig = []byte{0, 9} }, "leader_config"},
		{"helper config empty list", func(r *MeasureRequest) { r.HelperConfig = []byte{0, 0} }, "helper: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := goodRequest(tt)
			tc.edit(&r)
			if _, err := Measure(&r, entropy); err == nil || !strings.Contains(err.Error(), tc.want) || CodeOf(err) == codeInternal {
				t.Fatalf("err = %v, want a coded error containing %q", err, tc.want)
			}
		})
	}
}

// TestMeasureEnvelope: measure_report's answer, natively; the result is
// the report, its id and its rounded time, and errors carry codes.
func TestMeasureEnvelope(t *testing.T) {
	tt := newTestTask(t, 7)
	req := goodRequest(tt)
	entropy := bytes.Repeat([]byte{3}, EntropySize)
	var env struct {
		Code    uint16             `msgpack:"code"`
		Message string             `msgpack:"message"`
		Result  msgpack.RawMessage `msgpack:"result"`
	}
	if err := msgpack.Unmarshal(MeasureEnvelope(EncodeMeasureRequest(&req), entropy), &env); err != nil {
		t.Fatal(err)
	}
	if env.Code != 0 || env.Message != "" {
		t.Fatalf("envelope %d %q", env.Code, env.Message)
	}
	res, err := DecodeMeasureResult(env.Result)
	if err != nil {
		t.Fatal(err)
	}
	if res.Time != 1700000123/86400*86400 || !bytes.Equal(res.ReportID, entropy[:16]) {
		t.Fatalf("time %d id %x", res.Time, res.ReportID)
	}
	var rep Report
	if err := rep.UnmarshalBinary(res.Report); err != nil {
		t.Fatal(err)
	}
	if got := tt.aggregate(t, []Report{rep}); !equalU64(got, []uint64{0, 1, 0, 1, 0, 0, 0, 9, 2, 1, 3}) {
		t.Fatalf("aggregate of one report: %v", got)
	}

	req.Measurement = req.Measurement[:3]
	if err := msgpack.Unmarshal(MeasureEnvelope(EncodeMeasureRequest(&req), entropy), &env); err != nil {
		t.Fatal(err)
	}
	if env.Code != codeBadRequest || !strings.HasPrefix(env.Message, "measure_report: dap: bad measurement: 3 entries") || env.Result != nil {
		t.Fatalf("bad measurement envelope: %d %q %x", env.Code, env.Message, env.Result)
	}
}

var update = flag.Bool("update", false, "rewrite wasm/measure/layout.json from the Go constants")

// layoutJSON is the layout as the JS SDK reads it.
func layoutJSON() []byte {
	type entry struct {
		Index int    `json:"index"`
		Name  string `json:"name"`
	}
	v := struct {
		Comment     string  `json:"_comment"`
		Version     int     `json:"version"`
		DAPDraft    string  `json:"dap_draft"`
		VDAFDraft   string  `json:"vdaf_draft"`
		VDAF        string  `json:"vdaf"`
		Length      int     `json:"length"`
		Bits        int     `json:"bits"`
		ChunkLength int     `json:"chunk_length"`
		MaxEntry    int     `json:"max_entry"`
		ABIVersion  int     `json:"measure_abi_version"`
		ReportSize  int     `json:"report_size"`
		Entries     []entry `json:"entries"`
	}{
		Comment:     "Generated from model/dap (go test ./model/dap -run TestLayoutJSON -update); do not edit.",
		Version:     LayoutVersion,
		DAPDraft:    "draft-ietf-ppm-dap-15",
		VDAFDraft:   "draft-irtf-cfrg-vdaf-14",
		VDAF:        "Prio3SumVec",
		Length:      MeasurementLength,
		Bits:        MeasurementBits,
		ChunkLength: ChunkLength,
		MaxEntry:    MaxEntry,
		ABIVersion:  MeasureABIVersion,
		ReportSize:  ReportSize,
	}
	for i, n := range LayoutNames {
		v.Entries = append(v.Entries, entry{i, n})
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// TestLayoutJSON: wasm/measure/layout.json, which the JS SDK's test reads
// to check its copy of the layout, says what the Go constants say.
func TestLayoutJSON(t *testing.T) {
	const path = "../../wasm/measure/layout.json"
	want := layoutJSON()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./model/dap -run TestLayoutJSON -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; run go test ./model/dap -run TestLayoutJSON -update\n got %s\nwant %s", path, got, want)
	}
}

// TestReportSize: ReportSize is the size of every layout-v1 report.
func TestReportSize(t *testing.T) {
	tt := newTestTask(t, 8)
	res, err := Measure(ptrTo(goodRequest(tt)), bytes.Repeat([]byte{1}, EntropySize))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report) != ReportSize {
		t.Fatalf("report is %d bytes, ReportSize %d", len(res.Report), ReportSize)
	}
}

func ptrTo[T any](v T) *T { return &v }
