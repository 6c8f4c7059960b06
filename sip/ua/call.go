package ua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/sdp"
)

// DialRequest is an outgoing call.
type DialRequest struct {
	// To is the Request-URI ("sip:+441234567890@trunk.example.com",
	// "sip:101@10.0.0.5:5062;transport=tcp"), or the user part of a phone
	// registered to the Agent's Registrar ("101").
	To string
	// From is the caller's user part (the calling number); FromName its
	// display name.
	From, FromName string
	// Headers are extra headers ("X-Campaign: c1").
	Headers map[string]string
	// Timeout bounds the ring time (0: Config.RingTimeout).
	Timeout time.Duration
	// OnProgress is called with each provisional response's status (180,
	// 183), from the dialog's goroutine.
	OnProgress func(status int)
}

// DialError is a call that got a final non-2xx answer (or none).
type DialError struct {
	// Status is the SIP final status (486, 603, …); 408 when nothing
	// answered in time, 487 when cancelled.
	Status int
	// Reason is the reason phrase.
	Reason string
	// Cause is the Q.850 cause the status maps to (CauseOf), or the one a
	// Reason header (RFC 3326) carried.
	Cause int
}

func (e *DialError) Error() string {
	return fmt.Sprintf("ua: call failed: %d %s (cause %d)", e.Status, e.Reason, e.Cause)
}

// End says how a call ended.
type End struct {
	// ByRemote is true when the peer hung up (its BYE), false when this
	// side did (Hangup, Agent stopping) or the call failed.
	ByRemote bool
	// Cause is the Q.850 cause (16 normal clearing; a Reason header's
	// when the BYE carried one).
	Cause int
	// Transferred is true when the call ended because a REFER to it
	// succeeded.
	Transferred bool
	// Successor is, on the side that was asked to transfer (the REFER's
	// recipient), the call it placed to the transfer target; it is the
	// caller's to hang up. Nil otherwise.
	Successor *Call
}

// dialogSession is what a Call needs of sipgo's client and server dialog
// sessions alike.
type dialogSession interface {
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	WriteRequest(req *sip.Request) error
	WriteBye(ctx context.Context, bye *sip.Request) error
}

// Call is one established call (a dialog) and its media.
type Call struct {
	a         *Agent
	id        string // Call-ID
	key       string // dialogKey
	outgoing  bool
	dlg       dialogSession
	dcs       *sipgo.DialogClientSession // outgoing calls
	dss       *sipgo.DialogServerSession // incoming calls
	remoteURI string
	remoteNm  string
	log       *slog.Logger

	media     *media.Session
	mediaDone chan struct{} // closed when the session's Run returned
	onDTMF    func(rune)    // the media's OnDTMF, also fed by SIP INFO; set before the call is routed to

	// byeSeen is set when the peer's BYE arrives (before it is answered).
	byeSeen atomic.Bool

	// sem serialises this side's in-dialog transactions (CSeq order, no
	// re-INVITE glare with ourselves); a channel so that ctx can end the
	// wait.
	sem chan struct{}

	mu         sync.Mutex
	local      sdp.Local // our current description (o= id and version, direction)
	heldByUs   bool
	holdQuiet  bool // we hold with Hold: send nothing (HoldWithMedia sends)
	heldByPeer bool
	// remoteCSeq is the last CSeq the peer of an outgoing call sent.
	remoteCSeq    uint32
	remoteCSeqSet bool
	hangingUp     bool
	referCh       chan referStatus // while Refer waits for NOTIFYs
	end           End
	ended         bool
	done          chan struct{}
}

func newCall(a *Agent, id, key string, outgoing bool, remoteURI, remoteName string) *Call {
	return &Call{a: a, id: id, key: key, outgoing: outgoing, remoteURI: remoteURI, remoteNm: remoteName,
		log: a.log.With("call_id", id), sem: make(chan struct{}, 1), done: make(chan struct{})}
}

// ID is the call's SIP Call-ID.
func (c *Call) ID() string { return c.id }

// Remote is the peer's URI (From of an incoming call, To of an outgoing
// one) and RemoteName its display name.
func (c *Call) Remote() (uri, name string) { return c.remoteURI, c.remoteNm }

// Media is the call's RTP session: play prompts, send and receive DTMF,
// detect speech, bridge.
func (c *Call) Media() *media.Session { return c.media }

// Held says whether the call is on hold, by us or by the peer
// (its re-INVITE with sendonly or inactive).
func (c *Call) Held() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.heldByUs || c.heldByPeer
}

