package contract

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestAsteriskBehaviour pins down what a real Asterisk 22 does in the places
// where the stand-in once differed and hid faults of the dialer. Against a
// real Asterisk its dialplan needs, in the context of ARI_LOCAL_ENDPOINT:
//
//	exten => s,1,Answer()
//	 same => n,Wait(60)
//	exten => busy,1,Busy()
//	exten => congestion,1,Congestion()
//	exten => ring,1,Ringing()
//	 same => n,Wait(60)
func TestAsteriskBehaviour(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			c := connect(ctx, t, tg, app+"-b")
			advance := func(d time.Duration) {
				if tg.advance != nil {
					tg.advance(d)
				}
			}

			t.Run("busy and congestion on a Local channel", func(t *testing.T) {
				for _, tt := range []struct{ endpoint, status string }{{tg.busy, "BUSY"}, {tg.congested, "CONGESTION"}} {
					id := ari.NewID("contract-busy-")
					sub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
					if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tt.endpoint, ChannelID: id, Timeout: 10 * time.Second}); err != nil {
						t.Fatal(err)
					}
					advance(time.Second)
					var status string
					for {
						ev := wait(t, sub, 15*time.Second)
						switch e := ev.(type) {
						case *ari.ChannelStateChange:
							if e.Channel.State == ari.StateRinging {
								t.Errorf("%s: Ringing before %s", tt.endpoint, tt.status)
							}
						case *ari.Dial:
							if e.Peer.ID == id && e.Dialstatus != "" {
								status = e.Dialstatus
							}
						case *ari.ChannelDestroyed:
							if e.Channel.ID != id {
								continue
							}
							if status != tt.status || e.Cause != 0 {
								t.Errorf("%s: dialstatus %q, destroyed with cause %d; want %s and cause 0", tt.endpoint, status, e.Cause, tt.status)
							}
							sub.Cancel()
							goto next
						}
					}
				next:
				}
			})

			t.Run("originate timeout: cause 19 and no final Dial status", func(t *testing.T) {
				// main/dial.c handle_timeout_trip hangs the channel up with
				// NO_ANSWER and publishes no Dial status.
				id := ari.NewID("contract-ring-")
				sub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
				defer sub.Cancel()
				if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tg.ringing, ChannelID: id, Timeout: 2 * time.Second}); err != nil {
					t.Fatal(err)
				}
				advance(0)
				advance(3 * time.Second)
				var statuses []string
				for {
					switch e := wait(t, sub, 15*time.Second).(type) {
					case *ari.Dial:
						if e.Peer.ID == id {
							statuses = append(statuses, e.Dialstatus)
						}
					case *ari.ChannelDestroyed:
						if e.Channel.ID != id {
							continue
						}
						if e.Cause != ari.CauseNoAnswer || !slices.Equal(statuses, []string{"", "RINGING"}) {
							t.Errorf("destroyed with cause %d after Dial statuses %q; want 19 after [\"\" RINGING]", e.Cause, statuses)
						}
						return
					}
				}
			})

			t.Run("a Local channel answered at once never rings", func(t *testing.T) {
				// Answer() first in its dialplan: no ringing indication
				// reaches the ;1 half (observed on Asterisk 22.10.1).
				id := ari.NewID("contract-now-")
				sub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
				defer sub.Cancel()
				defer func() { _ = c.Channels().Hangup(ctx, id, ari.ReasonNormal) }()
				if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tg.local, ChannelID: id, Timeout: 10 * time.Second}); err != nil {
					t.Fatal(err)
				}
				advance(0)
				var statuses []string
				for {
					switch e := wait(t, sub, 15*time.Second).(type) {
					case *ari.ChannelStateChange:
						if e.Channel.ID == id && e.Channel.State == ari.StateRinging {
							t.Errorf("%s rang", tg.local)
						}
					case *ari.Dial:
						if e.Peer.ID == id {
							statuses = append(statuses, e.Dialstatus)
						}
					case *ari.StasisStart:
						if !slices.Equal(statuses, []string{"", "ANSWER"}) {
							t.Errorf("Dial statuses %q, want [\"\" ANSWER]", statuses)
						}
						return
					}
				}
			})

			// answered originates a channel into the app and waits for it.
			answered := func(t *testing.T, cl *ari.Conn, id string) *ari.Subscription {
				sub := cl.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
				if _, err := cl.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tg.local, ChannelID: id, Timeout: 10 * time.Second}); err != nil {
					t.Fatal(err)
				}
				advance(2 * time.Second)
				for {
					if _, ok := wait(t, sub, 15*time.Second).(*ari.StasisStart); ok {
						return sub
					}
				}
			}

			t.Run("ARI hang-up: request cause 32 soft, destroyed with the Q.850 cause", func(t *testing.T) {
				id := ari.NewID("contract-hup-")
				sub := answered(t, c, id)
				defer sub.Cancel()
				if err := c.Channels().Hangup(ctx, id, ari.ReasonNormal); err != nil {
					t.Fatal(err)
				}
				var req *ari.ChannelHangupRequest
				for {
					switch e := wait(t, sub, 15*time.Second).(type) {
					case *ari.ChannelHangupRequest:
						if e.Channel.ID == id {
							req = e
						}
					case *ari.ChannelDestroyed:
						if e.Channel.ID != id {
							continue
						}
						if req == nil || req.Cause != 32 || !req.Soft {
							t.Errorf("hang-up request %+v, want cause 32, soft", req)
						}
						if e.Cause != 16 {
							t.Errorf("destroyed with cause %d, want 16", e.Cause)
						}
						return
					}
				}
			})

			t.Run("both Local halves listed in the app, the second as <id>;2", func(t *testing.T) {
				id := ari.NewID("contract-half-")
				sub := answered(t, c, id)
				defer sub.Cancel()
				defer func() { _ = c.Channels().Hangup(ctx, id, ari.ReasonNormal) }()
				a, err := c.Applications().Get(ctx, app+"-b")
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(a.ChannelIDs, id) || !slices.Contains(a.ChannelIDs, id+";2") {
					t.Errorf("channel_ids %v, want %s and %s;2", a.ChannelIDs, id, id)
				}
			})

			t.Run("duplicate bridge id", func(t *testing.T) {
				id := ari.NewID("contract-dup-")
				if _, err := c.Bridges().Create(ctx, ari.BridgeRequest{ID: id, Type: []string{"mixing"}}); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = c.Bridges().Destroy(ctx, id) }()
				_, err := c.Bridges().Create(ctx, ari.BridgeRequest{ID: id, Type: []string{"mixing"}})
				var ae *ari.Error
				if !errors.As(err, &ae) || ae.Status != 409 || ae.Message != "Bridge with id '"+id+"' already exists" {
					t.Errorf("duplicate bridge: %v, want 409 Bridge with id '%s' already exists", err, id)
				}
			})

			t.Run("channels and bridges outlive the client", func(t *testing.T) {
				app2 := app + "-restart"
				first := connect(ctx, t, tg, app2)
				id, bid := ari.NewID("contract-keep-"), ari.NewID("contract-keepbr-")
				answered(t, first, id).Cancel()
				if _, err := first.Bridges().Create(ctx, ari.BridgeRequest{ID: bid, Type: []string{"mixing"}}); err != nil {
					t.Fatal(err)
				}
				if err := first.Bridges().AddChannel(ctx, bid, ari.AddChannelRequest{Channels: []string{id}}); err != nil {
					t.Fatal(err)
				}
				_ = first.Close()
				next := connect(ctx, t, tg, app2)
				defer func() {
					_ = next.Channels().Hangup(ctx, id, ari.ReasonNormal)
					_ = next.Bridges().Destroy(ctx, bid)
				}()
				a, err := next.Applications().Get(ctx, app2)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(a.ChannelIDs, id) || !slices.Contains(a.ChannelIDs, id+";2") || !slices.Contains(a.BridgeIDs, bid) {
					t.Errorf("after the client's restart the app lists channels %v bridges %v; want %s, %s;2 and %s", a.ChannelIDs, a.BridgeIDs, id, id, bid)
				}
			})

			t.Run("idle HTTP connections closed after session_keep_alive", func(t *testing.T) {
				base, keepAlive := tg.url, 15*time.Second
				if tg.fake != nil {
					_, base = fakeari.StartTest(t, fakeari.WithAuth(tg.user, tg.pass), fakeari.WithKeepAlive(300*time.Millisecond))
					keepAlive = 300 * time.Millisecond
				}
				idle := idleClose(t, base, tg.user, tg.pass, keepAlive+5*time.Second)
				if idle < keepAlive*8/10 {
					t.Errorf("closed after %v idle, want about %v", idle, keepAlive)
				}
			})
		})
	}
}

// connect starts an ARI client registering appName.
func connect(ctx context.Context, t *testing.T, tg target, appName string) *ari.Conn {
	t.Helper()
	c, err := ari.Connect(ctx, tg.url, ari.WithAuth(tg.user, tg.pass), ari.WithApps(appName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// idleClose sends one keep-alive request on a raw connection and returns
// how long the server left it idle before closing it (failing the test if
// it is still open after limit).
func idleClose(t *testing.T, base, user, pass string, limit time.Duration) time.Duration {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	if _, err := io.WriteString(conn, "GET /ari/asterisk/info HTTP/1.1\r\nHost: "+u.Host+"\r\nAuthorization: Basic "+auth+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	_, err = br.ReadByte()
	idle := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v idle", idle)
	}
	return idle
}
