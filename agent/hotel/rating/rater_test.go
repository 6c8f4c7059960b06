package rating

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func money(t testing.TB, s string) hotel.Money {
	t.Helper()
	m, err := hotel.ParseMoney(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// answered is a call answered for secs seconds.
func answered(number string, secs int) hotel.CallRecord {
	start := time.Date(2026, 12, 7, 18, 2, 11, 0, time.UTC)
	ans := start.Add(9 * time.Second)
	return hotel.CallRecord{CallID: "c1", Room: "101", Number: number, Class: hotel.ClassInternational,
		Trunk: "t1", Start: start, Answered: &ans, Seconds: secs, Duration: time.Duration(secs) * time.Second}
}

// TestRateWorkedExamples checks the formula, worked by hand for every
// field: cost = surcharge + per_minute × ceil(max(s, minimum)/increment)
// × increment / 60, rounded half up to a ten-thousandth; 0 under
// no_charge, for 0 seconds and unanswered.
func TestRateWorkedExamples(t *testing.T) {
	uk := hotel.Rate{Prefix: "0044", Name: "United Kingdom", PerMinute: money(t, "0.25"), Increment: 60,
		Minimum: 60, NoCharge: 5, Surcharge: money(t, "0.10")}
	unanswered := answered("00442071234567", 0)
	unanswered.Answered = nil
	fromDuration := answered("00442071234567", 0)
	fromDuration.Duration = 61200 * time.Millisecond
	tests := []struct {
		name       string
		rate       hotel.Rate
		call       hotel.CallRecord
		wantBilled int
		wantCost   string
	}{
		// ceil(125/60)=3 → 180 s; 0.10 + 0.25×180/60 = 0.10 + 0.75.
		{name: "125 s at 0.25/min, 60/60, surcharge 0.10", rate: uk, call: answered("00442071234567", 125), wantBilled: 180, wantCost: "0.85"},
		// 4 < no_charge 5: free.
		{name: "shorter than no_charge", rate: uk, call: answered("00442071234567", 4), wantBilled: 0, wantCost: "0"},
		// 5 = no_charge: charged; max(5, 60)=60 → 60 s; 0.10 + 0.25.
		{name: "exactly no_charge is charged, minimum applies", rate: uk, call: answered("00442071234567", 5), wantBilled: 60, wantCost: "0.35"},
		{name: "exactly one increment", rate: uk, call: answered("00442071234567", 60), wantBilled: 60, wantCost: "0.35"},
		// 61 → ceil(61/60)=2 → 120 s; 0.10 + 0.50.
		{name: "one second over an increment", rate: uk, call: answered("00442071234567", 61), wantBilled: 120, wantCost: "0.60"},
		{name: "unanswered costs nothing", rate: uk, call: unanswered, wantBilled: 0, wantCost: "0"},
		{name: "answered 0 s costs nothing", rate: hotel.Rate{Prefix: "0044", PerMinute: 2500, Surcharge: 1000},
			call: answered("00442071234567", 0), wantBilled: 0, wantCost: "0"},
		// Duration 61.2 s → 62 s → 120 s billed at default increment 60.
		{name: "seconds from duration, rounded up", rate: hotel.Rate{Prefix: "0044", PerMinute: money(t, "0.25")},
			call: fromDuration, wantBilled: 120, wantCost: "0.50"},
		// increment 6, minimum 30: 31 s → ceil(31/6)=6 → 36 s; 0.0333×36/60 = 0.01998 → 0.0200.
		{name: "6 s increments after a 30 s minimum, rounded", rate: hotel.Rate{Prefix: "0044", PerMinute: money(t, "0.0333"), Increment: 6, Minimum: 30},
			call: answered("00442071234567", 31), wantBilled: 36, wantCost: "0.02"},
		// 10 s under minimum 30 → 30 s; 0.0333×30/60 = 0.01665 → 0.0167 (half up).
		{name: "under the minimum", rate: hotel.Rate{Prefix: "0044", PerMinute: money(t, "0.0333"), Increment: 6, Minimum: 30},
			call: answered("00442071234567", 10), wantBilled: 30, wantCost: "0.0167"},
		// 0.0001 × 30/60 = 0.00005: half a Money rounds up to 0.0001.
		{name: "half a ten-thousandth rounds up", rate: hotel.Rate{Prefix: "0044", PerMinute: 1, Increment: 30},
			call: answered("00442071234567", 30), wantBilled: 30, wantCost: "0.0001"},
		// 0.0001 × 20/60 = 0.0000333: rounds down to 0.
		{name: "under half a ten-thousandth rounds down", rate: hotel.Rate{Prefix: "0044", PerMinute: 1, Increment: 20},
			call: answered("00442071234567", 20), wantBilled: 20, wantCost: "0"},
		// minimum 45 not a multiple of increment 30: max(10,45)=45 → ceil(45/30)=2 → 60 s.
		{name: "minimum not a multiple of the increment", rate: hotel.Rate{Prefix: "0044", PerMinute: money(t, "0.60"), Increment: 30, Minimum: 45},
			call: answered("00442071234567", 10), wantBilled: 60, wantCost: "0.60"},
		// minimum 0: one increment (1 s → 60 s).
		{name: "minimum defaults to one increment", rate: hotel.Rate{Prefix: "0044", PerMinute: money(t, "0.25")},
			call: answered("00442071234567", 1), wantBilled: 60, wantCost: "0.25"},
		{name: "free rate with a connection fee", rate: hotel.Rate{Prefix: "0044", Surcharge: money(t, "0.50")},
			call: answered("00442071234567", 300), wantBilled: 300, wantCost: "0.50"},
	}
	r := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tables := []hotel.RateTable{{ID: "intl", Currency: "EUR", Rates: []hotel.Rate{tc.rate}}}
			got := r.Rate(tables, tc.call)
			if got.BilledSeconds != tc.wantBilled || got.Cost != money(t, tc.wantCost) {
				t.Fatalf("billed %d cost %s, want %d and %s", got.BilledSeconds, got.Cost, tc.wantBilled, tc.wantCost)
			}
			if got.Table != "intl" || got.Prefix != "0044" || got.Currency != "EUR" || got.RateName != tc.rate.Name {
				t.Fatalf("charge names table %q prefix %q currency %q rate %q", got.Table, got.Prefix, got.Currency, got.RateName)
			}
			if got.CallRecord.CallID != tc.call.CallID || got.Seconds != tc.call.Seconds {
				t.Fatalf("the call record is not carried: %+v", got.CallRecord)
			}
		})
	}
}

