package contract

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// TestCallGroupWaiting pins down the Asterisk behaviour the call groups'
// PBX side (agent/calls group*.go) stands on, against the stand-in and,
// with ARI_URL set, a real Asterisk (the dialplan of TestAsteriskBehaviour
// and a default music-on-hold class with files):
//   - callers wait together in one holding bridge with the bridge's music
//     on hold (res/ari/resource_bridges.c ast_ari_bridges_start_moh);
//   - a caller already in the holding bridge is added to a mixing bridge
//     without being removed first: Asterisk departs it from the holding
//     bridge (res/stasis/control.c control_swap_channel_in_bridge, "Depart
//     whatever Stasis bridge we're currently in"), with ChannelLeftBridge
//     then ChannelEnteredBridge, and the holding bridge keeps the others;
//   - ringback on an answered channel (channels/{id}/ring) is accepted, and
//     a file played to a waiting caller plays while they stay in the bridge.
func TestCallGroupWaiting(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			appName := app + "-group"
			c := connect(ctx, t, tg, appName)
			advance := func(d time.Duration) {
				if tg.advance != nil {
					tg.advance(d)
				}
			}
			entered := func(sub *ari.Subscription, bridge string) *ari.ChannelEnteredBridge {
				t.Helper()
				return until(t, sub, func(ev ari.Event) bool {
					e, ok := ev.(*ari.ChannelEnteredBridge)
					return ok && e.Bridge.ID == bridge
				}).(*ari.ChannelEnteredBridge)
			}
			a, b := ari.NewID("cg-a-"), ari.NewID("cg-b-")
			sa, sb := answeredLeg(ctx, t, c, tg, appName, a), answeredLeg(ctx, t, c, tg, appName, b)
			hold, mix := ari.NewID("cg-hold-"), ari.NewID("cg-mix-")
			br := c.Bridges()
			if _, err := br.Create(ctx, ari.BridgeRequest{ID: hold, Type: []string{"holding"}, Name: "group contract"}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = br.Destroy(context.Background(), hold) })
			if err := br.AddChannel(ctx, hold, ari.AddChannelRequest{Channels: []string{a}}); err != nil {
				t.Fatal(err)
			}
			if e := entered(sa, hold); e.Bridge.BridgeClass != "stasis" || !slices.Contains(e.Bridge.Channels, a) {
				t.Errorf("holding bridge as entered: %+v", e.Bridge)
			}
			if err := br.StartMOH(ctx, hold, "default"); err != nil {
				t.Fatalf("music on hold in the holding bridge: %v", err)
			}
			if err := br.AddChannel(ctx, hold, ari.AddChannelRequest{Channels: []string{b}}); err != nil {
				t.Fatal(err)
			}
			entered(sb, hold)
			if err := c.Channels().Ring(ctx, b); err != nil {
				t.Errorf("ringback to an answered caller in a bridge: %v", err)
			}
			if _, err := c.Channels().Play(ctx, b, ari.PlayRequest{PlaybackID: ari.NewID("cg-pb-"), Media: []string{"tone:ring;tonezone=us"}}); err != nil {
				t.Errorf("play to a waiting caller: %v", err)
			}

			// A member answers: the caller moves to the call's mixing
			// bridge without a removeChannel.
			if _, err := br.Create(ctx, ari.BridgeRequest{ID: mix, Type: []string{"mixing"}, Name: "group call"}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = br.Destroy(context.Background(), mix) })
			if err := br.AddChannel(ctx, mix, ari.AddChannelRequest{Channels: []string{a}}); err != nil {
				t.Fatalf("add a caller in the holding bridge to a mixing bridge: %v", err)
			}
			advance(time.Second)
			left := until(t, sa, func(ev ari.Event) bool {
				_, l := ev.(*ari.ChannelLeftBridge)
				_, e := ev.(*ari.ChannelEnteredBridge)
				return l || e
			})
			if l, ok := left.(*ari.ChannelLeftBridge); !ok || l.Bridge.ID != hold {
				t.Fatalf("first bridge event after the move: %T %+v, want ChannelLeftBridge of the holding bridge", left, left)
			}
			entered(sa, mix)
			got, err := br.Get(ctx, hold)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(got.Channels, a) || !slices.Contains(got.Channels, b) {
				t.Errorf("holding bridge after the move: %v, want only %s", got.Channels, b)
			}
			if tg.fake != nil {
				for _, p := range tg.fake.Problems() {
					t.Errorf("request, reply or event departs from the spec: %v", p)
				}
			}
		})
	}
}
