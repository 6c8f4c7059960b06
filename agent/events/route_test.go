package events

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// woken reports whether s was poked, and empties its wake channel.
func woken(s *Sub) bool {
	select {
	case <-s.Wake():
		return true
	default:
		return false
	}
}

func publishTo(t *testing.T, h *Hub, topic string, aud Audience) uint64 {
	t.Helper()
	if err := h.Publish(context.Background(), Event{Topic: topic, Type: "call_updated", Audience: aud}); err != nil {
		t.Fatal(err)
	}
	return h.Last()
}

// TestHubRoutes: a subscriber made by SubscribeAs is handed, and woken
// for, only the events of its topics whose audience holds its principal:
// its user's, by user id; a supervisor's, by ability; anyone's, and a
// predicate's, asked of it. One made by Subscribe gets everything.
func TestHubRoutes(t *testing.T) {
	h := testHub(t, DefaultConfig(), clock.Real{})
	sa := h.SubscribeAs(alice, []string{"calls"}, false)
	sb := h.SubscribeAs(bob, []string{"calls", "dialer"}, false)
	ss := h.SubscribeAs(sup, []string{"calls"}, false)
	st := h.SubscribeAs(admin, []string{"hotel"}, false)
	sapp := h.SubscribeAs(platform.Principal{Kind: platform.KindApp, AppID: "app-1", Granted: []platform.Scope{platform.ScopeCalls}}, []string{"calls"}, false)
	all := h.Subscribe()
	var want = map[*Sub][]uint64{}
	add := func(seq uint64, subs ...*Sub) {
		for _, s := range subs {
			want[s] = append(want[s], seq)
		}
	}
	add(publishTo(t, h, "calls", UserAndSupervisors("u-alice")), sa, ss, all)
	add(publishTo(t, h, "calls", UserAndSupervisors("u-bob")), sb, ss, all)
	add(publishTo(t, h, "calls", Users("u-alice", "u-bob")), sa, sb, all)
	add(publishTo(t, h, "calls", Holding(platform.AbilityManageCallCenter)), ss, all)
	add(publishTo(t, h, "dialer", Anyone()), sb, all)
	add(publishTo(t, h, "hotel", Anyone()), st, all)
	add(publishTo(t, h, "calls", Roles(platform.RoleUser)), sa, sb, all)
	add(publishTo(t, h, "calls", Any()), all)
	add(publishTo(t, h, "calls", Any(Users("u-sup"), Holding(platform.AbilityManageCallCenter))), ss, all)
	add(publishTo(t, h, "calls", Any(Users("u-alice"), NoUser())), sa, sapp, all)
	add(publishTo(t, h, "hotel", NoUser()), st, all)
	for name, s := range map[string]*Sub{"alice": sa, "bob": sb, "supervisor": ss, "admin token": st, "app": sapp, "everything": all} {
		if got := drain(t, h, s); !slices.Equal(got, want[s]) {
			t.Errorf("%s got %v, want %v", name, got, want[s])
		}
	}
	// Woken only by its own events.
	for _, s := range []*Sub{sa, sb, ss} {
		woken(s)
	}
	publishTo(t, h, "calls", UserAndSupervisors("u-bob"))
	if woken(sa) || !woken(sb) || !woken(ss) {
		t.Error("bob's call woke alice, or not bob and the supervisor")
	}
	// Topics change what is routed.
	h.SetTopics(sa, []string{"dialer"})
	drain(t, h, sa)
	publishTo(t, h, "calls", Users("u-alice"))
	seq := publishTo(t, h, "dialer", Anyone())
	if got := drain(t, h, sa); !slices.Equal(got, []uint64{seq}) {
		t.Errorf("after changing topics alice got %v, want the dialer event %d", got, seq)
	}
}

