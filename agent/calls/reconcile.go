package calls

import (
	"context"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// stray handles a channel in the application that this run does not
// track. A leg an earlier run placed (its id says so) is hung up: nobody
// follows it any more. A channel that came from the dialplan
// (Stasis(pbxagent-calls,…)) and that the engine does not take on (not
// internal/inbound/outbound, or left by an earlier run) is continued at
// the dialplan's fallback label, as if pbxagent were down.
func (e *Engine) stray(ctx context.Context, ch ari.Channel, args []string) {
	if strings.HasPrefix(ch.ID, idPrefix) || (len(args) > 0 && (args[0] == argUser || args[0] == argFar || args[0] == argRing || args[0] == argAnnounce)) {
		e.log.Warn("calls: leg of an earlier run in the app; hanging it up", "channel", ch.ID)
		e.hangup(ctx, ch.ID, ari.ReasonNormal)
		return
	}
	if len(args) > 0 && args[0] == string(KindGroup) {
		// A caller an earlier run kept waiting in a group: back to the
		// dialplan with QUEUESTATUS and PBXAGENT_STATUS FAILED.
		e.groupHandBack(ctx, ch.ID, StatusFailed)
		return
	}
	err := e.cli.Channels().Continue(ctx, ch.ID, ari.DialplanTarget{Label: e.fallback})
	if ari.IsNotFound(err) && e.fallback != "" {
		// No such label in the extension: the next priority.
		err = e.cli.Channels().Continue(ctx, ch.ID, ari.DialplanTarget{})
	}
	if err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
		e.log.Warn("calls: continue a dialplan call to its fallback", "channel", ch.ID, "err", err)
	}
}

// reconcile runs after every (re)connection with what Asterisk lists:
// calls whose legs vanished while the WebSocket was down end; channels and
// bridges in the application that no live call owns (left by an earlier
// run, or by this one while disconnected) are hung up and destroyed.
func (e *Engine) reconcile(ctx context.Context, r *ari.ReconciledEvent) {
	live := make(map[string]ari.Channel, len(r.Channels))
	for _, c := range r.Channels {
		live[c.ID] = c
	}
	var app *ari.Application
	for i := range r.Applications {
		if r.Applications[i].Name == e.app {
			app = &r.Applications[i]
		}
	}
	// Calls whose legs are gone while the WebSocket was down. Not on the
	// first connection, nor a call taken on after the client began listing
	// (its legs may be missing from the lists though they live), nor one
	// placed over SIP (no ARI legs). A snapshot without ListedAt (made by
	// hand) counts every call.
	e.mu.Lock()
	var lost []string
	for id, s := range e.calls {
		if !r.Reconnect || s.call.State == StateEnded || s.sip != nil || (!r.ListedAt.IsZero() && !s.born.Before(r.ListedAt)) {
			continue
		}
		alive := false
		for ch, cid := range e.legs {
			if _, ok := live[ch]; ok && cid == id {
				alive = true
				break
			}
		}
		if !alive {
			lost = append(lost, id)
		}
	}
	e.mu.Unlock()
	slices.Sort(lost)
	for _, id := range lost {
		e.log.Warn("calls: every leg of a call vanished while disconnected", "call", id)
		e.end(ctx, id, 0, "system")
	}
	if r.Reconnect {
		e.groupReconcile(ctx, live)
	}
	if app == nil {
		return
	}
	// What the application holds that no live call owns.
	e.mu.Lock()
	var strays []ari.Channel
	for _, id := range app.ChannelIDs {
		base := strings.TrimSuffix(id, ";2")
		if _, tracked := e.legs[base]; tracked || e.groupTrackedLocked(base) || e.ivr[base] {
			continue
		}
		if ch, ok := live[base]; ok && !slices.ContainsFunc(strays, func(c ari.Channel) bool { return c.ID == base }) {
			strays = append(strays, ch)
		}
	}
	var bridges []string
	for _, id := range app.BridgeIDs {
		if !e.bridges[id] {
			bridges = append(bridges, id)
		}
	}
	e.mu.Unlock()
	slices.SortFunc(strays, func(a, b ari.Channel) int { return strings.Compare(a.ID, b.ID) })
	for _, ch := range strays {
		switch {
		case strings.HasPrefix(ch.ID, idPrefix):
			e.log.Warn("calls: leg of an earlier run found in the app; hanging it up", "channel", ch.ID)
			e.hangup(ctx, ch.ID, ari.ReasonNormal)
		case ch.Dialplan.AppName == "Stasis":
			args := strings.Split(ch.Dialplan.AppData, ",")
			e.stray(ctx, ch, args[1:])
		}
	}
	slices.Sort(bridges)
	for _, id := range bridges {
		e.log.Warn("calls: bridge of an earlier run found in the app; destroying it", "bridge", id)
		if err := e.cli.Bridges().Destroy(ctx, id); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: destroy a stray bridge", "bridge", id, "err", err)
		}
	}
}

// listedLate reports whether a channel missing from a reconnection's lists
// exists now: it was created while the client was listing (a caller who
// entered a group, a transfer's leg), so it must not be taken for gone.
func (e *Engine) listedLate(ctx context.Context, id string) bool {
	_, err := e.cli.Channels().Get(ctx, id)
	return err == nil
}
