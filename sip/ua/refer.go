package ua

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// referStatus is the status line of one NOTIFY of a transfer.
type referStatus struct {
	status int
	reason string
}

// Refer asks the peer to call target (a blind transfer, RFC 3515) and
// follows its NOTIFYs (message/sipfrag) until the transfer's final
// status: nil on 2xx (the call then ends with End.Transferred), a
// *DialError otherwise.
func (c *Call) Refer(ctx context.Context, target string) error {
	uri, err := parseTarget(target)
	if err != nil {
		return fmt.Errorf("ua: refer %s: %w", c.id, err)
	}
	ch := make(chan referStatus, 16)
	c.mu.Lock()
	switch {
	case c.ended || c.hangingUp:
		c.mu.Unlock()
		return fmt.Errorf("ua: refer %s: the call has ended", c.id)
	case c.referCh != nil:
		c.mu.Unlock()
		return fmt.Errorf("ua: refer %s: a transfer is already under way", c.id)
	}
	c.referCh = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.referCh = nil
		c.mu.Unlock()
	}()

	req := sip.NewRequest(sip.REFER, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Refer-To", "<"+uri.String()+">"))
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+c.contactHeader().Address.String()+">"))
	req.AppendHeader(sip.NewHeader("User-Agent", c.a.cfg.UserAgent))
	if err := c.acquire(ctx); err != nil {
		return fmt.Errorf("ua: refer %s: %w", c.id, err)
	}
	res, err := c.dlg.Do(ctx, req)
	c.release()
	if err != nil {
		return fmt.Errorf("ua: refer %s: REFER: %w", c.id, err)
	}
	if !res.IsSuccess() {
		return &DialError{Status: res.StatusCode, Reason: res.Reason, Cause: CauseOf(res.StatusCode)}
	}
	c.log.Debug("sip ua: REFER accepted", "status", res.StatusCode, "target", uri.String())
	final := func(st referStatus) error {
		if st.status >= 200 && st.status < 300 {
			return nil
		}
		return &DialError{Status: st.status, Reason: st.reason, Cause: CauseOf(st.status)}
	}
	for {
		select {
		case st := <-ch:
			if st.status >= 200 {
				return final(st)
			}
		case <-c.done:
			// The final NOTIFY is queued before its 200 is sent, so it is
			// here when the BYE that follows it ended the call.
			for {
				select {
				case st := <-ch:
					if st.status >= 200 {
						return final(st)
					}
				default:
					return fmt.Errorf("ua: refer %s: the call ended before the transfer's final NOTIFY", c.id)
				}
			}
		case <-ctx.Done():
			return fmt.Errorf("ua: refer %s: %w", c.id, ctx.Err())
		}
	}
}

// parseTarget reads a transfer target: a SIP URI, or user@host.
func parseTarget(target string) (sip.Uri, error) {
	var u sip.Uri
	s := strings.TrimSpace(target)
	if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
		s = "sip:" + s
	}
	if err := sip.ParseUri(s, &u); err != nil || u.Host == "" {
		return u, fmt.Errorf("target %q is not a SIP URI: %v", target, err)
	}
	return u, nil
}

// onNotify takes a NOTIFY of the transfer this side asked for (Event:
// refer, a message/sipfrag body, RFC 3515 section 2.4.5).
func (a *Agent) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	c := a.callFor(req)
	if c == nil {
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	ev := req.GetHeader("Event")
	if ev == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ev.Value(), ";")[0]), "refer") {
		a.respond(req, tx, 489, "Bad Event")
		return
	}
	status, reason, err := parseSipfrag(req.Body())
	if err != nil {
		c.log.Info("sip ua: NOTIFY refused", "error", err)
		a.respond(req, tx, sip.StatusBadRequest, "Bad Request (sipfrag)")
		return
	}
	c.mu.Lock()
	ch := c.referCh
	if ch != nil && status >= 200 && status < 300 {
		c.end.Transferred = true
	}
	c.mu.Unlock()
	if ch != nil {
		select {
		case ch <- referStatus{status, reason}:
		default:
		}
	}
	a.respond(req, tx, sip.StatusOK, "OK")
}

// onRefer takes a REFER in a dialog (RFC 3515 section 2.4.2): 202, then
// the call to the Refer-To target placed from this Agent, reported by
// NOTIFYs (100 Trying, then the final status); when that call is up,
// this one is hung up with End.Transferred and End.Successor set.
func (a *Agent) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	c := a.callFor(req)
	if c == nil {
		if _, inDialog := requestKey(req); !inDialog {
			a.respond(req, tx, sip.StatusForbidden, "Forbidden (REFER outside a dialog)")
			return
		}
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	h := req.GetHeader("Refer-To")
	if h == nil {
		a.respond(req, tx, sip.StatusBadRequest, "Bad Request (no Refer-To)")
		return
	}
	var uri sip.Uri
	params := sip.NewParams()
	if _, err := sip.ParseAddressValue(h.Value(), &uri, &params); err != nil || uri.Host == "" {
		a.respond(req, tx, sip.StatusBadRequest, "Bad Request (Refer-To)")
		return
	}
	uri.Headers = nil // no Replaces: a blind transfer
	if !a.work.add() {
		a.respond(req, tx, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	a.respond(req, tx, sip.StatusAccepted, "Accepted")
	go func() {
		defer a.work.done()
		c.transfer(uri)
	}()
}

// transfer is the referee's side of a REFER: dial target, NOTIFY the
// outcome, hang this call up on success.
func (c *Call) transfer(target sip.Uri) {
	a := c.a
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := context.AfterFunc(a.stopping, cancel)
	defer stop()
	c.log.Info("sip ua: transfer asked", "target", target.String())
	c.notify(ctx, 100, "Trying", false)
	nc, err := a.Dial(ctx, DialRequest{To: target.String()})
	if err != nil {
		status, reason := sip.StatusServiceUnavailable, "Service Unavailable"
		var de *DialError
		if errors.As(err, &de) {
			status, reason = de.Status, de.Reason
		}
		c.log.Info("sip ua: transfer failed", "status", status, "error", err)
		c.notify(ctx, status, reason, true)
		return
	}
	c.notify(ctx, 200, "OK", true)
	c.mu.Lock()
	c.end.Transferred = true
	c.end.Successor = nc
	c.mu.Unlock()
	hctx, hcancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer hcancel()
	if err := c.Hangup(hctx, causeNormalClearing); err != nil {
		c.log.Debug("sip ua: hangup after transfer", "error", err)
	}
}

// notify sends a NOTIFY of the transfer's progress (RFC 3515 section
// 2.4.4), terminating the implicit subscription with the final one.
func (c *Call) notify(ctx context.Context, status int, reason string, final bool) {
	req := sip.NewRequest(sip.NOTIFY, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	if final {
		req.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
	} else {
		req.AppendHeader(sip.NewHeader("Subscription-State", "active;expires=60"))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.AppendHeader(sip.NewHeader("User-Agent", c.a.cfg.UserAgent))
	req.SetBody(sipfrag(status, reason))
	if err := c.acquire(ctx); err != nil {
		return
	}
	defer c.release()
	res, err := c.dlg.Do(ctx, req)
	if err != nil {
		c.log.Debug("sip ua: NOTIFY failed", "status", status, "error", err)
		return
	}
	if !res.IsSuccess() {
		c.log.Debug("sip ua: NOTIFY refused", "status", status, "answer", res.StatusCode)
	}
}
