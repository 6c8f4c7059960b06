package ua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// KeepAlive sends OPTIONS to target every interval until ctx ends and
// calls onChange when the peer starts or stops answering (any final
// answer counts as alive; a timeout as down). The first probe's result is
// reported whatever it is, then only changes. Each probe waits at most
// interval (and at most 64*T1, 32 s) for its answer. It returns nil when ctx
// ends, an error at once when target or interval is unusable.
func (a *Agent) KeepAlive(ctx context.Context, target string, interval time.Duration, onChange func(up bool)) error {
	var uri sip.Uri
	if err := sip.ParseUri(target, &uri); err != nil {
		return fmt.Errorf("keepalive: target %q: %w", target, err)
	}
	if uri.Host == "" {
		return fmt.Errorf("keepalive: target %q: no host", target)
	}
	if interval <= 0 {
		return fmt.Errorf("keepalive: interval %v: must be positive", interval)
	}
	if a.client == nil {
		return errors.New("keepalive: the Agent has no SIP client (not made by New)")
	}
	clk := a.clk
	if clk == nil {
		clk = clock.Real{}
	}
	log := a.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "keepalive", "target", target)
	// A probe waits at most a non-INVITE transaction's timeout, 64*T1
	// (RFC 3261 section 17.1.2.2).
	wait := min(interval, 64*sip.T1)
	state := regUnknown
	for {
		err := a.probe(ctx, uri, wait)
		if ctx.Err() != nil {
			return nil
		}
		now := regUp
		if err != nil {
			now = regDown
		}
		if now != state {
			if err != nil {
				log.Warn("peer not answering OPTIONS", "err", err)
			} else {
				log.Info("peer answering OPTIONS")
			}
			state = now
			if onChange != nil {
				onChange(now == regUp)
			}
		}
		if !waitOn(ctx, clk, interval) {
			return nil
		}
	}
}

// probe sends one OPTIONS and waits up to wait for a final answer.
func (a *Agent) probe(ctx context.Context, uri sip.Uri, wait time.Duration) error {
	pctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req := sip.NewRequest(sip.OPTIONS, *uri.Clone())
	if p := a.cfg.OutboundProxy; p != "" {
		var u sip.Uri
		if err := sip.ParseUri(p, &u); err == nil {
			if u.UriParams == nil {
				u.UriParams = sip.NewParams()
			}
			if !u.UriParams.Has("lr") {
				u.UriParams.Add("lr", "")
			}
			req.AppendHeader(&sip.RouteHeader{Address: u})
		}
	}
	if a.contact.Address.Host != "" {
		req.AppendHeader(a.contact.Clone())
	}
	if ua := a.cfg.UserAgent; ua != "" {
		req.AppendHeader(sip.NewHeader("User-Agent", ua))
	}
	req.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	a.sendFromListener(req)
	res, err := a.client.Do(pctx, req)
	if err != nil {
		return err
	}
	_ = res // any final answer, even 4xx-6xx, shows the peer alive
	return nil
}

// answerOptions answers an OPTIONS request with 200 and the Allow,
// Accept and Supported headers of this Agent (the Agent's server routes
// OPTIONS here). Per RFC 3261 section 11.2 it answers as it would an
// INVITE: Allow lists the methods taken (REGISTER only with a Registrar),
// Accept is application/sdp; Supported is left out as the Agent supports
// no option tag (no 100rel, timer or replaces).
func (a *Agent) answerOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	allow := allowMethods // RFC 3261 section 20.5
	if a.cfg.Registrar != nil {
		allow += ", REGISTER"
	}
	res.AppendHeader(sip.NewHeader("Allow", allow))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	if ua := a.cfg.UserAgent; ua != "" {
		res.AppendHeader(sip.NewHeader("Server", ua))
	}
	if a.contact.Address.Host != "" {
		res.AppendHeader(a.contact.Clone())
	}
	if err := tx.Respond(res); err != nil && a.log != nil {
		a.log.Warn("answering OPTIONS", "call_id", callID(req), "err", err)
	}
}
