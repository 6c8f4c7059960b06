package calls

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// The requests of the ACD (callgroups.Telephony, through the adapter in
// agent/). Each checks what it can at once and returns; the ARI requests
// run on a goroutine the engine owns, and what follows reaches the
// GroupSink.

// GroupOffer asks the engine to ring a member's devices for a waiting
// caller.
type GroupOffer struct {
	// ID is unique per offer; the sink's calls name it.
	ID string
	// Caller is the waiting caller's channel id.
	Caller    string
	GroupID   string
	GroupName string
	// UserID is the member; UserName their display name (the call's
	// to_name when the group has no name).
	UserID   string
	UserName string
	// Devices are the member's endpoints, rung at once.
	Devices []string
	// Timeout is how long the devices ring (the group's ring timeout;
	// calls.ring_timeout when 0).
	Timeout      time.Duration
	CallerNumber string
	CallerName   string
}

// groupCaller returns the caller id waiting in a group, or
// ErrNoGroupCaller (none, or gone, left or taken by a member).
func (e *Engine) groupCaller(id string) (*groupCaller, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	gc := e.grp.callers[id]
	if gc == nil || gc.done || gc.answered != "" {
		return nil, fmt.Errorf("calls: %w: %q", ErrNoGroupCaller, id)
	}
	return gc, nil
}

// waiting reports whether gc still waits in its group (not gone, left or
// taken by a member).
func (e *Engine) waiting(gc *groupCaller) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !gc.done && gc.answered == ""
}

// GroupWait answers a group caller and lets it wait in the group's
// holding bridge ("pbxgroup-<group>", made on the first caller and
// destroyed when the last leaves): with music on hold of class mohClass
// played to the bridge (bridges/{id}/moh: one Announcer channel plays to
// every caller in it), or, ringback, with the ring tone on the caller's
// channel (channels/{id}/ring on an answered channel: Asterisk plays the
// tone in-band).
func (e *Engine) GroupWait(_ context.Context, caller string, ringback bool, mohClass string) error {
	gc, err := e.groupCaller(caller)
	if err != nil {
		return err
	}
	return e.spawn(func(ctx context.Context) {
		gc.op.Lock()
		defer gc.op.Unlock()
		if !e.waiting(gc) {
			return
		}
		chans := e.cli.Channels()
		if err := chans.Answer(ctx, caller); err != nil {
			if !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
				e.log.Warn("calls: answer a group caller", "channel", caller, "err", err)
			}
			return
		}
		if !e.hold(ctx, gc, ringback, mohClass) {
			return
		}
		e.mu.Lock()
		gc.ringback = ringback
		e.mu.Unlock()
		if ringback {
			if err := chans.Ring(ctx, caller); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
				e.log.Warn("calls: ringback to a group caller", "channel", caller, "err", err)
			}
		}
	})
}

// hold puts gc in its group's holding bridge, made (and its music
// started) if need be; false when that failed or gc left meanwhile.
func (e *Engine) hold(ctx context.Context, gc *groupCaller, ringback bool, mohClass string) bool {
	e.mu.Lock()
	gs := e.groups()
	hb := gs.bridges[gc.group]
	if hb == nil {
		hb = &holdingBridge{id: groupBridgePrefix + gc.group, callers: map[string]bool{}}
		gs.bridges[gc.group] = hb
	}
	e.mu.Unlock()
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if !e.waiting(gc) {
		return false
	}
	for try := 0; ; try++ {
		err := e.joinHolding(ctx, hb, gc, ringback, mohClass)
		if err == nil {
			hb.callers[gc.id] = true
			return true
		}
		if ari.IsNotFound(err) && try == 0 {
			// The bridge is gone (destroyed behind pbxagent's back, an
			// Asterisk restart): made again.
			hb.made, hb.mohOn, hb.moh = false, false, ""
			continue
		}
		if !ari.IsBadRequest(err) && !ari.IsNotInStasis(err) && !ari.IsNotFound(err) {
			e.log.Warn("calls: put a group caller in the holding bridge", "channel", gc.id, "err", err)
		}
		if len(hb.callers) == 0 && hb.made {
			// Made for this caller alone: nobody waits in it.
			hb.made, hb.mohOn, hb.moh = false, false, ""
			e.mu.Lock()
			delete(e.bridges, hb.id)
			e.mu.Unlock()
			e.destroyBridge(ctx, gc.group, hb.id)
		}
		return false
	}
}

