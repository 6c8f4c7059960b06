package ua

import (
	"testing"
)

// The media of every call of an Agent send and play out on the Agent's one
// SendClock (two registrations a call) and are read by its one RecvLoop (the
// RTP and RTCP sockets): registered while the calls are up, all gone once
// they ended.
func TestCallsShareTheAgentsSendClock(t *testing.T) {
	const n = 3
	ports := testPorts(t)
	h := newAnswering()
	callee := startAgent(t, ports, func(c *Config) { c.OnInvite = h.onInvite })
	caller := startAgent(t, ports, nil)
	var outs, ins []*Call
	for range n {
		out, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", "udp")})
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		outs, ins = append(outs, out), append(ins, h.next(t))
	}
	for _, a := range []*Agent{caller, callee} {
		eventually(t, testWait, "every call's media on its Agent's send clock", func() bool { return a.sendClock.Len() == 2*n })
		eventually(t, testWait, "every call's sockets on its Agent's receive loop", func() bool { return a.recvLoop.Len() == 2*n })
	}
	for _, c := range append(outs, ins...) {
		eventually(t, testWait, "every call sends", func() bool { return c.Media().Stats().Sent.Packets > 2 })
	}
	for i, c := range outs {
		if err := c.Hangup(ctxWait(t), 16); err != nil {
			t.Fatalf("Hangup: %v", err)
		}
		waitDone(t, ins[i])
	}
	idle(t, ports, caller, callee)
	for _, a := range []*Agent{caller, callee} {
		eventually(t, testWait, "no registration left on the send clock", func() bool { return a.sendClock.Len() == 0 })
		eventually(t, testWait, "no socket left on the receive loop", func() bool { return a.recvLoop.Len() == 0 })
	}
}
