package dap

import (
	"crypto/sha256"
	"encoding/base64"
)

// The messages of draft-ietf-ppm-dap-15, field for field. Each type's
// encode and decode follow the draft's struct definition in order; the
// section each comes from is named in its doc comment. MarshalBinary,
// AppendBinary and UnmarshalBinary (messages_gen.go) wrap them.

// TaskID identifies a DAP task (Section 4.2: opaque TaskID[32]).
type TaskID [32]byte

// String is the task id in URL-safe unpadded base64, as in resource URLs.
func (t TaskID) String() string { return base64.RawURLEncoding.EncodeToString(t[:]) }

// ReportID identifies a report within a task; it is the VDAF nonce
// (Section 4.1: opaque ReportID[16]).
type ReportID [16]byte

// String is the report id in URL-safe unpadded base64.
func (r ReportID) String() string { return base64.RawURLEncoding.EncodeToString(r[:]) }

// Role is a protocol participant (Section 4.1).
type Role uint8

// Roles.
const (
	RoleCollector Role = 0
	RoleClient    Role = 1
	RoleLeader    Role = 2
	RoleHelper    Role = 3
)

// HpkeConfig is one HPKE configuration an aggregator or collector serves
// (Section 4.5.1). The algorithm ids are RFC 9180's.
type HpkeConfig struct {
	ID        uint8
	KEM       uint16
	KDF       uint16
	AEAD      uint16
	PublicKey []byte // opaque HpkePublicKey<0..2^16-1>
}

func (c *HpkeConfig) encode(e *encoder) {
	e.u8(c.ID)
	e.u16(c.KEM)
	e.u16(c.KDF)
	e.u16(c.AEAD)
	e.opaque(2, c.PublicKey, "HpkeConfig.public_key")
}

func (c *HpkeConfig) decode(d *decoder) {
	c.ID = d.u8("HpkeConfig.id")
	c.KEM = d.u16("HpkeConfig.kem_id")
	c.KDF = d.u16("HpkeConfig.kdf_id")
	c.AEAD = d.u16("HpkeConfig.aead_id")
	c.PublicKey = d.opaque(2, "HpkeConfig.public_key")
}

// HpkeConfigList is what an aggregator serves at {aggregator}/hpke_config,
// in decreasing order of preference (HpkeConfig HpkeConfigList<0..2^16-1>).
// The decoder refuses two configs with the same id (the draft requires
// distinct ids); an empty list decodes, and SelectConfig refuses it.
type HpkeConfigList []HpkeConfig

func (l *HpkeConfigList) encode(e *encoder) {
	e.vector(2, "HpkeConfigList", func() {
		for i := range *l {
			(*l)[i].encode(e)
		}
	})
}

