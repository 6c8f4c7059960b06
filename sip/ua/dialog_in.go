package ua

import (
	"net/netip"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/sip/sdp"
)

// onInvite takes an INVITE: a re-INVITE goes to its call; a new one is
// checked (Allow, an SDP offer), handed to Config.OnInvite, and held until
// it is answered, rejected, cancelled, or rejected 480 after RingTimeout.
func (a *Agent) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if _, inDialog := requestKey(req); inDialog {
		c := a.callFor(req)
		if c == nil {
			a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
			return
		}
		c.onReinvite(req, tx)
		return
	}
	log := a.log.With("call_id", callIDOf(req))
	switch a.takeInvite(req) {
	case inviteRetransmission:
		log.Debug("sip ua: INVITE retransmission absorbed (its transaction has ended)")
		return
	case inviteMerged:
		log.Info("sip ua: INVITE refused: merged request", "source", req.Source())
		a.respond(req, tx, sip.StatusLoopDetected, "Loop Detected")
		return
	}
	switch {
	case a.stopping.Err() != nil:
		a.respond(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	case !a.allowed(req):
		log.Info("sip ua: INVITE refused: source not allowed", "source", req.Source())
		a.respond(req, tx, sip.StatusForbidden, "Forbidden")
		return
	case a.cfg.OnInvite == nil:
		a.respond(req, tx, sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
		return
	}
	offer, status, reason := readOffer(req)
	if offer == nil {
		log.Info("sip ua: INVITE refused", "status", status, "reason", reason)
		a.respond(req, tx, status, reason)
		return
	}
	dua, err := a.dua(req.Transport())
	if err != nil {
		a.respond(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if !a.begin() {
		a.respond(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	dss, err := dua.ReadInvite(req, tx)
	if err != nil {
		a.end()
		log.Info("sip ua: INVITE refused", "error", err)
		a.respond(req, tx, sip.StatusBadRequest, "Bad Request")
		return
	}
	in := &Incoming{a: a, req: req, dss: dss, offer: offer, log: log,
		cancelled: make(chan struct{}), decided: make(chan struct{})}
	dss.OnState(func(s sip.DialogState) {
		if s == sip.DialogStateEnded {
			in.onEnded()
		}
	})
	log.Debug("sip ua: incoming call", "from", req.From().Address.String(), "to", req.Recipient.User)
	a.cfg.OnInvite(in)
	timer := a.clk.NewTimer(a.cfg.RingTimeout)
	select {
	case <-in.decided:
	case <-timer.C():
		_ = in.Reject(sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
	case <-a.stopping.Done():
		_ = in.Reject(sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
	}
	timer.Stop()
	<-in.decided
	in.mu.Lock()
	answered := in.call != nil
	in.mu.Unlock()
	if !answered {
		a.end()
	}
}

// readOffer reads an INVITE's SDP offer; nil with the failure status and
// reason when there is none we can answer (offerless INVITEs are not
// taken).
func readOffer(req *sip.Request) (*sdp.Session, int, string) {
	ct := req.ContentType()
	if len(req.Body()) == 0 || ct == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp") {
		return nil, sip.StatusNotAcceptableHere, "Not Acceptable Here (no SDP offer)"
	}
	offer, err := sdp.Parse(req.Body())
	if err != nil {
		return nil, sip.StatusBadRequest, "Bad Request (SDP)"
	}
	if _, ok := offer.Audio(); !ok {
		return nil, sip.StatusNotAcceptableHere, "Not Acceptable Here (no audio)"
	}
	return offer, 0, ""
}

// allowed says whether an INVITE's source may call us: a prefix of
// Config.Allow, or the address a phone registered from.
func (a *Agent) allowed(req *sip.Request) bool {
	src, ok := sourceAddr(req)
	if !ok {
		return false
	}
	for _, p := range a.cfg.Allow {
		if p.Contains(src) {
			return true
		}
	}
	if a.cfg.Registrar != nil && req.From() != nil {
		contact, ok := a.cfg.Registrar.Lookup(req.From().Address.User)
		if !ok {
			return false
		}
		var u sip.Uri
		if err := sip.ParseUri(contact, &u); err != nil {
			return false
		}
		if ip, err := netip.ParseAddr(u.Host); err == nil && ip.Unmap() == src {
			return true
		}
	}
	return false
}

// sourceAddr is the IP address a request came from.
func sourceAddr(req *sip.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func callIDOf(m sip.Message) string {
	if c := m.CallID(); c != nil {
		return c.Value()
	}
	return ""
}
