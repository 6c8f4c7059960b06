package contract

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// TestCallControl pins down the call control the calls engine uses, with
// Asterisk's status codes and messages. Each expectation names the source
// it was read from (asterisk/asterisk on GitHub, master as of 2026-08):
//
//   - channels: https://github.com/asterisk/asterisk/blob/master/res/ari/resource_channels.c
//   - bridges: https://github.com/asterisk/asterisk/blob/master/res/ari/resource_bridges.c
//   - live and stored recordings: https://github.com/asterisk/asterisk/blob/master/res/ari/resource_recordings.c
//     and https://github.com/asterisk/asterisk/blob/master/res/res_stasis_recording.c
//   - channel commands: https://github.com/asterisk/asterisk/blob/master/res/stasis/control.c
//
// Against a real Asterisk it needs the dialplan of TestAsteriskBehaviour
// (ARI_LOCAL_ENDPOINT answers and waits) and a writable recording spool.
func TestCallControl(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			appName := app + "-calls"
			c := connect(ctx, t, tg, appName)
			advance := func(d time.Duration) {
				if tg.advance != nil {
					tg.advance(d)
				}
			}
			leg := func(t *testing.T, id string) *ari.Subscription { return answeredLeg(ctx, t, c, tg, appName, id) }
			ch := c.Channels()
			a, b := ari.NewID("cc-a-"), ari.NewID("cc-b-")
			sa := leg(t, a)
			leg(t, b)

			t.Run("channel controls on an answered leg", func(t *testing.T) {
				// control.c: hold, unhold, moh, mute, dtmf are commands on the
				// channel; ARI hold is ast_indicate (no ChannelHold event).
				for name, do := range map[string]func() error{
					"hold":     func() error { return ch.Hold(ctx, a) },
					"unhold":   func() error { return ch.Unhold(ctx, a) },
					"moh":      func() error { return ch.StartMOH(ctx, a, "") },
					"stop moh": func() error { return ch.StopMOH(ctx, a) },
					"mute":     func() error { return ch.Mute(ctx, a, "both") },
					"unmute":   func() error { return ch.Unmute(ctx, a, "both") },
					"dtmf":     func() error { return ch.SendDTMF(ctx, a, "1#", ari.DTMFOptions{}) },
					"set var":  func() error { return ch.SetVariable(ctx, a, "PBX_CALL_ID", "call-1") },
				} {
					if err := do(); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
				// Asterisk sets a variable on the channel's own thread
				// (res/stasis/control.c stasis_app_control_set_channel_var:
				// stasis_app_send_command_async) and answers 204 before
				// it is set, while a GET reads the channel at once: a read
				// right after a set may miss it, so read until it shows.
				var v string
				var err error
				for deadline := time.Now().Add(5 * time.Second); ; {
					if v, err = ch.GetVariable(ctx, a, "PBX_CALL_ID"); (err == nil && v == "call-1") || time.Now().After(deadline) {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				if err != nil || v != "call-1" {
					t.Errorf("get var %q %v", v, err)
				}
				// ast_ari_channels_send_dtmf
				wantErr(t, "dtmf without digits", ch.SendDTMF(ctx, a, "", ari.DTMFOptions{}), 400, "DTMF is required")
				// ast_ari_channels_get_channel_var / set_channel_var
				wantErr(t, "get unset var", func() error { _, err := ch.GetVariable(ctx, a, "PBX_CC_UNSET"); return err }(), 404, "Provided variable was not found")
				// ast_ari_channels_redirect checks, in order.
				wantErr(t, "redirect no endpoint", ch.Redirect(ctx, a, ""), 400, "Required parameter 'endpoint' not provided.")
				wantErr(t, "redirect no slash", ch.Redirect(ctx, a, "PJSIP"), 422, "Endpoint parameter 'PJSIP' does not contain tech/resource")
				wantErr(t, "redirect no resource", ch.Redirect(ctx, a, "Local/"), 422, "No resource provided in endpoint parameter 'Local/'")
				wantErr(t, "redirect other tech", ch.Redirect(ctx, a, "PJSIP/100"), 422, "Endpoint technology 'PJSIP' does not match channel technology 'Local'")
				// ast_ari_channels_transfer_progress (Asterisk 22.3+): no REFER
				// pending on a Local channel, so a valid state only indicates.
				wantErr(t, "transfer progress empty", ch.TransferProgress(ctx, a, ""), 400, "states must not be empty")
				wantErr(t, "transfer progress invalid", ch.TransferProgress(ctx, a, "maybe"), 400, "Invalid states value")
				if err := ch.TransferProgress(ctx, a, ari.TransferProgressing); err != nil {
					t.Errorf("transfer progress: %v", err)
				}
				// find_control: unknown channel.
				wantErr(t, "hold unknown", ch.Hold(ctx, "cc-missing"), 404, "Channel not found")
			})

			bid := ari.NewID("cc-br-")
			if _, err := c.Bridges().Create(ctx, ari.BridgeRequest{ID: bid, Type: []string{"mixing"}}); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.Bridges().Destroy(context.Background(), bid) }()
			if _, err := c.Applications().Subscribe(ctx, appName, ari.BridgeKey(bid)); err != nil {
				t.Fatal(err)
			}
			bsub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.BridgeKey(bid)}})
			defer bsub.Cancel()

			t.Run("bridge membership and music on hold", func(t *testing.T) {
				if err := c.Bridges().AddChannel(ctx, bid, ari.AddChannelRequest{Channels: []string{a, b}}); err != nil {
					t.Fatal(err)
				}
				if br, err := c.Bridges().Get(ctx, bid); err != nil || len(br.Channels) != 2 {
					t.Fatalf("bridge %+v %v", br, err)
				}
				// ast_ari_bridges_stop_moh: nothing playing.
				wantErr(t, "stop moh idle", c.Bridges().StopMOH(ctx, bid), 409, "Bridge isn't playing music")
				if err := c.Bridges().StartMOH(ctx, bid, ""); err != nil {
					t.Fatal(err)
				}
				if err := c.Bridges().StopMOH(ctx, bid); err != nil {
					t.Fatal(err)
				}
				// find_bridge
				wantErr(t, "moh unknown bridge", c.Bridges().StartMOH(ctx, "cc-missing", ""), 404, "Bridge not found")
				// bridges add/remove: find_channel_control and remove checks.
				wantErr(t, "add unknown channel", c.Bridges().AddChannel(ctx, bid, ari.AddChannelRequest{Channels: []string{"cc-missing"}}), 400, "Channel not found")
			})

			t.Run("recording a bridged channel fails with its cause", func(t *testing.T) {
				// res_stasis_recording.c record_file: the request is accepted
				// (201) and the recording then fails. The reply is built
				// after the command is queued (resource_channels.c
				// ast_ari_channels_record: stasis_app_control_record, then
				// stasis_app_recording_to_json), so the channel's thread may
				// already have failed it: Asterisk 22.10.1 answered "queued"
				// in some runs and "failed" in others.
				name := ari.NewID("cc-direct-")
				lr, err := ch.Record(ctx, a, ari.RecordRequest{Name: name, Format: "wav"})
				if err != nil || (lr.State != "queued" && lr.State != "failed") {
					t.Fatalf("record: %+v %v", lr, err)
				}
				advance(0)
				ev := until(t, sa, func(ev ari.Event) bool { _, ok := ev.(*ari.RecordingFailed); return ok }).(*ari.RecordingFailed)
				if ev.Recording.Cause != "Cannot record channel while in bridge" || ev.Recording.State != "failed" {
					t.Errorf("failed %+v", ev.Recording)
				}
			})

			t.Run("bridge recording: pause, mute, stop, stored file", func(t *testing.T) {
				rec := c.Recordings()
				name := ari.NewID("cc-bridge-")
				rsub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.RecordingKey(name)}})
				defer rsub.Cancel()
				if _, err := c.Bridges().Record(ctx, bid, ari.RecordRequest{Name: name, Format: "wav"}); err != nil {
					t.Fatal(err)
				}
				advance(0)
				until(t, rsub, func(ev ari.Event) bool { _, ok := ev.(*ari.RecordingStarted); return ok })
				for op, do := range map[string]func() error{
					"pause": func() error { return rec.Pause(ctx, name) }, "unpause": func() error { return rec.Unpause(ctx, name) },
					"mute": func() error { return rec.Mute(ctx, name) }, "unmute": func() error { return rec.Unmute(ctx, name) },
				} {
					if err := do(); err != nil {
						t.Errorf("%s: %v", op, err)
					}
				}
				advance(time.Second)
				if err := rec.Stop(ctx, name); err != nil {
					t.Fatal(err)
				}
				advance(0)
				fin := until(t, rsub, func(ev ari.Event) bool { _, ok := ev.(*ari.RecordingFinished); return ok }).(*ari.RecordingFinished)
				if fin.Recording.State != "done" || fin.Recording.TargetURI != "bridge:"+bid {
					t.Errorf("finished %+v", fin.Recording)
				}
				// resource_recordings.c control_recording: 404 once the
				// recording is unlinked (recording_cleanup, after the command
				// returns); just after RecordingFinished Asterisk may still
				// find it in state done: 409 "Recording not in session".
				if err := rec.Pause(ctx, name); !ari.IsNotFound(err) && !ari.IsConflict(err) {
					t.Errorf("pause stopped: got %v, want 404 or 409", err)
				}
				var buf bytes.Buffer
				// ast_ari_recordings_get_stored_file: "audio/" + extension.
				ct, n, err := rec.StoredFile(ctx, name, &buf)
				if err != nil || ct != "audio/wav" || n < 44 || buf.String()[:4] != "RIFF" {
					t.Errorf("stored file %q %d %v", ct, n, err)
				}
				cp := name + "-copy"
				if _, err := rec.CopyStored(ctx, name, cp); err != nil {
					t.Fatal(err)
				}
				_, err = rec.CopyStored(ctx, name, cp)
				wantErr(t, "copy onto existing", err, 409, "A recording with the same name already exists on the system")
				for _, n := range []string{name, cp} {
					if err := rec.DeleteStored(ctx, n); err != nil {
						t.Error(err)
					}
				}
				_, _, err = rec.StoredFile(ctx, name, &buf)
				wantErr(t, "deleted file", err, 404, "Recording not found")
			})

			t.Run("snoop on a bridged leg", func(t *testing.T) {
				id := ari.NewID("cc-snoop-")
				ssub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
				defer ssub.Cancel()
				sn, err := ch.Snoop(ctx, a, ari.SnoopRequest{SnoopID: id, Spy: "both", App: appName, AppArgs: []string{"snoop"}})
				if err != nil || sn.ID != id {
					t.Fatalf("snoop %+v %v", sn, err)
				}
				advance(0)
				until(t, ssub, func(ev ari.Event) bool { _, ok := ev.(*ari.StasisStart); return ok })
				// ast_ari_channels_snoop_channel
				_, err = ch.Snoop(ctx, a, ari.SnoopRequest{Spy: "none", Whisper: "none", App: appName})
				wantErr(t, "snoop no direction", err, 400, "Direction must be specified for at least spy or whisper")
				if err := ch.Hangup(ctx, id, ""); err != nil {
					t.Fatal(err)
				}
				advance(0)
				// A snoop channel is held by the app only through Stasis: after
				// StasisEnd the app is unsubscribed (res/res_stasis.c
				// stasis_app_exec), so no ChannelDestroyed follows.
				until(t, ssub, func(ev ari.Event) bool { _, ok := ev.(*ari.StasisEnd); return ok })
			})

			t.Run("continue at a label the dialplan lacks", func(t *testing.T) {
				// ast_ari_channels_continue_in_dialplan: a label that
				// ast_findlabel_extension does not find is 404 and the
				// channel stays in Stasis (the calls engine then continues
				// at the next priority).
				wantErr(t, "unknown label", ch.Continue(ctx, a, ari.DialplanTarget{Label: "pbxagent-no-such-label"}), 404, "Requested label can not be found")
				if got, err := ch.Get(ctx, a); err != nil || got.Dialplan.AppName != "Stasis" {
					t.Errorf("after the 404: %+v %v, want the channel still in Stasis", got, err)
				}
			})

			t.Run("remove from bridge", func(t *testing.T) {
				if err := c.Bridges().RemoveChannel(ctx, bid, a); err != nil {
					t.Fatal(err)
				}
				until(t, sa, func(ev ari.Event) bool { _, ok := ev.(*ari.ChannelLeftBridge); return ok })
				wantErr(t, "remove again", c.Bridges().RemoveChannel(ctx, bid, a), 422, "Channel not in this bridge")
			})
			if tg.fake != nil {
				for _, p := range tg.fake.Problems() {
					t.Errorf("request, reply or event departs from the spec: %v", p)
				}
			}
		})
	}
}

