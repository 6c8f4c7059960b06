package fakeari_test

import (
	"context"
	"testing"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestContinueAtLabel: continue with a label follows
// ast_ari_channels_continue_in_dialplan (res/ari/resource_channels.c):
// a declared label is its priority, an unknown one 404 (the channel stays
// in Stasis), a numeric one the priority itself.
func TestContinueAtLabel(t *testing.T) {
	srv, url := fakeari.StartTest(t, fakeari.WithAuth("U", "P"),
		fakeari.WithDialplanLabels("from-trunk", map[string]int{"noanswer": 5}))
	c := connect(t, url, "calls")
	starts := c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	tests := []struct {
		name     string
		label    string
		wantErr  func(error) bool
		wantPrio int64
	}{
		{name: "declared label", label: "noanswer", wantPrio: 5},
		{name: "numeric label", label: "7", wantPrio: 7},
		{name: "unknown label", label: "nowhere", wantErr: ari.IsNotFound},
		{name: "label 0", label: "0", wantErr: ari.IsBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := srv.PlaceInbound(fakeari.InboundCall{App: "calls", Caller: "100", Exten: "101"})
			if err != nil {
				t.Fatal(err)
			}
			waitEvent(t, starts)
			err = c.Channels().Continue(context.Background(), id, ari.DialplanTarget{Label: tt.label})
			snap, _ := srv.Channel(id)
			if tt.wantErr != nil {
				if !tt.wantErr(err) || !snap.InStasis {
					t.Fatalf("continue at %q: %v, in Stasis %v", tt.label, err, snap.InStasis)
				}
				return
			}
			if err != nil || snap.InStasis || snap.Dialplan.Priority != tt.wantPrio || snap.Label != tt.label {
				t.Fatalf("continue at %q: %v, snapshot %+v", tt.label, err, snap)
			}
		})
	}
}
