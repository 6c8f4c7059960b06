package calls

import (
	"context"
	"fmt"
	"slices"

	"github.com/pbxagent/pbxagent/ari"
)

// GroupLeave hands a waiting caller back to the dialplan: its offers
// stop, QUEUESTATUS and PBXAGENT_STATUS are set to exit, and it continues
// at to (the zero target: the priority after Stasis(), but FAILED goes to
// the fallback label as the engine's own hand-backs; a label missing: the
// next priority) — channels/{id}/continue.
func (e *Engine) GroupLeave(_ context.Context, caller, exit string, to ari.DialplanTarget) error {
	if exit == "" {
		return fmt.Errorf("calls: leave: no exit status")
	}
	if exit == StatusFailed && to == (ari.DialplanTarget{}) {
		to.Label = e.fallback
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
		gc.done = true
		delete(e.grp.callers, caller)
		offers := e.takeOffersLocked(gc, GroupCanceled, false)
		ringback := gc.ringback
		e.mu.Unlock()
		for _, o := range offers {
			e.endOffer(ctx, o, ari.CauseNormalClearing, "system")
		}
		e.continueCaller(ctx, caller, exit, to, ringback)
		e.unhold(ctx, gc)
	})
}

// continueCaller sets the exit status and continues a caller in the
// dialplan.
func (e *Engine) continueCaller(ctx context.Context, caller, exit string, to ari.DialplanTarget, ringback bool) {
	chans := e.cli.Channels()
	ignore := func(err error) bool { return err == nil || ari.IsNotFound(err) || ari.IsNotInStasis(err) }
	if ringback {
		if err := chans.StopRing(ctx, caller); !ignore(err) {
			e.log.Warn("calls: stop the ringback of a group caller", "channel", caller, "err", err)
		}
	}
	for _, v := range []string{VarQueueStatus, VarStatus} {
		if err := chans.SetVariable(ctx, caller, v, exit); !ignore(err) {
			e.log.Warn("calls: set a group caller's status", "channel", caller, "variable", v, "err", err)
		}
	}
	err := chans.Continue(ctx, caller, to)
	if ari.IsNotFound(err) && to.Label != "" {
		err = chans.Continue(ctx, caller, ari.DialplanTarget{})
	}
	if !ignore(err) {
		e.log.Warn("calls: continue a group caller in the dialplan", "channel", caller, "err", err)
	}
}

// groupRelease hands every caller still waiting back to the dialplan at
// the fallback label (QUEUESTATUS and PBXAGENT_STATUS FAILED) when the
// daemon stops, as other dialplan calls not answered; their offers end.
// The sink hears CallerGone.
func (e *Engine) groupRelease(ctx context.Context) {
	e.mu.Lock()
	var ids []string
	for id, gc := range e.grp.callers {
		if gc.answered == "" && !gc.done {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var gcs []*groupCaller
	var offers []endingOffer
	for _, id := range ids {
		gc := e.grp.callers[id]
		gc.done = true
		delete(e.grp.callers, id)
		gcs = append(gcs, gc)
		offers = append(offers, e.takeOffersLocked(gc, GroupCanceled, false)...)
	}
	sink := e.grp.sink
	e.mu.Unlock()
	for _, o := range offers {
		e.endOffer(ctx, o, ari.CauseNormalClearing, "system")
	}
	for _, gc := range gcs {
		e.groupHandBack(ctx, gc.id, StatusFailed)
		if sink != nil {
			sink.CallerGone(ctx, gc.id)
		}
		e.unhold(ctx, gc)
	}
}

// groupReconcile, after a reconnection, treats the waiting callers whose
// channel vanished while the WebSocket was down as gone.
func (e *Engine) groupReconcile(ctx context.Context, live map[string]ari.Channel) {
	e.mu.Lock()
	var lost []string
	for id, gc := range e.grp.callers {
		if _, ok := live[id]; !ok && gc.answered == "" {
			lost = append(lost, id)
		}
	}
	e.mu.Unlock()
	slices.Sort(lost)
	for _, id := range lost {
		if e.listedLate(ctx, id) {
			continue
		}
		e.log.Warn("calls: a group caller vanished while disconnected", "channel", id)
		e.groupGone(ctx, id, 0)
	}
}
