package calls

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/ari"
)

// Park and pickup of a call over SIP, with the ARI path's API, states,
// slots, timeout and events (park.go): parked, the user's leg is hung up
// and the destination's leg stays with pbxagent, hearing the hold music
// (sip_ua.hold_music) under its slot; a pickup rings the picker's devices
// over SIP (the display shows "Parked <slot>: <number>") and bridges the
// first to answer with the destination; the park timeout rings the
// owner's devices again, and the call ends (cause 19) if none answers.

// sipSend hands r to the call's goroutine and waits until it is done.
func (sc *sipCall) send(ctx context.Context, r sipCtl) error {
	select {
	case sc.ctl <- r:
	case <-sc.ended:
		return fmt.Errorf("%w: the call has ended", ErrState)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-r.done:
		return nil
	case <-sc.ended:
		return fmt.Errorf("%w: the call has ended", ErrState)
	}
}

// sipPark parks the SIP call id.
func (e *Engine) sipPark(ctx context.Context, v Viewer, id string) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	sc := s.sip
	transfer := ""
	if s.xfer != "" || sc.handedOver {
		transfer = "a transfer is in progress"
	}
	held := s.call.State == StateHeld
	slot, round, err := e.claimParkSlot(s, id, transfer)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	far := sc.far
	s.call.State, s.call.ParkedSlot, s.call.Muted = StateParked, slot, false
	rec, recCall := e.endRecordingLocked(s), snapshot(s) // the recording stops with the call's bridge
	t := e.ticket(s)
	e.mu.Unlock()
	t.publish(ctx, e.endRecording(ctx, rec, recCall)...)
	if held {
		// Parked, the destination hears the music on a plain stream (as
		// in Asterisk's holding bridge after an unhold).
		e.stopMusic(sc)
		if err := far.Resume(ctx); err != nil {
			e.log.Warn("calls: park over SIP: resume the held party", "call", id, "err", err)
		}
	}
	if err := sc.send(ctx, sipCtl{op: sipOpPark, done: make(chan struct{})}); err != nil {
		return Call{}, fmt.Errorf("calls: park %s over SIP: %w", id, err)
	}
	e.mu.Lock()
	if s.call.State != StateParked || s.park == nil || s.park.round != round {
		e.mu.Unlock()
		return e.Get(Viewer{All: true}, id)
	}
	e.armParkTimer(s)
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventParked, c), callEvent(EventUpdated, c))
	return c, nil
}

// sipPickup rings picker's devices for the parked SIP call id; a
// goroutine the engine owns follows them.
func (e *Engine) sipPickup(ctx context.Context, v Viewer, id, picker string, devices []string, ringBack bool) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	p, err := claimPickup(s, picker, devices, ringBack)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	other := s.call.To
	if s.call.Direction == Inbound {
		other = s.call.From
	}
	sc, c := s.sip, snapshot(s)
	e.mu.Unlock()
	other = strings.ReplaceAll(other, "\"", "")
	name := "Parked " + strconv.Itoa(p.slot) + ": " + other
	err = e.spawn(func(context.Context) { e.runSIPPickup(sc.ctx, s, p, other, name) })
	if err != nil {
		e.sipPickupFailed(s, p)
		return Call{}, fmt.Errorf("calls: ring the pickup's devices over SIP: %w", err)
	}
	return c, nil
}

// runSIPPickup rings the pickup's devices; the first to answer is bridged
// with the parked party (call_picked_up), else the call stays parked (or
// ends, for the ring-back at the park timeout).
func (e *Engine) runSIPPickup(ctx context.Context, s *session, p *parking, other, name string) {
	id := s.call.ID // immutable
	var reap sync.WaitGroup
	defer reap.Wait()
	leg, dev, cause := e.ringUser(ctx, &reap, id, other, name, p.devices)
	if leg == nil {
		if ctx.Err() == nil {
			e.log.Info("calls: nobody picked up a parked call over SIP", "call", id, "cause", cause)
		}
		e.sipPickupFailed(s, p)
		return
	}
	e.mu.Lock()
	if s.call.State != StateParked || s.park != p {
		e.mu.Unlock()
		e.sipHangup(ctx, id, leg)
		return
	}
	e.mu.Unlock()
	if err := s.sip.send(ctx, sipCtl{op: sipOpPickup, leg: leg, done: make(chan struct{})}); err != nil {
		e.sipHangup(ctx, id, leg)
		return
	}
	e.mu.Lock()
	if s.call.State != StateParked || s.park != p {
		e.mu.Unlock() // ended meanwhile: the call's goroutine hangs the leg up
		return
	}
	before := s.call.UserID
	s.call.UserID, s.call.Devices, s.call.Device = p.picker, p.devices, dev
	e.pickedUp(ctx, s, p, before)
}

// sipPickupFailed: no pickup device answered. The call stays parked and
// its timeout starts again; the ring-back at the timeout ends it.
func (e *Engine) sipPickupFailed(s *session, p *parking) {
	e.mu.Lock()
	if s.call.State != StateParked || s.park != p {
		e.mu.Unlock()
		return
	}
	p.picker, p.devices = "", nil
	if p.ringBack {
		id := s.call.ID
		e.mu.Unlock()
		e.end(context.Background(), id, ari.CauseNoAnswer, "system")
		return
	}
	e.armParkTimer(s)
	e.mu.Unlock()
}
