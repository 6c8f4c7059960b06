package ari

import (
	"errors"
	"testing"
	"time"
)

func stasisStart(id string) *StasisStart {
	return &StasisStart{Header: Header{Type: "StasisStart"}, Channel: Channel{ID: id}}
}

func recv(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			t.Fatalf("closed: %v", s.Err())
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return nil
}

func TestBusRouting(t *testing.T) {
	b := newBus(0)
	defer b.close()
	all := b.Subscribe(Filter{})
	one := b.Subscribe(Filter{Keys: []Key{ChannelKey("a")}})
	typed := b.Subscribe(Filter{Keys: []Key{ChannelKey("a"), ChannelKey("b")}, Types: []string{"Dial"}})
	dial := &Dial{Header: Header{Type: "Dial"}, Peer: Channel{ID: "b"}, Caller: &Channel{ID: "a"}}
	b.publish(stasisStart("a"))
	b.publish(stasisStart("b"))
	b.publish(dial)
	if ev := recv(t, one); ev.(*StasisStart).Channel.ID != "a" {
		t.Fatalf("one got %v", ev)
	}
	if ev := recv(t, one); ev != Event(dial) {
		t.Fatalf("one got %v", ev)
	}
	if ev := recv(t, typed); ev != Event(dial) { // once, though it names both keys
		t.Fatalf("typed got %v", ev)
	}
	for _, want := range []string{"a", "b"} {
		if ev := recv(t, all); ev.(*StasisStart).Channel.ID != want {
			t.Fatalf("all order: got %v", ev)
		}
	}
	recv(t, all)
	if typed.Pending() != 0 || one.Pending() != 0 {
		t.Fatal("extra events queued")
	}
	one.Add(PlaybackKey("p"))
	b.publish(&PlaybackStarted{Header: Header{Type: "PlaybackStarted"}, Playback: Playback{ID: "p", TargetURI: "bridge:x"}})
	if recv(t, one).GetType() != "PlaybackStarted" {
		t.Fatal("Add did not extend the subscription")
	}
	one.Cancel()
	if _, ok := <-one.Events(); ok {
		t.Fatal("cancelled subscription still open")
	}
}

// TestBusNoSilentDrop: a consumer that does not read keeps every event
// queued (unbounded) or, with a limit, is closed with ErrOverflow.
func TestBusNoSilentDrop(t *testing.T) {
	b := newBus(0)
	slow := b.Subscribe(Filter{})
	for i := range 10000 {
		b.publish(stasisStart(string(rune('a' + i%26))))
	}
	got := 0
	for got < 10000 {
		recv(t, slow)
		got++
	}
	b.close()
	if !errors.Is(slow.Err(), ErrClosed) {
		t.Fatalf("err %v", slow.Err())
	}

	b = newBus(100)
	defer b.close()
	slow = b.Subscribe(Filter{})
	fast := b.Subscribe(Filter{Keys: []Key{ChannelKey("z")}})
	for range 150 {
		b.publish(stasisStart("x"))
	}
	for range 200 {
		if _, ok := <-slow.Events(); !ok {
			break
		}
	}
	if !errors.Is(slow.Err(), ErrOverflow) || b.overflows.Load() != 1 {
		t.Fatalf("overflow not reported: err %v, count %d", slow.Err(), b.overflows.Load())
	}
	b.publish(stasisStart("z"))
	if recv(t, fast).(*StasisStart).Channel.ID != "z" {
		t.Fatal("other subscriptions affected")
	}
}

func TestBackoff(t *testing.T) {
	c, err := New("http://127.0.0.1:1", WithBackoff(100*time.Millisecond, time.Second, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for n, max := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		max *= time.Millisecond
		for range 50 {
			if d := c.backoff(n); d <= 0 || d > max {
				t.Fatalf("backoff(%d) = %v, want (0, %v]", n, d, max)
			}
		}
	}
}

func TestNewURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://h:8088", "http://h:8088/ari"},
		{"http://h:8088/", "http://h:8088/ari"},
		{"https://h/asterisk/ari", "https://h/asterisk/ari"},
	}
	for _, tt := range tests {
		c, err := New(tt.in)
		if err != nil || c.base.String() != tt.want {
			t.Fatalf("%s: %v %v", tt.in, c.base, err)
		}
	}
	if _, err := New("ftp://h"); err == nil {
		t.Fatal("ftp accepted")
	}
	if c, _ := New("http://h"); c.Start() == nil {
		t.Fatal("Start without apps accepted")
	}
}
