package rating

import (
	"math"
	"math/bits"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// DefaultIncrement is the billing increment, in seconds, of a rate that
// sets none (Kazoo's rate_increment default).
const DefaultIncrement = 60

// callSeconds is the call's answered time in whole seconds: Seconds, or
// Duration rounded up when Seconds is not set; 0 for a call never
// answered.
func callSeconds(c hotel.CallRecord) int {
	if c.Answered == nil {
		return 0
	}
	if c.Seconds > 0 {
		return c.Seconds
	}
	if c.Duration <= 0 {
		return 0
	}
	s := (c.Duration + 999_999_999) / 1_000_000_000
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}

// billedSeconds applies the minimum and the increment to secs:
// ceil(max(secs, minimum) / increment) × increment, and 0 when secs is 0
// or shorter than the no-charge time.
func billedSeconds(r *hotel.Rate, secs int) int {
	if secs <= 0 || secs < r.NoCharge {
		return 0
	}
	inc := r.Increment
	if inc <= 0 {
		inc = DefaultIncrement
	}
	d := max(secs, r.Minimum)
	n := d / inc
	if d%inc != 0 {
		n++
	}
	if n > math.MaxInt32/inc {
		return math.MaxInt32 / inc * inc
	}
	return n * inc
}

// cost is surcharge + perMinute × billed / 60, the division rounded half
// up to a whole Money; 0 when nothing is billed. It saturates at the
// largest Money rather than overflow.
func cost(r *hotel.Rate, billed int) hotel.Money {
	if billed <= 0 {
		return 0
	}
	pm := max(int64(r.PerMinute), 0)
	hi, lo := bits.Mul64(uint64(pm), uint64(billed))
	if hi >= 60 {
		return hotel.Money(math.MaxInt64)
	}
	q, rem := bits.Div64(hi, lo, 60)
	if rem*2 >= 60 {
		q++
	}
	sur := uint64(max(int64(r.Surcharge), 0))
	if q > math.MaxInt64 || q+sur > math.MaxInt64 {
		return hotel.Money(math.MaxInt64)
	}
	return hotel.Money(q + sur)
}
