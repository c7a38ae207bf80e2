package dap

import (
	"github.com/cloudflare/circl/vdaf/prio3/sumvec"
)

// LayoutVersion is the version of the measurement layout below. The task's
// VDAF (Prio3SumVec with these parameters) follows from it; a new layout is
// a new task.
const LayoutVersion = 1

// Measurement layout v1: one report per shopper per day, a vector of
// MeasurementLength counters of MeasurementBits bits each. A shopper whose
// consent is "off", or whose browser sends Global Privacy Control, never
// reports, so every report has exactly one consent entry set.
const (
	// IndexConsentSession .. IndexConsentSignalLimited are a one-hot of
	// the consent level at report time.
	IndexConsentSession       = 0
	IndexConsentFull          = 1
	IndexConsentSignalLimited = 2 // reserved: a CMP/Consent-Mode signal held the level below the shopper's choice
	// IndexArmControl is 1 when the shopper's visits that day got the
	// popularity fallback (the control arm), 0 for personal.
	IndexArmControl = 3
	// Counters of recommended items in the personal arm.
	IndexPersonalImpressions = 4
	IndexPersonalClicks      = 5
	IndexPersonalPurchases   = 6
	// The same counters in the control arm.
	IndexControlImpressions = 7
	IndexControlClicks      = 8
	IndexControlPurchases   = 9
	// IndexVisits counts page views with recommendations that day.
	IndexVisits = 10

	MeasurementLength = 11
	MeasurementBits   = 8
	MaxEntry          = 1<<MeasurementBits - 1

	// ChunkLength is the ParallelSum chunk length of the SumVec circuit.
	// The VDAF draft (draft-irtf-cfrg-vdaf-14, "Selection of ParallelSum
	// Chunk Length") says the best value must be found by trial: 13 gives
	// the shortest proof for 88 encoded bits (41 field elements, against 47 for the square root,
	// 9); TestChunkLengthIsOptimal checks it against every other value.
	ChunkLength = 13

	// ProofLength is the proof's length in field elements for these
	// parameters (TestChunkLengthIsOptimal checks it against circl).
	ProofLength = 41
)

// Sizes of what a layout-v1 report carries, from the VDAF draft's
// encodings (Field128 elements of 16 bytes, XOF seeds of 32): the
// leader's input share is its measurement share, proof share and blind;
// the helper's is a seed that expands to its shares, and its blind; the
// public share is the two joint-randomness parts. A sealed input share's
// payload is the PlaintextInputShare (a 2-byte empty extension list, a
// 4-byte length, the share) plus AES-128-GCM's 16-byte tag, and its enc
// is an X25519 public key. The harness checks a report against these.
const (
	fieldSize = 16
	seedSize  = 32

	LeaderInputShareSize = fieldSize*(MeasurementLength*MeasurementBits+ProofLength) + seedSize
	HelperInputShareSize = 2 * seedSize
	PublicShareSize      = 2 * seedSize

	LeaderCiphertextSize = 2 + 4 + LeaderInputShareSize + 16
	HelperCiphertextSize = 2 + 4 + HelperInputShareSize + 16
	EncSize              = x25519Size

	// ReportSize is the encoded Report: metadata (16-byte id, 8-byte
	// time, an empty extension list), the public share behind 4 bytes,
	// and two HpkeCiphertexts (config id, enc behind 2 bytes, payload
	// behind 4).
	ReportSize = 16 + 8 + 2 + 4 + PublicShareSize +
		(1 + 2 + EncSize + 4 + LeaderCiphertextSize) + (1 + 2 + EncSize + 4 + HelperCiphertextSize)
)

// LayoutNames names the entries, index by index: the JS SDK mirrors them
// (wasm/measure/layout.json, checked by TestLayoutJSON).
var LayoutNames = [MeasurementLength]string{
	"consent_session", "consent_full", "consent_signal_limited", "arm_control",
	"personal_impressions", "personal_clicks", "personal_purchases",
	"control_impressions", "control_clicks", "control_purchases", "visits",
}

// PrepareMeasurement checks m against the layout and returns the vector
// the VDAF shards: the counters clipped to MaxEntry (a device clips rather
// than refusing a busy day), the consent one-hot and the arm checked
// exactly, since clipping those would report a state that never was.
// Errors wrap ErrBadMeasurement and say which entry is wrong.
func PrepareMeasurement(m []uint64) ([]uint64, error) {
	if len(m) != MeasurementLength {
		return nil, errorf(ErrBadMeasurement, "%d entries, layout v%d has %d (%s ... %s)",
			len(m), LayoutVersion, MeasurementLength, LayoutNames[0], LayoutNames[MeasurementLength-1])
	}
	out := make([]uint64, MeasurementLength)
	consent := 0
	for i, v := range m {
		switch {
		case i <= IndexConsentSignalLimited || i == IndexArmControl:
			if v > 1 {
				return nil, errorf(ErrBadMeasurement, "entry %d (%s) is %d; it must be 0 or 1", i, LayoutNames[i], v)
			}
			if i != IndexArmControl {
				consent += int(v)
			}
		case v > MaxEntry:
			v = MaxEntry
		}
		out[i] = v
	}
	if consent != 1 {
		return nil, errorf(ErrBadMeasurement, "%d consent entries set; exactly one of %s, %s, %s must be 1 (a shopper with consent off or GPC on never reports)",
			consent, LayoutNames[0], LayoutNames[1], LayoutNames[2])
	}
	return out, nil
}

// Context is the VDAF application context of a task: "dap-15" || task id
// (Section 4.5.2 of the DAP draft).
func Context(taskID TaskID) []byte { return append([]byte(Draft), taskID[:]...) }

// NewVDAF returns the task's VDAF: two-party Prio3SumVec with the layout's
// length, bits and chunk length, in the task's context. Aggregators use it
// for preparation, the collector for unsharding.
func NewVDAF(taskID TaskID) (*sumvec.SumVec, error) {
	v, err := sumvec.New(2, MeasurementLength, MeasurementBits, ChunkLength, Context(taskID))
	if err != nil {
		return nil, errorf(ErrBadRequest, "new Prio3SumVec: %v", err)
	}
	return v, nil
}

// DecodePublicShare decodes a report's public share for v.
func DecodePublicShare(v *sumvec.SumVec, b []byte) (sumvec.PublicShare, error) {
	params := v.Params()
	var s sumvec.PublicShare
	s.New(&params)
	if err := s.UnmarshalBinary(b); err != nil {
		return nil, errorf(ErrMalformed, "Prio3SumVec public share: %v", err)
	}
	return s, nil
}

// DecodeInputShare decodes the input share of aggregator aggID (0 the
// leader, 1 the helper) for v, from a PlaintextInputShare's payload.
func DecodeInputShare(v *sumvec.SumVec, aggID uint8, b []byte) (sumvec.InputShare, error) {
	params := v.Params()
	var s sumvec.InputShare
	s.New(&params, uint(aggID))
	if err := s.UnmarshalBinary(b); err != nil {
		return sumvec.InputShare{}, errorf(ErrMalformed, "Prio3SumVec input share %d: %v", int(aggID), err)
	}
	return s, nil
}
