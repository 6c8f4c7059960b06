package ua

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/sip/media"
)

func TestDialAnswerHangup(t *testing.T) {
	for _, tr := range testTransports {
		t.Run(tr, func(t *testing.T) {
			ports := testPorts(t)
			h := newAnswering()
			h.gate = make(chan struct{})
			var gateOnce sync.Once
			callee := startAgent(t, ports, func(c *Config) { c.OnInvite = h.onInvite })
			caller := startAgent(t, ports, nil)
			var mu sync.Mutex
			var progress []int
			c, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", tr), From: "200", FromName: "Caller",
				Headers: map[string]string{"X-Campaign": "c1"},
				OnProgress: func(s int) {
					mu.Lock()
					progress = append(progress, s)
					mu.Unlock()
					gateOnce.Do(func() { close(h.gate) })
				}})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			in := h.next(t)
			if in.ID() != c.ID() {
				t.Errorf("callee Call-ID %q, caller %q", in.ID(), c.ID())
			}
			mu.Lock()
			if len(progress) == 0 || progress[0] != 180 {
				t.Errorf("progress %v, want 180 first", progress)
			}
			mu.Unlock()
			if uri, name := in.Remote(); name != "Caller" || uri == "" {
				t.Errorf("callee's Remote() = %q, %q", uri, name)
			}
			if caller.Calls() != 1 || callee.Calls() != 1 {
				t.Errorf("Calls() = %d, %d, want 1, 1", caller.Calls(), callee.Calls())
			}
			if c.Media() == nil || in.Media() == nil {
				t.Fatal("no media session")
			}
			eventually(t, testWait, "RTP both ways", func() bool {
				return c.Media().Stats().Received.Received > 0 && in.Media().Stats().Received.Received > 0
			})
			if err := c.Hangup(ctxWait(t), 17); err != nil {
				t.Fatalf("Hangup: %v", err)
			}
			if got, want := waitDone(t, c), (End{Cause: 17}); got != want {
				t.Errorf("caller's End = %+v, want %+v", got, want)
			}
			if got, want := waitDone(t, in), (End{ByRemote: true, Cause: 17}); got != want {
				t.Errorf("callee's End = %+v, want %+v", got, want)
			}
			idle(t, ports, caller, callee)
		})
	}
}

func TestRemoteBye(t *testing.T) {
	for _, tr := range testTransports {
		t.Run(tr, func(t *testing.T) {
			ports := testPorts(t)
			h := newAnswering()
			callee := startAgent(t, ports, func(c *Config) { c.OnInvite = h.onInvite })
			caller := startAgent(t, ports, nil)
			c, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", tr)})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			in := h.next(t)
			if err := in.Hangup(ctxWait(t), 0); err != nil {
				t.Fatalf("Hangup: %v", err)
			}
			if got, want := waitDone(t, c), (End{ByRemote: true, Cause: 16}); got != want {
				t.Errorf("caller's End = %+v, want %+v", got, want)
			}
			if got, want := waitDone(t, in), (End{Cause: 16}); got != want {
				t.Errorf("callee's End = %+v, want %+v", got, want)
			}
			if err := c.Hangup(ctxWait(t), 16); err != nil {
				t.Errorf("Hangup of an ended call: %v", err)
			}
			idle(t, ports, caller, callee)
		})
	}
}

func TestDialRejected(t *testing.T) {
	tests := []struct {
		name   string
		status int
		reason string
		cause  int
	}{
		{name: "busy", status: 486, reason: "Busy Here", cause: 17},
		{name: "decline", status: 603, reason: "Decline", cause: 21},
		{name: "not found", status: 404, reason: "Not Found", cause: 1},
		{name: "unavailable", status: 480, reason: "Temporarily Unavailable", cause: 18},
		{name: "server error", status: 500, reason: "Server Internal Error", cause: 41},
	}
	ports := testPorts(t)
	statuses := make(chan int, 1)
	callee := startAgent(t, ports, func(c *Config) {
		c.OnInvite = func(in *Incoming) {
			st := <-statuses
			if err := in.Reject(st, "x"); err != nil {
				t.Errorf("Reject: %v", err)
			}
		}
	})
	caller := startAgent(t, ports, nil)
	for _, tt := range tests {
		for _, tr := range testTransports {
			t.Run(tt.name+"/"+tr, func(t *testing.T) {
				statuses <- tt.status
				_, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", tr)})
				de := dialError(t, err)
				if de.Status != tt.status || de.Cause != tt.cause {
					t.Errorf("DialError = %+v, want status %d cause %d", de, tt.status, tt.cause)
				}
			})
		}
	}
	idle(t, ports, caller, callee)
}

