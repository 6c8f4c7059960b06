package rating

import (
	"strings"
	"sync/atomic"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// Rater costs calls (hotel.Rater). It keeps an index of the last tables
// it was given and reuses it while it is given the same slices again, so
// that a call is rated in a few map lookups however large the tables. A
// Rater is safe for concurrent use.
type Rater struct {
	idx atomic.Pointer[index]
}

// New returns a Rater.
func New() *Rater { return &Rater{} }

var _ hotel.Rater = (*Rater)(nil)

// Rate costs c with tables (docs/hotel-costs-wakeups.md, Call costs).
//
// The tables that apply are those whose Trunk is empty or c.Trunk and
// whose Class is empty or c.Class. They are tried most specific first: a
// table naming both the trunk and the class, then one naming the trunk,
// then one naming the class, then one naming neither; tables of the same
// kind in their order. The first table holding a prefix of the dialled
// number (a leading "+" ignored) rates the call with its longest such
// prefix; between rates of the same prefix the higher Weight wins, then
// the earlier one. No table with a match: a Charge of cost 0 and Prefix
// "".
//
// Cost = Surcharge + PerMinute × BilledSeconds / 60, rounded half up to
// a Money, where BilledSeconds = ceil(max(s, Minimum) / Increment) ×
// Increment (Increment 0: 60) for s answered seconds. A call never
// answered, of 0 seconds, or shorter than NoCharge costs 0 and bills 0
// seconds.
//
// tables are read, not kept; the index built from them is reused while
// the same slices come back, so a caller replaces its tables rather than
// edit prefixes in place.
func (r *Rater) Rate(tables []hotel.RateTable, c hotel.CallRecord) hotel.Charge {
	ch := hotel.Charge{CallRecord: c}
	ix := r.indexFor(tables)
	t, rate, ok := ix.lookup(tables, c)
	if !ok {
		return ch
	}
	ch.Table = t.ID
	ch.Prefix = rate.Prefix
	ch.RateName = rate.Name
	ch.Currency = t.Currency
	ch.BilledSeconds = billedSeconds(rate, callSeconds(c))
	ch.Cost = cost(rate, ch.BilledSeconds)
	return ch
}

// indexFor returns the index of tables, building it when the last one
// was of other slices.
func (r *Rater) indexFor(tables []hotel.RateTable) *index {
	if ix := r.idx.Load(); ix != nil && ix.sameAs(tables) {
		return ix
	}
	ix := buildIndex(tables)
	r.idx.Store(ix)
	return ix
}

// normalize is the part of a dialled number prefixes are matched
// against: a leading "+" dropped, up to the first character that is not
// a digit.
func normalize(number string) string {
	number = strings.TrimPrefix(number, "+")
	for i := 0; i < len(number); i++ {
		if number[i] < '0' || number[i] > '9' {
			return number[:i]
		}
	}
	return number
}
