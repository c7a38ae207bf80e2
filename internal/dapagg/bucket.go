package dapagg

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"

	"github.com/privrec/privrec/model/dap"
)

// bucket is one time_interval batch bucket (DAP-15, "Batch Buckets"): the running
// aggregate share of the output shares committed to it, their count, and
// the XOR of their report ids' SHA-256, which the Leader and Helper compare
// before releasing anything.
type bucket struct {
	share     sumvec.AggShare
	count     uint64
	checksum  dap.Checksum
	collected bool
}

// buckets is an aggregator's batch state: the buckets by start time and the
// ids of every report committed to any of them (replay protection). Not safe
// for concurrent use; the owning aggregator holds its lock.
type buckets struct {
	v         *vdaf
	precision uint64
	byStart   map[uint64]*bucket
	committed map[dap.ReportID]struct{}
}

// maxBuckets caps a batch interval's length in time-precision steps, so a
// query cannot make an aggregator walk (or mark collected) billions of
// buckets.
const maxBuckets = 100_000

func newBuckets(v *vdaf, precision uint64) *buckets {
	return &buckets{v: v, precision: precision, byStart: map[uint64]*bucket{}, committed: map[dap.ReportID]struct{}{}}
}

// check says why out shares of report id at time t cannot be committed, or 0.
func (b *buckets) check(id dap.ReportID, t uint64) dap.ReportError {
	if _, ok := b.committed[id]; ok {
		return dap.ReportErrorReportReplayed
	}
	if k := b.byStart[t-t%b.precision]; k != nil && k.collected {
		return dap.ReportErrorBatchCollected
	}
	return 0
}

// commit adds one output share; the caller has run check.
func (b *buckets) commit(id dap.ReportID, t uint64, out *sumvec.OutShare) {
	start := t - t%b.precision
	k := b.byStart[start]
	if k == nil {
		k = &bucket{share: b.v.newAggShare()}
		b.byStart[start] = k
	}
	b.v.sv.AggregateUpdate(&k.share, out)
	k.count++
	k.checksum.Add(id)
	b.committed[id] = struct{}{}
}

// validInterval checks a collector's batch interval (DAP-15, "Time
// Interval"): non-empty and aligned to the time precision.
func (b *buckets) validInterval(iv Interval, task *dap.TaskID) *Problem {
	if iv.Duration == 0 || iv.Start%b.precision != 0 || iv.Duration%b.precision != 0 || iv.Start+iv.Duration < iv.Start ||
		iv.Duration/b.precision > maxBuckets {
		return problem(ProbBatchInvalid, http.StatusBadRequest, task,
			"batch interval [%d, +%d) must be non-empty, aligned to the task's time precision (%d s) and at most %d of it long", iv.Start, iv.Duration, b.precision, maxBuckets)
	}
	return nil
}

// batch is the merge of every bucket in iv.
type batch struct {
	share    sumvec.AggShare
	count    uint64
	checksum dap.Checksum
	first    uint64 // earliest bucket start with reports
	last     uint64 // latest bucket start with reports
	starts   []uint64
}

func (b *buckets) batch(iv Interval) (*batch, *Problem) {
	out := &batch{share: b.v.newAggShare()}
	for start, k := range b.byStart {
		if !contains(iv, start) {
			continue
		}
		if k.collected {
			return nil, problem(ProbBatchOverlap, http.StatusBadRequest, nil, "the bucket at %d in [%d, +%d) was already collected", start, iv.Start, iv.Duration)
		}
		out.starts = append(out.starts, start)
	}
	sort.Slice(out.starts, func(i, j int) bool { return out.starts[i] < out.starts[j] })
	for _, start := range out.starts {
		k := b.byStart[start]
		if k.count == 0 {
			continue
		}
		if out.count == 0 {
			out.first = start
		}
		out.last = start
		mergeInto(&out.share, &k.share)
		out.count += k.count
		out.checksum.Merge(k.checksum)
	}
	return out, nil
}

// mergeInto adds src to dst (Vdaf.merge of two shares).
func mergeInto(dst, src *sumvec.AggShare) {
	db, _ := dst.MarshalBinary()
	sb, _ := src.MarshalBinary()
	d, _ := fieldVec(db)
	s, _ := fieldVec(sb)
	d.AddAssign(s)
	nb, _ := d.MarshalBinary()
	_ = dst.UnmarshalBinary(nb)
}

// markCollected closes every bucket in iv, including empty ones, so a late
// report for a collected interval is refused rather than silently lost.
func (b *buckets) markCollected(iv Interval) {
	for t := iv.Start; contains(iv, t); t += b.precision {
		k := b.byStart[t]
		if k == nil {
			k = &bucket{share: b.v.newAggShare()}
			b.byStart[t] = k
		}
		k.collected = true
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func parseID16(s string) ([16]byte, error) {
	var id dap.ReportID
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) != len(id) {
		return id, fmt.Errorf("%q is not a 16-byte id in unpadded base64url", s)
	}
	copy(id[:], raw)
	return id, nil
}