// until reads sub until an event satisfies f (other events are skipped:
// a real Asterisk sends more than the stand-in) and returns it.
func until(t *testing.T, sub *ari.Subscription, f func(ari.Event) bool) ari.Event {
	t.Helper()
	for {
		if ev := wait(t, sub, 15*time.Second); f(ev) {
			return ev
		}
	}
}

// wantErr checks an ARI error's status and Asterisk's message.
func wantErr(t *testing.T, what string, err error, status int, msg string) {
	t.Helper()
	var ae *ari.Error
	if !errors.As(err, &ae) || ae.Status != status || ae.Message != msg {
		t.Errorf("%s: got %v, want %d %q", what, err, status, msg)
	}
}

// answeredLeg originates tg.local (which answers) into appName as channel
// id, waits for its StasisStart, and hangs it up when t ends; it returns
// the subscription to the channel's events.
func answeredLeg(ctx context.Context, t *testing.T, c *ari.Conn, tg target, appName, id string) *ari.Subscription {
	t.Helper()
	advance := func(d time.Duration) {
		if tg.advance != nil {
			tg.advance(d)
		}
	}
	sub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
	if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tg.local, ChannelID: id, App: appName, Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	advance(2 * time.Second)
	until(t, sub, func(ev ari.Event) bool { _, ok := ev.(*ari.StasisStart); return ok })
	t.Cleanup(func() {
		_ = c.Channels().Hangup(context.Background(), id, "")
		advance(0)
		sub.Cancel()
	})
	return sub
}
