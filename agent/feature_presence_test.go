package agent

import (
	"testing"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/presence"
)

func TestCallPresence(t *testing.T) {
	tests := []struct {
		name string
		call calls.Call
		want presence.CallState
	}{
		{name: "the user's phone called for a click-to-call", call: calls.Call{State: calls.StateDialing, Direction: calls.Outbound}, want: presence.CallRinging},
		{name: "an inbound call ringing", call: calls.Call{State: calls.StateRinging, Direction: calls.Inbound}, want: presence.CallRinging},
		{name: "the destination of an outbound call ringing", call: calls.Call{State: calls.StateRinging, Direction: calls.Outbound}, want: presence.CallTalking},
		{name: "up", call: calls.Call{State: calls.StateUp}, want: presence.CallTalking},
		{name: "held", call: calls.Call{State: calls.StateHeld}, want: presence.CallHeld},
		{name: "parked", call: calls.Call{State: "parked"}, want: presence.CallIdle},
		{name: "ended", call: calls.Call{State: calls.StateEnded}, want: presence.CallIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := callPresence(tt.call); got != tt.want {
				t.Errorf("%s, want %s", got, tt.want)
			}
		})
	}
}