func (l *HpkeConfigList) decode(d *decoder) {
	s := d.sub(2, "HpkeConfigList")
	var out HpkeConfigList
	var seen [256]bool
	for s.more() {
		var c HpkeConfig
		c.decode(s)
		if s.err == nil && seen[c.ID] {
			s.fail("HpkeConfigList", "config id %d appears twice", int(c.ID))
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	d.join(s)
	*l = out
}

// HpkeCiphertext is an HPKE-sealed message and the config it was sealed
// to (Section 4.1).
type HpkeCiphertext struct {
	ConfigID uint8
	Enc      []byte // opaque enc<0..2^16-1>
	Payload  []byte // opaque payload<0..2^32-1>
}

func (c *HpkeCiphertext) encode(e *encoder) {
	e.u8(c.ConfigID)
	e.opaque(2, c.Enc, "HpkeCiphertext.enc")
	e.opaque(4, c.Payload, "HpkeCiphertext.payload")
}

func (c *HpkeCiphertext) decode(d *decoder) {
	c.ConfigID = d.u8("HpkeCiphertext.config_id")
	c.Enc = d.opaque(2, "HpkeCiphertext.enc")
	c.Payload = d.opaque(4, "HpkeCiphertext.payload")
}

// Extension is a report extension (Section 4.5.3). privrec's client sends
// none; aggregators must refuse reports with extensions they do not know.
type Extension struct {
	Type uint16
	Data []byte // opaque extension_data<0..2^16-1>
}

func encodeExtensions(e *encoder, exts []Extension, what string) {
	e.vector(2, what, func() {
		for _, x := range exts {
			e.u16(x.Type)
			e.opaque(2, x.Data, what+".extension_data")
		}
	})
}

func decodeExtensions(d *decoder, what string) []Extension {
	s := d.sub(2, what)
	var out []Extension
	for s.more() {
		var x Extension
		x.Type = s.u16(what + ".extension_type")
		x.Data = s.opaque(2, what+".extension_data")
		out = append(out, x)
	}
	d.join(s)
	return out
}

// ReportMetadata is a report's public metadata (Section 4.5.2).
type ReportMetadata struct {
	ID               ReportID
	Time             uint64 // truncated to the task's time_precision
	PublicExtensions []Extension
}

func (m *ReportMetadata) encode(e *encoder) {
	e.raw(m.ID[:])
	e.u64(m.Time)
	encodeExtensions(e, m.PublicExtensions, "ReportMetadata.public_extensions")
}

func (m *ReportMetadata) decode(d *decoder) {
	d.fixed(m.ID[:], "ReportMetadata.report_id")
	m.Time = d.u64("ReportMetadata.time")
	m.PublicExtensions = decodeExtensions(d, "ReportMetadata.public_extensions")
}

// Report is what a client uploads to {leader}/tasks/{task-id}/reports
// (Section 4.5.2).
type Report struct {
	Metadata    ReportMetadata
	PublicShare []byte // opaque public_share<0..2^32-1>
	LeaderShare HpkeCiphertext
	HelperShare HpkeCiphertext
}

func (r *Report) encode(e *encoder) {
	r.Metadata.encode(e)
	e.opaque(4, r.PublicShare, "Report.public_share")
	r.LeaderShare.encode(e)
	r.HelperShare.encode(e)
}

func (r *Report) decode(d *decoder) {
	r.Metadata.decode(d)
	r.PublicShare = d.opaque(4, "Report.public_share")
	r.LeaderShare.decode(d)
	r.HelperShare.decode(d)
}

// PlaintextInputShare is what each aggregator's ciphertext seals (Section
// 4.5.2): its private extensions and its VDAF input share.
type PlaintextInputShare struct {
	PrivateExtensions []Extension
	Payload           []byte // opaque payload<0..2^32-1>
}

func (p *PlaintextInputShare) encode(e *encoder) {
	encodeExtensions(e, p.PrivateExtensions, "PlaintextInputShare.private_extensions")
	e.opaque(4, p.Payload, "PlaintextInputShare.payload")
}

func (p *PlaintextInputShare) decode(d *decoder) {
	p.PrivateExtensions = decodeExtensions(d, "PlaintextInputShare.private_extensions")
	p.Payload = d.opaque(4, "PlaintextInputShare.payload")
}

// InputShareAad is the AAD of both input-share ciphertexts (Section 4.5.2).
type InputShareAad struct {
	TaskID      TaskID
	Metadata    ReportMetadata
	PublicShare []byte
}

func (a *InputShareAad) encode(e *encoder) {
	e.raw(a.TaskID[:])
	a.Metadata.encode(e)
	e.opaque(4, a.PublicShare, "InputShareAad.public_share")
}

func (a *InputShareAad) decode(d *decoder) {
	d.fixed(a.TaskID[:], "InputShareAad.task_id")
	a.Metadata.decode(d)
	a.PublicShare = d.opaque(4, "InputShareAad.public_share")
}

// Interval is a half-open time interval [Start, Start+Duration) (Section
// 4.1.1).
type Interval struct {
	Start    uint64
	Duration uint64
}

func (iv *Interval) encode(e *encoder) { e.u64(iv.Start); e.u64(iv.Duration) }
func (iv *Interval) decode(d *decoder) {
	iv.Start = d.u64("Interval.start")
	iv.Duration = d.u64("Interval.duration")
}

// BatchMode selects how reports are grouped into batches (Section 5).
type BatchMode uint8

// Batch modes.
const (
	BatchModeTimeInterval   BatchMode = 1
	BatchModeLeaderSelected BatchMode = 2
)

// BatchSelector, PartialBatchSelector and Query share one shape (Sections
// 4.6.2.1, 4.7.1, 4.7.3): a batch mode and an opaque config<0..2^16-1>
// whose contents the mode defines. The decoder does not interpret Config;
// TimeInterval reads it for the time-interval mode.
type BatchSelector struct {
	Mode   BatchMode
	Config []byte
}

func (s *BatchSelector) encode(e *encoder) {
	e.u8(uint8(s.Mode))
	e.opaque(2, s.Config, "BatchSelector.config")
}

func (s *BatchSelector) decode(d *decoder) {
	s.Mode = BatchMode(d.u8("BatchSelector.batch_mode"))
	s.Config = d.opaque(2, "BatchSelector.config")
}

// TimeIntervalSelector is the time-interval selector (or query) of iv:
// its config is the encoded Interval.
func TimeIntervalSelector(iv Interval) BatchSelector {
	e := &encoder{}
	iv.encode(e)
	return BatchSelector{Mode: BatchModeTimeInterval, Config: e.b}
}

// TimeInterval returns the batch interval of a time-interval selector or
// query, or ErrMalformed for another mode or a config that is not exactly
// one Interval.
func (s BatchSelector) TimeInterval() (Interval, error) {
	if s.Mode != BatchModeTimeInterval {
		return Interval{}, errorf(ErrMalformed, "batch mode %d is not time_interval (1)", int(s.Mode))
	}
	var iv Interval
	return iv, unmarshal(s.Config, &iv, "TimeIntervalBatchSelectorConfig")
}

// PartialBatchSelector is the selector the leader sends in aggregation
// jobs (Section 4.6.2.1); its config is empty for the time-interval mode.
type PartialBatchSelector = BatchSelector

// Query is the collector's query (Section 4.7.1).
type Query = BatchSelector

// ReportShare is one report as the leader forwards it to the helper
// (Section 4.6.2.1), with the helper's ciphertext only.
type ReportShare struct {
	Metadata            ReportMetadata
	PublicShare         []byte
	EncryptedInputShare HpkeCiphertext
}

func (r *ReportShare) encode(e *encoder) {
	r.Metadata.encode(e)
	e.opaque(4, r.PublicShare, "ReportShare.public_share")
	r.EncryptedInputShare.encode(e)
}

func (r *ReportShare) decode(d *decoder) {
	r.Metadata.decode(d)
	r.PublicShare = d.opaque(4, "ReportShare.public_share")
	r.EncryptedInputShare.decode(d)
}

// PrepareInit is one report of an aggregation job and the leader's first
// ping-pong message for it (Section 4.6.2.1).
type PrepareInit struct {
	ReportShare ReportShare
	Payload     []byte // an encoded PingPongMessage
}

func (p *PrepareInit) encode(e *encoder) {
	p.ReportShare.encode(e)
	e.opaque(4, p.Payload, "PrepareInit.payload")
}

func (p *PrepareInit) decode(d *decoder) {
	p.ReportShare.decode(d)
	p.Payload = d.opaque(4, "PrepareInit.payload")
}

// AggregationJobInitReq starts an aggregation job at the helper (Section
// 4.6.2.1).
type AggregationJobInitReq struct {
	AggParam          []byte
	PartBatchSelector PartialBatchSelector
	PrepareInits      []PrepareInit
}

func (r *AggregationJobInitReq) encode(e *encoder) {
	e.opaque(4, r.AggParam, "AggregationJobInitReq.agg_param")
	r.PartBatchSelector.encode(e)
	encodeList(e, "AggregationJobInitReq.prepare_inits", r.PrepareInits)
}

func (r *AggregationJobInitReq) decode(d *decoder) {
	r.AggParam = d.opaque(4, "AggregationJobInitReq.agg_param")
	r.PartBatchSelector.decode(d)
	r.PrepareInits = decodeList[PrepareInit](d, "AggregationJobInitReq.prepare_inits")
}

// PrepareRespState is the state of one report in a helper's response
// (Section 4.6.2.2).
type PrepareRespState uint8

// Prepare response states.
const (
	PrepareContinued PrepareRespState = 0
	PrepareFinished  PrepareRespState = 1
	PrepareRejected  PrepareRespState = 2
)

// ReportError says why a report was rejected (Section 4.6.2.2).
type ReportError uint8

// Report errors.
const (
	ReportErrorReserved            ReportError = 0
	ReportErrorBatchCollected      ReportError = 1
	ReportErrorReportReplayed      ReportError = 2
	ReportErrorReportDropped       ReportError = 3
	ReportErrorHpkeUnknownConfigID ReportError = 4
	ReportErrorHpkeDecryptError    ReportError = 5
	ReportErrorVdafPrepError       ReportError = 6
	ReportErrorTaskExpired         ReportError = 7
	ReportErrorInvalidMessage      ReportError = 8
	ReportErrorReportTooEarly      ReportError = 9
	ReportErrorTaskNotStarted      ReportError = 10
)

// PrepareResp is the helper's answer for one report (Section 4.6.2.2):
// Payload for PrepareContinued, nothing for PrepareFinished, Error for
// PrepareRejected. The decoder refuses any other state (the rest of the
// encoding depends on it).
type PrepareResp struct {
	ReportID ReportID
	State    PrepareRespState
	Payload  []byte      // PrepareContinued: an encoded PingPongMessage
	Error    ReportError // PrepareRejected
}

func (p *PrepareResp) encode(e *encoder) {
	e.raw(p.ReportID[:])
	e.u8(uint8(p.State))
	switch p.State {
	case PrepareContinued:
		e.opaque(4, p.Payload, "PrepareResp.payload")
	case PrepareFinished:
	case PrepareRejected:
		e.u8(uint8(p.Error))
	default:
		if e.err == nil {
			e.err = errorf(ErrMalformed, "PrepareResp: state %d is not continue, finished or reject", int(p.State))
		}
	}
}

func (p *PrepareResp) decode(d *decoder) {
	d.fixed(p.ReportID[:], "PrepareResp.report_id")
	p.State = PrepareRespState(d.u8("PrepareResp.prepare_resp_state"))
	switch p.State {
	case PrepareContinued:
		p.Payload = d.opaque(4, "PrepareResp.payload")
	case PrepareFinished:
	case PrepareRejected:
		p.Error = ReportError(d.u8("PrepareResp.report_error"))
	default:
		d.fail("PrepareResp.prepare_resp_state", "unknown state %d", int(p.State))
	}
}

// AggregationJobResp is the helper's answer to an aggregation job request
// (Section 4.6.2.2).
type AggregationJobResp struct {
	PrepareResps []PrepareResp
}

func (r *AggregationJobResp) encode(e *encoder) {
	encodeList(e, "AggregationJobResp.prepare_resps", r.PrepareResps)
}

func (r *AggregationJobResp) decode(d *decoder) {
	r.PrepareResps = decodeList[PrepareResp](d, "AggregationJobResp.prepare_resps")
}

// PrepareContinue is the leader's next ping-pong message for one report
// (Section 4.6.3.1). Prio3 finishes in one round, so privrec's aggregators
// never send it; it is here for completeness of the codec.
type PrepareContinue struct {
	ReportID ReportID
	Payload  []byte
}

func (p *PrepareContinue) encode(e *encoder) {
	e.raw(p.ReportID[:])
	e.opaque(4, p.Payload, "PrepareContinue.payload")
}

func (p *PrepareContinue) decode(d *decoder) {
	d.fixed(p.ReportID[:], "PrepareContinue.report_id")
	p.Payload = d.opaque(4, "PrepareContinue.payload")
}

// AggregationJobContinueReq continues an aggregation job (Section 4.6.3.1).
type AggregationJobContinueReq struct {
	Step             uint16
	PrepareContinues []PrepareContinue
}

func (r *AggregationJobContinueReq) encode(e *encoder) {
	e.u16(r.Step)
	encodeList(e, "AggregationJobContinueReq.prepare_continues", r.PrepareContinues)
}

func (r *AggregationJobContinueReq) decode(d *decoder) {
	r.Step = d.u16("AggregationJobContinueReq.step")
	r.PrepareContinues = decodeList[PrepareContinue](d, "AggregationJobContinueReq.prepare_continues")
}

// CollectionJobReq is the collector's request for a batch (Section 4.7.1).
type CollectionJobReq struct {
	Query    Query
	AggParam []byte
}

func (r *CollectionJobReq) encode(e *encoder) {
	r.Query.encode(e)
	e.opaque(4, r.AggParam, "CollectionJobReq.agg_param")
}

func (r *CollectionJobReq) decode(d *decoder) {
	r.Query.decode(d)
	r.AggParam = d.opaque(4, "CollectionJobReq.agg_param")
}

// CollectionJobResp carries both encrypted aggregate shares to the
// collector (Section 4.7.1).
type CollectionJobResp struct {
	PartBatchSelector PartialBatchSelector
	ReportCount       uint64
	Interval          Interval
	LeaderShare       HpkeCiphertext
	HelperShare       HpkeCiphertext
}

func (r *CollectionJobResp) encode(e *encoder) {
	r.PartBatchSelector.encode(e)
	e.u64(r.ReportCount)
	r.Interval.encode(e)
	r.LeaderShare.encode(e)
	r.HelperShare.encode(e)
}

func (r *CollectionJobResp) decode(d *decoder) {
	r.PartBatchSelector.decode(d)
	r.ReportCount = d.u64("CollectionJobResp.report_count")
	r.Interval.decode(d)
	r.LeaderShare.decode(d)
	r.HelperShare.decode(d)
}

// Checksum is a batch checksum: the XOR of the SHA-256 of every report id
// aggregated (Section 4.6.3.3).
type Checksum [32]byte

// Add folds one report id into c.
func (c *Checksum) Add(id ReportID) {
	h := sha256.Sum256(id[:])
	for i := range c {
		c[i] ^= h[i]
	}
}

// Merge folds another checksum into c (checksums combine by XOR).
func (c *Checksum) Merge(o Checksum) {
	for i := range c {
		c[i] ^= o[i]
	}
}

// AggregateShareReq is the leader's request for the helper's aggregate
// share (Section 4.7.3).
type AggregateShareReq struct {
	BatchSelector BatchSelector
	AggParam      []byte
	ReportCount   uint64
	Checksum      Checksum
}

func (r *AggregateShareReq) encode(e *encoder) {
	r.BatchSelector.encode(e)
	e.opaque(4, r.AggParam, "AggregateShareReq.agg_param")
	e.u64(r.ReportCount)
	e.raw(r.Checksum[:])
}

func (r *AggregateShareReq) decode(d *decoder) {
	r.BatchSelector.decode(d)
	r.AggParam = d.opaque(4, "AggregateShareReq.agg_param")
	r.ReportCount = d.u64("AggregateShareReq.report_count")
	d.fixed(r.Checksum[:], "AggregateShareReq.checksum")
}

// AggregateShare is the helper's encrypted aggregate share (Section 4.7.3).
type AggregateShare struct {
	EncryptedAggregateShare HpkeCiphertext
}

func (r *AggregateShare) encode(e *encoder) { r.EncryptedAggregateShare.encode(e) }
func (r *AggregateShare) decode(d *decoder) { r.EncryptedAggregateShare.decode(d) }

// AggregateShareAad is the AAD of an aggregate share's ciphertext
// (Section 4.7.6).
type AggregateShareAad struct {
	TaskID        TaskID
	AggParam      []byte
	BatchSelector BatchSelector
}

func (a *AggregateShareAad) encode(e *encoder) {
	e.raw(a.TaskID[:])
	e.opaque(4, a.AggParam, "AggregateShareAad.agg_param")
	a.BatchSelector.encode(e)
}

func (a *AggregateShareAad) decode(d *decoder) {
	d.fixed(a.TaskID[:], "AggregateShareAad.task_id")
	a.AggParam = d.opaque(4, "AggregateShareAad.agg_param")
	a.BatchSelector.decode(d)
}

// PingPongType is the kind of a VDAF ping-pong message
// (draft-irtf-cfrg-vdaf-14, Section 5.7.1).
type PingPongType uint8

// Ping-pong message types.
const (
	PingPongInitialize PingPongType = 0
	PingPongContinue   PingPongType = 1
	PingPongFinish     PingPongType = 2
)

// PingPongMessage is the VDAF-14 ping-pong message that PrepareInit,
// PrepareResp and PrepareContinue carry as their payload: initialize
// carries PrepShare, continue PrepMsg then PrepShare, finish PrepMsg.
type PingPongMessage struct {
	Type      PingPongType
	PrepShare []byte
	PrepMsg   []byte
}

func (m *PingPongMessage) encode(e *encoder) {
	e.u8(uint8(m.Type))
	switch m.Type {
	case PingPongInitialize:
		e.opaque(4, m.PrepShare, "PingPongMessage.prep_share")
	case PingPongContinue:
		e.opaque(4, m.PrepMsg, "PingPongMessage.prep_msg")
		e.opaque(4, m.PrepShare, "PingPongMessage.prep_share")
	case PingPongFinish:
		e.opaque(4, m.PrepMsg, "PingPongMessage.prep_msg")
	default:
		if e.err == nil {
			e.err = errorf(ErrMalformed, "PingPongMessage: type %d is not initialize, continue or finish", int(m.Type))
		}
	}
}

func (m *PingPongMessage) decode(d *decoder) {
	m.Type = PingPongType(d.u8("PingPongMessage.type"))
	switch m.Type {
	case PingPongInitialize:
		m.PrepShare = d.opaque(4, "PingPongMessage.prep_share")
	case PingPongContinue:
		m.PrepMsg = d.opaque(4, "PingPongMessage.prep_msg")
		m.PrepShare = d.opaque(4, "PingPongMessage.prep_share")
	case PingPongFinish:
		m.PrepMsg = d.opaque(4, "PingPongMessage.prep_msg")
	default:
		d.fail("PingPongMessage.type", "unknown type %d", int(m.Type))
	}
}

// encodeList writes items as a vector with a 4-byte length, the shape of
// every per-report list in the aggregation messages.
func encodeList[T any, P interface {
	*T
	encode(*encoder)
}](e *encoder, what string, items []T) {
	e.vector(4, what, func() {
		for i := range items {
			P(&items[i]).encode(e)
		}
	})
}

// decodeList reads encodeList's vector; an empty one is nil.
func decodeList[T any, P interface {
	*T
	decode(*decoder)
}](d *decoder, what string) []T {
	s := d.sub(4, what)
	var out []T
	for s.more() {
		var x T
		P(&x).decode(s)
		out = append(out, x)
	}
	d.join(s)
	return out
}
