package dialer

import (
	"context"
	"fmt"
	"time"
)

// Login logs an agent into a campaign: the dialer calls the agent's
// endpoint and parks the leg in a holding bridge; the agent becomes ready
// when the leg is up (paused with reason "connecting" until then).
func (d *Dialer) Login(agentID, campaignID, endpoint string) error {
	if agentID == "" || endpoint == "" {
		return fmt.Errorf("%w: agent id and endpoint are required", ErrInvalid)
	}
	var rerr error
	d.run(func(now time.Time) {
		c, err := d.campaignLocked(campaignID)
		if err != nil {
			rerr = err
			return
		}
		if b := EndpointBackend(endpoint); b != c.cfg.Backend {
			rerr = fmt.Errorf("%w: endpoint %q is for the %s backend, campaign %q is on %s (ari: an Asterisk dial string like PJSIP/101; sip: a SIP URI or the name of a phone registered to pbxagent)",
				ErrInvalid, endpoint, b, c.cfg.ID, c.cfg.Backend)
			return
		}
		a := d.agents[agentID]
		if a != nil && a.state != AgentLoggedOut {
			rerr = fmt.Errorf("agent %q already logged in to %q: %w", agentID, a.c.cfg.ID, ErrConflict)
			return
		}
		if a == nil {
			a = &agent{id: agentID}
			d.agents[agentID] = a
			d.aorder = append(d.aorder, a)
		}
		*a = agent{id: agentID, endpoint: endpoint, c: c, loginAt: now}
		a.setState(AgentPaused, now)
		a.reason = PauseConnecting
		c.agents = append(c.agents, a)
		d.queue("connect agent", func(ctx context.Context) error { return d.tel.ConnectAgent(ctx, agentID, endpoint) },
			func(now time.Time, err error) {
				if a.state != AgentLoggedOut && !a.legUp {
					d.logout(a, now)
				}
			})
	})
	return rerr
}

// Logout logs an agent out, after the current call if there is one.
func (d *Dialer) Logout(agentID string) error {
	return d.withAgent(agentID, func(a *agent, now time.Time) error {
		if a.state == AgentLoggedOut {
			return nil
		}
		if a.state == AgentOnCall {
			a.pendingLogout = true
			return nil
		}
		d.logout(a, now)
		d.queue("disconnect agent", func(ctx context.Context) error { return d.tel.DisconnectAgent(ctx, agentID) }, nil)
		return nil
	})
}

// Pause pauses an agent with a reason; an agent on a call or in wrap-up is
// paused when that ends.
func (d *Dialer) Pause(agentID, reason string) error {
	if reason == "" {
		reason = "break"
	}
	return d.withAgent(agentID, func(a *agent, now time.Time) error {
		switch a.state {
		case AgentLoggedOut:
			return fmt.Errorf("agent %q is logged out: %w", agentID, ErrConflict)
		case AgentReady:
			a.setState(AgentPaused, now)
			a.reason = reason
		case AgentPaused:
			a.reason = reason
		default:
			a.pendingPause = reason
		}
		return nil
	})
}

// Resume makes a paused agent ready.
func (d *Dialer) Resume(agentID string) error {
	return d.withAgent(agentID, func(a *agent, now time.Time) error {
		switch {
		case a.state == AgentLoggedOut:
			return fmt.Errorf("agent %q is logged out: %w", agentID, ErrConflict)
		case a.pendingPause != "":
			a.pendingPause = ""
		case a.state == AgentPaused && a.legUp:
			d.agentReady(a, now)
		case a.state == AgentPaused:
			return fmt.Errorf("agent %q: leg not connected yet: %w", agentID, ErrConflict)
		}
		return nil
	})
}

// SetDisposition records the disposition of the agent's last call. An
// opt-out puts the number on the do-not-call list at once. During wrap-up
// it ends the wrap-up.
func (d *Dialer) SetDisposition(agentID, disposition string, optOut bool) error {
	return d.withAgent(agentID, func(a *agent, now time.Time) error {
		l := a.lastLead
		if a.state == AgentOnCall && a.call != nil {
			l = a.call.lead
		}
		if l == nil {
			return fmt.Errorf("agent %q has no call to dispose: %w", agentID, ErrConflict)
		}
		l.Disposition = disposition
		if optOut {
			d.addDNC(l.Number, now)
		}
		d.saveLead(a.c, l)
		if a.state == AgentWrapUp {
			if a.wrapTimer != nil {
				a.wrapTimer.Stop()
			}
			d.agentReady(a, now)
		}
		return nil
	})
}

