package model

import "strconv"

// Item is one product of the catalog.
type Item struct {
	ID       string   `msgpack:"id" json:"id"`
	Title    string   `msgpack:"title" json:"title"`
	Price    float64  `msgpack:"price" json:"price"`
	Category string   `msgpack:"category,omitempty" json:"category,omitempty"`
	Tags     []string `msgpack:"tags,omitempty" json:"tags,omitempty"`
}

// Kind is what a shopper did with an item. It travels as its lower-case name.
type Kind string

// The event kinds. A purchase says more about taste than a cart, a cart more
// than a view; how much more is a trained parameter of the model.
const (
	KindView     Kind = "view"
	KindCart     Kind = "cart"
	KindPurchase Kind = "purchase"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	return k == KindView || k == KindCart || k == KindPurchase
}

// Event is one interaction of a shopper with an item. At is Unix time in
// milliseconds, the unit JavaScript's Date uses.
type Event struct {
	Item string `msgpack:"item" json:"item"`
	Kind Kind   `msgpack:"kind" json:"kind"`
	At   int64  `msgpack:"at" json:"at"`
}

// History is a shopper's events, in any order.
type History []Event

// Context is what the page knows without any history: it drives the
// non-personal fallback. Negative Hour or Weekday means unknown.
type Context struct {
	Hour    int    `msgpack:"hour" json:"hour"`       // 0..23 local time, -1 unknown
	Weekday int    `msgpack:"weekday" json:"weekday"` // 0 = Sunday .. 6, -1 unknown
	Device  string `msgpack:"device,omitempty" json:"device,omitempty"`
}

// Seen says which items of the history are left out of recommendations.
type Seen string

// Seen policies. The zero value means SeenPurchased.
const (
	SeenPurchased Seen = "purchased" // leave out items the shopper bought (default)
	SeenAll       Seen = "all"       // leave out every item in the history
	SeenNone      Seen = "none"      // leave nothing out
)

// Mode is how a request ranks items. The zero value is ModeDefault.
type Mode string

// Request modes.
const (
	// ModeDefault ranks items the shopper has not bought: the model's
	// neighbour (or embedding) scores of the history, blended with or
	// filled by popularity.
	ModeDefault Mode = "default"
	// ModeBuyAgain ("buy again") also ranks the items the shopper bought,
	// by how often and how recently (a time-decayed count of their
	// purchases), blended with the default mode's scores; Seen does not
	// leave those items out. It needs a model trained with repeat
	// parameters (Params.RepeatWeight > 0); with older weights the
	// request is answered as ModeDefault. Recommendations the shopper
	// bought before have Source "repeat".
	ModeBuyAgain Mode = "buy_again"
)

// Limits on a request. They bound the work and memory of one call whatever
// the caller sends; see Request for what happens at each limit.
const (
	DefaultK      = 10
	MaxK          = 100
	MaxHistory    = 1000 // events; older ones beyond this are ignored
	MaxExclude    = 10000
	MaxIDLen      = 256 // bytes of an item id or category
	MaxExplain    = 3   // history items named per recommendation
	maxDeviceLen  = 64
	maxSeenLength = 16
)

// Request asks for recommendations.
//
// K == 0 means DefaultK; K above MaxK is clamped to MaxK (Response.K tells the
// applied value); a negative K is an ErrBadRequest. Only the MaxHistory most
// recent events are used. History events naming unknown items are counted in
// Response.Unknown and otherwise ignored: catalogs change, histories persist.
type Request struct {
	K        int      `msgpack:"k" json:"k"`
	History  History  `msgpack:"history" json:"history"`
	Now      int64    `msgpack:"now" json:"now"` // Unix ms; 0 means the latest event's time
	Context  Context  `msgpack:"context" json:"context"`
	Exclude  []string `msgpack:"exclude,omitempty" json:"exclude,omitempty"`
	Category string   `msgpack:"category,omitempty" json:"category,omitempty"`
	Seen     Seen     `msgpack:"seen,omitempty" json:"seen,omitempty"`
	Explain  bool     `msgpack:"explain" json:"explain"`
	Mode     Mode     `msgpack:"mode,omitempty" json:"mode,omitempty"` // "" means ModeDefault
}

