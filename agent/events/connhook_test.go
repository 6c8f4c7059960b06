package events

import (
	"sync"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TestConnectHook: the hook hears each socket open once upgraded and end
// once closed, with its principal; a refused request is never counted.
func TestConnectHook(t *testing.T) {
	var mu sync.Mutex
	open := map[string]int{}
	r := newRig(t, DefaultConfig(), WithConnectHook(func(p platform.Principal, on bool) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			open[p.UserID]++
		} else {
			open[p.UserID]--
		}
	}))
	count := func(id string) int { mu.Lock(); defer mu.Unlock(); return open[id] }
	a1 := r.connect("alice", "")
	a2 := r.connect("alice", "?topics=presence")
	eventually(t, "alice's two sockets counted", func() bool { return count("u-alice") == 2 })
	if _, _, err := r.dial("bob", "?topics=weather", nil); err == nil {
		t.Fatal("a bad topic was accepted")
	}
	if n := count("u-bob"); n != 0 {
		t.Errorf("a refused socket counted: %d", n)
	}
	_ = a1.conn.CloseNow()
	eventually(t, "one of alice's sockets gone", func() bool { return count("u-alice") == 1 })
	_ = a2.conn.CloseNow()
	eventually(t, "alice offline", func() bool { return count("u-alice") == 0 })
}
