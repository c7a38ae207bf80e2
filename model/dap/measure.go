package dap

import (
	"errors"
	"math"

	"github.com/privrec/privrec/model/internal/wire"
)

// MeasureABIVersion is the version of the measure module's exported
// interface (wasm/measure/ABI.md).
const MeasureABIVersion = 1

// MeasureRequest is the MessagePack map the host hands measure_report.
// LeaderConfig and HelperConfig are the bytes each aggregator serves at
// its hpke_config endpoint (an encoded HpkeConfigList); the VDAF is fixed
// by the layout version, not by the request.
type MeasureRequest struct {
	TaskID        []byte   `msgpack:"task_id"`
	LeaderConfig  []byte   `msgpack:"leader_config"`
	HelperConfig  []byte   `msgpack:"helper_config"`
	Measurement   []uint64 `msgpack:"measurement"`
	Now           int64    `msgpack:"now"`            // Unix seconds
	TimePrecision uint64   `msgpack:"time_precision"` // seconds
}

// MeasureResult is measure_report's result: the Report exactly as the
// host uploads it, its id and its (rounded) time, for the dashboard's
// list of reports sent.
type MeasureResult struct {
	Report   []byte `msgpack:"report"`
	ReportID []byte `msgpack:"report_id"`
	Time     uint64 `msgpack:"time"`
}

// Bounds of a request, checked before anything is allocated.
const (
	maxConfigList   = 2 + math.MaxUint16 // an HpkeConfigList's own limit
	maxMeasureArray = 64                 // PrepareMeasurement checks the exact length
	maxMeasureKey   = 64
)

// DecodeMeasureRequest decodes a measure_report request: a map with the
// keys of MeasureRequest in any order, unknown keys skipped, every key
// required, no trailing bytes. Errors wrap ErrMalformed or ErrTooLarge.
func DecodeMeasureRequest(b []byte) (MeasureRequest, error) {
	r := wire.NewReader(b)
	var req MeasureRequest
	if len(b) == 0 {
		r.Invalid("measure request", "no bytes")
	}
	var seen [6]bool
	n := r.MapLen(16, "measure request")
	for i := 0; i < n && r.Err() == nil; i++ {
		key := r.Raw(maxMeasureKey, "measure request key")
		k := -1
		switch string(key) {
		case "task_id":
			k, req.TaskID = 0, copyBytes(r.Raw(len(TaskID{}), "task_id"))
		case "leader_config":
			k, req.LeaderConfig = 1, copyBytes(r.Raw(maxConfigList, "leader_config"))
		case "helper_config":
			k, req.HelperConfig = 2, copyBytes(r.Raw(maxConfigList, "helper_config"))
		case "measurement":
			k = 3
			m := r.ArrayLen(maxMeasureArray, 1, "measurement")
			req.Measurement = make([]uint64, 0, max(m, 0))
			for j := 0; j < m && r.Err() == nil; j++ {
				req.Measurement = append(req.Measurement, r.Uint(math.MaxUint64, "measurement entry"))
			}
		case "now":
			k, req.Now = 4, r.Int(math.MinInt64, math.MaxInt64, "now")
		case "time_precision":
			k, req.TimePrecision = 5, r.Uint(math.MaxUint64, "time_precision")
		default:
			r.Skip("unknown key")
		}
		if k >= 0 {
			seen[k] = true
		}
	}
	if err := r.End(); err != nil {
		return MeasureRequest{}, wireError("decode measure request", err)
	}
	for k, ok := range seen {
		if !ok {
			name := [...]string{"task_id", "leader_config", "helper_config", "measurement", "now", "time_precision"}[k]
			return MeasureRequest{}, errorf(ErrMalformed, "decode measure request: no %q (the request needs task_id, leader_config, helper_config, measurement, now and time_precision)", name)
		}
	}
	return req, nil
}

func copyBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func wireError(op string, err error) error {
	if errors.Is(err, wire.ErrLimit) {
		return errorf(ErrTooLarge, "%s: %v", op, err)
	}
	return errorf(ErrMalformed, "%s: %v", op, err)
}

// EncodeMeasureRequest encodes req as DecodeMeasureRequest reads it (what
// msgpack.Marshal writes for its tags).
func EncodeMeasureRequest(req *MeasureRequest) []byte {
	w := wire.NewWriterSize(256 + len(req.LeaderConfig) + len(req.HelperConfig))
	w.Map(6)
	w.String("task_id")
	w.Bin(req.TaskID)
	w.String("leader_config")
	w.Bin(req.LeaderConfig)
	w.String("helper_config")
	w.Bin(req.HelperConfig)
	w.String("measurement")
	w.Array(len(req.Measurement))
	for _, v := range req.Measurement {
		w.Uint(v)
	}
	w.String("now")
	w.Int(req.Now)
	w.String("time_precision")
	w.Uint(req.TimePrecision)
	return w.Bytes()
}