// joinHolding makes hb if need be, starts its music (moh) and adds gc to
// it. Called with hb.mu.
func (e *Engine) joinHolding(ctx context.Context, hb *holdingBridge, gc *groupCaller, ringback bool, mohClass string) error {
	bridges := e.cli.Bridges()
	if !hb.made {
		_, err := bridges.Create(ctx, ari.BridgeRequest{ID: hb.id, Type: []string{"holding"}, Name: "group " + gc.group})
		if err != nil && !ari.IsConflict(err) {
			return fmt.Errorf("create the holding bridge: %w", err)
		}
		hb.made = true
		e.mu.Lock()
		e.bridges[hb.id] = true
		e.mu.Unlock()
	}
	if !ringback && (!hb.mohOn || hb.moh != mohClass) {
		if err := bridges.StartMOH(ctx, hb.id, mohClass); ari.IsNotFound(err) {
			return err
		} else if err != nil {
			e.log.Warn("calls: music on hold in a group's bridge", "group", gc.group, "err", err)
		} else {
			hb.mohOn, hb.moh = true, mohClass
		}
	}
	return bridges.AddChannel(ctx, hb.id, ari.AddChannelRequest{Channels: []string{gc.id}})
}

// mediaURIs prefixes bare sound names with "sound:".
func mediaURIs(media []string) []string {
	out := make([]string, 0, len(media))
	for _, m := range media {
		if m == "" {
			continue
		}
		if !strings.Contains(m, ":") {
			m = "sound:" + m
		}
		out = append(out, m)
	}
	return out
}

// GroupAnnounce plays media ("sound:queue-thereare", or bare sound names)
// to a waiting caller (channels/{id}/play); it goes on waiting after
// them. A file playing stops a ringback tone (Asterisk deactivates the
// channel's generator, main/file.c): the ring starts again when the
// announcement ends (PlaybackFinished).
func (e *Engine) GroupAnnounce(_ context.Context, caller string, media []string) error {
	uris := mediaURIs(media)
	if len(uris) == 0 {
		return fmt.Errorf("calls: announce: no media")
	}
	gc, err := e.groupCaller(caller)
	if err != nil {
		return err
	}
	return e.spawn(func(ctx context.Context) {
		gc.op.Lock()
		defer gc.op.Unlock()
		e.mu.Lock()
		if gc.done || gc.answered != "" {
			e.mu.Unlock()
			return
		}
		e.grp.annSeq++
		id := groupPlaybackPrefix + strconv.Itoa(e.grp.annSeq) + "-" + strconv.FormatInt(e.clk.Now().UnixNano(), 36)
		gc.plays[id] = true
		e.mu.Unlock()
		_, err := e.cli.Channels().Play(ctx, caller, ari.PlayRequest{PlaybackID: id, Media: uris})
		e.mu.Lock()
		if err != nil {
			delete(gc.plays, id)
		} else {
			gc.lastPlayback = id
		}
		e.mu.Unlock()
		if err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
			e.log.Warn("calls: announce to a group caller", "channel", caller, "err", err)
		}
	})
}

// groupPlaybackDone starts the ringback again for a ringback caller whose
// last announcement ended.
func (e *Engine) groupPlaybackDone(ctx context.Context, pb ari.Playback) {
	caller := strings.TrimPrefix(pb.TargetURI, "channel:")
	e.mu.Lock()
	gc := e.grp.callers[caller]
	if gc == nil || !gc.plays[pb.ID] {
		e.mu.Unlock()
		return
	}
	delete(gc.plays, pb.ID)
	again := len(gc.plays) == 0 && gc.ringback && !gc.done && gc.answered == ""
	e.mu.Unlock()
	if again {
		if err := e.cli.Channels().Ring(ctx, caller); err != nil && !ari.IsNotFound(err) && !ari.IsNotInStasis(err) {
			e.log.Warn("calls: ringback to a group caller", "channel", caller, "err", err)
		}
	}
}

