package ua

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// request sends an in-dialog request of method and returns the answer's
// status.
func (c *Call) request(ctx context.Context, method string) (int, error) {
	req := sip.NewRequest(sip.RequestMethod(method), c.remoteTarget())
	if err := c.acquire(ctx); err != nil {
		return 0, err
	}
	defer c.release()
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// sentOver returns how many RTP packets c's media sent during d (a
// bounded observation window: it shows the absence of sending).
func sentOver(c *Call, d time.Duration) uint32 {
	before := c.Media().Stats().Sent.Packets
	<-time.After(d)
	return c.Media().Stats().Sent.Packets - before
}

func TestHoldResume(t *testing.T) {
	for _, tr := range testTransports {
		for _, holderIsCaller := range []bool{true, false} {
			name := tr + "/caller holds"
			if !holderIsCaller {
				name = tr + "/callee holds"
			}
			t.Run(name, func(t *testing.T) {
				ports := testPorts(t)
				h := newAnswering()
				callee := startAgent(t, ports, func(c *Config) { c.OnInvite = h.onInvite })
				caller := startAgent(t, ports, nil)
				out, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", tr)})
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				in := h.next(t)
				holder, held := out, in
				if !holderIsCaller {
					holder, held = in, out
				}
				eventually(t, testWait, "RTP both ways", func() bool {
					return holder.Media().Stats().Received.Received > 0 && held.Media().Stats().Received.Received > 0
				})
				if holder.Held() || held.Held() {
					t.Fatal("Held before Hold")
				}
				if err := holder.Hold(ctxWait(t)); err != nil {
					t.Fatalf("Hold: %v", err)
				}
				if !holder.Held() {
					t.Error("holder's Held() is false after Hold")
				}
				eventually(t, testWait, "the held side sees the hold", held.Held)
				if n := sentOver(held, 200*time.Millisecond); n != 0 {
					t.Errorf("the held side sent %d RTP packets in 200 ms while recvonly", n)
				}
				if n := sentOver(holder, 100*time.Millisecond); n != 0 {
					t.Errorf("the holder sent %d RTP packets in 100 ms while holding", n)
				}
				if err := holder.Resume(ctxWait(t)); err != nil {
					t.Fatalf("Resume: %v", err)
				}
				if holder.Held() {
					t.Error("holder's Held() is true after Resume")
				}
				eventually(t, testWait, "the held side sees the resume", func() bool { return !held.Held() })
				for _, c := range []*Call{holder, held} {
					before := c.Media().Stats().Sent.Packets
					eventually(t, testWait, "sending again after Resume", func() bool {
						return c.Media().Stats().Sent.Packets > before+2
					})
				}
				if err := out.Hangup(ctxWait(t), 16); err != nil {
					t.Fatalf("Hangup: %v", err)
				}
				waitDone(t, in)
				idle(t, ports, caller, callee)
			})
		}
	}
}

func TestReferBlindTransfer(t *testing.T) {
	for _, tr := range testTransports {
		for _, callerRefers := range []bool{true, false} {
			name := tr + "/caller refers"
			if !callerRefers {
				name = tr + "/callee refers"
			}
			t.Run(name, func(t *testing.T) {
				ports := testPorts(t)
				ha, hb, hc := newAnswering(), newAnswering(), newAnswering()
				a := startAgent(t, ports, func(c *Config) { c.OnInvite = ha.onInvite })
				b := startAgent(t, ports, func(c *Config) { c.OnInvite = hb.onInvite })
				c := startAgent(t, ports, func(c *Config) { c.OnInvite = hc.onInvite })
				// ab is the referrer's call, ba the referee's.
				var ab, ba *Call
				if callerRefers {
					out, err := a.Dial(ctxWait(t), DialRequest{To: target(b, "b", tr)})
					if err != nil {
						t.Fatalf("Dial: %v", err)
					}
					ab, ba = out, hb.next(t)
				} else {
					out, err := b.Dial(ctxWait(t), DialRequest{To: target(a, "a", tr)})
					if err != nil {
						t.Fatalf("Dial: %v", err)
					}
					ab, ba = ha.next(t), out
				}
				if err := ab.Refer(ctxWait(t), target(c, "c", tr)); err != nil {
					t.Fatalf("Refer: %v", err)
				}
				cb := hc.next(t)
				endBA := waitDone(t, ba)
				if !endBA.Transferred || endBA.ByRemote || endBA.Successor == nil {
					t.Fatalf("referee's End = %+v, want Transferred by this side with a Successor", endBA)
				}
				if got := endBA.Successor.ID(); got != cb.ID() {
					t.Errorf("Successor is call %q, the target answered %q", got, cb.ID())
				}
				endAB := waitDone(t, ab)
				if !endAB.Transferred || !endAB.ByRemote {
					t.Errorf("referrer's End = %+v, want Transferred, ended by the referee's BYE", endAB)
				}
				bc := endBA.Successor
				eventually(t, testWait, "RTP between the referee and the target", func() bool {
					return bc.Media().Stats().Received.Received > 0 && cb.Media().Stats().Received.Received > 0
				})
				if err := bc.Hangup(ctxWait(t), 16); err != nil {
					t.Fatalf("Hangup: %v", err)
				}
				waitDone(t, cb)
				idle(t, ports, a, b, c)
			})
		}
	}
}

func TestReferTargetBusy(t *testing.T) {
	ports := testPorts(t)
	hb := newAnswering()
	a := startAgent(t, ports, nil)
	b := startAgent(t, ports, func(c *Config) { c.OnInvite = hb.onInvite })
	c := startAgent(t, ports, func(c *Config) {
		c.OnInvite = func(in *Incoming) { _ = in.Reject(486, "Busy Here") }
	})
	ab, err := a.Dial(ctxWait(t), DialRequest{To: target(b, "b", "udp")})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	ba := hb.next(t)
	err = ab.Refer(ctxWait(t), target(c, "c", "udp"))
	if de := dialError(t, err); de.Status != 486 || de.Cause != 17 {
		t.Errorf("Refer error %+v, want 486 cause 17", de)
	}
	select {
	case <-ab.Done():
		t.Fatal("the call ended after a failed transfer")
	case <-ba.Done():
		t.Fatal("the referee's call ended after a failed transfer")
	default:
	}
	if err := ab.Hangup(ctxWait(t), 16); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	if e := waitDone(t, ba); e.Transferred {
		t.Errorf("referee's End = %+v after a failed transfer", e)
	}
	idle(t, ports, a, b, c)
}

func TestInDialogRequests(t *testing.T) {
	out, in, done := connected(t)
	for _, c := range []*Call{out, in} {
		for _, m := range []string{"INFO", "OPTIONS"} {
			res, err := c.request(ctxWait(t), m)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			if res != 200 {
				t.Errorf("%s in the dialog answered %d, want 200", m, res)
			}
		}
	}
	if err := in.Hangup(ctxWait(t), 16); err != nil {
		t.Fatal(err)
	}
	waitDone(t, out)
	done()
}

// TestStopHangsUp stops an Agent with a call up and one ringing each way:
// the call gets a BYE, the outgoing ringing one a CANCEL, the incoming
// one a 480, and Run returns once they ended.
func TestStopHangsUp(t *testing.T) {
	ports := testPorts(t)
	h := newAnswering()
	ringing := make(chan *Incoming, 1)
	peer := startAgent(t, ports, func(c *Config) {
		c.OnInvite = func(in *Incoming) {
			if in.To() == "ring" {
				_ = in.Ringing()
				ringing <- in
				return
			}
			h.onInvite(in)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(Config{ListenAddr: "127.0.0.1:0", Ports: ports, RingTimeout: testWait, Logger: testLogger(t),
		Allow:    []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		OnInvite: func(in *Incoming) { _ = in.Ringing() }})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() { runDone <- a.Run(ctx) }()
	<-a.Ready()
	up, err := a.Dial(ctxWait(t), DialRequest{To: target(peer, "up", "udp")})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	peerUp := h.next(t)
	dialDone := make(chan error, 1)
	go func() {
		_, err := a.Dial(context.Background(), DialRequest{To: target(peer, "ring", "udp")})
		dialDone <- err
	}()
	in := <-ringing
	inErr := make(chan error, 1)
	go func() {
		_, err := peer.Dial(ctxWait(t), DialRequest{To: target(a, "x", "tcp")})
		inErr <- err
	}()
	eventually(t, testWait, "the incoming call rings", func() bool { return a.Calls() == 3 })
	cancel()
	select {
	case err := <-runDone:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(testWait):
		t.Fatal("Run did not return")
	}
	if e := waitDone(t, peerUp); !e.ByRemote {
		t.Errorf("peer's End = %+v, want ended by the stopping Agent's BYE", e)
	}
	if e := waitDone(t, up); e.ByRemote {
		t.Errorf("End = %+v", e)
	}
	if de := dialError(t, <-dialDone); de.Status != 487 {
		t.Errorf("ringing Dial ended with %+v, want 487", de)
	}
	select {
	case <-in.Cancelled():
	case <-time.After(testWait):
		t.Error("the peer's ringing call was not cancelled")
	}
	if de := dialError(t, <-inErr); de.Status != 480 {
		t.Errorf("the call ringing at the stopping Agent ended with %+v, want 480", de)
	}
	if a.Calls() != 0 {
		t.Errorf("Calls() = %d after Run", a.Calls())
	}
	if _, err := a.Dial(ctxWait(t), DialRequest{To: target(peer, "up", "udp")}); err == nil {
		t.Error("Dial after Run returned succeeded")
	}
	idle(t, ports, peer)
}

// TestHoldBothSides holds from both ends: the second hold's sendonly
// offer is answered inactive by the side already holding (RFC 3264
// section 8.4), and each side stays held until both resumed.
func TestHoldBothSides(t *testing.T) {
	out, in, done := connected(t)
	if err := out.Hold(ctxWait(t)); err != nil {
		t.Fatalf("caller Hold: %v", err)
	}
	if err := in.Hold(ctxWait(t)); err != nil {
		t.Fatalf("callee Hold: %v", err)
	}
	for _, c := range []*Call{out, in} {
		c.mu.Lock()
		dir := c.local.Direction
		c.mu.Unlock()
		if dir != "inactive" {
			t.Errorf("call %s direction %q with both holding, want inactive", c.ID(), dir)
		}
	}
	if err := out.Resume(ctxWait(t)); err != nil {
		t.Fatalf("caller Resume: %v", err)
	}
	if !out.Held() || !in.Held() {
		t.Errorf("Held() = %v, %v with the callee still holding, want true, true", out.Held(), in.Held())
	}
	if err := in.Resume(ctxWait(t)); err != nil {
		t.Fatalf("callee Resume: %v", err)
	}
	if out.Held() || in.Held() {
		t.Errorf("Held() = %v, %v after both resumed", out.Held(), in.Held())
	}
	if err := out.Hangup(ctxWait(t), 16); err != nil {
		t.Fatal(err)
	}
	waitDone(t, in)
	done()
}
