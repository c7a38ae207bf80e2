package dapagg

import (
	"fmt"

	"github.com/cloudflare/circl/vdaf/prio3/arith/fp128"
	"github.com/cloudflare/circl/vdaf/prio3/sumvec"

	"github.com/privrec/privrec/model/dap"
)

// vdaf is the task's Prio3SumVec (model/dap's layout, in the task's
// context) and the one-round ping-pong preparation the aggregators run
// with it: the Leader sends its prep share (initialize), the Helper
// combines both into the prep message, which checks the proof, finishes,
// and answers with that message (finish); the Leader finishes on it.
type vdaf struct {
	sv *sumvec.SumVec
}

func newVDAF(taskID dap.TaskID) (*vdaf, error) {
	sv, err := dap.NewVDAF(taskID)
	if err != nil {
		return nil, err
	}
	return &vdaf{sv: sv}, nil
}

func nonceOf(id dap.ReportID) *sumvec.Nonce { n := sumvec.Nonce(id); return &n }

func pingPong(b []byte) (dap.PingPongMessage, error) {
	var m dap.PingPongMessage
	err := m.UnmarshalBinary(b)
	return m, err
}

func encodePingPong(m dap.PingPongMessage) []byte {
	b, _ := m.MarshalBinary()
	return b
}

// leaderInit starts preparation of one report on the Leader; it returns the
// prep state to finish with and the ping-pong initialize message.
func (v *vdaf) leaderInit(key *sumvec.VerifyKey, id dap.ReportID, publicShare, share []byte) (*sumvec.PrepState, []byte, dap.ReportError) {
	is, err := dap.DecodeInputShare(v.sv, 0, share)
	if err != nil {
		return nil, nil, dap.ReportErrorInvalidMessage
	}
	ps, err := dap.DecodePublicShare(v.sv, publicShare)
	if err != nil {
		return nil, nil, dap.ReportErrorInvalidMessage
	}
	st, prep, err := v.sv.PrepInit(key, nonceOf(id), 0, ps, is)
	if err != nil {
		return nil, nil, dap.ReportErrorVdafPrepError
	}
	b, err := prep.MarshalBinary()
	if err != nil {
		return nil, nil, dap.ReportErrorVdafPrepError
	}
	return st, encodePingPong(dap.PingPongMessage{Type: dap.PingPongInitialize, PrepShare: b}), 0
}

// helperInit runs the Helper's whole (one-round) preparation: its own prep
// share, the combination with the Leader's (which checks the proof), its
// output share, and the ping-pong finish message for the Leader.
func (v *vdaf) helperInit(key *sumvec.VerifyKey, id dap.ReportID, publicShare, share, inbound []byte) (*sumvec.OutShare, []byte, dap.ReportError) {
	in, err := pingPong(inbound)
	if err != nil || in.Type != dap.PingPongInitialize {
		return nil, nil, dap.ReportErrorInvalidMessage
	}
	is, err := dap.DecodeInputShare(v.sv, 1, share)
	if err != nil {
		return nil, nil, dap.ReportErrorInvalidMessage
	}
	ps, err := dap.DecodePublicShare(v.sv, publicShare)
	if err != nil {
		return nil, nil, dap.ReportErrorInvalidMessage
	}
	st, mine, err := v.sv.PrepInit(key, nonceOf(id), 1, ps, is)
	if err != nil {
		return nil, nil, dap.ReportErrorVdafPrepError
	}
	p := v.sv.Params()
	theirs := new(sumvec.PrepShare)
	theirs.New(&p)
	if err := theirs.UnmarshalBinary(in.PrepShare); err != nil {
		return nil, nil, dap.ReportErrorInvalidMessage
	}
	msg, err := v.sv.PrepSharesToPrep([]sumvec.PrepShare{*theirs, *mine})
	if err != nil {
		return nil, nil, dap.ReportErrorVdafPrepError
	}
	out, err := v.sv.PrepNext(st, msg)
	if err != nil {
		return nil, nil, dap.ReportErrorVdafPrepError
	}
	mb, err := msg.MarshalBinary()
	if err != nil {
		return nil, nil, dap.ReportErrorVdafPrepError
	}
	return out, encodePingPong(dap.PingPongMessage{Type: dap.PingPongFinish, PrepMsg: mb}), 0
}

// leaderFinish consumes the Helper's ping-pong finish message.
func (v *vdaf) leaderFinish(st *sumvec.PrepState, inbound []byte) (*sumvec.OutShare, error) {
	in, err := pingPong(inbound)
	if err != nil {
		return nil, err
	}
	if in.Type != dap.PingPongFinish {
		return nil, fmt.Errorf("%w: helper answered ping-pong type %d, want finish (2)", dap.ErrMalformed, in.Type)
	}
	p := v.sv.Params()
	msg := new(sumvec.PrepMessage)
	msg.New(&p)
	if err := msg.UnmarshalBinary(in.PrepMsg); err != nil {
		return nil, fmt.Errorf("%w: prep message", dap.ErrMalformed)
	}
	out, err := v.sv.PrepNext(st, msg)
	if err != nil {
		return nil, fmt.Errorf("vdaf prep: %w", err)
	}
	return out, nil
}

func (v *vdaf) newAggShare() sumvec.AggShare { return v.sv.AggregateInit() }

// checkAggShare checks that b is an encoded aggregate share of the task's
// length.
func (v *vdaf) checkAggShare(b []byte) error {
	p := v.sv.Params()
	var s sumvec.AggShare
	s.New(&p)
	if err := s.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("%w: aggregate share of %d bytes, want %d Field128 elements", dap.ErrMalformed, len(b), p.OutputLength())
	}
	return nil
}

// fieldVec views encoded Field128 elements (aggregate or output shares) as
// a vector, for merging, the DP noise and the independence tests.
func fieldVec(b []byte) (fp128.Vec, error) {
	if len(b)%fp128.Size != 0 {
		return nil, dap.ErrMalformed
	}
	v := make(fp128.Vec, len(b)/fp128.Size)
	if err := v.UnmarshalBinary(b); err != nil {
		return nil, dap.ErrMalformed
	}
	return v, nil
}

// reportErrorNames are the draft's names of the report errors, for
// messages and stats.
var reportErrorNames = [...]string{"reserved", "batch_collected", "report_replayed", "report_dropped",
	"hpke_unknown_config_id", "hpke_decrypt_error", "vdaf_prep_error", "task_expired", "invalid_message",
	"report_too_early", "task_not_started"}

func reportErrorName(e dap.ReportError) string {
	if int(e) < len(reportErrorNames) {
		return reportErrorNames[e]
	}
	return fmt.Sprintf("report_error(%d)", int(e))
}

// Interval aliases the DAP interval: [Start, Start+Duration) in Unix
// seconds.
type Interval = dap.Interval

func contains(iv Interval, t uint64) bool { return t >= iv.Start && t-iv.Start < iv.Duration }
