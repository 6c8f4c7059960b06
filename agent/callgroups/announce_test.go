package callgroups

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDigits(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{n: 0, want: "digits/0"},
		{n: 7, want: "digits/7"},
		{n: 19, want: "digits/19"},
		{n: 20, want: "digits/20"},
		{n: 42, want: "digits/40 digits/2"},
		{n: 305, want: "digits/3 digits/hundred digits/5"},
		{n: 1200, want: "digits/1 digits/thousand digits/2 digits/hundred"},
	}
	for _, tt := range tests {
		if got := strings.Join(digits(tt.n), " "); got != tt.want {
			t.Errorf("digits(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestAnnouncement(t *testing.T) {
	tests := []struct {
		name       string
		pos        int
		est        time.Duration
		sayPos, ht bool
		want       string
	}{
		{name: "next", pos: 1, sayPos: true, want: "queue-youarenext queue-thankyou"},
		{name: "third", pos: 3, sayPos: true, want: "queue-thereare digits/3 queue-callswaiting queue-thankyou"},
		{name: "hold time", pos: 3, est: 150 * time.Second, ht: true, want: "queue-holdtime digits/3 queue-minutes queue-thankyou"},
		{name: "one minute", pos: 1, est: 50 * time.Second, sayPos: true, ht: true, want: "queue-youarenext queue-holdtime digits/1 queue-minute queue-thankyou"},
		{name: "under a minute says no hold time", pos: 2, est: 20 * time.Second, ht: true, want: ""},
	}
	for _, tt := range tests {
		if got := strings.Join(announcement(tt.pos, tt.est, tt.sayPos, tt.ht), " "); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestAnnounceSchedule: a caller not offered at once hears their
// position on entry and every announce_frequency seconds.
func TestAnnounceSchedule(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1"}, func(g *Group) { g.AnnouncePosition, g.AnnounceFrequency = true, 30 })
	r.enter("c1", "sales") // rings u1: no entry announcement
	r.enter("c2", "sales")
	calls := r.tel.take()
	if want := []string{"wait c1 moh", "offer c1 u1", "wait c2 moh", "announce c2 queue-thereare,digits/2,queue-callswaiting,queue-thankyou"}; !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	r.clk.Advance(30 * time.Second)
	calls = r.tel.take()
	if want := []string{"announce c1 queue-youarenext,queue-thankyou", "announce c2 queue-thereare,digits/2,queue-callswaiting,queue-thankyou"}; !slices.Equal(calls, want) {
		t.Fatalf("after 30 s %v, want %v", calls, want)
	}
	r.acd.CallerGone(ctx, "c2")
	r.clk.Advance(30 * time.Second)
	if calls := r.tel.take(); slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "announce c2") }) {
		t.Fatalf("a gone caller is still announced to: %v", calls)
	}
}
