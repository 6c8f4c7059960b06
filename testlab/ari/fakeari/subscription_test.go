package fakeari_test

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestChannelDestroyedOnlyToSubscribers: after StasisEnd, Asterisk
// unsubscribes the app from a channel it held only through Stasis
// (res/res_stasis.c stasis_app_exec: app_send_end_msg, then
// app_unsubscribe_channel), so a channel that entered from the dialplan or a
// snoop channel is never reported destroyed; an originate into the app
// subscribes it explicitly and ChannelDestroyed follows StasisEnd. Observed on
// Asterisk 22.10.1: Stasis() from the dialplan and snoop channels give
// ChannelHangupRequest, StasisEnd and nothing more.
func TestChannelDestroyedOnlyToSubscribers(t *testing.T) {
	tests := []struct {
		name          string
		place         func(t *testing.T, srv *fakeari.Server, c *ari.Conn) string // the channel id
		wantDestroyed bool
	}{
		{
			name: "inbound from the dialplan, far end hangs up",
			place: func(t *testing.T, srv *fakeari.Server, c *ari.Conn) string {
				id, err := srv.PlaceInbound(fakeari.InboundCall{App: "app", Caller: "+441234567890"})
				if err != nil {
					t.Fatal(err)
				}
				if !srv.Hangup(id, 16) {
					t.Fatal("hang up failed")
				}
				return id
			},
		},
		{
			name: "inbound from the dialplan, ARI hang-up",
			place: func(t *testing.T, srv *fakeari.Server, c *ari.Conn) string {
				id, err := srv.PlaceInbound(fakeari.InboundCall{App: "app", Caller: "+441234567890"})
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Channels().Hangup(context.Background(), id, ""); err != nil {
					t.Fatal(err)
				}
				return id
			},
		},
		{
			name: "snoop channel hung up",
			place: func(t *testing.T, srv *fakeari.Server, c *ari.Conn) string {
				ctx := context.Background()
				if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/a", ChannelID: "spied", App: "app"}); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Channels().Snoop(ctx, "spied", ari.SnoopRequest{SnoopID: "snoop", Spy: "both", App: "app"}); err != nil {
					t.Fatal(err)
				}
				if err := c.Channels().Hangup(ctx, "snoop", ""); err != nil {
					t.Fatal(err)
				}
				return "snoop"
			},
		},
		{
			name: "originated into the app",
			place: func(t *testing.T, srv *fakeari.Server, c *ari.Conn) string {
				if _, err := c.Channels().Originate(context.Background(), ari.OriginateRequest{Endpoint: "PJSIP/a", ChannelID: "out", App: "app"}); err != nil {
					t.Fatal(err)
				}
				return "out"
			},
			wantDestroyed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"),
				fakeari.WithPeer("PJSIP/", fakeari.Fixed{Outcome: fakeari.Answer, Ring: time.Second}))
			c := connect(t, url, "app")
			sub := c.Events().Subscribe(ari.Filter{})
			defer sub.Cancel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// A marker channel: a variable set on it at the end is the last
			// event, so everything before it has been read.
			if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/marker", ChannelID: "marker", App: "app"}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Second)
			id := tt.place(t, srv, c)
			clk.Advance(2 * time.Second)
			if id == "out" {
				if err := c.Channels().Hangup(ctx, id, ""); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Channels().SetVariable(ctx, "marker", "DONE", "1"); err != nil {
				t.Fatal(err)
			}
			var ended, destroyed bool
			for {
				ev := waitEvent(t, sub)
				if v, ok := ev.(*ari.ChannelVarset); ok && v.Channel != nil && v.Channel.ID == "marker" && v.Variable == "DONE" {
					break
				}
				switch e := ev.(type) {
				case *ari.StasisEnd:
					ended = ended || e.Channel.ID == id
				case *ari.ChannelDestroyed:
					destroyed = destroyed || e.Channel.ID == id
				}
			}
			if !ended || destroyed != tt.wantDestroyed {
				t.Errorf("StasisEnd %v, ChannelDestroyed %v; want StasisEnd and ChannelDestroyed %v", ended, destroyed, tt.wantDestroyed)
			}
		})
	}
}
