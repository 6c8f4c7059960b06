package fakeari_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestContinueAtLabel: channels/{id}/continue with a label, as
// ast_ari_channels_continue_in_dialplan (res/ari/resource_channels.c) does
// it; observed on Asterisk 22.10.1: a label the extension lacks answers 404
// "Requested label can not be found" and the channel stays in the app.
func TestContinueAtLabel(t *testing.T) {
	tests := []struct {
		name, context, label string
		wantErr              bool
		wantPriority         int64
	}{
		{name: "declared label", context: "from-internal", label: "fallback", wantPriority: 4},
		{name: "label the extension lacks", context: "from-internal", label: "voicemail", wantErr: true},
		{name: "numeric label is a priority", context: "from-internal", label: "7", wantPriority: 7},
		{name: "context without declared labels takes any", context: "from-trunk", label: "anything", wantPriority: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"),
				fakeari.WithLabels("from-internal", map[string]int{"_X./fallback": 4}))
			c := connect(t, url, "app")
			id, err := srv.PlaceInbound(fakeari.InboundCall{App: "app", Caller: "101", Exten: "200", Context: tt.context})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Channels().Continue(context.Background(), id, ari.DialplanTarget{Label: tt.label})
			snap, _ := srv.Channel(id)
			if tt.wantErr {
				var ae *ari.Error
				if !ari.IsNotFound(err) || !errors.As(err, &ae) || ae.Message != "Requested label can not be found" || !snap.InStasis {
					t.Fatalf("continue: %v, in stasis %v; want 404 and still in the app", err, snap.InStasis)
				}
				return
			}
			if err != nil || snap.InStasis || snap.Dialplan.Priority != tt.wantPriority {
				t.Fatalf("continue: %v, in stasis %v, priority %d; want priority %d", err, snap.InStasis, snap.Dialplan.Priority, tt.wantPriority)
			}
		})
	}
}

// TestRedirectNeedsATransferCallback: channels/{id}/redirect is
// ast_transfer (res/stasis/control.c app_control_redirect); a Local
// channel has no transfer callback, so the request answers 204 and the
// channel stays in the app (observed on Asterisk 22.10.1), while a PJSIP
// channel is redirected and hung up.
func TestRedirectNeedsATransferCallback(t *testing.T) {
	tests := []struct {
		name, endpoint, to string
		wantGone           bool
	}{
		{name: "Local", endpoint: "Local/s@default", to: "Local/200@far"},
		{name: "PJSIP", endpoint: "PJSIP/100", to: "PJSIP/voicemail", wantGone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"))
			c := connect(t, url, "app")
			ctx := context.Background()
			if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tt.endpoint, ChannelID: "r", App: "app"}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Second)
			if err := c.Channels().Redirect(ctx, "r", tt.to); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Second)
			snap, _ := srv.Channel("r")
			if snap.Destroyed != tt.wantGone || snap.InStasis == tt.wantGone {
				t.Errorf("after redirect: destroyed %v, in stasis %v; want destroyed %v", snap.Destroyed, snap.InStasis, tt.wantGone)
			}
		})
	}
}
