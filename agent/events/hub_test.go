package events

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func testHub(t *testing.T, cfg Config, clk clock.Clock) *Hub {
	t.Helper()
	h, err := NewHub(cfg, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func publishN(t *testing.T, h *Hub, n int) {
	t.Helper()
	for i := range n {
		if err := h.Publish(context.Background(), Event{Topic: "calls", Type: "call_created", Data: map[string]int{"i": i}, Audience: Anyone()}); err != nil {
			t.Fatal(err)
		}
	}
}

// drain takes every event s has to get.
func drain(t *testing.T, h *Hub, s *Sub) []uint64 {
	t.Helper()
	var out []uint64
	for {
		evs, err := h.Next(s, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			out = append(out, e.seq)
		}
	}
}

func TestHubFrames(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	h := testHub(t, DefaultConfig(), clock.NewVirtual(start))
	s := h.Subscribe()
	if err := h.Publish(context.Background(), Event{Topic: "dialer", Type: "snapshot", Data: map[string]string{"q": `a"b`}, Audience: Anyone()}); err != nil {
		t.Fatal(err)
	}
	evs, err := h.Next(s, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Next: %v, %d events", err, len(evs))
	}
	var got struct {
		Op, Topic, Type string
		Seq             uint64
		Time            time.Time
		Data            map[string]string
	}
	if err := json.Unmarshal(evs[0].frame, &got); err != nil {
		t.Fatalf("%v: %s", err, evs[0].frame)
	}
	want := uint64(start.UnixMicro()) + 1
	if got.Op != "event" || got.Topic != "dialer" || got.Type != "snapshot" || got.Seq != want || !got.Time.Equal(start) || got.Data["q"] != `a"b` {
		t.Errorf("frame %s; want seq %d", evs[0].frame, want)
	}
}

func TestHubPublishRefuses(t *testing.T) {
	h := testHub(t, DefaultConfig(), clock.Real{})
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{name: "unknown topic", ev: Event{Topic: "weather", Type: "x", Audience: Anyone()}, want: `unknown topic "weather"`},
		{name: "bad type", ev: Event{Topic: "calls", Type: `x"y`, Audience: Anyone()}, want: "bad type"},
		{name: "no audience", ev: Event{Topic: "calls", Type: "call_created"}, want: "no audience"},
		{name: "data that does not marshal", ev: Event{Topic: "calls", Type: "call_created", Data: func() {}, Audience: Anyone()}, want: "unsupported type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Publish(context.Background(), tt.ev)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if n, _ := h.Held(); n != 0 {
		t.Errorf("%d events held after refusals", n)
	}
}

// TestHubResume: a subscriber that resumes within the window gets every
// event after since, once, in order; outside it (by count, by age, or a
// number from another run) it is told to resync and goes on from the last.
func TestHubResume(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	cfg := Config{RingSize: 10, RingAge: time.Minute, PingInterval: time.Second, SendQueue: 10}
	tests := []struct {
		name       string
		published  int
		advance    time.Duration // before resuming
		since      func(first uint64) uint64
		wantResync bool
		want       func(first uint64) []uint64
	}{
		{name: "from the middle", published: 8, since: func(f uint64) uint64 { return f + 5 },
			want: func(f uint64) []uint64 { return []uint64{f + 6, f + 7, f + 8} }},
		{name: "up to date", published: 3, since: func(f uint64) uint64 { return f + 3 }, want: func(uint64) []uint64 { return nil }},
		{name: "from the start, nothing evicted", published: 4, since: func(f uint64) uint64 { return f },
			want: func(f uint64) []uint64 { return []uint64{f + 1, f + 2, f + 3, f + 4} }},
		{name: "the oldest held is the next", published: 15, since: func(f uint64) uint64 { return f + 5 },
			want: func(f uint64) []uint64 {
				return []uint64{f + 6, f + 7, f + 8, f + 9, f + 10, f + 11, f + 12, f + 13, f + 14, f + 15}
			}},
		{name: "one evicted by count", published: 15, since: func(f uint64) uint64 { return f + 4 }, wantResync: true},
		{name: "evicted by age", published: 3, advance: 2 * time.Minute, since: func(f uint64) uint64 { return f + 1 }, wantResync: true},
		{name: "age: up to date is no gap", published: 3, advance: 2 * time.Minute, since: func(f uint64) uint64 { return f + 3 }},
		{name: "a number from the future", published: 3, since: func(f uint64) uint64 { return f + 99 }, wantResync: true},
		{name: "a number from an earlier run", published: 3, since: func(f uint64) uint64 { return f - 1000 }, wantResync: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewVirtual(start)
			h := testHub(t, cfg, clk)
			first := h.Last()
			publishN(t, h, tt.published)
			clk.Advance(tt.advance)
			s := h.Subscribe()
			rs := h.Resume(s, tt.since(first))
			if (rs != nil) != tt.wantResync {
				t.Fatalf("resync %+v, want resync %v", rs, tt.wantResync)
			}
			if rs != nil && (rs.Last != h.Last() || rs.Since != tt.since(first)) {
				t.Errorf("resync %+v, last %d", rs, h.Last())
			}
			got := drain(t, h, s)
			var want []uint64
			if tt.want != nil {
				want = tt.want(first)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", rel(got, first), rel(want, first))
			}
			// Live events follow without a gap.
			publishN(t, h, 2)
			if got := drain(t, h, s); !slices.Equal(got, []uint64{h.Last() - 1, h.Last()}) {
				t.Errorf("live after resume: %v", rel(got, first))
			}
		})
	}
}

func rel(s []uint64, first uint64) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v - first)
	}
	return out
}

