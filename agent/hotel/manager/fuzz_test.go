package manager

import (
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// FuzzClassify: any dialled text gets a class; an emergency number is
// emergency whatever punctuation surrounds it; a number after the
// international prefix is never national or local.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"112", "+41 44 123", "0044207", "061234", "101", "*41", "", "(112)", "00", "0"} {
		f.Add(s)
	}
	st := hotel.DefaultSettings()
	f.Fuzz(func(t *testing.T, s string) {
		c := Classify(st, s)
		if c.Rank() < 0 {
			t.Fatalf("%q: class %q", s, c)
		}
		if Classify(st, "-"+s+" ") != c {
			t.Fatalf("%q: punctuation changed the class", s)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '+' || r == '*' || r == '#' {
				return r
			}
			return -1
		}, s)
		if slices.Contains(st.Emergency, digits) && c != hotel.ClassEmergency {
			t.Fatalf("%q: emergency number classed %s", s, c)
		}
		if strings.HasPrefix(digits, "00") && len(digits) > st.Numbering.InternalMaxDigits && !slices.Contains(st.Emergency, digits) && c != hotel.ClassInternational {
			t.Fatalf("%q: classed %s, want international", s, c)
		}
	})
}

// FuzzNormalizeRoom: a room's configuration is refused with a field, or
// accepted with a valid number, extensions and devices.
func FuzzNormalizeRoom(f *testing.F) {
	f.Add("101", "101", "PJSIP/101", "1", "national")
	f.Add("A1", "", "", "", "")
	f.Add("12345678", "1,2", "SIP/x@y", "top", "galactic")
	f.Fuzz(func(t *testing.T, number, exts, devs, floor, class string) {
		r := hotel.Room{Number: number, Floor: floor, Class: hotel.Class(class)}
		if exts != "" {
			r.Extensions = strings.Split(exts, ",")
		}
		if devs != "" {
			r.Devices = strings.Split(devs, ",")
		}
		if err := normalizeRoom(&r); err != nil {
			if fe := err.Error(); fe == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if ValidRoomNumber(r.Number) != nil || len(r.Extensions) == 0 || (r.Class != "" && r.Class.Rank() < 0) {
			t.Fatalf("accepted %+v", r)
		}
		for _, e := range r.Extensions {
			if !allDigits(e) {
				t.Fatalf("accepted extension %q", e)
			}
		}
		for _, d := range r.Devices {
			if !strings.Contains(d, "/") {
				t.Fatalf("accepted device %q", d)
			}
		}
	})
}