// TestHubRoutesByPrincipalVersion: a subscriber whose principal may
// change is handed every event until Refresh gives its principal at the
// current version, and again from the first event after a change of
// version until the next Refresh; without a version it always is.
func TestHubRoutesByPrincipalVersion(t *testing.T) {
	var ver atomic.Uint64
	h, err := NewHub(DefaultConfig(), WithPrincipalVersion(ver.Load))
	if err != nil {
		t.Fatal(err)
	}
	s := h.SubscribeAs(alice, []string{"calls"}, true)
	s1 := publishTo(t, h, "calls", Users("u-bob"))
	if got := drain(t, h, s); !slices.Equal(got, []uint64{s1}) {
		t.Fatalf("before the first Refresh: %v, want everything (%d)", got, s1)
	}
	h.Refresh(s, alice, h.PrincipalVersion())
	publishTo(t, h, "calls", UserAndSupervisors("u-bob"))
	if got := drain(t, h, s); len(got) != 0 {
		t.Fatalf("fresh, alice got bob's call %v", got)
	}
	// Alice is made a supervisor: the version changes, she is handed
	// bob's calls (her reader decides) until she is refreshed.
	v := h.PrincipalVersion()
	ver.Add(1)
	s2 := publishTo(t, h, "calls", UserAndSupervisors("u-bob"))
	s3 := publishTo(t, h, "presence", Users("u-bob"))
	if got := drain(t, h, s); !slices.Equal(got, []uint64{s2, s3}) {
		t.Fatalf("stale: got %v, want %v", got, []uint64{s2, s3})
	}
	// A principal read at the old version leaves her stale.
	promoted := alice
	promoted.Abilities = []platform.Ability{platform.AbilityManageCallCenter}
	h.Refresh(s, alice, v)
	s4 := publishTo(t, h, "calls", Users("u-bob"))
	if got := drain(t, h, s); !slices.Equal(got, []uint64{s4}) {
		t.Fatalf("refreshed at an old version: got %v, want %d", got, s4)
	}
	h.Refresh(s, promoted, h.PrincipalVersion())
	s5 := publishTo(t, h, "calls", UserAndSupervisors("u-bob"))
	publishTo(t, h, "calls", Users("u-bob"))
	if got := drain(t, h, s); !slices.Equal(got, []uint64{s5}) {
		t.Fatalf("promoted: got %v, want her supervisor's event %d", got, s5)
	}

	// Without a version, never trusted.
	h2 := testHub(t, DefaultConfig(), clock.Real{})
	s6 := h2.SubscribeAs(alice, []string{"calls"}, true)
	h2.Refresh(s6, alice, 0)
	seq := publishTo(t, h2, "calls", Users("u-bob"))
	if got := drain(t, h2, s6); !slices.Equal(got, []uint64{seq}) {
		t.Errorf("without a version: got %v, want everything (%d)", got, seq)
	}
}

// TestHubRoutedSlowConsumer: a routed subscriber is as far behind as
// the events published since the oldest it has still to be sent (others'
// included, as when every subscriber got every event): past send_queue
// it is cut off, at its own event or another's; others' events while it
// has none to be sent never cut it off; a replay does not count.
func TestHubRoutedSlowConsumer(t *testing.T) {
	h := testHub(t, Config{RingSize: 100, RingAge: time.Minute, PingInterval: time.Second, SendQueue: 5}, clock.Real{})
	s := h.SubscribeAs(alice, []string{"calls"}, false)
	for range 40 {
		publishTo(t, h, "calls", Users("u-bob"))
	}
	if r := h.CutReason(s); r != "" {
		t.Fatalf("cut off by others' events: %s", r)
	}
	first := h.Last()
	// Hers and bob's in turn: her first is 2k-1 events back at her k-th.
	for k := 1; k <= 4; k++ {
		publishTo(t, h, "calls", Users("u-alice"))
		if r := h.CutReason(s); (r != "") != (k == 4) {
			t.Fatalf("at her event %d (%d behind): cut %q", k, 2*k-1, r)
		}
		publishTo(t, h, "calls", Users("u-bob"))
	}
	if r := h.CutReason(s); !strings.Contains(r, "more than 5 events behind") {
		t.Errorf("reason %q", r)
	}
	// One with an event still to be sent falls behind with others'
	// events too.
	stuck := h.SubscribeAs(alice, []string{"calls"}, false)
	publishTo(t, h, "calls", Users("u-alice"))
	for i := 1; i <= 5; i++ {
		publishTo(t, h, "calls", Users("u-bob"))
		if r := h.CutReason(stuck); (r != "") != (i == 5) {
			t.Fatalf("%d of bob's events after hers: cut %q", i, r)
		}
	}
	// One that keeps up is not cut off.
	fast := h.SubscribeAs(alice, []string{"calls"}, false)
	for range 20 {
		publishTo(t, h, "calls", Users("u-alice"))
		publishTo(t, h, "calls", Users("u-bob"))
		drain(t, h, fast)
	}
	if r := h.CutReason(fast); r != "" {
		t.Errorf("a subscriber keeping up was cut off: %s", r)
	}
	// A replay of her events since first (4 + 1 + 20), then a live one.
	late := h.SubscribeAs(alice, []string{"calls"}, false)
	if rs := h.Resume(late, first); rs != nil {
		t.Fatalf("resync %+v", rs)
	}
	live := publishTo(t, h, "calls", Users("u-alice"))
	got := drain(t, h, late)
	if len(got) != 26 || got[25] != live || got[0] != first+1 {
		t.Errorf("replay then live: %v", rel(got, first))
	}
	if r := h.CutReason(late); r != "" {
		t.Errorf("the replay cut it off: %s", r)
	}
}
