package stats

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// FuzzParseDay: a day the parameter parser accepts is the day it names.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-12-07", "2026-02-30", "0000-01-01", "2026-1-7", "2026-12-07T00:00:00Z", " 2026-12-07"} {
		f.Add(s)
	}
	s := New(newKV(), WithLocation(zone))
	f.Fuzz(func(t *testing.T, v string) {
		d, err := s.ParseDay(v)
		if err != nil || v == "" {
			return
		}
		if got := s.day(d); got != v {
			t.Fatalf("%q parses to %v, the day %s", v, d, got)
		}
	})
}

// TestDaylightSaving: a day is local midnight to midnight, 23 or 25 hours
// across a daylight-saving change; a pause over it counts that long.
func TestDaylightSaving(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tests := []struct {
		name   string
		day    time.Time // a day holding a change
		length time.Duration
	}{
		{name: "spring forward", day: time.Date(2026, 3, 29, 12, 0, 0, 0, zurich), length: 23 * time.Hour},
		{name: "fall back", day: time.Date(2026, 10, 25, 12, 0, 0, 0, zurich), length: 25 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, m, d := tt.day.Date()
			start := time.Date(y, m, d-1, 20, 0, 0, 0, zurich)
			end := time.Date(y, m, d+1, 4, 0, 0, 0, zurich)
			r := newRig(t, start, WithLocation(zurich))
			r.record(member(start, callgroups.VerbPause, "sales", "ann", "away"))
			r.clk.AdvanceTo(end)
			r.record(member(end, callgroups.VerbUnpause, "sales", "ann", ""))
			if a := r.agent(t, "ann", "sales", tt.day); a.PauseSeconds != tt.length.Seconds() {
				t.Errorf("paused %v s on the day, want %v", a.PauseSeconds, tt.length.Seconds())
			}
			total := 0.0
			for _, day := range []time.Time{start, tt.day, end} {
				total += r.agent(t, "ann", "", day).PauseSeconds
			}
			if total != end.Sub(start).Seconds() {
				t.Errorf("the days sum to %v s, want %v", total, end.Sub(start).Seconds())
			}
		})
	}
}

// TestFarFuture: an entry dated past year 9999 (a broken clock) is
// recorded without hanging or panicking.
func TestFarFuture(t *testing.T) {
	far := time.Date(10000, 1, 1, 12, 0, 0, 0, zone)
	r := newRig(t, far.Add(-time.Hour))
	r.record(member(far.Add(-time.Hour), callgroups.VerbPause, "sales", "ann", "x"), enter(far, "sales", "c"), member(far, callgroups.VerbUnpause, "sales", "ann", ""))
	if a := r.agent(t, "ann", "sales", far); a.PauseSeconds != 3600 || a.Day != "10000-01-01" {
		t.Errorf("%+v", a)
	}
}
