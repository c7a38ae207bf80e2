package host

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"
)

// op is one export round trip of an audit session (a load, or a recommend
// with its alloc and frees) and the host calls it made: calls[start:end] of
// its instance.
type op struct {
	name       string // "load 1", "request 3", ...
	start, end int
	crashed    bool // the call trapped or exited: its stderr is a crash report
	handed     int  // request bytes the session had handed the module when it ended
}

// session is one fresh instance of the module serving its own shoppers.
type session struct {
	inst   *Instance
	ops    []op
	handed int // request bytes the host handed the module so far
}

// opAt names the op that made call c of s.
func (s *session) opAt(c int) string {
	for _, o := range s.ops {
		if c >= o.start && c < o.end {
			return o.name
		}
	}
	return "start-up"
}

// sessionClock is the wall clock every audit session sees: the same
// sequence of readings, from base on, each a seeded 20 µs to 420 µs after
// the last, so that it moves like a real clock but no reading depends on
// when a session ran. Only requests differ between sessions, so only they
// can make the traces differ.
func sessionClock(base time.Time, seed uint64) func() time.Time {
	rng := rand.New(rand.NewPCG(seed, 0x636c6f636b))
	t := base
	return func() time.Time {
		t = t.Add(time.Duration(20_000 + rng.IntN(400_000)))
		return t
	}
}

// sessionRand is the randomness every audit session sees: the same bytes.
func sessionRand(seed uint64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "privrec audit session rand")
	return rand.NewChaCha8(key)
}

// The call profile of a module after start-up (phases load, alloc and
// free; recommend may make no call at all). A Go reactor needs the clock
// (the garbage collector and the scheduler read it) and the scheduler's idle
// calls; it reads its arguments, environment and seed once, at start-up,
// and writes only when it crashes. See RATIONALE.md, "The call profile".
var (
	afterStartup = map[string]bool{"clock_time_get": true, "poll_oneoff": true, "sched_yield": true}
	// maxOpCalls bounds the host calls of one export call; a collection
	// reads the clock a few dozen times.
	maxOpCalls = 512
)

// profile checks every call of s against the call profile.
func (a *auditor) profile(s *session) {
	// One violation per rule, function and phase: the first shows the
	// pattern, a hundred more add nothing.
	var c Call
	once := func(check, format string, args ...any) {
		key := fmt.Sprint(check, c.Func, c.Phase, format)
		if !a.profiled[key] {
			a.profiled[key] = true
			a.rep.violate(check, format, args...)
		}
	}
	calls := s.inst.calls
	// Start-up (_initialize) serves no request, but writes nothing either.
	if len(s.ops) > 0 {
		for _, c = range calls[:s.ops[0].start] {
			if c.Func == "fd_write" {
				once("stdio", "fd_write of %d bytes to %s during start-up: the module writes only when it crashes", len(c.Payload), streamName(c.Stream()))
			}
		}
	}
	for _, o := range s.ops {
		if k := o.end - o.start; k > maxOpCalls && !o.crashed {
			once("profile", "%s made %d host calls; an export call of privrec.wasm makes at most %d", o.name, k, maxOpCalls)
		}
		for _, c = range calls[o.start:o.end] {
			where := fmt.Sprintf("during %s (%s)", c.Phase, o.name)
			switch {
			case c.Phase == PhaseRecommend:
				continue // reported with the counts: recommend must make none
			case c.Func == "fd_write":
				if !o.crashed {
					once("stdio", "fd_write of %d bytes to %s %s: the module writes only when it crashes", len(c.Payload), streamName(c.Stream()), where)
				}
				continue
			case c.Func == "proc_exit":
				continue // the call failed: containment says so
			case !afterStartup[c.Func]:
				once("profile", "%s %s: after start-up a module needs only the clock and the scheduler's idle calls", c.Func, where)
				continue
			}
			switch c.Func {
			case "clock_time_get":
				if id := c.Args[0]; id > 1 {
					once("profile", "clock_time_get of clock %d %s: the Go runtime reads clock 0 (realtime) or 1 (monotonic)", id, where)
				}
				if p := c.Args[1]; p != 0 {
					once("profile", "clock_time_get with precision %#x %s: the Go runtime always passes 0; any other value is data handed to the host", p, where)
				}
			case "poll_oneoff":
				for i := 0; i+48 <= len(c.Payload); i += 48 {
					if c.Payload[i+8] != eventTypeClock {
						once("profile", "poll_oneoff subscribes to an fd %s: the module has no fds to wait for", where)
					}
				}
			}
		}
	}
}

const eventTypeClock = 0

