package ua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/sip/sdp"
)

// States of an Incoming.
const (
	inPending   = iota // nothing final sent yet
	inAnswering        // Answer under way
	inDone             // answered, rejected or cancelled
)

// Incoming is an incoming call not answered yet (a server INVITE
// transaction).
type Incoming struct {
	a     *Agent
	req   *sip.Request
	dss   *sipgo.DialogServerSession
	offer *sdp.Session
	log   *slog.Logger

	cancelled chan struct{}
	decided   chan struct{} // closed once the INVITE has had its final answer (or a CANCEL)

	mu            sync.Mutex
	state         int
	cancelledOnce bool
	call          *Call // set once Answer built the call (it owns the Agent's count then)
}

// From is the caller's URI and display name; To the called URI.
func (in *Incoming) From() (uri, name string) {
	f := in.req.From()
	if f == nil {
		return "", ""
	}
	return f.Address.String(), f.DisplayName
}

// To is the Request-URI's user part (the number called).
func (in *Incoming) To() string { return in.req.Recipient.User }

// Header returns the first value of the request's header name.
func (in *Incoming) Header(name string) string {
	if h := in.req.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// Ringing sends 180 Ringing.
func (in *Incoming) Ringing() error {
	// in.mu is not held while sending: a CANCEL's callback (onEnded) runs
	// inside sipgo's transaction state machine and takes in.mu.
	in.mu.Lock()
	pending := in.state == inPending
	in.mu.Unlock()
	if !pending {
		return errors.New("ua: Ringing: the call was answered, rejected or cancelled")
	}
	if err := in.dss.Respond(sip.StatusRinging, "Ringing", nil); err != nil {
		return fmt.Errorf("ua: send 180 Ringing: %w", err)
	}
	return nil
}

// Answer answers with 200 and the SDP answer, waits for the ACK, and
// returns the established call (a 488 is sent and an error returned when
// the offer has no common codec).
func (in *Incoming) Answer(ctx context.Context) (*Call, error) {
	in.mu.Lock()
	if in.state != inPending {
		in.mu.Unlock()
		return nil, errors.New("ua: Answer: the call was answered, rejected or cancelled")
	}
	in.state = inAnswering
	in.mu.Unlock()
	c, err := in.answer(ctx)
	in.mu.Lock()
	in.state = inDone
	in.mu.Unlock()
	close(in.decided)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (in *Incoming) answer(ctx context.Context) (*Call, error) {
	a := in.a
	pp, err := a.cfg.Ports.Listen(ctx, a.mediaHost)
	if err != nil {
		in.respondFinal(sip.StatusServiceUnavailable, "Service Unavailable")
		return nil, fmt.Errorf("ua: answer: media ports: %w", err)
	}
	local := a.newLocal(pp.Port)
	ans, neg, err := sdp.Answer(in.offer, local)
	if err != nil {
		pp.Close()
		in.respondFinal(sip.StatusNotAcceptableHere, "Not Acceptable Here")
		return nil, fmt.Errorf("ua: answer: offer refused with 488: %w", err)
	}
	local.Direction = neg.Direction
	callID := in.req.CallID().Value()
	toTag, _ := in.dss.InviteRequest.To().Params.Get("tag")
	fromTag, _ := in.req.From().Params.Get("tag")
	uri, name := in.From()
	c := newCall(a, callID, dialogKey(callID, toTag, fromTag), false, uri, name)
	c.dss, c.dlg = in.dss, in.dss
	c.local = local
	c.heldByPeer = !neg.Direction.Sends() // an offer of sendonly or inactive: the peer takes no media (RFC 3264 section 8.4)
	if err := c.startMedia(pp, neg); err != nil {
		in.respondFinal(sip.StatusServiceUnavailable, "Service Unavailable")
		return nil, err
	}
	in.mu.Lock()
	in.call = c
	in.mu.Unlock()
	if !a.addCall(c) {
		in.respondFinal(sip.StatusServiceUnavailable, "Service Unavailable")
		c.finish(End{Cause: causeNormalClearing})
		return nil, fmt.Errorf("ua: answer: %w", errAgentStopping)
	}
	res := sip.NewResponseFromRequest(in.dss.InviteRequest, sip.StatusOK, "OK", ans.Marshal())
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Server", a.cfg.UserAgent))
	if err := in.dss.WriteResponse(res); err != nil {
		if c.byeSeen.Load() {
			// The caller's BYE was taken before its ACK (sipgo hands each
			// request to its own goroutine): the call was up and is ending
			// (onBye finishes it right after it answered the BYE); it is
			// returned ended.
			select {
			case <-c.done:
				return c, nil
			case <-ctx.Done():
			}
		}
		// No ACK in 64*T1 (RFC 3261 section 13.3.1.4: end the session with
		// a BYE), or the INVITE was cancelled first.
		c.log.Warn("sip ua: answer not acknowledged", "error", err)
		c.hangupUnregistered(causeRecoveryOnTimer)
		return nil, fmt.Errorf("ua: answer %s: %w", callID, err)
	}
	c.log.Info("sip ua: call answered", "from", uri, "codec", neg.PayloadType, "remote_rtp", neg.Remote.String())
	return c, nil
}

// Reject answers with a final status (486 Busy Here, 603 Decline, …).
func (in *Incoming) Reject(status int, reason string) error {
	if status < 300 || status > 699 {
		return fmt.Errorf("ua: Reject: status %d is not a final failure (300-699)", status)
	}
	in.mu.Lock()
	if in.state != inPending {
		in.mu.Unlock()
		return errors.New("ua: Reject: the call was answered, rejected or cancelled")
	}
	in.state = inDone
	in.mu.Unlock()
	defer close(in.decided)
	if err := in.dss.Respond(status, reason, nil, sip.NewHeader("Server", in.a.cfg.UserAgent)); err != nil {
		return fmt.Errorf("ua: send %d %s: %w", status, reason, err)
	}
	in.log.Debug("sip ua: incoming call rejected", "status", status)
	return nil
}

// respondFinal sends a final failure during Answer.
func (in *Incoming) respondFinal(status int, reason string) {
	if err := in.dss.Respond(status, reason, nil, sip.NewHeader("Server", in.a.cfg.UserAgent)); err != nil {
		in.log.Debug("sip ua: final response failed", "status", status, "error", err)
	}
}

// Cancelled is closed when the caller cancels (CANCEL, answered 487)
// before the call was answered.
func (in *Incoming) Cancelled() <-chan struct{} { return in.cancelled }

// onEnded is the dialog's end before it was established: a CANCEL (the
// dialog's cause is sipgo's ErrTransactionCanceled) or the transaction's
// end; also called, and then ignored, when the call ends later.
func (in *Incoming) onEnded() {
	cancelled := errors.Is(context.Cause(in.dss.Context()), sip.ErrTransactionCanceled)
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.call != nil {
		return
	}
	if cancelled && !in.cancelledOnce {
		in.cancelledOnce = true
		close(in.cancelled)
	}
	if in.state == inPending {
		in.state = inDone
		close(in.decided)
	}
}
