package fakeari_test

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

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
