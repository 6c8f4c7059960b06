package fias

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// Answer statuses (field AS) this side sends or reads.
const (
	AnswerOK          = "OK" // done
	AnswerNoResponse  = "NR" // a wake-up call was not answered
	AnswerBusy        = "BY" // a wake-up call found the room busy
	AnswerUnprocessed = "UR" // unprocessable request (a room this side does not have)
)

// Room status codes (RE field RS): the housekeeping state and the
// occupancy in one digit.
var roomStatusCodes = map[string]hotel.Housekeeping{
	"1": hotel.MakeUpRequested, // dirty, vacant
	"2": hotel.MakeUpRequested, // dirty, occupied
	"3": hotel.Clean,           // clean, vacant
	"4": hotel.Clean,           // clean, occupied
	"5": hotel.Inspected,       // inspected, vacant
	"6": hotel.Inspected,       // inspected, occupied
}

// HousekeepingOf reads an RS code; false for a code the table lacks.
func HousekeepingOf(rs string) (hotel.Housekeeping, bool) {
	h, ok := roomStatusCodes[rs]
	return h, ok
}

// RoomStatusCode is the RS code of housekeeping state h in a room of
// occupancy o; "" for a state FIAS has no code for (out of order).
func RoomStatusCode(h hotel.Housekeeping, o hotel.Occupancy) string {
	occ := 0
	if o == hotel.Occupied {
		occ = 1
	}
	switch h {
	case hotel.MakeUpRequested, hotel.Cleaning:
		return fmt.Sprint(1 + occ)
	case hotel.Clean:
		return fmt.Sprint(3 + occ)
	case hotel.Inspected:
		return fmt.Sprint(5 + occ)
	}
	return ""
}

// DefaultClassCodes map the RE field CS to classes of service: the
// specification leaves the values to the installation; these are the
// defaults (config hotel.fias.cs_map replaces them).
func DefaultClassCodes() map[string]hotel.Class {
	return map[string]hotel.Class{
		"0": hotel.ClassInternal,
		"1": hotel.ClassLocal,
		"2": hotel.ClassNational,
		"3": hotel.ClassInternational,
	}
}

// ParseClassCodes reads a CS map written "0=internal,1=local,…". Errors
// name the entry.
func ParseClassCodes(s string) (map[string]hotel.Class, error) {
	out := map[string]hotel.Class{}
	for i, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		code, class, ok := strings.Cut(e, "=")
		code, class = strings.TrimSpace(code), strings.TrimSpace(class)
		if !ok || code == "" || strings.ContainsAny(code, "|\x02\x03") {
			return nil, fmt.Errorf("entry %d %q: want CODE=CLASS", i+1, e)
		}
		c := hotel.Class(class)
		if c.Rank() < 0 {
			return nil, fmt.Errorf("entry %d %q: class %q: want one of %v", i+1, e, class, hotel.Classes)
		}
		out[code] = c
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no entries: want CODE=CLASS,…")
	}
	return out, nil
}

// classCode returns the CS code of class c in m (the smallest code when
// several map to it); false when none does.
func classCode(m map[string]hotel.Class, c hotel.Class) (string, bool) {
	for _, code := range slices.Sorted(maps.Keys(m)) {
		if m[code] == c {
			return code, true
		}
	}
	return "", false
}

// yesNo reads a Y/N flag; false when it is neither.
func yesNo(v string) (on, ok bool) {
	switch strings.ToUpper(v) {
	case "Y":
		return true, true
	case "N":
		return false, true
	}
	return false, false
}

// flag renders a Y/N flag.
func flag(on bool) string {
	if on {
		return "Y"
	}
	return "N"
}

// ParseDateTime reads DA (yymmdd) and TI (hhmmss or hhmm) in loc.
func ParseDateTime(da, ti string, loc *time.Location) (time.Time, error) {
	if len(ti) == 4 {
		ti += "00"
	}
	t, err := time.ParseInLocation("060102150405", da+ti, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("DA %q TI %q: want yymmdd and hhmmss", da, ti)
	}
	return t, nil
}

// isoDate turns a FIAS date (yymmdd) into YYYY-MM-DD; "" when it is not one.
func isoDate(da string) string {
	t, err := time.Parse("060102", da)
	if err != nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// stamp returns DA and TI of t.
func stamp(t time.Time) (da, ti string) {
	return t.Format("060102"), t.Format("150405")
}

// duration renders d as hhmmss (DU), rounded up to the second.
func duration(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 0 {
		s = 0
	}
	if s > 99*3600+59*60+59 {
		s = 99*3600 + 59*60 + 59
	}
	return fmt.Sprintf("%02d%02d%02d", s/3600, s/60%60, s%60)
}

// secondsDuration turns whole seconds into a duration.
func secondsDuration(s int) time.Duration { return time.Duration(s) * time.Second }
