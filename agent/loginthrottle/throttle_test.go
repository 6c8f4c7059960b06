package loginthrottle

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// TestFloodDoesNotRelease: more made-up usernames than the tables hold,
// from many addresses or from the guesser's own, do not release a username
// held from the guesser's address; the window does.
func TestFloodDoesNotRelease(t *testing.T) {
	lim, err := Limits{MaxFailures: 3, MaxTracked: 100}.WithDefaults("test")
	if err != nil {
		t.Fatal(err)
	}
	guesser := netip.MustParseAddr("198.51.100.7")
	for _, tc := range []struct {
		name string
		addr func(i int) netip.Addr
	}{
		{name: "many addresses", addr: func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }},
		{name: "the guesser's address", addr: func(int) netip.Addr { return guesser }},
		{name: "one ipv6 /64", addr: func(i int) netip.Addr { return netip.MustParseAddr(fmt.Sprintf("2001:db8:1:2::%x", i)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := New(lim)
			for range lim.MaxFailures {
				th.Fail("alice", guesser, t0)
			}
			if !th.Blocked("alice", guesser, t0) {
				t.Fatal("alice not held after MaxFailures")
			}
			for i := range 10 * lim.MaxTracked {
				th.Fail(fmt.Sprint("junk", i), tc.addr(i), t0)
			}
			if !th.Blocked("alice", guesser, t0) {
				t.Fatal("the flood released alice")
			}
			if th.Blocked("alice", netip.MustParseAddr("192.0.2.50"), t0) {
				t.Error("alice held from an address that never failed")
			}
			if th.Blocked("alice", guesser, t0.Add(lim.Window)) {
				t.Error("alice still held after the window")
			}
		})
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Limits
		ok   bool
	}{
		{name: "zero takes defaults", in: Limits{}, ok: true},
		{name: "negative", in: Limits{MaxFailures: -1}},
		{name: "short window", in: Limits{Window: time.Millisecond}},
	} {
		got, err := tc.in.WithDefaults("x")
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
		if tc.ok && got != Default {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
}
