package calls

import (
	"context"
	"sync/atomic"
	"testing"
)

// TestDNDCallNotRung: a call from the dialplan for a user in DND rings no
// device and goes on at the noanswer label with PBXAGENT_STATUS=DND; the
// same user out of DND is rung; outbound calls of a user in DND go out.
func TestDNDCallNotRung(t *testing.T) {
	var dnd atomic.Bool
	var asked atomic.Int32
	avail := WithAvailability(func(_ context.Context, id string) bool {
		asked.Add(1)
		return !(id == "u1" && dnd.Load())
	})
	tests := []struct {
		name string
		kind Kind
		dnd  bool
	}{
		{name: "inbound to a user in DND", kind: KindInbound, dnd: true},
		{name: "internal to a user in DND", kind: KindInternal, dnd: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dnd.Store(tt.dnd)
			e := newDialplanEnv(t, testUsers("PJSIP/501"), avail)
			caller := "trunk-caller"
			if tt.kind == KindInternal {
				caller = "601"
			}
			id := e.call(string(tt.kind), "555", caller, "")
			e.handedBack(id, "noanswer", StatusDND)
			if n := e.pub.count(); n != 0 {
				t.Errorf("%d events for a call nobody rang", n)
			}
			for _, c := range e.srv.Channels() {
				if c.Endpoint == "PJSIP/501" {
					t.Errorf("the device of a user in DND was rung: %+v", c)
				}
			}
		})
	}
	t.Run("out of DND the user is rung", func(t *testing.T) {
		dnd.Store(false)
		e := newDialplanEnv(t, testUsers("PJSIP/501"), avail)
		e.call(string(KindInbound), "555", "0441234567", "")
		e.pub.awaitType(t, EventCreated)
	})
	if asked.Load() == 0 {
		t.Error("availability never asked")
	}
}