// Source says where a recommendation comes from.
type Source string

// Sources of a recommendation.
const (
	SourceHistory Source = "history" // scored from the shopper's history
	SourcePopular Source = "popular" // non-personal: popularity, by context when known
	SourceRepeat  Source = "repeat"  // bought before: ModeBuyAgain only
)

// Reason names a history item that contributed to a recommendation, with its
// share of the score (the shares of one recommendation's reasons are at most 1).
type Reason struct {
	Item  string  `msgpack:"item" json:"item"`
	Share float64 `msgpack:"share" json:"share"`
}

// Recommendation is one recommended item.
type Recommendation struct {
	Item    string   `msgpack:"item" json:"item"`
	Score   float64  `msgpack:"score" json:"score"`
	Source  Source   `msgpack:"source" json:"source"`
	Because []Reason `msgpack:"because,omitempty" json:"because,omitempty"`
	// Bought and LastBought explain a "repeat" recommendation of a request
	// with Explain: how many times the shopper bought the item (purchases
	// at distinct times among the events that score) and when last (Unix
	// ms). Zero otherwise.
	Bought     int   `msgpack:"bought,omitempty" json:"bought,omitempty"`
	LastBought int64 `msgpack:"last_bought,omitempty" json:"last_bought,omitempty"`
}

// Response is the answer to a Request: at most K items, best first.
type Response struct {
	K       int              `msgpack:"k" json:"k"`
	Items   []Recommendation `msgpack:"items" json:"items"`
	Unknown int              `msgpack:"unknown" json:"unknown"` // history events naming items the model does not know
}

// validate checks the parts of a request that are errors rather than limits.
func (r *Request) validate() error {
	if r.K < 0 {
		return errorf(ErrBadRequest, "k is %d; use 0 for the default (%d) or up to %d", r.K, DefaultK, MaxK)
	}
	switch r.Seen {
	case "", SeenPurchased, SeenAll, SeenNone:
	default:
		return errorf(ErrBadRequest, "seen is %q; use %q, %q or %q", truncate(string(r.Seen), maxSeenLength), string(SeenPurchased), string(SeenAll), string(SeenNone))
	}
	switch r.Mode {
	case "", ModeDefault, ModeBuyAgain:
	default:
		return errorf(ErrBadRequest, "mode is %q; use %q or %q", truncate(string(r.Mode), maxSeenLength), string(ModeDefault), string(ModeBuyAgain))
	}
	if len(r.Exclude) > MaxExclude {
		return errorf(ErrTooLarge, "exclude lists %d items; at most %d", len(r.Exclude), MaxExclude)
	}
	if len(r.Category) > MaxIDLen {
		return errorf(ErrBadRequest, "category is %d bytes; at most %d", len(r.Category), MaxIDLen)
	}
	if len(r.Context.Device) > maxDeviceLen {
		return errorf(ErrBadRequest, "context.device is %d bytes; at most %d", len(r.Context.Device), maxDeviceLen)
	}
	if r.Context.Hour > 23 || r.Context.Weekday > 6 {
		return errorf(ErrBadRequest, "context hour %d / weekday %d out of range (0..23, 0..6, or -1 for unknown)", r.Context.Hour, r.Context.Weekday)
	}
	for i, e := range r.History {
		if !e.Kind.Valid() {
			return errorf(ErrBadRequest, "history[%d].kind is %q; use view, cart or purchase", i, truncate(string(e.Kind), 16))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// String gives a short summary for logs; it never includes history contents.
func (r *Request) String() string {
	return "Request{k=" + strconv.Itoa(r.K) + " events=" + strconv.Itoa(len(r.History)) + " exclude=" + strconv.Itoa(len(r.Exclude)) + "}"
}