// stopAnnouncements stops the announcements still playing to a caller a
// member takes: a playback on a channel goes on when it changes bridges.
func (e *Engine) stopAnnouncements(ctx context.Context, gc *groupCaller) {
	e.mu.Lock()
	ids := make([]string, 0, len(gc.plays))
	for id := range gc.plays {
		ids = append(ids, id)
	}
	clear(gc.plays)
	e.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		if err := e.cli.Playbacks().Stop(ctx, id); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: stop an announcement to a group caller", "playback", id, "err", err)
		}
	}
}

// groupCallerID is what the member's phones show: "[Group] Caller name"
// <caller number> (the number alone when the caller sent no name).
func groupCallerID(o GroupOffer) string {
	name := o.CallerName
	if name == "" {
		name = o.CallerNumber
	}
	if g := o.GroupName; g != "" {
		name = "[" + g + "] " + name
	}
	return callerIDString(name, o.CallerNumber)
}

// GroupOffer rings a member's devices for a waiting caller, all at once,
// for o.Timeout: a call of the member's (inbound, group_id set, listed,
// published, in their history) whose far party is the caller. The first
// device to answer is bridged with the caller (OfferAnswered); else the
// sink hears OfferFailed (noanswer, busy, unavailable, declined) and the
// caller goes on waiting.
func (e *Engine) GroupOffer(_ context.Context, o GroupOffer) error {
	if o.ID == "" {
		return fmt.Errorf("calls: offer: no id")
	}
	gc, err := e.groupCaller(o.Caller)
	if err != nil {
		return err
	}
	return e.spawn(func(ctx context.Context) { e.offer(ctx, gc, o) })
}

func (e *Engine) offer(ctx context.Context, gc *groupCaller, o GroupOffer) {
	fail := func(out GroupOutcome) {
		e.mu.Lock()
		sink := e.grp.sink
		e.mu.Unlock()
		if sink != nil {
			sink.OfferFailed(ctx, o.ID, out)
		}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = e.config().RingTimeout
	}
	devices := slices.Clone(o.Devices)
	e.mu.Lock()
	if gc.done || gc.answered != "" {
		e.mu.Unlock()
		fail(GroupCanceled)
		return
	}
	if _, dup := e.groups().offers[o.ID]; dup {
		e.mu.Unlock()
		e.log.Warn("calls: an offer id used twice", "offer", o.ID)
		return
	}
	if len(devices) == 0 {
		e.mu.Unlock()
		fail(GroupUnavailable)
		return
	}
	id := e.callIDFor(gc.id)
	now := e.clk.Now()
	toName := o.GroupName
	if toName == "" {
		toName = o.UserName
	}
	s := &session{call: Call{ID: id, UserID: o.UserID, Direction: Inbound, From: o.CallerNumber, FromName: o.CallerName,
		To: gc.exten, ToName: toName, Devices: devices, State: StateRinging, CreatedAt: now, GroupID: o.GroupID},
		userLegs: map[string]string{}, farLeg: gc.id,
		in: &dialplanCall{kind: KindGroup, caller: gc.id, callerID: groupCallerID(o),
			pending: slices.Clone(devices), deadline: now.Add(timeout)},
		grp: &groupLeg{offer: o.ID, caller: gc.id, group: o.GroupID}}
	if s.call.To == "" {
		s.call.To = o.GroupID
	}
	e.addCall(id, s)
	gc.offers[o.ID] = id
	e.grp.offers[o.ID] = id
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventCreated, c))
	e.ringNext(ctx, id)
}

// GroupCancel stops an offer still ringing: its legs are hung up (cause
// 26 when another member took the caller, else 16) and the sink hears
// OfferFailed(canceled); nothing when it had ended already.
func (e *Engine) GroupCancel(_ context.Context, offerID string) error {
	return e.spawn(func(ctx context.Context) {
		e.mu.Lock()
		s := e.calls[e.grp.offers[offerID]]
		if s == nil || s.grp == nil {
			e.mu.Unlock()
			return
		}
		gc := e.grp.callers[s.grp.caller]
		elsewhere := gc != nil && gc.answered != "" && gc.answered != s.call.ID
		eo, ok := e.prepEndOfferLocked(s, GroupCanceled, elsewhere)
		e.mu.Unlock()
		if ok {
			e.endOffer(ctx, eo, ari.CauseNormalClearing, "system")
		}
	})
}
