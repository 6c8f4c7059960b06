package dialer

import (
	"strings"
	"testing"
	"time"
)

func TestParseLeadsCSV(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []LeadInput
		err      string
	}{
		{name: "basic", in: "number,name,timezone,account\n+442071234567,Ann,Europe/London,A1\n020 7123 4568,Bob,,B2\n",
			want: []LeadInput{{Number: "+442071234567", Name: "Ann", TZ: "Europe/London", Fields: map[string]string{"account": "A1"}},
				{Number: "+442071234568", Name: "Bob", Fields: map[string]string{"account": "B2"}}}},
		{name: "bom and phone alias", in: "\ufeffPhone\n+12125550100\n", want: []LeadInput{{Number: "+12125550100"}}},
		{name: "crlf and blank lines", in: "number\r\n+442071234567\r\n\r\n", want: []LeadInput{{Number: "+442071234567"}}},
		{name: "empty", in: "", err: "empty input"},
		{name: "no number column", in: "name\nAnn\n", err: "no number column"},
		{name: "bad number", in: "number,name\n+442071234567,Ann\nhello,Bob\n", err: "line 3 column number"},
		{name: "bad zone", in: "number,tz\n+442071234567,Mars/Base\n", err: "line 2 column tz: unknown time zone"},
		{name: "field count", in: "number,name\n+442071234567\n", err: "line 2: 1 fields"},
		{name: "duplicate column", in: "number,name,Name\n", err: "duplicate column"},
		{name: "header only", in: "number\n", err: "no leads"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLeadsCSV(strings.NewReader(tc.in), "GB")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if got != nil {
					t.Fatal("partial result on error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v", got)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.Number != w.Number || g.Name != w.Name || g.TZ != w.TZ || len(g.Fields) != len(w.Fields) {
					t.Fatalf("lead %d: %+v, want %+v", i, g, w)
				}
				for k, v := range w.Fields {
					if g.Fields[k] != v {
						t.Fatalf("lead %d field %s: %q", i, k, g.Fields[k])
					}
				}
			}
		})
	}
}

func FuzzParseLeadsCSV(f *testing.F) {
	f.Add("number,name,timezone\n+442071234567,Ann,Europe/London\n")
	f.Add("phone\n\"+1 212 555 0100\"\n")
	f.Add("number,x\n07700900123,\"a,b\"\n")
	f.Add("\ufeffnumber\n+44\n")
	f.Fuzz(func(t *testing.T, in string) {
		leads, err := ParseLeadsCSV(strings.NewReader(in), "GB")
		if err != nil {
			if leads != nil {
				t.Fatal("leads with an error")
			}
			if !strings.Contains(err.Error(), "leads csv") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if len(leads) == 0 {
			t.Fatal("no leads and no error")
		}
		for _, l := range leads {
			if !strings.HasPrefix(l.Number, "+") {
				t.Fatalf("non-canonical number %q", l.Number)
			}
			if again, err := CanonicalNumber(l.Number, "GB"); err != nil || again != l.Number {
				t.Fatalf("canonical number %q not stable: %q %v", l.Number, again, err)
			}
		}
	})
}

func FuzzParseDNC(f *testing.F) {
	f.Add("number\n+442071234567\n# comment\n02071234568,opted out\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		nums, err := ParseDNC(strings.NewReader(in), "GB")
		if err != nil {
			if nums != nil {
				t.Fatal("numbers with an error")
			}
			return
		}
		for _, n := range nums {
			if !strings.HasPrefix(n, "+") {
				t.Fatalf("non-canonical %q", n)
			}
		}
	})
}

func TestWindowAcrossZones(t *testing.T) {
	zc := newZoneCache()
	w, _ := parseWindow(CallingWindow{Start: "08:00", End: "21:00"})
	us, err := zc.zonesFor("", "+12125550100", "UTC")
	if err != nil || us.key != "America/New_York" {
		t.Fatalf("zones %+v %v", us, err)
	}
	at := func(h, m int) bool {
		return w.open(time.Date(2026, 11, 24, h, m, 0, 0, time.UTC), us)
	}
	if at(12, 59) || !at(13, 0) || !at(1, 59) || at(2, 0) {
		t.Fatal("New York window 08:00-21:00 is 13:00-02:00 UTC in November")
	}
	next, ok := zc.nextOpen(w, time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), us)
	if !ok || !next.Equal(time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC)) {
		t.Fatalf("next open %v", next)
	}
}
