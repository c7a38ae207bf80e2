package dap

import (
	"bytes"
	"io"
)

// ReportParams is what a client knows of a task: its id, both
// aggregators' HPKE config lists (as served at their hpke_config
// endpoints), the time and the task's time precision.
type ReportParams struct {
	TaskID        TaskID
	Leader        HpkeConfigList
	Helper        HpkeConfigList
	Now           int64  // Unix seconds
	TimePrecision uint64 // seconds; the report time is Now rounded down to it
}

// Sizes of the pieces of a report's entropy, in the order EntropySize
// counts them.
const (
	reportIDSize = 16
	vdafRandSize = 128 // Prio3SumVec, two shares, joint randomness: four 32-byte seeds (helper share, proof, two blinds)
	sealSeedSize = x25519Size
)

// EntropySize is how many random bytes one report takes: the report id,
// the VDAF's sharding randomness and one HPKE encapsulation seed per
// aggregator. Drawing them in one read keeps the module's host calls to
// a single random_get per report, whatever the measurement.
const EntropySize = reportIDSize + vdafRandSize + 2*sealSeedSize

// NewReport is the client's whole job (Section 4.5.2 of the DAP draft): it
// shards the measurement with the report id as nonce, wraps each input
// share in a PlaintextInputShare without extensions, and seals the
// leader's and the helper's to their first supported HPKE config, bound
// to the report by the InputShareAad. It is a pure function of its
// arguments: entropy (EntropySize bytes, from a cryptographically secure
// source) is the only randomness, so the same call natively and in the
// module gives the same bytes.
//
// The measurement goes through PrepareMeasurement (layout v1).
func NewReport(p *ReportParams, measurement []uint64, entropy []byte) (Report, error) {
	if len(entropy) != EntropySize {
		return Report{}, errorf(ErrBadRequest, "entropy is %d bytes, a report takes %d", len(entropy), EntropySize)
	}
	if p.TimePrecision == 0 {
		return Report{}, errorf(ErrBadRequest, "time precision is 0; use the task's time_precision in seconds (e.g. 86400 for a day)")
	}
	if p.Now < 0 {
		return Report{}, errorf(ErrBadRequest, "now is %d, before 1970", p.Now)
	}
	leader, err := p.Leader.SelectConfig()
	if err != nil {
		return Report{}, wrapf(err, "leader")
	}
	helper, err := p.Helper.SelectConfig()
	if err != nil {
		return Report{}, wrapf(err, "helper")
	}
	m, err := PrepareMeasurement(measurement)
	if err != nil {
		return Report{}, err
	}
	vdaf, err := NewVDAF(p.TaskID)
	if err != nil {
		return Report{}, err
	}
	if params := vdaf.Params(); int(params.RandSize()) != vdafRandSize {
		n := int(params.RandSize())
		return Report{}, errorf(ErrBadRequest, "Prio3SumVec wants %d bytes of randomness, the client draws %d (a circl change?)", n, vdafRandSize)
	}

	var meta ReportMetadata
	copy(meta.ID[:], entropy[:reportIDSize])
	meta.Time = uint64(p.Now) - uint64(p.Now)%p.TimePrecision
	rest := entropy[reportIDSize:]

	public, shares, err := shard(vdaf, m, &meta.ID, rest[:vdafRandSize])
	if err != nil {
		return Report{}, err
	}
	rest = rest[vdafRandSize:]

	aad := InputShareAad{TaskID: p.TaskID, Metadata: meta, PublicShare: public}
	r := Report{Metadata: meta, PublicShare: public}
	for i, to := range [2]struct {
		cfg  HpkeConfig
		role Role
		out  *HpkeCiphertext
	}{{leader, RoleLeader, &r.LeaderShare}, {helper, RoleHelper, &r.HelperShare}} {
		seed := rest[i*sealSeedSize : (i+1)*sealSeedSize]
		ct, err := SealInputShare(to.cfg, to.role, &aad, &PlaintextInputShare{Payload: shares[i]}, bytes.NewReader(seed))
		if err != nil {
			return Report{}, err
		}
		*to.out = ct
	}
	return r, nil
}

// GenerateReport is NewReport with EntropySize bytes read from rand.
func GenerateReport(p *ReportParams, measurement []uint64, rand io.Reader) (Report, error) {
	entropy := make([]byte, EntropySize)
	if _, err := io.ReadFull(rand, entropy); err != nil {
		return Report{}, errorf(ErrBadRequest, "read entropy: %v", err)
	}
	return NewReport(p, measurement, entropy)
}