func TestDialCancelled(t *testing.T) {
	for _, tr := range testTransports {
		t.Run(tr, func(t *testing.T) {
			ports := testPorts(t)
			incoming := make(chan *Incoming, 1)
			callee := startAgent(t, ports, func(c *Config) {
				c.OnInvite = func(in *Incoming) {
					if err := in.Ringing(); err != nil {
						t.Errorf("Ringing: %v", err)
					}
					incoming <- in
				}
			})
			caller := startAgent(t, ports, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := caller.Dial(ctx, DialRequest{To: target(callee, "100", tr), OnProgress: func(s int) {
				if s == 180 {
					cancel()
				}
			}})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Dial error %v does not wrap context.Canceled", err)
			}
			if de := dialError(t, err); de.Status != 487 {
				t.Errorf("DialError status %d, want 487", de.Status)
			}
			in := <-incoming
			select {
			case <-in.Cancelled():
			case <-time.After(testWait):
				t.Fatal("callee did not see the CANCEL")
			}
			if _, err := in.Answer(ctxWait(t)); err == nil {
				t.Error("Answer of a cancelled call succeeded")
			}
			idle(t, ports, caller, callee)
		})
	}
}

func TestRingTimeout(t *testing.T) {
	ports := testPorts(t)
	callee := startAgent(t, ports, func(c *Config) {
		c.OnInvite = func(in *Incoming) { _ = in.Ringing() }
	})
	caller := startAgent(t, ports, nil)
	_, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", "udp"), Timeout: 300 * time.Millisecond})
	de := dialError(t, err)
	if de.Status != 408 || de.Cause != causeNoAnswer {
		t.Errorf("DialError = %+v, want 408 with cause 19 (no answer, alerted)", de)
	}
	idle(t, ports, caller, callee)
}

func TestIncomingLeftAlone(t *testing.T) {
	ports := testPorts(t)
	callee := startAgent(t, ports, func(c *Config) {
		c.OnInvite = func(*Incoming) {}
		c.RingTimeout = 300 * time.Millisecond
	})
	caller := startAgent(t, ports, nil)
	_, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", "udp")})
	if de := dialError(t, err); de.Status != 480 {
		t.Errorf("DialError = %+v, want 480 after the callee's ring timeout", de)
	}
	idle(t, ports, caller, callee)
}

func TestIncomingRefused(t *testing.T) {
	tests := []struct {
		name   string
		callee func(*Config)
		caller func(*Config)
		status int
	}{
		{name: "source not allowed", callee: func(c *Config) {
			c.Allow = nil
			c.OnInvite = func(in *Incoming) { t.Error("OnInvite called for a refused source") }
		}, status: 403},
		{name: "no OnInvite", callee: func(c *Config) { c.OnInvite = nil }, status: 480},
		{name: "no common codec", callee: func(c *Config) {
			c.PayloadTypes = []uint8{0}
			c.OnInvite = func(in *Incoming) {
				if _, err := in.Answer(context.Background()); err == nil {
					t.Error("Answer without a common codec succeeded")
				}
			}
		}, caller: func(c *Config) { c.PayloadTypes = []uint8{8} }, status: 488},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ports := testPorts(t)
			callee := startAgent(t, ports, tt.callee)
			caller := startAgent(t, ports, tt.caller)
			_, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", "udp")})
			if de := dialError(t, err); de.Status != tt.status || de.Cause != CauseOf(tt.status) {
				t.Errorf("DialError = %+v, want %d", de, tt.status)
			}
			idle(t, ports, caller, callee)
		})
	}
}

