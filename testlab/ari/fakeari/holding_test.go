package fakeari_test

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestHoldingBridgeMusicAndRingback: callers an application adds to a
// holding bridge hear nothing of their own (bridge_stasis_push: idle_mode
// none) but the music the bridge plays (bridges/{id}/moh, its Announcer
// channel); addChannel to another bridge departs the holding bridge
// (control_swap_channel_in_bridge). channels/{id}/ring on an answered
// channel is an in-band ring tone that a file played to the channel stops
// (the generator is deactivated).
func TestHoldingBridgeMusicAndRingback(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"))
	c := connect(t, url, "app")
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"1001", "1002"} {
		id, err := srv.PlaceInbound(fakeari.InboundCall{App: "app", Caller: n, Exten: "600", Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "q"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Channels().Answer(ctx, id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	br := c.Bridges()
	if _, err := br.Create(ctx, ari.BridgeRequest{ID: "wait", Type: []string{"holding"}}); err != nil {
		t.Fatal(err)
	}
	if err := br.AddChannel(ctx, "wait", ari.AddChannelRequest{Channels: ids}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if s, _ := srv.Channel(id); s.Bridge != "wait" || s.BridgeMOH || s.MOH {
			t.Errorf("%s in a holding bridge without music: %+v (want silence)", id, s)
		}
	}
	if err := br.StartMOH(ctx, "wait", "jazz"); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if s, _ := srv.Channel(id); !s.BridgeMOH || s.BridgeMOHClass != "jazz" || s.MOH {
			t.Errorf("%s: %+v, want the bridge's music of class jazz", id, s)
		}
	}
	if b, ok := srv.Bridge("wait"); !ok || b.Type != "holding" || !b.MOH || len(b.Channels) != 2 {
		t.Errorf("bridge %+v", b)
	}
	if _, err := br.Create(ctx, ari.BridgeRequest{ID: "talk", Type: []string{"mixing"}}); err != nil {
		t.Fatal(err)
	}
	if err := br.AddChannel(ctx, "talk", ari.AddChannelRequest{Channels: ids[:1]}); err != nil {
		t.Fatal(err)
	}
	if s, _ := srv.Channel(ids[0]); s.Bridge != "talk" || s.BridgeMOH {
		t.Errorf("moved caller %+v", s)
	}
	if b, _ := srv.Bridge("wait"); len(b.Channels) != 1 || b.Channels[0] != ids[1] {
		t.Errorf("holding bridge after the move: %+v", b)
	}

	if err := c.Channels().Ring(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if s, _ := srv.Channel(ids[1]); !s.Ringback || s.RingIndicated {
		t.Errorf("ring on an answered channel: %+v, want an in-band ring tone", s)
	}
	if _, err := c.Channels().Play(ctx, ids[1], ari.PlayRequest{PlaybackID: "ann", Media: []string{"sound:queue-thereare"}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(0)
	if s, _ := srv.Channel(ids[1]); s.Ringback {
		t.Errorf("the ring tone plays on under a file: %+v", s)
	}
}
