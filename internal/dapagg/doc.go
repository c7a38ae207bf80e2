// Package dapagg is a test and demo deployment of the Distributed
// Aggregation Protocol (draft-ietf-ppm-dap-15) for privrec's measurement
// task: a Leader and a Helper as http.Handlers, a Collector, and the
// summary privrec kpi prints (consent rate and lift with confidence
// intervals). The messages, the HPKE sealing and the measurement layout
// are model/dap's, the same code the browser's measure module runs; the
// preparation is circl's Prio3SumVec (draft-irtf-cfrg-vdaf-14).
//
// It is not a production aggregator. Production measurement uses an
// existing DAP deployment (Divvi Up's Janus release/0.8 speaks DAP-15),
// with Leader and Helper run by two operators who do not collude: DAP's
// privacy holds only as long as one of them is honest, and this package
// runs both in one process for the demo. State lives in memory. What
// subset of the draft it speaks is in docs/measurement.md; decisions are
// in RATIONALE.md beside this file.
package dapagg