func TestRateChoosesTableAndPrefix(t *testing.T) {
	tables := []hotel.RateTable{
		{ID: "default", Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0", Name: "any", PerMinute: 100}}},
		{ID: "intl", Class: hotel.ClassInternational, Currency: "EUR", Rates: []hotel.Rate{
			{Prefix: "00", Name: "world", PerMinute: 200},
			{Prefix: "0044", Name: "UK", PerMinute: 300},
			{Prefix: "00447", Name: "UK mobile", PerMinute: 400},
			{Prefix: "0049", Name: "DE low", PerMinute: 500, Weight: 10},
			{Prefix: "0049", Name: "DE high", PerMinute: 600, Weight: 20},
			{Prefix: "0033", Name: "FR first", PerMinute: 700},
			{Prefix: "0033", Name: "FR second", PerMinute: 800},
		}},
		{ID: "t1", Trunk: "t1", Currency: "GBP", Rates: []hotel.Rate{{Prefix: "0044", Name: "t1 UK", PerMinute: 900}}},
		{ID: "t1-intl", Trunk: "t1", Class: hotel.ClassInternational, Currency: "CHF", Rates: []hotel.Rate{{Prefix: "00447", Name: "t1 UK mobile", PerMinute: 1000}}},
		{ID: "plus", Trunk: "plus", Currency: "USD", Rates: []hotel.Rate{{Prefix: "44", Name: "E.164 UK", PerMinute: 1100}}},
	}
	call := func(number, trunk string, class hotel.Class) hotel.CallRecord {
		c := answered(number, 60)
		c.Trunk, c.Class = trunk, class
		return c
	}
	tests := []struct {
		name      string
		call      hotel.CallRecord
		wantTable string
		wantRate  string
	}{
		{name: "trunk and class named first", call: call("00447911123456", "t1", hotel.ClassInternational), wantTable: "t1-intl", wantRate: "t1 UK mobile"},
		{name: "then the trunk's table when the most specific has no prefix", call: call("00442071234567", "t1", hotel.ClassInternational), wantTable: "t1", wantRate: "t1 UK"},
		{name: "then the class's table", call: call("00331234", "t1", hotel.ClassInternational), wantTable: "intl", wantRate: "FR first"},
		{name: "class table on another trunk", call: call("00447911123456", "t2", hotel.ClassInternational), wantTable: "intl", wantRate: "UK mobile"},
		{name: "longest prefix", call: call("00442071234567", "t2", hotel.ClassInternational), wantTable: "intl", wantRate: "UK"},
		{name: "shorter prefix when no longer matches", call: call("0061212345", "t2", hotel.ClassInternational), wantTable: "intl", wantRate: "world"},
		{name: "higher weight wins on equal prefixes", call: call("0049301234", "t2", hotel.ClassInternational), wantTable: "intl", wantRate: "DE high"},
		{name: "table naming neither for another class", call: call("0612345678", "t2", hotel.ClassNational), wantTable: "default", wantRate: "any"},
		{name: "a leading + is ignored", call: call("+442071234567", "plus", hotel.ClassInternational), wantTable: "plus", wantRate: "E.164 UK"},
		{name: "digits after a non-digit are not matched", call: call("*0044", "t9", hotel.ClassLocal), wantTable: "", wantRate: ""},
		{name: "no match", call: call("1234", "t9", hotel.ClassLocal), wantTable: "", wantRate: ""},
	}
	r := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Rate(tables, tc.call)
			if got.Table != tc.wantTable || got.RateName != tc.wantRate {
				t.Fatalf("table %q rate %q, want %q and %q", got.Table, got.RateName, tc.wantTable, tc.wantRate)
			}
			if tc.wantTable == "" && (got.Cost != 0 || got.Prefix != "" || got.BilledSeconds != 0 || got.Currency != "") {
				t.Fatalf("no match must cost nothing: %+v", got)
			}
		})
	}
}