// TestHubCutsSlowSubscriber: a subscriber more than send_queue events
// behind is cut off and removed; the window stays bounded.
func TestHubCutsSlowSubscriber(t *testing.T) {
	h := testHub(t, Config{RingSize: 20, RingAge: time.Minute, PingInterval: time.Second, SendQueue: 5}, clock.Real{})
	slow, fast := h.Subscribe(), h.Subscribe()
	for range 50 {
		publishN(t, h, 1)
		drain(t, h, fast)
	}
	select {
	case <-slow.Cut():
	default:
		t.Fatal("the slow subscriber was not cut off")
	}
	if r := h.CutReason(slow); !strings.Contains(r, "slow consumer: more than 5 events behind") {
		t.Errorf("reason %q", r)
	}
	if _, err := h.Next(slow, 1); err == nil {
		t.Error("Next of a cut subscriber succeeds")
	}
	select {
	case <-fast.Cut():
		t.Error("the subscriber that kept up was cut off")
	default:
	}
	if n := h.Subscribers(); n != 1 {
		t.Errorf("%d subscribers, want 1", n)
	}
	if n, _ := h.Held(); n != 20 {
		t.Errorf("%d events held, want the ring's 20", n)
	}
	// A replay does not count as falling behind.
	late := h.Subscribe()
	if rs := h.Resume(late, h.Last()-15); rs != nil {
		t.Fatalf("resync %+v", rs)
	}
	publishN(t, h, 1)
	if got := drain(t, h, late); len(got) != 16 {
		t.Errorf("replay of %d events, want 16", len(got))
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{name: "defaults", edit: func(*Config) {}},
		{name: "ring size", edit: func(c *Config) { c.RingSize = 0 }, want: "events.ring_size"},
		{name: "ring age", edit: func(c *Config) { c.RingAge = 0 }, want: "events.ring_age"},
		{name: "ping", edit: func(c *Config) { c.PingInterval = time.Millisecond }, want: "events.ping_interval"},
		{name: "queue over the ring", edit: func(c *Config) { c.SendQueue = c.RingSize + 1 }, want: "events.send_queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
