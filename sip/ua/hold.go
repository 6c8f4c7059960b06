package ua

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/sdp"
)

// Hold puts the peer on hold by re-INVITE with a=sendonly (RFC 3264
// section 8.4) and stops sending media.
func (c *Call) Hold(ctx context.Context) error { return c.reoffer(ctx, true, false) }

// HoldWithMedia is Hold that keeps sending: a=sendonly means the holder
// still sends (RFC 3264 section 8.4), so the held peer hears what the
// media play — music on hold — instead of nothing.
func (c *Call) HoldWithMedia(ctx context.Context) error { return c.reoffer(ctx, true, true) }

// Resume takes the peer off hold by re-INVITE with a=sendrecv.
func (c *Call) Resume(ctx context.Context) error { return c.reoffer(ctx, false, false) }

// reoffer sends a re-INVITE with a new offer (RFC 3264 section 8: same
// o= session id, version + 1): sendonly to hold, sendrecv to resume. The
// peer's answer sets the media's remote address, codec and direction.
func (c *Call) reoffer(ctx context.Context, hold, sends bool) error {
	verb := "resume"
	if hold {
		verb = "hold"
	}
	if err := c.acquire(ctx); err != nil {
		return fmt.Errorf("ua: %s %s: %w", verb, c.id, err)
	}
	defer c.release()
	c.mu.Lock()
	if c.ended || c.hangingUp {
		c.mu.Unlock()
		return fmt.Errorf("ua: %s %s: the call has ended", verb, c.id)
	}
	local := c.local
	c.mu.Unlock()
	local.Version++
	local.Direction = sdp.SendRecv
	if hold {
		local.Direction = sdp.SendOnly
	}
	req := sip.NewRequest(sip.INVITE, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sip.NewHeader("User-Agent", c.a.cfg.UserAgent))
	req.SetBody(sdp.NewOffer(local).Marshal())
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("ua: %s %s: re-INVITE: %w", verb, c.id, err)
	}
	if !res.IsSuccess() {
		return &DialError{Status: res.StatusCode, Reason: res.Reason, Cause: CauseOf(res.StatusCode)}
	}
	// The ACK of a 2xx is the UA core's (RFC 3261 section 13.2.2.4); it
	// takes the re-INVITE's CSeq number.
	ack := sip.NewRequest(sip.ACK, c.remoteTarget())
	if err := c.dlg.WriteRequest(ack); err != nil {
		c.log.Warn("sip ua: ACK of re-INVITE failed", "error", err)
	}
	neg, err := acceptAnswer(res.Body(), local)
	if err != nil {
		return fmt.Errorf("ua: %s %s: SDP answer: %w", verb, c.id, err)
	}
	c.mu.Lock()
	local.Direction = neg.Direction
	c.local = local
	c.heldByUs = hold
	c.holdQuiet = hold && !sends
	c.mu.Unlock()
	c.applyMedia(neg, hold && !sends)
	c.log.Debug("sip ua: re-INVITE done", "hold", hold, "direction", neg.Direction)
	return nil
}

// applyMedia points the media at the negotiated remote and codec and
// turns sending on or off (off while quiet: we hold with Hold).
func (c *Call) applyMedia(neg sdp.Negotiated, quiet bool) {
	if c.media == nil {
		return
	}
	if codec, err := media.CodecForPayloadType(neg.PayloadType); err == nil {
		c.media.Update(neg.Remote, neg.RemoteRTCP, codec, neg.EventPayloadType)
	}
	c.media.SetSending(neg.Direction.Sends() && !quiet)
}

// onReinvite answers the peer's re-INVITE (RFC 3261 section 14.2): its
// offer is answered as RFC 3264 section 8.4 says (sendonly with
// recvonly, inactive with inactive; and our own hold kept), the media
// follow, and Held reflects the peer's hold.
func (c *Call) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	if err := c.checkCSeq(req, tx); err != nil {
		c.a.respond(req, tx, sip.StatusInternalServerError, "Server Internal Error (CSeq out of order)")
		return
	}
	c.mu.Lock()
	local := c.local
	heldByUs, quiet := c.heldByUs, c.holdQuiet
	c.mu.Unlock()
	local.Version++
	local.Direction = sdp.SendRecv
	if heldByUs {
		local.Direction = sdp.SendOnly
	}
	if len(req.Body()) == 0 {
		// An offerless re-INVITE: offer our current description in the
		// 2xx; the answer in the ACK changes nothing here.
		c.respondSDP(req, tx, sdp.NewOffer(local).Marshal())
		return
	}
	offer, err := sdp.Parse(req.Body())
	if err != nil {
		c.a.respond(req, tx, sip.StatusBadRequest, "Bad Request (SDP)")
		return
	}
	ans, neg, err := sdp.Answer(offer, local)
	if err != nil {
		if errors.Is(err, sdp.ErrNoCommonCodec) || errors.Is(err, sdp.ErrNoAudio) {
			c.a.respond(req, tx, sip.StatusNotAcceptableHere, "Not Acceptable Here")
			return
		}
		c.a.respond(req, tx, sip.StatusBadRequest, "Bad Request (SDP)")
		return
	}
	c.mu.Lock()
	local.Direction = neg.Direction
	c.local = local
	c.heldByPeer = !neg.Direction.Sends()
	c.mu.Unlock()
	c.respondSDP(req, tx, ans.Marshal())
	c.applyMedia(neg, quiet)
	c.log.Debug("sip ua: re-INVITE answered", "direction", neg.Direction)
}

// respondSDP answers an in-dialog INVITE with 200 and an SDP body.
func (c *Call) respondSDP(req *sip.Request, tx sip.ServerTransaction, body []byte) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", body)
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(c.contactHeader())
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Server", c.a.cfg.UserAgent))
	if err := tx.Respond(res); err != nil {
		c.log.Debug("sip ua: re-INVITE answer failed", "error", err)
	}
}

// contactHeader is our Contact in this call's dialog.
func (c *Call) contactHeader() *sip.ContactHeader {
	if c.dss != nil {
		if ct := c.dss.InviteResponse; ct != nil && ct.Contact() != nil {
			return &sip.ContactHeader{Address: *ct.Contact().Address.Clone()}
		}
	}
	if c.dcs != nil {
		if ct := c.dcs.InviteRequest.Contact(); ct != nil {
			return &sip.ContactHeader{Address: *ct.Address.Clone()}
		}
	}
	return &sip.ContactHeader{Address: *c.a.contact.Address.Clone()}
}

// checkCSeq refuses an in-dialog request whose CSeq is below the last
// one the peer sent (RFC 3261 section 12.2.2). sipgo's check of a client
// dialog starts from our own INVITE's CSeq, which is not the peer's
// sequence, so outgoing calls keep their own.
func (c *Call) checkCSeq(req *sip.Request, tx sip.ServerTransaction) error {
	if c.dss != nil {
		return c.dss.ReadRequest(req, tx)
	}
	n := req.CSeq().SeqNo
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.remoteCSeqSet && n < c.remoteCSeq {
		return fmt.Errorf("ua: CSeq %d below the last one, %d", n, c.remoteCSeq)
	}
	c.remoteCSeq, c.remoteCSeqSet = n, true
	return nil
}
