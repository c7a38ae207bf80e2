// Package dap is privrec's client of the IETF Distributed Aggregation
// Protocol, pinned to draft-ietf-ppm-dap-15 with the Prio3SumVec VDAF of
// draft-irtf-cfrg-vdaf-14 (github.com/cloudflare/circl v1.6.5), and
// everything both sides of that protocol must agree on: the DAP messages
// in the draft's TLS presentation syntax, the HPKE info strings and AADs,
// the measurement layout, and the opening of input and aggregate shares
// with an aggregator's or collector's private key.
//
// A shopper's device turns one day's counters (Layout) into a Report with
// NewReport, a pure function of its inputs and an entropy string: the
// browser runs it in its own WebAssembly module (wasm/measure), the demo
// aggregators (internal/dapagg) decode the same messages with this
// package, and tests run it natively to compare. No single aggregator can
// read a report: each sees one secret share, sealed to its own HPKE key.
//
// The package is portable Go, like the rest of model/ (it builds for
// GOOS=wasip1 and natively), but it is the one part of model/ that imports
// circl; the main module never links it (see RATIONALE.md at the top of
// the repository and docs/measurement.md).
//
// Types in this package are plain values; none is safe for concurrent
// mutation, and the functions keep no state between calls.
package dap

// Draft is the version tag of the pinned DAP draft: the prefix of every
// HPKE info string and of the VDAF application context.
const Draft = "dap-15"

// Media types of the DAP messages (draft-ietf-ppm-dap-15).
const (
	MediaHpkeConfigList            = "application/dap-hpke-config-list"
	MediaReport                    = "application/dap-report"
	MediaAggregationJobInitReq     = "application/dap-aggregation-job-init-req"
	MediaAggregationJobResp        = "application/dap-aggregation-job-resp"
	MediaAggregationJobContinueReq = "application/dap-aggregation-job-continue-req"
	MediaCollectionJobReq          = "application/dap-collection-job-req"
	MediaCollectionJobResp         = "application/dap-collection-job-resp"
	MediaAggregateShareReq         = "application/dap-aggregate-share-req"
	MediaAggregateShare            = "application/dap-aggregate-share"
)
