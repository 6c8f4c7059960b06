package ua

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// params is a header parameter list of one key and value.
func params(key, val string) sip.HeaderParams {
	p := sip.NewParams()
	p.Add(key, val)
	return p
}

// inviteFor builds an out-of-dialog INVITE with the identity given.
func inviteFor(callID, fromTag string, cseq uint32, branch string) *sip.Request {
	req := sip.NewRequest(sip.INVITE, sip.Uri{User: "100", Host: "127.0.0.1"})
	req.AppendHeader(&sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP",
		Host: "127.0.0.1", Port: 5060, Params: params("branch", branch)})
	req.AppendHeader(&sip.FromHeader{Address: sip.Uri{User: "200", Host: "127.0.0.1"}, Params: params("tag", fromTag)})
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{User: "100", Host: "127.0.0.1"}, Params: sip.NewParams()})
	cid := sip.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: cseq, MethodName: sip.INVITE})
	return req
}

// TestTakeInvite: an INVITE whose transaction has ended (sipgo ends it
// when the caller's BYE is taken) and that comes again, as a
// retransmission read late by a starved process, is absorbed instead of
// starting a second call nobody ends (TestNoLeaks/udp saw such calls
// under load); a merged copy is told apart by its Via branch; both are
// forgotten after inviteMemory.
func TestTakeInvite(t *testing.T) {
	v := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	a := &Agent{clk: v, invites: make(map[string]seenInvite)}
	steps := []struct {
		name    string
		advance time.Duration
		req     *sip.Request
		want    int
	}{
		{name: "first", req: inviteFor("c1", "f1", 1, "z9hG4bK1"), want: inviteNew},
		{name: "retransmission", advance: time.Second, req: inviteFor("c1", "f1", 1, "z9hG4bK1"), want: inviteRetransmission},
		{name: "merged copy", req: inviteFor("c1", "f1", 1, "z9hG4bK2"), want: inviteMerged},
		{name: "next CSeq (an authenticated retry)", req: inviteFor("c1", "f1", 2, "z9hG4bK3"), want: inviteNew},
		{name: "other Call-ID", req: inviteFor("c2", "f1", 1, "z9hG4bK1"), want: inviteNew},
		{name: "other From tag", req: inviteFor("c1", "f2", 1, "z9hG4bK1"), want: inviteNew},
		{name: "retransmission just before the end", advance: inviteMemory - time.Second - time.Nanosecond, req: inviteFor("c1", "f1", 1, "z9hG4bK1"), want: inviteRetransmission},
		{name: "forgotten after inviteMemory", advance: time.Nanosecond, req: inviteFor("c1", "f1", 1, "z9hG4bK1"), want: inviteNew},
	}
	for _, s := range steps {
		v.Advance(s.advance)
		if got := a.takeInvite(s.req); got != s.want {
			t.Errorf("%s: takeInvite = %d, want %d", s.name, got, s.want)
		}
	}
	// Only what was taken within inviteMemory is held.
	v.Advance(inviteMemory)
	a.takeInvite(inviteFor("c9", "f9", 1, "z9hG4bK9"))
	if len(a.invites) != 1 || len(a.invitesSeen) != 1 {
		t.Errorf("%d INVITEs remembered (%d queued) after inviteMemory, want 1", len(a.invites), len(a.invitesSeen))
	}
}