// NextCall (preview mode) reserves the agent and calls the next lead for it.
func (d *Dialer) NextCall(agentID string) (Lead, error) {
	var out Lead
	rerr := d.withAgent(agentID, func(a *agent, now time.Time) error {
		c := a.c
		switch {
		case a.state != AgentReady || !a.legUp:
			return fmt.Errorf("agent %q is %s, not ready: %w", agentID, a.state, ErrConflict)
		case c.cfg.Mode != ModePreview:
			return fmt.Errorf("campaign %q is %s, not preview: %w", c.cfg.ID, c.cfg.Mode, ErrConflict)
		case c.state != CampaignRunning:
			return fmt.Errorf("campaign %q is %s: %w", c.cfg.ID, c.state, ErrConflict)
		case d.linkDown:
			return fmt.Errorf("telephony link down: %w", ErrConflict)
		case c.channels >= c.cfg.MaxChannels:
			return fmt.Errorf("campaign %q: all %d channels busy: %w", c.cfg.ID, c.cfg.MaxChannels, ErrConflict)
		}
		l := d.nextLead(c, now)
		if l == nil {
			return fmt.Errorf("campaign %q: no lead callable now: %w", c.cfg.ID, ErrNotFound)
		}
		d.place(c, l, a, now)
		out = *l
		out.zones, out.counts = nil, nil
		return nil
	})
	return out, rerr
}

func (d *Dialer) agentUp(a *agent, now time.Time) {
	if a.state == AgentLoggedOut || a.legUp {
		return
	}
	a.legUp = true
	if a.state == AgentPaused && a.reason == PauseConnecting {
		d.agentReady(a, now)
	}
}

// agentDown: the agent hung up the held leg, which logs the agent out.
func (d *Dialer) agentDown(a *agent, now time.Time) {
	if a.state == AgentLoggedOut {
		return
	}
	a.legUp = false
	if cl := a.call; cl != nil && a.state == AgentOnCall {
		d.hangup(cl)
	}
	d.logout(a, now)
}

func (d *Dialer) logout(a *agent, now time.Time) {
	if cl := a.call; cl != nil {
		a.call = nil
		if cl.state == callDialing && cl.agent == a {
			// The call loses its agent: give it up once it has rung the
			// minimum ring time, unless another agent takes it first.
			cl.agent = nil
			d.cancelCall(cl, now)
		} else if cl.agent == a && cl.state == callConnected {
			cl.agent = nil
		}
	}
	if a.wrapTimer != nil {
		a.wrapTimer.Stop()
	}
	a.setState(AgentLoggedOut, now)
	a.legUp, a.pendingLogout, a.pendingPause = false, false, ""
	c := a.c
	for i, x := range c.agents {
		if x == a {
			c.agents = append(c.agents[:i], c.agents[i+1:]...)
			break
		}
	}
	d.pace(c, now) // cancels ringing calls if nobody is left
}

// afterCall starts wrap-up (or honours a pending logout or pause).
func (d *Dialer) afterCall(a *agent, now time.Time) {
	if a.pendingLogout || !a.legUp {
		id := a.id
		d.logout(a, now)
		d.queue("disconnect agent", func(ctx context.Context) error { return d.tel.DisconnectAgent(ctx, id) }, nil)
		return
	}
	wrap := time.Duration(a.c.cfg.WrapUp)
	a.setState(AgentWrapUp, now)
	a.wrapEnd = now.Add(wrap)
	a.wrapTimer = d.clk.AfterFunc(wrap, func() {
		d.run(func(now time.Time) {
			if a.state == AgentWrapUp {
				d.agentReady(a, now)
			}
		})
	})
}

// agentReady makes the agent ready and hands it the longest-waiting
// customer, if any.
func (d *Dialer) agentReady(a *agent, now time.Time) {
	if a.pendingPause != "" {
		r := a.pendingPause
		a.pendingPause = ""
		a.setState(AgentPaused, now)
		a.reason = r
		return
	}
	if a.pendingLogout {
		d.logout(a, now)
		return
	}
	a.setState(AgentReady, now)
	c := a.c
	if len(c.waiting) > 0 && a.legUp {
		cl := c.waiting[0]
		c.waiting = c.waiting[1:]
		d.connect(cl, a, now)
		return
	}
	if c.cfg.Mode == ModeProgressive {
		d.pace(c, now)
	}
}

// withAgent runs fn on agent agentID in the dialer's loop and returns fn's
// error, or the lookup's when there is no such agent.
func (d *Dialer) withAgent(agentID string, fn func(a *agent, now time.Time) error) error {
	var rerr error
	d.run(func(now time.Time) {
		a, err := d.agentLocked(agentID)
		if err != nil {
			rerr = err
			return
		}
		rerr = fn(a, now)
	})
	return rerr
}