// Hangup ends the call with BYE (carrying Reason: Q.850;cause=N when
// cause is not 0) and waits for its answer or the transaction timeout.
func (c *Call) Hangup(ctx context.Context, cause int) error {
	c.mu.Lock()
	if c.ended || c.hangingUp {
		c.mu.Unlock()
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("ua: hangup %s: %w", c.id, ctx.Err())
		}
	}
	c.hangingUp = true
	c.mu.Unlock()

	bye := sip.NewRequest(sip.BYE, c.remoteTarget())
	if cause != 0 {
		bye.AppendHeader(sip.NewHeader("Reason", reasonHeader(cause)))
	}
	bye.AppendHeader(sip.NewHeader("User-Agent", c.a.cfg.UserAgent))
	// Our other in-dialog transaction (a re-INVITE, a NOTIFY) gets a
	// second to finish so CSeq stays in order; a hang-up does not wait
	// for a stuck one longer.
	wctx, wcancel := context.WithTimeout(ctx, time.Second)
	held := c.acquire(wctx) == nil
	wcancel()
	err := c.dlg.WriteBye(ctx, bye)
	if held {
		c.release()
	}
	if cause == 0 {
		cause = causeNormalClearing
	}
	c.finish(End{Cause: cause})
	if err != nil {
		c.log.Debug("sip ua: BYE not answered", "error", err)
		return fmt.Errorf("ua: hangup %s: %w", c.id, err)
	}
	c.log.Debug("sip ua: hung up", "cause", cause)
	return nil
}

// Done is closed when the call has ended and its media stopped.
func (c *Call) Done() <-chan struct{} { return c.done }

// End says how the call ended, once Done is closed.
func (c *Call) End() End {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.end
}

// finish ends the call once: it leaves the Agent's dialogs, stops the
// media and closes Done.
func (c *Call) finish(e End) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	if c.end.Transferred {
		e.Transferred = true
		e.Successor = c.end.Successor
	}
	c.end = e
	c.mu.Unlock()
	c.a.removeCall(c)
	if c.media != nil {
		c.media.Close()
		<-c.mediaDone
	}
	c.log.Info("sip ua: call ended", "by_remote", e.ByRemote, "cause", e.Cause, "transferred", e.Transferred)
	close(c.done)
	c.a.end()
}

// acquire takes the call's turn to send an in-dialog request.
func (c *Call) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Call) release() { <-c.sem }

// remoteTarget is the peer's Contact (RFC 3261 section 12.1): where
// in-dialog requests go.
func (c *Call) remoteTarget() sip.Uri {
	if c.dcs != nil {
		if ct := c.dcs.InviteResponse.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
		return *c.dcs.InviteRequest.Recipient.Clone()
	}
	return *c.dss.InviteRequest.Contact().Address.Clone()
}

// onBye answers the peer's BYE and ends the call with the cause of its
// Reason header (16 without one).
func (c *Call) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c.byeSeen.Store(true)
	var err error
	if c.dcs != nil {
		err = c.dcs.ReadBye(req, tx)
	} else {
		err = c.dss.ReadBye(req, tx)
	}
	if err != nil {
		c.log.Warn("sip ua: BYE not taken", "error", err)
		c.a.respond(req, tx, 500, "Server Internal Error")
		return
	}
	cause := causeNormalClearing
	for _, h := range req.GetHeaders("Reason") {
		if n, ok := reasonCause(h.Value()); ok {
			cause = n
			break
		}
	}
	c.finish(End{ByRemote: true, Cause: cause})
}

// startMedia builds and runs the media session of the call on pp with the
// negotiated parameters.
func (c *Call) startMedia(pp *media.PortPair, neg sdp.Negotiated) error {
	codec, err := media.CodecForPayloadType(neg.PayloadType)
	if err != nil {
		pp.Close()
		return fmt.Errorf("ua: call %s: codec: %w", c.id, err)
	}
	sc := media.SessionConfig{
		Ports:            pp,
		Remote:           neg.Remote,
		RemoteRTCP:       neg.RemoteRTCP,
		Codec:            codec,
		EventPayloadType: neg.EventPayloadType,
		Symmetric:        !c.a.cfg.NoSymmetric,
		Clock:            c.a.clk,
		SendClock:        c.a.sendClock,
		RecvLoop:         c.a.recvLoop,
		ClockedPlayout:   true,
		CNAME:            "pbxagent@" + c.a.sdpAddr.String(),
		Logger:           c.log,
	}
	if c.a.cfg.OnMedia != nil {
		c.a.cfg.OnMedia(c.id, &sc)
	}
	c.onDTMF = sc.OnDTMF
	s, err := media.NewSession(sc)
	if err != nil { // NewSession closed pp
		return fmt.Errorf("ua: call %s: media session: %w", c.id, err)
	}
	if !neg.Direction.Sends() {
		s.SetSending(false)
	}
	c.media = s
	c.mediaDone = make(chan struct{})
	go func() {
		defer close(c.mediaDone)
		if err := s.Run(context.Background()); err != nil && !errors.Is(err, media.ErrSessionClosed) && !errors.Is(err, context.Canceled) {
			c.log.Warn("sip ua: media session stopped", "error", err)
		}
	}()
	return nil
}
