package ua

import (
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"
)

// inviteMemory is how long a dialog-creating INVITE taken is remembered:
// 64*T1 (T1 = 500 ms), RFC 6026's Timer L, the time an INVITE server transaction in
// the Accepted state absorbs retransmissions of its INVITE
// (https://www.rfc-editor.org/rfc/rfc6026#section-8.7). sipgo's
// transaction can end sooner (taking the caller's BYE terminates it), and
// a retransmission sent before the caller saw our 2xx but read after that
// (a starved process reads its socket late) then reaches onInvite as a
// new INVITE: answering it makes a second dialog that nobody ends.
const inviteMemory = 64 * 500 * time.Millisecond

// Verdicts of takeInvite.
const (
	inviteNew            = iota // never seen: take it
	inviteRetransmission        // the same INVITE again: absorb it
	inviteMerged                // a copy by another path: 482
)

// seenInvite is an INVITE taken: its identity, its top Via branch, and
// until when copies of it are refused.
type seenInvite struct {
	key    string
	branch string
	until  time.Time
}

// inviteIdentity is what identifies an out-of-dialog INVITE across
// retransmissions and merged copies (RFC 3261 section 8.2.2.2: From tag,
// Call-ID and CSeq), and its top Via branch, the same in retransmissions
// but not in merged copies (section 17.2.3).
func inviteIdentity(req *sip.Request) (key, branch string) {
	fromTag := ""
	if f := req.From(); f != nil {
		fromTag, _ = f.Params.Get("tag")
	}
	seq := ""
	if cs := req.CSeq(); cs != nil {
		seq = strconv.FormatUint(uint64(cs.SeqNo), 10)
	}
	if v := req.Via(); v != nil {
		branch, _ = v.Params.Get("branch")
	}
	return callIDOf(req) + "\x00" + fromTag + "\x00" + seq, branch
}

// takeInvite records an out-of-dialog INVITE about to be taken and says
// whether it is new, a retransmission of one taken within inviteMemory
// (absorbed, as its server transaction would have), or a merged copy of
// one (answered 482 Loop Detected, RFC 3261 section 8.2.2.2).
func (a *Agent) takeInvite(req *sip.Request) int {
	key, branch := inviteIdentity(req)
	now := a.clk.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	// Forget the expired ones, oldest first (they were added in time order).
	for len(a.invitesSeen) > 0 && !now.Before(a.invitesSeen[0].until) {
		old := a.invitesSeen[0]
		if s, ok := a.invites[old.key]; ok && s.until.Equal(old.until) {
			delete(a.invites, old.key)
		}
		a.invitesSeen[0] = seenInvite{}
		a.invitesSeen = a.invitesSeen[1:]
	}
	if s, ok := a.invites[key]; ok {
		if s.branch == branch {
			return inviteRetransmission
		}
		return inviteMerged
	}
	s := seenInvite{key: key, branch: branch, until: now.Add(inviteMemory)}
	a.invites[key] = s
	a.invitesSeen = append(a.invitesSeen, s)
	return inviteNew
}
