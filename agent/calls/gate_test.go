package calls

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// roomGate is the gate of the tests: PJSIP/601 is a vacant room (every
// outside call barred but 112), PJSIP/603 an occupied one.
func roomGate(sound []string) Gate {
	return func(_ context.Context, from Origin, kind Kind, number string) GateDecision {
		switch from.Endpoint {
		case "PJSIP/601":
			if kind == KindOutbound && number != "112" {
				return GateDecision{Barred: true, Sound: sound}
			}
			return GateDecision{CallerName: "601"}
		case "PJSIP/603":
			return GateDecision{CallerName: "603 – Anna Rossi"}
		}
		return GateDecision{}
	}
}

// roomUsers: the rooms are callees as the daemon's lookup makes them.
func roomUsers() fakeUsers {
	u := testUsers("PJSIP/501")
	u.byExt["601"] = Callee{ID: "room:601", Name: "601", Extension: "601", Devices: []string{"PJSIP/601"}}
	u.byExt["603"] = Callee{ID: "room:603", Name: "603 – Anna Rossi", Extension: "603", Devices: []string{"PJSIP/603"}}
	return u
}

func TestGateBarsAVacantRoomsOutsideCalls(t *testing.T) {
	tests := []struct {
		name   string
		sound  []string
		to     string
		barred bool
	}{
		{name: "barred: the message, then hung up", sound: []string{"sound:ss-noservice"}, to: "0044207", barred: true},
		{name: "barred without a message: back to the dialplan", to: "0044207", barred: true},
		{name: "emergency goes through", sound: []string{"sound:ss-noservice"}, to: "112"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, p := newHotelEnv(t, roomUsers(), WithGate(roomGate(tt.sound)))
			id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "601", Context: "from-internal",
				Exten: tt.to, Endpoint: "PJSIP/601", Args: []string{"outbound", tt.to}})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.barred && len(tt.sound) > 0:
				e.awaitPlayed(p, id, "sound:ss-noservice")
				if s, _ := e.srv.Channel(id); s.State != ari.StateUp {
					t.Errorf("the barred caller is not answered: %+v", s)
				}
				e.awaitPlayback(id+"-p1", "queued", "playing")
				e.clk.Advance(3 * time.Second) // the message ends
				if s := e.awaitChannel(id, "hung up", destroyed); s.Cause != ari.CauseCallRejected {
					t.Errorf("hung up with cause %d, want %d", s.Cause, ari.CauseCallRejected)
				}
			case tt.barred:
				e.handedBack(id, "noanswer", StatusBarred)
			default:
				c := e.pub.awaitType(t, EventCreated).call
				if c.UserID != "room:601" || c.FromName != "601" || c.To != "112" {
					t.Errorf("created %+v", c)
				}
				far := e.ring(c.ID + "-far")
				if far.Endpoint != "PJSIP/112" || far.Caller.Name != "601" {
					t.Errorf("dialled %+v", far)
				}
			}
			if tt.barred {
				e.pub.mu.Lock()
				n := len(e.pub.evs)
				e.pub.mu.Unlock()
				if n != 0 {
					t.Errorf("a barred call published %d call events", n)
				}
			}
		})
	}
}

func TestGateCallerNameOnTheOtherLeg(t *testing.T) {
	tests := []struct {
		name string
		kind string
		to   string
		leg  string // the leg that shows the name
	}{
		{name: "outbound: the destination sees the room's name", kind: "outbound", to: "0041441234567", leg: "-far"},
		{name: "internal: the user's phone sees it", kind: "internal", to: "555", leg: "-u1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newHotelEnv(t, roomUsers(), WithGate(roomGate(nil)))
			if _, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "603", CallerName: "Room phone", Context: "from-internal",
				Exten: tt.to, Endpoint: "PJSIP/603", Args: []string{tt.kind, tt.to}}); err != nil {
				t.Fatal(err)
			}
			c := e.pub.awaitType(t, EventCreated).call
			if c.FromName != "603 – Anna Rossi" {
				t.Errorf("from_name %q", c.FromName)
			}
			leg := e.ring(c.ID + tt.leg)
			if leg.Caller.Name != "603 – Anna Rossi" || leg.Caller.Number != "603" {
				t.Errorf("%s shows %+v", tt.leg, leg.Caller)
			}
		})
	}
}