func TestDialBadTarget(t *testing.T) {
	ports := testPorts(t)
	a := startAgent(t, ports, nil)
	for _, to := range []string{"", "101", "sip:"} {
		if _, err := a.Dial(ctxWait(t), DialRequest{To: to}); err == nil {
			t.Errorf("Dial(%q) succeeded", to)
		}
	}
	idle(t, ports, a)
}

// TestDialTransportError dials a TCP port nobody listens on: the
// transport failure is a 503 (RFC 3261 section 8.1.3.1).
func TestDialTransportError(t *testing.T) {
	ports := testPorts(t)
	a := startAgent(t, ports, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = a.Dial(ctxWait(t), DialRequest{To: "sip:100@" + addr + ";transport=tcp"})
	if de := dialError(t, err); de.Status != 503 || de.Cause != 41 {
		t.Errorf("DialError %+v, want 503 cause 41", de)
	}
	idle(t, ports, a)
}

// TestDialGivenUpBeforeAnyAnswer dials an address that never answers
// (a UDP socket reading nothing): the ring timeout ends Dial at once,
// though no CANCEL may be sent before a provisional response.
func TestDialGivenUpBeforeAnyAnswer(t *testing.T) {
	ports := testPorts(t)
	a := startAgent(t, ports, nil)
	mute, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	start := time.Now()
	_, err = a.Dial(ctxWait(t), DialRequest{To: "sip:100@" + mute.LocalAddr().String(), Timeout: 200 * time.Millisecond})
	if de := dialError(t, err); de.Status != 408 || de.Cause != causeRecoveryOnTimer {
		t.Errorf("DialError %+v, want 408 cause 102 (nobody alerted)", de)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Dial took %v after a 200 ms ring timeout", d)
	}
	if a.Calls() != 0 {
		t.Errorf("Calls() = %d", a.Calls())
	}
	idle(t, ports, a)
}

// TestOnMediaDTMF sets the callee's OnDTMF through Config.OnMedia and
// sends RFC 4733 digits from the caller.
func TestOnMediaDTMF(t *testing.T) {
	ports := testPorts(t)
	h := newAnswering()
	digits := make(chan rune, 16)
	callee := startAgent(t, ports, func(c *Config) {
		c.OnInvite = h.onInvite
		c.OnMedia = func(callID string, sc *media.SessionConfig) {
			if callID == "" {
				t.Error("OnMedia without a Call-ID")
			}
			sc.OnDTMF = func(d rune) { digits <- d }
		}
	})
	caller := startAgent(t, ports, nil)
	c, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", "udp")})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	in := h.next(t)
	if err := c.Media().SendDTMF(ctxWait(t), "19#"); err != nil {
		t.Fatalf("SendDTMF: %v", err)
	}
	var got []rune
	for len(got) < 3 {
		select {
		case d := <-digits:
			got = append(got, d)
		case <-time.After(testWait):
			t.Fatalf("digits received %q, want 19#", string(got))
		}
	}
	if string(got) != "19#" {
		t.Errorf("digits received %q, want 19#", string(got))
	}
	// The same digits by SIP INFO (application/dtmf-relay).
	req := sip.NewRequest(sip.INFO, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
	req.SetBody([]byte("Signal=*\r\nDuration=160\r\n"))
	if res, err := c.dlg.Do(ctxWait(t), req); err != nil || res.StatusCode != 200 {
		t.Fatalf("INFO: %v %v", res, err)
	}
	select {
	case d := <-digits:
		if d != '*' {
			t.Errorf("INFO digit %q, want *", d)
		}
	case <-time.After(testWait):
		t.Fatal("no digit from the INFO")
	}
	if err := c.Hangup(ctxWait(t), 16); err != nil {
		t.Fatal(err)
	}
	waitDone(t, in)
	idle(t, ports, caller, callee)
}
