package agent

import (
	"testing"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/calls"
)

// The adapter converts the engine's outcomes and parties to the ACD's by
// their strings: they must name the same things.
func TestGroupTelephonyNamesMatch(t *testing.T) {
	tests := []struct {
		name   string
		engine string
		acd    string
	}{
		{name: "no answer", engine: string(calls.GroupNoAnswer), acd: string(callgroups.OutcomeNoAnswer)},
		{name: "busy", engine: string(calls.GroupBusy), acd: string(callgroups.OutcomeBusy)},
		{name: "unavailable", engine: string(calls.GroupUnavailable), acd: string(callgroups.OutcomeUnavailable)},
		{name: "declined", engine: string(calls.GroupDeclined), acd: string(callgroups.OutcomeDeclined)},
		{name: "canceled", engine: string(calls.GroupCanceled), acd: string(callgroups.OutcomeCanceled)},
		{name: "failed", engine: string(calls.GroupFailed), acd: string(callgroups.OutcomeFailed)},
		{name: "caller", engine: string(calls.GroupPartyCaller), acd: string(callgroups.PartyCaller)},
		{name: "agent", engine: string(calls.GroupPartyAgent), acd: string(callgroups.PartyAgent)},
		{name: "transferred", engine: string(calls.GroupPartyTransferred), acd: string(callgroups.PartyTransferred)},
		{name: "failed exit", engine: calls.StatusFailed, acd: string(callgroups.ExitFailed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.engine != tt.acd {
				t.Errorf("engine %q, ACD %q", tt.engine, tt.acd)
			}
		})
	}
}

// Without a calls engine there is no telephony (and nothing to tell).
func TestGroupTelephonyNeedsTheEngine(t *testing.T) {
	if tel := newGroupTelephony(&build{d: &Daemon{}}, nil); tel != nil {
		t.Errorf("telephony %v without an engine", tel)
	}
}
