package calls

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestDialplanCallFallbackLabel: a call that entered the app from the
// dialplan is continued at the label "fallback" of its extension; when the
// extension has no such label Asterisk answers 404 "Requested label can not
// be found" (res/ari/resource_channels.c, observed on Asterisk 22.10.1) and
// the engine continues at the next priority instead.
func TestDialplanCallFallbackLabel(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]int
		want   int64 // the priority it is continued at (Stasis() is priority 1)
	}{
		{name: "extension with the label", labels: map[string]int{"_X./fallback": 5}, want: 5},
		{name: "extension without it", labels: map[string]int{"_X./voicemail": 9}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
			srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithClock(clk), fakeari.WithLabels("from-internal", tt.labels)}, testPeers...)...)
			e := &env{t: t, clk: clk, srv: srv, url: url}
			e.attach()
			id, err := srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "101", Exten: "200", Context: "from-internal"})
			if err != nil {
				t.Fatal(err)
			}
			// The stand-in's inbound call runs Stasis() at priority 1.
			s := e.awaitChannel(id, "left the app", func(s fakeari.ChannelSnapshot) bool { return !s.InStasis })
			if s.Destroyed || s.Dialplan.Priority != tt.want {
				t.Errorf("continued to priority %d, destroyed %v; want priority %d", s.Dialplan.Priority, s.Destroyed, tt.want)
			}
		})
	}
}
