package ldapsrc

import (
	"fmt"
	"strconv"
	"time"
)

// FormatGeneralizedTime writes t as an RFC 4517 §3.3.13 GeneralizedTime in UTC to the second
// ("20261207194500Z"), the form OpenLDAP stores modifyTimestamp in.
func FormatGeneralizedTime(t time.Time) string {
	return t.UTC().Format("20060102150405Z")
}

// ParseGeneralizedTime parses an RFC 4517 §3.3.13 GeneralizedTime: century, year, month,
// day, hour, then optional minute and second, an optional fraction (of the last given unit,
// '.' or ','), and a g-time-zone: "Z" or a differential "+hh[mm]"/"-hh[mm]". Leap second 60
// is accepted as 59.
func ParseGeneralizedTime(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("generalizedTime %q: %s", s, why)
	}
	digits := func(i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range s[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok := digits(0, 4)
	if !ok {
		return bad("want 4 digits of year")
	}
	month, ok1 := digits(4, 2)
	day, ok2 := digits(6, 2)
	hour, ok3 := digits(8, 2)
	if !ok1 || !ok2 || !ok3 {
		return bad("want month, day and hour (YYYYMMDDHH)")
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 {
		return bad("month, day or hour out of range")
	}
	i := 10
	minute, sec := 0, 0
	unit := time.Hour // the unit a fraction applies to
	if v, ok := digits(i, 2); ok {
		if v > 59 {
			return bad("minute out of range")
		}
		minute, i, unit = v, i+2, time.Minute
		if v, ok := digits(i, 2); ok {
			if v > 60 {
				return bad("second out of range")
			}
			if v == 60 {
				v = 59
			}
			sec, i, unit = v, i+2, time.Second
		}
	}
	var frac time.Duration
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 {
			return bad("empty fraction")
		}
		f, err := strconv.ParseFloat("0."+s[i+1:j], 64)
		if err != nil {
			return bad("fraction")
		}
		frac = time.Duration(f * float64(unit))
		i = j
	}
	if i >= len(s) {
		return bad("missing time zone (Z or +hhmm/-hhmm)")
	}
	loc := time.UTC
	switch s[i] {
	case 'Z':
		i++
	case '+', '-':
		hh, ok := digits(i+1, 2)
		if !ok || hh > 23 {
			return bad("time zone hours")
		}
		mm := 0
		n := 3
		if v, ok := digits(i+3, 2); ok {
			if v > 59 {
				return bad("time zone minutes")
			}
			mm, n = v, 5
		}
		off := hh*3600 + mm*60
		if s[i] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
		i += n
	default:
		return bad("missing time zone (Z or +hhmm/-hhmm)")
	}
	if i != len(s) {
		return bad("trailing characters")
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Day() != day {
		return bad("no such day in that month")
	}
	t = t.Add(frac).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return bad("outside the years 0001 to 9999 in UTC")
	}
	return t, nil
}
