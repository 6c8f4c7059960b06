package ua

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/sip/sdp"
)

// Why a ringing call was cancelled, when it was not the caller's context.
var (
	errRingTimeout   = errors.New("ua: ring timeout")
	errAgentStopping = errors.New("ua: agent stopping")
	errNotRunning    = errors.New("ua: agent not running")
)

// Dial places a call and blocks until it is answered (the Call is up and
// its media run), fails (a *DialError with the final status), or ctx ends
// (a CANCEL is sent; the error wraps ctx.Err()). The ring time is bounded
// by Config.RingTimeout and req.Timeout.
func (a *Agent) Dial(ctx context.Context, req DialRequest) (*Call, error) {
	if !a.begin() {
		return nil, errNotRunning
	}
	c, err := a.dial(ctx, req)
	if c == nil { // else the call owns the count and ends it in finish
		a.end()
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// dial does Dial's work. A non-nil Call it returns took the Agent's count
// of the attempt over, even with an error (it has ended then).
func (a *Agent) dial(ctx context.Context, dr DialRequest) (*Call, error) {
	target, err := a.resolveTarget(dr.To)
	if err != nil {
		return nil, err
	}
	invite := a.newInvite(target, dr)
	transport := strings.ToLower(invite.Transport())
	dua, err := a.dua(transport)
	if err != nil {
		return nil, err
	}
	if transport == "udp" {
		a.mu.Lock()
		a.udpLaddr.Copy(&invite.Laddr)
		a.mu.Unlock()
	}
	pp, err := a.cfg.Ports.Listen(ctx, a.mediaHost)
	if err != nil {
		return nil, fmt.Errorf("ua: dial %s: media ports: %w", dr.To, err)
	}
	ppOwned := false
	defer func() {
		if !ppOwned {
			pp.Close()
		}
	}()
	local := a.newLocal(pp.Port)
	invite.SetBody(sdp.NewOffer(local).Marshal())

	timeout := a.cfg.RingTimeout
	if dr.Timeout > 0 && dr.Timeout < timeout {
		timeout = dr.Timeout
	}
	ringCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := a.clk.AfterFunc(timeout, func() { cancel(errRingTimeout) })
	defer timer.Stop()
	stopWatch := context.AfterFunc(a.stopping, func() { cancel(errAgentStopping) })
	defer stopWatch()

	log := a.log.With("call_id", invite.CallID().Value(), "to", target.String())
	log.Debug("sip ua: dialing", "transport", transport)
	w := &answerWait{progress: dr.OnProgress}
	dcs, err := dua.WriteInvite(ringCtx, invite)
	if err != nil {
		// RFC 3261 section 8.1.3.1: a transport failure counts as 503.
		return nil, fmt.Errorf("ua: dial %s: send INVITE: %w: %w", target.String(),
			&DialError{Status: sip.StatusServiceUnavailable, Reason: "Service Unavailable (transport error)", Cause: CauseOf(sip.StatusServiceUnavailable)}, err)
	}
	dcs, detached, err := a.waitAnswer(ringCtx, dua, dcs, w)
	if detached {
		// Nothing answered yet: no CANCEL may be sent before a provisional
		// response (RFC 3261 section 9.1), and Dial does not wait for one;
		// the waiting goroutine cancels or hangs up whatever comes later.
		log.Debug("sip ua: dial given up before any answer")
		return nil, a.dialFailed(ctx, ringCtx, nil, ringCtx.Err(), false, log)
	}
	if err != nil {
		return nil, a.dialFailed(ctx, ringCtx, dcs, err, w.alerted.Load(), log)
	}
	if err := dcs.Ack(context.Background()); err != nil {
		log.Warn("sip ua: ACK failed", "error", err)
	}
	res := dcs.InviteResponse
	toTag, _ := res.To().Params.Get("tag")
	fromTag, _ := dcs.InviteRequest.From().Params.Get("tag")
	callID := dcs.InviteRequest.CallID().Value()
	name := ""
	if to := res.To(); to != nil {
		name = to.DisplayName
	}
	c := newCall(a, callID, dialogKey(callID, fromTag, toTag), true, target.String(), name)
	c.dcs, c.dlg = dcs, dcs
	neg, err := acceptAnswer(res.Body(), local)
	if err != nil {
		// The peer answered with nothing we can use: end the dialog it
		// made (RFC 3264 section 6 has no way to refuse an answer).
		ppOwned = true
		pp.Close()
		c.hangupUnregistered(causeIncompatibleDest)
		return c, fmt.Errorf("ua: dial %s: SDP answer: %w", target.String(), err)
	}
	c.local = local
	ppOwned = true
	if err := c.startMedia(pp, neg); err != nil {
		c.hangupUnregistered(causeInterworking)
		return c, err
	}
	if !a.addCall(c) {
		c.hangupUnregistered(causeNormalClearing)
		return c, fmt.Errorf("ua: dial %s: %w", target.String(), errAgentStopping)
	}
	log.Info("sip ua: call answered", "codec", neg.PayloadType, "remote_rtp", neg.Remote.String())
	return c, nil
}

// answerWait is the state of one INVITE's wait for its final answer,
// shared by Dial and the goroutine that waits.
type answerWait struct {
	progress    func(status int)
	alerted     atomic.Bool // a 180/183 came
	provisional atomic.Bool // any 1xx came: CANCEL may be sent

	mu        sync.Mutex
	detached  bool // Dial returned before the answer
	delivered bool // the answer went to Dial
}

func (w *answerWait) onResponse(r *sip.Response) error {
	if !r.IsProvisional() {
		return nil
	}
	w.provisional.Store(true)
	if r.StatusCode > 100 {
		w.alerted.Store(true)
		w.mu.Lock()
		detached := w.detached
		w.mu.Unlock()
		if !detached && w.progress != nil {
			w.progress(r.StatusCode)
		}
	}
	return nil
}

// waitAnswer waits for the final answer to dcs's INVITE, answering a
// digest challenge on the way, in a goroutine of the Agent's. It returns
// when the answer is there, or when ringCtx ends and, a provisional
// response having come, the CANCEL has been answered. When ringCtx ends
// before any provisional response it returns at once with detached true:
// the goroutine then waits on, sends the CANCEL once it may, and ACKs and
// hangs up a 2xx that crossed it.
func (a *Agent) waitAnswer(ringCtx context.Context, dua *sipgo.DialogUA, dcs *sipgo.DialogClientSession, w *answerWait) (_ *sipgo.DialogClientSession, detached bool, _ error) {
	type result struct {
		dcs *sipgo.DialogClientSession
		err error
	}
	resc := make(chan result, 1)
	if !a.late.add() {
		return dcs, false, errAgentStopping
	}
	go func() {
		defer a.late.done()
		opts := sipgo.AnswerOptions{OnResponse: w.onResponse}
		d := dcs
		err := d.WaitAnswer(ringCtx, opts)
		if challenged(err) && a.cfg.Credentials != nil {
			// Answer the challenge with the realm's credentials (RFC 3261
			// section 22.2, 22.3) on a new INVITE of the same call;
			// sipgo's WaitAnswer then answers any further (stale nonce)
			// challenge.
			d, err = a.authInvite(ringCtx, dua, d, &opts)
		}
		w.mu.Lock()
		if w.detached {
			w.mu.Unlock()
			hangupCrossed(d)
			return
		}
		w.delivered = true
		resc <- result{d, err}
		w.mu.Unlock()
	}()
	select {
	case r := <-resc:
		return r.dcs, false, r.err
	case <-ringCtx.Done():
	}
	if w.provisional.Load() {
		r := <-resc
		return r.dcs, false, r.err
	}
	w.mu.Lock()
	if w.delivered {
		w.mu.Unlock()
		r := <-resc
		return r.dcs, false, r.err
	}
	w.detached = true
	w.mu.Unlock()
	return dcs, true, nil
}

// hangupCrossed acknowledges and hangs up a 2xx that crossed our CANCEL
// (or came after Dial gave up).
func hangupCrossed(dcs *sipgo.DialogClientSession) {
	res := dcs.InviteResponse
	if res == nil || !res.IsSuccess() {
		return
	}
	bctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer cancel()
	if err := dcs.Ack(bctx); err == nil {
		_ = dcs.Bye(bctx)
	}
}

// hangupUnregistered hangs up a call that was never registered with the
// Agent (a BYE, then finish).
func (c *Call) hangupUnregistered(cause int) {
	ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer cancel()
	if err := c.Hangup(ctx, cause); err != nil {
		c.log.Debug("sip ua: hangup of a failed call", "error", err)
	}
}

// acceptAnswer parses an SDP answer and reads it against our offer.
func acceptAnswer(body []byte, local sdp.Local) (sdp.Negotiated, error) {
	if len(body) == 0 {
		return sdp.Negotiated{}, errors.New("the 2xx has no SDP body")
	}
	s, err := sdp.Parse(body)
	if err != nil {
		return sdp.Negotiated{}, err
	}
	return sdp.Accept(s, local)
}

// challenged says whether err is a 401 or 407 with a challenge.
func challenged(err error) bool {
	var re *sipgo.ErrDialogResponse
	if !errors.As(err, &re) {
		return false
	}
	switch re.Res.StatusCode {
	case sip.StatusUnauthorized:
		return re.Res.GetHeader("WWW-Authenticate") != nil
	case sip.StatusProxyAuthRequired:
		return re.Res.GetHeader("Proxy-Authenticate") != nil
	}
	return false
}

// dialFailed turns WaitAnswer's error into Dial's: a *DialError for a
// final answer or a cancellation, with ctx's error wrapped when the
// caller cancelled. A 2xx that crossed our CANCEL is acknowledged and
// hung up.
func (a *Agent) dialFailed(ctx, ringCtx context.Context, dcs *sipgo.DialogClientSession, err error, alerted bool, log *slog.Logger) error {
	if dcs != nil {
		hangupCrossed(dcs)
	}
	var re *sipgo.ErrDialogResponse
	if errors.As(err, &re) {
		de := &DialError{Status: re.Res.StatusCode, Reason: re.Res.Reason, Cause: CauseOf(re.Res.StatusCode)}
		for _, h := range re.Res.GetHeaders("Reason") {
			if n, ok := reasonCause(h.Value()); ok {
				de.Cause = n
				break
			}
		}
		log.Debug("sip ua: call failed", "status", de.Status, "cause", de.Cause)
		return de
	}
	if ringCtx.Err() != nil {
		switch cause := context.Cause(ringCtx); {
		case errors.Is(cause, errRingTimeout):
			de := &DialError{Status: sip.StatusRequestTimeout, Reason: "Request Timeout (ring timeout)", Cause: causeRecoveryOnTimer}
			if alerted {
				de.Cause = causeNoAnswer
			}
			log.Debug("sip ua: ring timeout", "alerted", alerted)
			return de
		case errors.Is(cause, errAgentStopping):
			return fmt.Errorf("%w: %w", &DialError{Status: sip.StatusRequestTerminated, Reason: "Request Terminated", Cause: causeNormalClearing}, errAgentStopping)
		default:
			return fmt.Errorf("%w: %w", &DialError{Status: sip.StatusRequestTerminated, Reason: "Request Terminated", Cause: CauseOf(sip.StatusRequestTerminated)}, ctx.Err())
		}
	}
	// RFC 3261 section 8.1.3.1: no final answer is a 408, a transport
	// failure a 503.
	if errors.Is(err, sip.ErrTransactionTransport) {
		return fmt.Errorf("%w: %w", &DialError{Status: sip.StatusServiceUnavailable, Reason: "Service Unavailable (transport error)", Cause: CauseOf(sip.StatusServiceUnavailable)}, err)
	}
	return fmt.Errorf("%w: %w", &DialError{Status: sip.StatusRequestTimeout, Reason: "Request Timeout (no final answer)", Cause: causeRecoveryOnTimer}, err)
}

// resolveTarget reads DialRequest.To: a SIP URI, user@host, or a user
// registered to the Registrar.
func (a *Agent) resolveTarget(to string) (sip.Uri, error) {
	var u sip.Uri
	s := strings.TrimSpace(to)
	switch {
	case s == "":
		return u, errors.New("ua: DialRequest.To is empty")
	case strings.HasPrefix(s, "sip:") || strings.HasPrefix(s, "sips:"):
	case strings.Contains(s, "@"):
		s = "sip:" + s
	case a.cfg.Registrar != nil:
		contact, ok := a.cfg.Registrar.Lookup(s)
		if !ok {
			return u, &DialError{Status: sip.StatusTemporarilyUnavailable, Reason: "Temporarily Unavailable (" + s + " not registered)", Cause: causeNoUserResponding}
		}
		s = contact
	default:
		return u, fmt.Errorf("ua: DialRequest.To %q: not a SIP URI, and no Registrar to look a user up in", to)
	}
	if err := sip.ParseUri(s, &u); err != nil || u.Host == "" {
		return u, fmt.Errorf("ua: DialRequest.To %q: not a SIP URI: %v", to, err)
	}
	return u, nil
}

// newInvite builds the INVITE of dr to target (without its body).
func (a *Agent) newInvite(target sip.Uri, dr DialRequest) *sip.Request {
	req := sip.NewRequest(sip.INVITE, target)
	transport := strings.ToUpper(a.transports[0])
	if a.proxy != nil {
		// RFC 3261 section 8.1.2: the outbound proxy as the only Route,
		// loose-routing; sipgo sends to the top Route.
		req.AppendHeader(&sip.RouteHeader{Address: *a.proxy.Clone()})
		if t, ok := a.proxy.UriParams.Get("transport"); ok && t != "" {
			transport = strings.ToUpper(t)
		}
	} else if t, ok := target.UriParams.Get("transport"); ok && t != "" {
		transport = strings.ToUpper(t)
	}
	req.SetTransport(transport)
	from := &sip.FromHeader{DisplayName: dr.FromName,
		Address: sip.Uri{Scheme: "sip", User: dr.From, Host: a.contact.Address.Host}, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: target.Scheme, User: target.User, Host: target.Host, Port: target.Port}})
	callID := sip.CallIDHeader(randomHex(16) + "@" + a.contact.Address.Host)
	req.AppendHeader(&callID)
	a.mu.Lock()
	d := a.duas[strings.ToLower(transport)]
	a.mu.Unlock()
	if d != nil {
		req.AppendHeader(&sip.ContactHeader{Address: *d.ContactHDR.Address.Clone()})
	}
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sip.NewHeader("User-Agent", a.cfg.UserAgent))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	for k, v := range dr.Headers {
		req.AppendHeader(sip.NewHeader(k, v))
	}
	return req
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newLocal is our side of a new call's SDP on RTP port port.
func (a *Agent) newLocal(port int) sdp.Local {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return sdp.Local{Addr: a.sdpAddr, Port: port, PayloadTypes: a.cfg.PayloadTypes, DTMF: true,
		SessionID: binary.BigEndian.Uint64(b[:]) >> 2, Version: 1, Username: "pbxagent"}
}