// Measure is measure_report's pure core: it decodes the aggregators'
// config lists, builds the report with NewReport from entropy
// (EntropySize bytes) and encodes it. The module calls it with entropy
// from random_get; tests call it natively with the same bytes.
func Measure(req *MeasureRequest, entropy []byte) (MeasureResult, error) {
	if len(req.TaskID) != len(TaskID{}) {
		return MeasureResult{}, errorf(ErrBadRequest, "task_id is %d bytes; a DAP task id is 32", len(req.TaskID))
	}
	p := ReportParams{Now: req.Now, TimePrecision: req.TimePrecision}
	copy(p.TaskID[:], req.TaskID)
	if err := p.Leader.UnmarshalBinary(req.LeaderConfig); err != nil {
		return MeasureResult{}, wrapf(err, "leader_config (the bytes of the leader's hpke_config endpoint)")
	}
	if err := p.Helper.UnmarshalBinary(req.HelperConfig); err != nil {
		return MeasureResult{}, wrapf(err, "helper_config (the bytes of the helper's hpke_config endpoint)")
	}
	rep, err := NewReport(&p, req.Measurement, entropy)
	if err != nil {
		return MeasureResult{}, err
	}
	b, err := rep.MarshalBinary()
	if err != nil {
		return MeasureResult{}, err
	}
	return MeasureResult{Report: b, ReportID: append([]byte{}, rep.Metadata.ID[:]...), Time: rep.Metadata.Time}, nil
}

// EncodeMeasureResult encodes res as a MessagePack map.
func EncodeMeasureResult(res *MeasureResult) []byte {
	w := wire.NewWriterSize(64 + len(res.Report))
	w.Map(3)
	w.String("report")
	w.Bin(res.Report)
	w.String("report_id")
	w.Bin(res.ReportID)
	w.String("time")
	w.Uint(res.Time)
	return w.Bytes()
}

// DecodeMeasureResult decodes what EncodeMeasureResult wrote (for hosts
// and tests); every key is required and the report must decode as a
// Report.
func DecodeMeasureResult(b []byte) (MeasureResult, error) {
	r := wire.NewReader(b)
	var res MeasureResult
	var seen [3]bool
	n := r.MapLen(16, "measure result")
	for i := 0; i < n && r.Err() == nil; i++ {
		switch string(r.Raw(maxMeasureKey, "measure result key")) {
		case "report":
			seen[0], res.Report = true, copyBytes(r.Raw(math.MaxInt32, "report"))
		case "report_id":
			seen[1], res.ReportID = true, copyBytes(r.Raw(len(ReportID{}), "report_id"))
		case "time":
			seen[2], res.Time = true, r.Uint(math.MaxUint64, "time")
		default:
			r.Skip("unknown key")
		}
	}
	if err := r.End(); err != nil {
		return MeasureResult{}, wireError("decode measure result", err)
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return MeasureResult{}, errorf(ErrMalformed, "decode measure result: it needs report, report_id and time")
	}
	var rep Report
	if err := rep.UnmarshalBinary(res.Report); err != nil {
		return MeasureResult{}, err
	}
	if string(rep.Metadata.ID[:]) != string(res.ReportID) || rep.Metadata.Time != res.Time {
		return MeasureResult{}, errorf(ErrMalformed, "decode measure result: report_id or time differs from the report's metadata")
	}
	return res, nil
}

// EncodeEnvelope writes the result envelope every module export returns,
// {code, message, result}, byte for byte as model.EncodeEnvelope does
// (a test compares them): result is inline MessagePack, nil on error.
func EncodeEnvelope(code uint16, message string, result []byte) []byte {
	w := wire.NewWriterSize(32 + len(message) + len(result))
	w.Map(3)
	w.String("code")
	w.Uint16(code)
	w.String("message")
	w.String(message)
	w.String("result")
	if result == nil {
		w.Nil()
	} else {
		w.Raw(result)
	}
	return w.Bytes()
}

// MeasureEnvelope is measure_report's whole answer to the request bytes
// in: the envelope of Measure's result, or of its error with its code.
func MeasureEnvelope(in, entropy []byte) []byte {
	req, err := DecodeMeasureRequest(in)
	if err == nil {
		var res MeasureResult
		if res, err = Measure(&req, entropy); err == nil {
			return EncodeEnvelope(codeOK, "", EncodeMeasureResult(&res))
		}
	}
	return EncodeEnvelope(CodeOf(err), "measure_report: "+err.Error(), nil)
}
