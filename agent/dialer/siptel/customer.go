package siptel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// custCall is one customer leg, driven by its own goroutine (runCustomer).
type custCall struct {
	id     string
	ctx    context.Context // ends when the leg must end (Hangup, Run's end, the call's end)
	cancel context.CancelFunc

	// Under Telephony.mu:
	call      Call // nil while ringing
	answered  bool // EventAnswered sent
	rang      bool // EventRinging sent
	play      context.CancelFunc
	bridge    context.CancelFunc
	bridgeSeq uint64 // which Join the bridge is
	agent     string // agent bridged to
}

// Campaign header: the campaign a customer call was placed for, for the
// trunk's records and for a later run to tell whose call it is.
const campaignHeader = "X-Campaign"

// Originate implements dialer.Telephony: it starts dialling req.Endpoint
// (a SIP URI, or a user registered to the user agent's registrar) and
// returns at once; events follow.
func (t *Telephony) Originate(ctx context.Context, req dialer.OriginateRequest) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return fmt.Errorf("siptel: originate %s: %w", req.CallID, ErrClosed)
	}
	if _, dup := t.calls[req.CallID]; dup {
		t.mu.Unlock()
		return fmt.Errorf("siptel: originate %s: id in use", req.CallID)
	}
	c := &custCall{id: req.CallID}
	c.ctx, c.cancel = context.WithCancel(t.base)
	t.calls[req.CallID] = c
	t.mu.Unlock()
	if !t.spawn(func() { t.runCustomer(c, req) }) {
		t.forgetCall(c)
		c.cancel()
		return fmt.Errorf("siptel: originate %s: %w", req.CallID, ErrClosed)
	}
	return nil
}

// runCustomer dials, detects a machine when asked, reports the answer,
// and reports the end.
func (t *Telephony) runCustomer(c *custCall, req dialer.OriginateRequest) {
	defer c.cancel()
	headers := map[string]string{}
	if req.Campaign != "" {
		headers[campaignHeader] = req.Campaign
	}
	call, err := t.ua.Dial(c.ctx, ua.DialRequest{
		To: req.Endpoint, From: req.CallerID, Headers: headers, Timeout: req.Timeout,
		OnProgress: func(status int) {
			if status != 180 && status != 183 {
				return
			}
			t.mu.Lock()
			first := !c.rang && !c.answered
			c.rang = true
			t.mu.Unlock()
			if first {
				t.emit(dialer.Event{Kind: dialer.EventRinging, CallID: c.id})
			}
		},
	})
	if err != nil {
		t.mu.Lock()
		rang := c.rang
		t.mu.Unlock()
		cause := causeOfDialErr(err, rang)
		if c.ctx.Err() != nil {
			cause = normalClearing // we cancelled it (Hangup, or Run ending)
		} else {
			t.log.Info("siptel: customer call failed", "call", c.id, "cause", cause, "err", err)
		}
		t.forgetCall(c)
		t.emit(dialer.Event{Kind: dialer.EventEnded, CallID: c.id, Cause: cause})
		return
	}
	stopWatch := watchEnd(c.ctx, call, c.cancel)
	defer stopWatch()
	t.mu.Lock()
	c.call = call
	t.mu.Unlock()

	var amd string
	if req.AMD && c.ctx.Err() == nil {
		amd = t.detectMachine(c.ctx, call.Media())
	}
	if c.ctx.Err() == nil {
		t.mu.Lock()
		c.answered = true
		t.mu.Unlock()
		t.emit(dialer.Event{Kind: dialer.EventAnswered, CallID: c.id, AMD: amd})
		<-c.ctx.Done()
	}
	end := t.finish(call)
	t.forgetCall(c)
	t.emit(dialer.Event{Kind: dialer.EventEnded, CallID: c.id, Cause: end.Cause})
}

// finish hangs up call unless the peer did, and returns how it ended
// (cause 16 when none was given).
func (t *Telephony) finish(call Call) ua.End {
	select {
	case <-call.Done():
	default:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.base), t.cfg.HangupTimeout)
		if err := call.Hangup(ctx, normalClearing); err != nil {
			t.log.Debug("siptel: hangup", "err", err)
		}
		select {
		case <-call.Done():
		case <-ctx.Done():
		}
		cancel()
	}
	var end ua.End
	select {
	case <-call.Done():
		end = call.End()
	default:
	}
	if end.Cause == 0 {
		end.Cause = normalClearing
	}
	return end
}

// Q.850 causes used here (ITU-T Q.850 table 1).
const (
	normalClearing = 16
	noAnswer       = 19
	networkOOO     = 38
)

// causeOfDialErr is the Q.850 cause of a failed Dial: a final answer's
// cause (its Reason header's, else ua.CauseOf its status); 408 after
// the phone rang is cause 19 (no answer) rather than 102 (recovery on
// timer expiry): the ring timeout ran out, not the network; a dial
// ended by its context is 16; an error that is not a SIP answer (none
// expected: the user agent reports transport failures as 503) is 38.
func causeOfDialErr(err error, rang bool) int {
	var de *ua.DialError
	if errors.As(err, &de) {
		if de.Status == 408 && rang {
			return noAnswer
		}
		if de.Cause != 0 {
			return de.Cause
		}
		if c := ua.CauseOf(de.Status); c != 0 {
			return c
		}
		return networkOOO
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return normalClearing
	}
	return networkOOO
}

// AMD results as Asterisk's AMD() sets AMDSTATUS (aritel passes those on).
const (
	amdHuman   = "HUMAN"
	amdMachine = "MACHINE"
	amdNotSure = "NOTSURE"
)

// detectMachine runs the heuristic for at most AMDTimeout. Silence and
// no verdict are NOTSURE (the dialer then treats the call as a person's:
// a silent person is never hung up on as a machine).
func (t *Telephony) detectMachine(ctx context.Context, m Media) string {
	actx, cancel := context.WithTimeout(ctx, t.cfg.AMDTimeout)
	defer cancel()
	start := time.Now()
	r := m.DetectMachine(actx, t.cfg.AMD)
	t.log.Debug("siptel: AMD", "result", r.String(), "took", time.Since(start))
	switch r {
	case media.AMDHuman:
		return amdHuman
	case media.AMDMachine:
		return amdMachine
	}
	return amdNotSure
}

// forgetCall drops c from the table and stops its media.
func (t *Telephony) forgetCall(c *custCall) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls[c.id] == c {
		delete(t.calls, c.id)
	}
	if c.play != nil {
		c.play()
		c.play = nil
	}
	if c.bridge != nil {
		c.bridge()
		c.bridge = nil
	}
	// The agent is free for the next call as soon as this one's end is
	// reported (its bridge goroutine may still be winding down).
	if a := t.agents[c.agent]; a != nil && a.bridged == c.id {
		a.bridged = ""
	}
}

// Hangup implements dialer.Telephony: a ringing call is cancelled
// (CANCEL), an answered one gets a BYE (cause 16); EventEnded follows.
// Unknown calls are ignored (already gone).
func (t *Telephony) Hangup(ctx context.Context, callID string) error {
	t.mu.Lock()
	c := t.calls[callID]
	t.mu.Unlock()
	if c != nil {
		c.cancel()
	}
	return nil
}

// answeredCall returns an answered customer call.
func (t *Telephony) answeredCall(callID string) (*custCall, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.calls[callID]
	if c == nil {
		return nil, fmt.Errorf("unknown call %s", callID)
	}
	if c.call == nil {
		return nil, fmt.Errorf("call %s is not answered", callID)
	}
	return c, nil
}
