// The binary marshalling methods of every message, from one template.

package dap

// MarshalBinary encodes m as the draft's TLS encoding of HpkeConfig.
func (m *HpkeConfig) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *HpkeConfig) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one HpkeConfig from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *HpkeConfig) UnmarshalBinary(data []byte) error { return unmarshal(data, m, "HpkeConfig") }

// MarshalBinary encodes m as the draft's TLS encoding of HpkeConfigList.
func (m *HpkeConfigList) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *HpkeConfigList) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one HpkeConfigList from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *HpkeConfigList) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "HpkeConfigList")
}

// MarshalBinary encodes m as the draft's TLS encoding of HpkeCiphertext.
func (m *HpkeCiphertext) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *HpkeCiphertext) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one HpkeCiphertext from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *HpkeCiphertext) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "HpkeCiphertext")
}

// MarshalBinary encodes m as the draft's TLS encoding of ReportMetadata.
func (m *ReportMetadata) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *ReportMetadata) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one ReportMetadata from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *ReportMetadata) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "ReportMetadata")
}

// MarshalBinary encodes m as the draft's TLS encoding of Report.
func (m *Report) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *Report) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one Report from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *Report) UnmarshalBinary(data []byte) error { return unmarshal(data, m, "Report") }

// MarshalBinary encodes m as the draft's TLS encoding of PlaintextInputShare.
func (m *PlaintextInputShare) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *PlaintextInputShare) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one PlaintextInputShare from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *PlaintextInputShare) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "PlaintextInputShare")
}

// MarshalBinary encodes m as the draft's TLS encoding of InputShareAad.
func (m *InputShareAad) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *InputShareAad) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one InputShareAad from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *InputShareAad) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "InputShareAad")
}

// MarshalBinary encodes m as the draft's TLS encoding of Interval.
func (m *Interval) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *Interval) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one Interval from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *Interval) UnmarshalBinary(data []byte) error { return unmarshal(data, m, "Interval") }

// MarshalBinary encodes m as the draft's TLS encoding of BatchSelector.
func (m *BatchSelector) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *BatchSelector) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one BatchSelector from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *BatchSelector) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "BatchSelector")
}

// MarshalBinary encodes m as the draft's TLS encoding of ReportShare.
func (m *ReportShare) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *ReportShare) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one ReportShare from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *ReportShare) UnmarshalBinary(data []byte) error { return unmarshal(data, m, "ReportShare") }

// MarshalBinary encodes m as the draft's TLS encoding of PrepareInit.
func (m *PrepareInit) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *PrepareInit) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one PrepareInit from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *PrepareInit) UnmarshalBinary(data []byte) error { return unmarshal(data, m, "PrepareInit") }

// MarshalBinary encodes m as the draft's TLS encoding of AggregationJobInitReq.
func (m *AggregationJobInitReq) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *AggregationJobInitReq) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one AggregationJobInitReq from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *AggregationJobInitReq) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "AggregationJobInitReq")
}

// MarshalBinary encodes m as the draft's TLS encoding of PrepareResp.
func (m *PrepareResp) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *PrepareResp) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one PrepareResp from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *PrepareResp) UnmarshalBinary(data []byte) error { return unmarshal(data, m, "PrepareResp") }

// MarshalBinary encodes m as the draft's TLS encoding of AggregationJobResp.
func (m *AggregationJobResp) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *AggregationJobResp) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one AggregationJobResp from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *AggregationJobResp) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "AggregationJobResp")
}

// MarshalBinary encodes m as the draft's TLS encoding of PrepareContinue.
func (m *PrepareContinue) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *PrepareContinue) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one PrepareContinue from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *PrepareContinue) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "PrepareContinue")
}

// MarshalBinary encodes m as the draft's TLS encoding of AggregationJobContinueReq.
func (m *AggregationJobContinueReq) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *AggregationJobContinueReq) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one AggregationJobContinueReq from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *AggregationJobContinueReq) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "AggregationJobContinueReq")
}

// MarshalBinary encodes m as the draft's TLS encoding of CollectionJobReq.
func (m *CollectionJobReq) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *CollectionJobReq) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one CollectionJobReq from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *CollectionJobReq) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "CollectionJobReq")
}

// MarshalBinary encodes m as the draft's TLS encoding of CollectionJobResp.
func (m *CollectionJobResp) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *CollectionJobResp) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one CollectionJobResp from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *CollectionJobResp) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "CollectionJobResp")
}

// MarshalBinary encodes m as the draft's TLS encoding of AggregateShareReq.
func (m *AggregateShareReq) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *AggregateShareReq) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one AggregateShareReq from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *AggregateShareReq) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "AggregateShareReq")
}

// MarshalBinary encodes m as the draft's TLS encoding of AggregateShare.
func (m *AggregateShare) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *AggregateShare) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one AggregateShare from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *AggregateShare) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "AggregateShare")
}

// MarshalBinary encodes m as the draft's TLS encoding of AggregateShareAad.
func (m *AggregateShareAad) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *AggregateShareAad) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one AggregateShareAad from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *AggregateShareAad) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "AggregateShareAad")
}

// MarshalBinary encodes m as the draft's TLS encoding of PingPongMessage.
func (m *PingPongMessage) MarshalBinary() ([]byte, error) { return marshal(nil, m) }

// AppendBinary appends the encoding of m to b.
func (m *PingPongMessage) AppendBinary(b []byte) ([]byte, error) { return marshal(b, m) }

// UnmarshalBinary decodes exactly one PingPongMessage from data (no trailing bytes);
// it copies what it keeps. Errors wrap ErrMalformed.
func (m *PingPongMessage) UnmarshalBinary(data []byte) error {
	return unmarshal(data, m, "PingPongMessage")
}
