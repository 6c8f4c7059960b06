package ari_test

import (
	"io"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestEveryOperationConforms calls every client operation against the
// stand-in, which checks each accepted request and reply against the ARI
// specification (StartTest fails the test on any deviation).
func TestEveryOperationConforms(t *testing.T) {
	e := newEnv(t, "all", fakeari.WithEndpoints("PJSIP/agent1"))
	ctx := e.ctx
	starts := e.c.Events().Subscribe(ari.Filter{Types: []string{"StasisStart"}})
	defer starts.Cancel()
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: "all", Caller: "100"})
	if err != nil {
		t.Fatal(err)
	}
	next(t, starts)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	ch := e.c.Channels()
	must("ring", ch.Ring(ctx, id))
	must("stop ring", ch.StopRing(ctx, id))
	must("progress", ch.Progress(ctx, id))
	must("answer", ch.Answer(ctx, id))
	must("mute", ch.Mute(ctx, id, ""))
	must("unmute", ch.Unmute(ctx, id, "both"))
	must("silence", ch.StartSilence(ctx, id))
	must("stop silence", ch.StopSilence(ctx, id))
	must("dtmf", ch.SendDTMF(ctx, id, "1", ari.DTMFOptions{Before: time.Second, Duration: 80 * time.Millisecond, After: time.Second}))
	_, err = ch.Snoop(ctx, id, ari.SnoopRequest{Spy: "both", AppArgs: []string{"x"}})
	must("snoop", err)
	_, err = ch.List(ctx)
	must("list", err)

	pb, err := ch.Play(ctx, id, ari.PlayRequest{Media: []string{"sound:hello"}, Lang: "en", OffsetMs: 10, SkipMs: 3000})
	must("play", err)
	e.clk.Advance(0)
	_, err = e.c.Playbacks().Get(ctx, pb.ID)
	must("playback get", err)
	must("playback control", e.c.Playbacks().Control(ctx, pb.ID, "pause"))
	must("playback stop", e.c.Playbacks().Stop(ctx, pb.ID))

	rec := e.c.Recordings()
	_, err = ch.Record(ctx, id, ari.RecordRequest{Name: "r1", Format: "wav", MaxDuration: time.Minute, MaxSilence: 5 * time.Second, IfExists: "overwrite", Beep: true, TerminateOn: "#"})
	must("record", err)
	e.clk.Advance(0)
	_, err = rec.Live(ctx, "r1")
	must("live", err)
	must("pause", rec.Pause(ctx, "r1"))
	must("unpause", rec.Unpause(ctx, "r1"))
	must("mute", rec.Mute(ctx, "r1"))
	must("unmute", rec.Unmute(ctx, "r1"))
	must("stop", rec.Stop(ctx, "r1"))
	_, err = rec.ListStored(ctx)
	must("stored list", err)
	_, err = rec.Stored(ctx, "r1")
	must("stored", err)
	_, _, err = rec.StoredFile(ctx, "r1", io.Discard)
	must("stored file", err)
	_, err = rec.CopyStored(ctx, "r1", "r1-copy")
	must("copy stored", err)
	must("delete stored", rec.DeleteStored(ctx, "r1"))
	_, err = ch.Record(ctx, id, ari.RecordRequest{Name: "r2", Format: "wav"})
	must("record 2", err)
	must("cancel", rec.Cancel(ctx, "r2"))

	br := e.c.Bridges()
	_, err = br.Create(ctx, ari.BridgeRequest{ID: "mix", Type: []string{"mixing", "proxy_media"}, Name: "n"})
	must("bridge create", err)
	must("bridge moh", br.StartMOH(ctx, "mix", "default"))
	must("bridge stop moh", br.StopMOH(ctx, "mix"))
	_, err = br.Play(ctx, "mix", ari.PlayRequest{Media: []string{"sound:x"}, AnnouncerFormat: "ulaw"})
	must("bridge play", err)
	_, err = br.Record(ctx, "mix", ari.RecordRequest{Name: "br1", Format: "wav", RecorderFormat: "ulaw"})
	must("bridge record", err)
	must("add", br.AddChannel(ctx, "mix", ari.AddChannelRequest{Channels: []string{id}, Role: "participant", AbsorbDTMF: true, Mute: true, InhibitConnectedLineUpdates: true}))
	must("remove", br.RemoveChannel(ctx, "mix", id))
	must("destroy", br.Destroy(ctx, "mix"))

	ast := e.c.Asterisk()
	_, err = ast.Info(ctx)
	must("info", err)
	_, err = ast.Ping(ctx)
	must("ping", err)
	must("set global", ast.SetVariable(ctx, "G", "1"))
	if v, err := ast.GetVariable(ctx, "G"); err != nil || v != "1" {
		t.Fatalf("global %q %v", v, err)
	}

	_, err = e.c.Endpoints().List(ctx)
	must("endpoints", err)
	_, err = e.c.Endpoints().Get(ctx, "PJSIP", "agent1")
	must("endpoint", err)
	must("send message", e.c.Endpoints().SendMessage(ctx, "pjsip:agent1", `"Bob" <sip:102>`, "hello", map[string]string{"X-Chat-Room": "r1"}))
	if got := e.srv.Messages(); len(got) != 1 || got[0].To != "pjsip:agent1" || got[0].Body != "hello" || got[0].Variables["X-Chat-Room"] != "r1" {
		t.Fatalf("messages sent: %+v", got)
	}

	ds := e.c.DeviceStates()
	must("device update", ds.Update(ctx, "Stasis:agent1", "ONHOLD"))
	_, err = ds.List(ctx)
	must("device list", err)
	must("device delete", ds.Delete(ctx, "Stasis:agent1"))

	apps := e.c.Applications()
	_, err = apps.List(ctx)
	must("apps", err)
	_, err = apps.Subscribe(ctx, "all", ari.ChannelKey(id), ari.EndpointKey("PJSIP", "agent1"), ari.Key{Kind: ari.KindDeviceState, ID: "Stasis:x"})
	must("subscribe", err)
	_, err = apps.Unsubscribe(ctx, "all", ari.ChannelKey(id))
	must("unsubscribe", err)
	must("user event", e.c.UserEvent(ctx, "Ev", "all", []ari.Key{ari.ChannelKey(id)}, map[string]string{"k": "v"}))

	must("transfer progress", ch.TransferProgress(ctx, id, ari.TransferProgressing))
	must("move", ch.Move(ctx, id, "all", "again"))
	must("continue", ch.Continue(ctx, id, ari.DialplanTarget{Context: "c", Extension: "100", Priority: 2}))
	must("hangup", ch.Hangup(ctx, id, ari.ReasonAnsweredElsewhere))

	// create + dial + originate to a dialplan location.
	_, err = ch.Create(ctx, ari.CreateRequest{Endpoint: "Local/100@ctx", ChannelID: "cr1", OtherChannelID: "cr2", AppArgs: []string{"a"}, Formats: []string{"ulaw"}, Variables: map[string]string{"V": "1"}})
	must("create", err)
	must("dial", ch.Dial(ctx, "cr1", "", 20*time.Second))
	if _, err := ch.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/200", App: "all", Originator: id}); err == nil {
		t.Fatal("originator that hung up was accepted")
	}
	_, err = ch.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/200", Dialplan: ari.DialplanTarget{Context: "from-internal", Extension: "200", Label: "start"}, Timeout: -1})
	must("originate to dialplan", err)
	e.clk.Advance(time.Minute)
}
