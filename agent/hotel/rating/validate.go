package rating

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// Limits of rate tables (Validate).
const (
	MaxTables       = 100
	MaxRates        = 200_000 // per table
	MaxPrefixDigits = 20
	MaxNameLen      = 64
	MaxSeconds      = 86_400 // minimum, no-charge
	MaxIncrement    = 3_600
	MaxAmount       = hotel.Money(1_000_000 * hotel.MoneyScale) // per minute, surcharge
	maxErrors       = 50
)

// FieldError is one fault of a rate table: Path names the field as the
// API's JSON spells it ("tables[2].rates[5].increment"); Msg says what is
// wrong, naming the table's id and the rate's prefix.
type FieldError struct {
	Path string
	Msg  string
}

// Error renders the path and the message.
func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Errors are the faults Validate found (at most 50), in the tables'
// order.
type Errors []*FieldError

// Error renders the first faults.
func (es Errors) Error() string {
	parts := make([]string, 0, 3)
	for i, e := range es {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(es)-3))
			break
		}
		parts = append(parts, e.Error())
	}
	return "invalid rate tables: " + strings.Join(parts, "; ")
}

// Details turns the faults into the API's field details.
func (es Errors) Details() []platform.FieldError {
	out := make([]platform.FieldError, len(es))
	for i, e := range es {
		out[i] = platform.FieldError{Field: e.Path, Message: e.Msg}
	}
	return out
}

// Validate checks rate tables whole; nil when every field is valid,
// otherwise Errors naming each fault (docs/hotel-costs-wakeups.md, Rate
// tables): at most MaxTables tables with ids of 1 to 32 of a-z, 0-9, _
// and - (unique), names up to 64 characters, a trunk without spaces,
// "/" or "@", a class or none, an ISO 4217 currency (three capital
// letters); per table at most MaxRates rates whose prefix is 1 to 20
// digits, unique with its weight in the table, weight 0 to 100,
// per_minute and surcharge 0 to 1 000 000, increment 0 (the default, 60)
// or 1 to 3 600 seconds, minimum and no_charge 0 to 86 400.
func Validate(tables []hotel.RateTable) error {
	v := &validator{}
	if len(tables) > MaxTables {
		v.add("tables", fmt.Sprintf("at most %d tables, got %d", MaxTables, len(tables)))
	}
	seen := make(map[string]int, len(tables))
	for i := range tables {
		if len(v.errs) >= maxErrors {
			break
		}
		v.table(i, &tables[i], seen)
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

type validator struct{ errs Errors }

func (v *validator) add(path, msg string) {
	if len(v.errs) < maxErrors {
		v.errs = append(v.errs, &FieldError{Path: path, Msg: msg})
	}
}

func (v *validator) table(i int, t *hotel.RateTable, seen map[string]int) {
	at := fmt.Sprintf("tables[%d]", i)
	who := fmt.Sprintf("table %d (id %q)", i, t.ID)
	switch {
	case !validID(t.ID):
		v.add(at+".id", who+": id must be 1 to 32 of a-z, 0-9, _ and -")
	default:
		if j, dup := seen[t.ID]; dup {
			v.add(at+".id", fmt.Sprintf("%s: id already used by table %d", who, j))
		} else {
			seen[t.ID] = i
		}
	}
	if utf8.RuneCountInString(t.Name) > MaxNameLen || !printable(t.Name) {
		v.add(at+".name", fmt.Sprintf("%s: name must be at most %d printable characters", who, MaxNameLen))
	}
	if len(t.Trunk) > 80 || strings.ContainsAny(t.Trunk, " \t/@") || !printable(t.Trunk) {
		v.add(at+".trunk", who+": trunk must be at most 80 printable characters without spaces, / or @")
	}
	if t.Class != "" && t.Class.Rank() < 0 {
		v.add(at+".class", fmt.Sprintf("%s: class %q must be empty or one of emergency, internal, local, national, international", who, t.Class))
	}
	if !validCurrency(t.Currency) {
		v.add(at+".currency", fmt.Sprintf("%s: currency %q must be an ISO 4217 code of three capital letters", who, t.Currency))
	}
	if len(t.Rates) > MaxRates {
		v.add(at+".rates", fmt.Sprintf("%s: at most %d rates, got %d", who, MaxRates, len(t.Rates)))
		return
	}
	type key struct {
		prefix string
		weight int
	}
	prefixes := make(map[key]int, len(t.Rates))
	for j := range t.Rates {
		if len(v.errs) >= maxErrors {
			return
		}
		r := &t.Rates[j]
		// The names are built only for a fault.
		fault := func(field, msg string) {
			v.add(fmt.Sprintf("%s.rates[%d].%s", at, j, field), fmt.Sprintf("%s, rate %d (prefix %q): %s", who, j, r.Prefix, msg))
		}
		if !digits(r.Prefix) {
			fault("prefix", fmt.Sprintf("prefix must be 1 to %d digits", MaxPrefixDigits))
		} else if k, dup := prefixes[key{r.Prefix, r.Weight}]; dup {
			fault("prefix", fmt.Sprintf("prefix and weight %d already used by rate %d", r.Weight, k))
		} else {
			prefixes[key{r.Prefix, r.Weight}] = j
		}
		if len(r.Name) > MaxNameLen && utf8.RuneCountInString(r.Name) > MaxNameLen || !printable(r.Name) {
			fault("name", fmt.Sprintf("name must be at most %d printable characters", MaxNameLen))
		}
		if r.Weight < 0 || r.Weight > 100 {
			fault("weight", fmt.Sprintf("weight must be 0 to 100, got %d", r.Weight))
		}
		for _, a := range []struct {
			field string
			m     hotel.Money
		}{{"per_minute", r.PerMinute}, {"surcharge", r.Surcharge}} {
			if a.m < 0 || a.m > MaxAmount {
				fault(a.field, fmt.Sprintf("%s must be 0 to %s, got %s", a.field, amount(MaxAmount), a.m))
			}
		}
		if r.Increment < 0 || r.Increment > MaxIncrement {
			fault("increment", fmt.Sprintf("increment must be 1 to %d seconds (0 or absent: %d), got %d", MaxIncrement, DefaultIncrement, r.Increment))
		}
		for _, sec := range []struct {
			field string
			s     int
		}{{"minimum", r.Minimum}, {"no_charge", r.NoCharge}} {
			if sec.s < 0 || sec.s > MaxSeconds {
				fault(sec.field, fmt.Sprintf("%s must be 0 to %d seconds, got %d", sec.field, MaxSeconds, sec.s))
			}
		}
	}
}

func validID(s string) bool {
	if len(s) < 1 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	if len(s) < 1 || len(s) > MaxPrefixDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
