package clock

import (
	"testing"
	"time"
)

func TestVirtualFiresInOrder(t *testing.T) {
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	v := NewVirtual(start)
	var got []string
	v.AfterFunc(3*time.Second, func() { got = append(got, "c") })
	v.AfterFunc(1*time.Second, func() {
		got = append(got, "a")
		v.AfterFunc(time.Second, func() { got = append(got, "b") }) // due at 2s, before c
	})
	stopped := v.AfterFunc(2500*time.Millisecond, func() { got = append(got, "never") })
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	v.Advance(5 * time.Second)
	if want := "abc"; join(got) != want {
		t.Fatalf("order = %q, want %q", join(got), want)
	}
	if !v.Now().Equal(start.Add(5 * time.Second)) {
		t.Fatalf("now = %v", v.Now())
	}
}

func TestVirtualTimerChannelAndNext(t *testing.T) {
	v := NewVirtual(time.Unix(0, 0))
	tm := v.NewTimer(time.Minute)
	if !v.Next() {
		t.Fatal("Next with a pending timer returned false")
	}
	select {
	case at := <-tm.C():
		if at != time.Unix(60, 0) {
			t.Fatalf("fired at %v", at)
		}
	default:
		t.Fatal("timer did not fire")
	}
	if v.Next() {
		t.Fatal("Next with nothing pending returned true")
	}
	tm.Reset(time.Second)
	if v.Pending() != 1 {
		t.Fatalf("pending = %d after Reset", v.Pending())
	}
}

func join(s []string) string {
	out := ""
	for _, x := range s {
		out += x
	}
	return out
}
