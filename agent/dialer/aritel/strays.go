package aritel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/ari"
)

// causeForDialStatus maps a Dial event's final status to the Q.850 cause
// Asterisk would have set on a trunk (ast_hangup_cause_to_dial_status in
// main/dial.c, read backwards). It is used only when the channel was
// destroyed with cause 0, as a Local channel is after Busy() or
// Congestion(). 0 means unknown.
func causeForDialStatus(status string) int {
	switch status {
	case "BUSY":
		return 17
	case "CONGESTION":
		return 34
	case "NOANSWER":
		return 19
	case "CHANUNAVAIL":
		return 20
	}
	return 0
}

// stasisArgs returns the Stasis() arguments of a channel that is in an
// application, read from its dialplan location ("app,arg1,arg2").
func stasisArgs(ch ari.Channel) ([]string, bool) {
	if ch.Dialplan.AppName != "Stasis" {
		return nil, false
	}
	parts := strings.Split(ch.Dialplan.AppData, ",")
	return parts[1:], true
}

// isAgentLeg tells an agent leg by the id this adapter gives it.
func isAgentLeg(id string) bool { return strings.HasPrefix(id, "agent-") }

// strayInStasis handles a channel in the dialer's application that this
// run does not track: a leg placed by an earlier run (before a restart, a
// crash or a clean stop that could not end it). Nothing in the app is left
// in silence: an agent leg is hung up (the agent's phone must not stay
// off-hook on a dead leg); a customer leg is reported to the dialer
// (EventStray), which decides what the customer hears; anything else is
// hung up.
func (t *Telephony) strayInStasis(ctx context.Context, ch ari.Channel, args []string) []dialer.Event {
	return t.stray(ctx, ch, args, false)
}

// stray is strayInStasis; talking says the leg was found in a bridge (in
// conversation with an agent of the earlier run).
func (t *Telephony) stray(ctx context.Context, ch ari.Channel, args []string, talking bool) []dialer.Event {
	id := ch.ID
	kind := ""
	if len(args) > 0 {
		kind = args[0]
	}
	switch {
	case kind == argAgent || isAgentLeg(id):
		t.log.Warn("aritel: agent leg of an earlier run found in the app; hanging it up", "channel", id)
		t.hangupStray(ctx, id)
		return nil
	case kind == argCustomer && len(args) >= 2:
		return []dialer.Event{{Kind: dialer.EventStray, CallID: id, Campaign: args[1], Talking: talking}}
	}
	campaign, err := t.cli.Channels().GetVariable(ctx, id, campaignVar)
	if err != nil && !ari.IsNotFound(err) {
		t.log.Warn("aritel: read the campaign of a stray call", "channel", id, "err", err)
	}
	if campaign != "" {
		return []dialer.Event{{Kind: dialer.EventStray, CallID: id, Campaign: campaign, Talking: talking}}
	}
	t.log.Warn("aritel: unknown channel in the dialer's app; hanging it up", "channel", id, "args", strings.Join(args, ","))
	t.hangupStray(ctx, id)
	return nil
}

func (t *Telephony) hangupStray(ctx context.Context, id string) {
	if err := t.cli.Channels().Hangup(ctx, id, ari.ReasonNormal); err != nil && !ari.IsNotFound(err) {
		t.log.Warn("aritel: hang up stray channel", "channel", id, "err", err)
	}
}

// sweep looks, on every connection, for what an earlier run left in the
// application (GET /applications/{app}, in the Reconciled event): agent
// legs and customer legs it does not track, and bridges it does not own.
// Agent legs are hung up and bridges destroyed, so an agent can log in
// again at once; customer legs waiting in the app are reported as strays;
// customer legs still ringing are left to ring: if they answer, they enter
// the app and are handled then (StasisStart).
func (t *Telephony) sweep(ctx context.Context, e *ari.ReconciledEvent) []dialer.Event {
	var app *ari.Application
	for i := range e.Applications {
		if e.Applications[i].Name == t.app {
			app = &e.Applications[i]
		}
	}
	if app == nil {
		return nil
	}
	live := make(map[string]ari.Channel, len(e.Channels))
	for _, c := range e.Channels {
		live[c.ID] = c
	}
	bridged := map[string]bool{}
	for _, b := range e.Bridges {
		for _, id := range b.Channels {
			bridged[id] = true
		}
	}
	t.mu.Lock()
	tracked := func(id string) bool {
		_, call := t.calls[id]
		_, agent := t.agentChan[id]
		return call || agent
	}
	ownBridges := map[string]bool{}
	for _, a := range t.agents {
		ownBridges[a.bridge] = true
	}
	var ids []string
	seen := map[string]bool{}
	for _, id := range app.ChannelIDs {
		// The ;2 half of a Local channel ends with its ;1 half.
		base := strings.TrimSuffix(id, ";2")
		if seen[base] || tracked(base) {
			continue
		}
		seen[base] = true
		ids = append(ids, base)
	}
	var bridges []string
	for _, id := range app.BridgeIDs {
		if !ownBridges[id] {
			bridges = append(bridges, id)
		}
	}
	t.mu.Unlock()
	slices.Sort(ids)
	var out []dialer.Event
	for _, id := range ids {
		ch, ok := live[id]
		if !ok {
			continue
		}
		args, inApp := stasisArgs(ch)
		switch {
		case inApp:
			out = append(out, t.stray(ctx, ch, args, bridged[id])...)
		case isAgentLeg(id):
			t.log.Warn("aritel: agent leg of an earlier run still ringing; hanging it up", "channel", id)
			t.hangupStray(ctx, id)
		}
	}
	for _, id := range bridges {
		t.log.Warn("aritel: bridge of an earlier run found in the app; destroying it", "bridge", id)
		if err := t.cli.Bridges().Destroy(ctx, id); err != nil && !ari.IsNotFound(err) {
			t.log.Warn("aritel: destroy stray bridge", "bridge", id, "err", err)
		}
	}
	return out
}

// Release ends everything the adapter owns in Asterisk: every customer leg
// it tracks (ringing, waiting or connected), every agent leg, and the agent
// bridges. The daemon calls it on a clean stop, so no leg outlives the
// process (an agent's phone would stay off-hook on a dead leg, a waiting
// customer would hear music for ever). Calls in conversation end too: the
// dialer cannot follow them once it is gone.
func (t *Telephony) Release(ctx context.Context) error {
	t.mu.Lock()
	calls := make([]string, 0, len(t.calls))
	for id := range t.calls {
		calls = append(calls, id)
	}
	var agents, bridges []string
	for _, a := range t.agents {
		agents = append(agents, a.channel)
		bridges = append(bridges, a.bridge)
	}
	t.mu.Unlock()
	var errs []error
	for _, id := range append(calls, agents...) {
		if err := t.cli.Channels().Hangup(ctx, id, ari.ReasonNormal); err != nil && !ari.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("hang up %s: %w", id, err))
		}
	}
	for _, id := range bridges {
		if err := t.cli.Bridges().Destroy(ctx, id); err != nil && !ari.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("destroy bridge %s: %w", id, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("aritel: release: %w", err)
	}
	return nil
}
