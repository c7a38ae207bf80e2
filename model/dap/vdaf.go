package dap

import "github.com/cloudflare/circl/vdaf/prio3/sumvec"

// shard shards m with the report id as nonce and rand, and returns the
// encoded public share and input shares (the bytes a Report carries). The
// test vectors of other SumVec parameters go through it too.
func shard(v *sumvec.SumVec, m []uint64, id *ReportID, rand []byte) ([]byte, [][]byte, error) {
	nonce := sumvec.Nonce(*id)
	pub, shares, err := v.Shard(m, &nonce, rand)
	if err != nil {
		return nil, nil, errorf(ErrBadMeasurement, "shard: %v", err)
	}
	pb, err := pub.MarshalBinary()
	if err != nil {
		return nil, nil, errorf(ErrBadRequest, "encode public share: %v", err)
	}
	out := make([][]byte, len(shares))
	for i := range shares {
		if out[i], err = shares[i].MarshalBinary(); err != nil {
			return nil, nil, errorf(ErrBadRequest, "encode input share %d: %v", i, err)
		}
	}
	return pb, out, nil
}