// compare requires the trace of s to equal the trace of ref, export call
// by export call and host call by host call: function, every argument,
// every byte read, errno. Sessions differ only in their shoppers, so any
// difference is the module telling the host something about a request.
//
// One allowance, for the Go runtime's garbage collector (see RATIONALE.md,
// "The collector's clock reads"): when the reference session reads the
// clock in a load or a free, it collected garbage there with no history to
// hide, and a collection reads the clock a few more or fewer times, from
// one goroutine's stack or another's, depending on the heap. In an export
// call where the reference read the clock collectorMinReads times or more,
// after the host had handed the module enough bytes to make it collect and
// no more often than those bytes allow, the other session may make up to
// collectorSlack more or fewer clock reads, at other addresses, and nothing
// else. Everywhere else,
// and in every call where the reference made none (all of them with the
// synthetic bundle), the traces must be identical.
func (a *auditor) compare(ref, s *session, n int) bool {
	rc, sc := ref.inst.calls, s.inst.calls
	used := 0
	for k := range min(len(ref.ops), len(s.ops)) {
		ro, so := ref.ops[k], s.ops[k]
		rx, sx := rc[ro.start:ro.end], sc[so.start:so.end]
		if slices.EqualFunc(rx, sx, sameCall) {
			continue
		}
		if ro.handed >= collectorMinBytes && used < 1+2*ro.handed/collectorEvery &&
			len(rx) >= collectorMinReads && onlyClock(rx) && onlyClock(sx) &&
			max(len(rx)-len(sx), len(sx)-len(rx)) <= collectorSlack {
			used++
			a.rep.Collected++
			continue
		}
		for i := range max(len(rx), len(sx)) {
			switch {
			case i >= len(rx):
				a.rep.violate("trace", "in %s, session %d made %d host calls and session 1 made %d: the first extra one is %s; counts of host calls must not depend on the shoppers",
					so.name, n+1, len(sx), len(rx), describeCall(sx[i]))
			case i >= len(sx):
				a.rep.violate("trace", "in %s, session %d made %d host calls and session 1 made %d: it lacks %s; counts of host calls must not depend on the shoppers",
					so.name, n+1, len(sx), len(rx), describeCall(rx[i]))
			case !sameCall(rx[i], sx[i]):
				a.rep.violate("trace", "host call %d of %s differs between sessions 1 and %d, which served different shoppers: %s, then %s; host calls must not depend on requests",
					i+1, so.name, n+1, describeCall(rx[i]), describeCall(sx[i]))
			default:
				continue
			}
			return false
		}
	}
	return true
}

// The collector's allowance. privrec.wasm collects once it allocated
// collectorEvery bytes since the last collection (wasm/main.go, gcEvery);
// its allocations are mostly the buffers the host fills, so before the
// host handed it collectorMinBytes, half of that, it cannot have collected,
// and it cannot collect more often than once per collectorEvery/2 bytes
// handed. A collection reads the clock 25 to 35 times (collectorMinReads is
// well below), and collections of the same heap with more or less garbage
// differed by up to 5 reads in the tests (collectorSlack is above).
const (
	collectorEvery    = 8 << 20
	collectorMinBytes = collectorEvery / 2
	collectorMinReads = 12
	collectorSlack    = 8
)

// onlyClock reports whether calls are all clock reads.
func onlyClock(calls []Call) bool {
	for _, c := range calls {
		if c.Func != "clock_time_get" {
			return false
		}
	}
	return true
}

func sameCall(x, y Call) bool {
	return x.Phase == y.Phase && x.Func == y.Func && slices.Equal(x.Args, y.Args) &&
		bytes.Equal(x.Payload, y.Payload) && x.Errno == y.Errno
}

func describeCall(c Call) string {
	s := fmt.Sprintf("%s%v during %s", c.Func, c.Args, c.Phase)
	if len(c.Payload) > 0 {
		s += fmt.Sprintf(" reading %d bytes", len(c.Payload))
	}
	return s
}

// haystack is the bytes of one host call, prepared for searching many
// request strings in them.
type haystack struct {
	p, xd, sd []byte
}

func newHaystack(p []byte) *haystack { return &haystack{p: p, xd: xorDiff(p), sd: subDiff(p)} }

// find looks for cn in the bytes as is and in the encodings a careless or
// sneaky module would use: hex, base64, every byte XORed with or shifted by
// one constant, and each of those reversed. It returns the encoding found.
func (h *haystack) find(cn []byte) (string, bool) {
	p := h.p
	if len(p) < len(cn) {
		return "", false
	}
	if enc, ok := containsCanary(p, cn); ok {
		return enc, true
	}
	rev := slices.Clone(cn)
	slices.Reverse(rev)
	for _, c := range []struct {
		name string
		cn   []byte
	}{{"", cn}, {"reversed, ", rev}} {
		if i := bytes.Index(h.xd, xorDiff(c.cn)); i >= 0 {
			if k := p[i] ^ c.cn[0]; k != 0 {
				return fmt.Sprintf("%sXOR %#02x", c.name, k), true
			}
			return c.name + "raw", true
		}
		if i := bytes.Index(h.sd, subDiff(c.cn)); i >= 0 {
			return fmt.Sprintf("%s%+d per byte", c.name, int8(p[i]-c.cn[0])), true
		}
	}
	return "", false
}

// xorDiff is b[i]^b[i+1]: unchanged when every byte of b is XORed with the
// same constant, so one search finds all 256 of them.
func xorDiff(b []byte) []byte {
	out := make([]byte, max(0, len(b)-1))
	for i := range out {
		out[i] = b[i] ^ b[i+1]
	}
	return out
}

// subDiff is b[i+1]-b[i]: unchanged when the same constant is added to
// every byte of b.
func subDiff(b []byte) []byte {
	out := make([]byte, max(0, len(b)-1))
	for i := range out {
		out[i] = b[i+1] - b[i]
	}
	return out
}

// searchable reports whether s is worth looking for in host-call bytes:
// long enough and varied enough that finding it by chance is unlikely.
func searchable(s string) bool {
	if len(s) < 6 {
		return false
	}
	distinct := map[byte]bool{}
	for i := 0; i < len(s); i++ {
		distinct[s[i]] = true
	}
	return len(distinct) >= 3
}
