package ua

import (
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// ackStray2xx acknowledges a 2xx to one of our INVITEs that matched no
// client transaction any more. sipgo's DialogClientSession ACKs the 2xx
// retransmissions only while the INVITE transaction lives, and its
// WriteBye ends that transaction; but a UAS whose ACK was lost keeps
// retransmitting its 2xx for 64*T1 (RFC 3261 section 13.3.1.4), and the
// UAC core must ACK every one of them (section 13.2.2.4; RFC 6026's Accepted
// state hands them to the UAC core), also after its BYE. The ACK is built from the 2xx alone (section
// 13.2.2.4: Request-URI the 2xx's Contact, route set from its
// Record-Route, CSeq number of the INVITE), so no state is kept per
// ended call. It reports whether an ACK was sent.
func (a *Agent) ackStray2xx(r *sip.Response) bool {
	cseq, from, to, cid := r.CSeq(), r.From(), r.To(), r.CallID()
	if !r.IsSuccess() || cseq == nil || cseq.MethodName != sip.INVITE || from == nil || to == nil || cid == nil {
		return false
	}
	// Only our own calls: Dial writes our contact host into From.
	if from.Address.Host != a.contact.Address.Host {
		return false
	}
	if tag, ok := to.Params.Get("tag"); !ok || tag == "" {
		return false
	}
	ct := r.Contact()
	if ct == nil {
		return false
	}
	ack := sip.NewRequest(sip.ACK, *ct.Address.Clone())
	ack.AppendHeader(sip.HeaderClone(from))
	ack.AppendHeader(sip.HeaderClone(to))
	ack.AppendHeader(sip.HeaderClone(cid))
	ack.AppendHeader(&sip.CSeqHeader{SeqNo: cseq.SeqNo, MethodName: sip.ACK})
	mf := sip.MaxForwardsHeader(70)
	ack.AppendHeader(&mf)
	rr := r.GetHeaders("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- {
		ack.AppendHeader(sip.NewHeader("Route", rr[i].Value()))
	}
	tp := r.Transport()
	if v := r.Via(); tp == "" && v != nil {
		tp = v.Transport
	}
	ack.SetTransport(strings.ToUpper(tp))
	if len(rr) == 0 {
		// As the dialog's requests do (DialogUA.RewriteContact): back to
		// where the 2xx came from.
		ack.SetDestination(r.Source())
	} else if rh := ack.Route(); rh != nil && !rh.Address.UriParams.Has("lr") {
		ack.Recipient = rh.Address // strict routing (RFC 3261 section 16.12.1.1)
	}
	if ack.Transport() == "UDP" {
		a.mu.Lock()
		a.udpLaddr.Copy(&ack.Laddr)
		a.mu.Unlock()
	}
	ack.SetBody(nil)
	if err := a.client.WriteRequest(ack, sipgo.ClientRequestAddVia); err != nil {
		a.log.Debug("sip ua: ACK of a retransmitted 2xx failed", "call_id", cid.Value(), "error", err)
		return false
	}
	a.log.Debug("sip ua: ACK of a retransmitted 2xx", "call_id", cid.Value())
	return true
}