// TestRateFollowsReplacedTables: new slices (the manager's PutRates) are
// indexed again, prices edited in place are read as they are, and a
// prefix edited in place is not trusted (prefixes added in place are
// not seen: tables are replaced, not edited).
func TestRateFollowsReplacedTables(t *testing.T) {
	r := New()
	c := answered("00442071234567", 60)
	a := []hotel.RateTable{{ID: "a", Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0044", PerMinute: 100}}}}
	if got := r.Rate(a, c).Cost; got != 100 {
		t.Fatalf("cost %s, want 0.0100", got)
	}
	b := []hotel.RateTable{{ID: "b", Currency: "EUR", Rates: []hotel.Rate{{Prefix: "0044", PerMinute: 200}}}}
	if got := r.Rate(b, c); got.Cost != 200 || got.Table != "b" {
		t.Fatalf("replaced tables: table %q cost %s, want b 0.0200", got.Table, got.Cost)
	}
	b[0].Rates[0].PerMinute = 300 // a price edited in place is read as it is
	if got := r.Rate(b, c).Cost; got != 300 {
		t.Fatalf("cost %s, want 0.0300", got)
	}
	b[0].Rates[0].Prefix = "0033" // a prefix edited in place
	if got := r.Rate(b, c); got.Prefix != "" {
		t.Fatalf("stale prefix used: %+v", got)
	}
	c2 := []hotel.RateTable{{ID: "c", Currency: "EUR", Rates: append([]hotel.Rate(nil), b[0].Rates...)}}
	if got := r.Rate(c2, answered("0033123", 60)); got.Prefix != "0033" {
		t.Fatalf("prefix of replaced tables not found: %+v", got)
	}
}

// FuzzRate checks the invariants over any valid rate: the cost is never
// negative, never falls as the call gets longer, billed seconds are whole
// increments at least as long as the call when it is charged, and nothing
// is charged under no_charge.
func FuzzRate(f *testing.F) {
	f.Add(int64(2500), int64(1000), 60, 60, 5, 125)
	f.Add(int64(333), int64(0), 6, 30, 0, 31)
	f.Add(int64(1), int64(0), 30, 0, 0, 30)
	f.Add(int64(10_000_000_000), int64(10_000_000_000), 3600, 86400, 86400, 86400)
	f.Add(int64(0), int64(0), 0, 0, 0, 0)
	f.Fuzz(func(t *testing.T, perMinute, surcharge int64, inc, minimum, noCharge, secs int) {
		// Fold the inputs into the valid ranges, so that every run counts.
		perMinute, surcharge = fold64(perMinute, int64(MaxAmount)), fold64(surcharge, int64(MaxAmount))
		inc, minimum, noCharge = fold(inc, MaxIncrement), fold(minimum, MaxSeconds), fold(noCharge, MaxSeconds)
		secs = fold(secs, 10*MaxSeconds)
		rate := hotel.Rate{Prefix: "00", PerMinute: hotel.Money(perMinute), Surcharge: hotel.Money(surcharge),
			Increment: inc, Minimum: minimum, NoCharge: noCharge}
		tables := []hotel.RateTable{{ID: "t", Currency: "EUR", Rates: []hotel.Rate{rate}}}
		if err := Validate(tables); err != nil {
			t.Fatal(err)
		}
		r := New()
		a := r.Rate(tables, answered("0044", secs))
		b := r.Rate(tables, answered("0044", secs+1))
		if a.Cost < 0 || b.Cost < a.Cost {
			t.Fatalf("cost %s at %d s, %s at %d s", a.Cost, secs, b.Cost, secs+1)
		}
		if b.BilledSeconds < a.BilledSeconds {
			t.Fatalf("billed %d at %d s, %d at %d s", a.BilledSeconds, secs, b.BilledSeconds, secs+1)
		}
		step := inc
		if step == 0 {
			step = DefaultIncrement
		}
		switch {
		case secs == 0 || secs < noCharge:
			if a.Cost != 0 || a.BilledSeconds != 0 {
				t.Fatalf("charged %s (%d s) for %d s under no_charge %d", a.Cost, a.BilledSeconds, secs, noCharge)
			}
		case a.BilledSeconds < secs || a.BilledSeconds < minimum || a.BilledSeconds%step != 0 || a.Cost < rate.Surcharge:
			t.Fatalf("billed %d s cost %s for %d s (increment %d, minimum %d)", a.BilledSeconds, a.Cost, secs, inc, minimum)
		}
	})
}

// fold maps v into 0..hi.
func fold(v, hi int) int {
	if v < 0 {
		v = -(v + 1)
	}
	return v % (hi + 1)
}

func fold64(v, hi int64) int64 {
	if v < 0 {
		v = -(v + 1)
	}
	return v % (hi + 1)
}
