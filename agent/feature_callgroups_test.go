package agent

import (
	"testing"

	"github.com/pbxagent/pbxagent/agent/presence"
)

func TestReachable(t *testing.T) {
	tests := []struct {
		name string
		ds   []presence.Device
		want bool
	}{
		{name: "no device", want: false},
		{name: "online", ds: []presence.Device{{Endpoint: "PJSIP/1", State: "offline"}, {Endpoint: "PJSIP/2", State: "online"}}, want: true},
		{name: "not known yet", ds: []presence.Device{{Endpoint: "PJSIP/1", State: "unknown"}}, want: true},
		{name: "all offline", ds: []presence.Device{{Endpoint: "PJSIP/1", State: "offline"}, {Endpoint: "PJSIP/2", State: "offline"}}, want: false},
	}
	for _, tt := range tests {
		if got := reachable(tt.ds); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
