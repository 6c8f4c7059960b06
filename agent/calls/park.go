package calls

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// StateParked: the far party waits alone in a holding bridge with music
// on hold, under a park slot; the user's leg is gone.
const StateParked State = "parked"

// Events of parking.
const (
	// EventParked: the call was parked (call.parked_slot says where).
	EventParked = "call_parked"
	// EventPickedUp: a parked call was picked up and is up again; it
	// goes to the owner before the pickup and to the one who picked up.
	EventPickedUp = "call_picked_up"
)

// argPickup is the Stasis argument of the legs ringing for a pickup.
const argPickup = "pickup"

// Park slot defaults: slots 701–799 (Asterisk's own parking lot starts at
// 701 too, res_parking.conf's parkpos=701-720), a parked call waits 45 s
// (res_parking's parkingtime default) before it rings its owner again.
const (
	DefaultParkFirst   = 701
	DefaultParkSlots   = 99
	DefaultParkTimeout = 45 * time.Second
)

// parkLot hands out park slots. Guarded by Engine.mu.
type parkLot struct {
	timeout time.Duration
	first   int
	count   int
	used    map[int]string // slot → call id
}

// parking is a parked call's state. Guarded by Engine.mu.
type parking struct {
	slot  int
	round int         // counts pickups, for leg ids and stale timers
	timer clock.Timer // the park timeout; nil while a pickup rings
	// The pickup ringing, if any: who picks up, their devices, the legs.
	picker  string
	devices []string
	legs    map[string]string // channel id → endpoint
	// ringBack: the pickup is the owner's devices rung at the timeout; its
	// failure ends the call.
	ringBack bool
}

// WithPark sets the park slots (first, and how many) and how long a
// parked call waits before it rings its owner's devices again (0: it
// waits until picked up or hung up). Defaults: 701, 99 slots, 45 s.
func WithPark(first, slots int, timeout time.Duration) Option {
	return func(e *Engine) { e.lot.first, e.lot.count, e.lot.timeout = first, slots, timeout }
}

// take returns a free slot for call id, or 0 when every slot is used. A
// slot whose call is no longer parked there (ended, picked up) is free.
// Called with mu.
func (e *Engine) takeSlot(id string) int {
	if e.lot.used == nil {
		e.lot.used = map[int]string{}
	}
	for n := e.lot.first; n < e.lot.first+e.lot.count; n++ {
		cid, ok := e.lot.used[n]
		if ok {
			if s := e.calls[cid]; s != nil && s.call.State == StateParked && s.park != nil && s.park.slot == n {
				continue
			}
		}
		e.lot.used[n] = id
		return n
	}
	return 0
}

// Park parks a call that is up or held: the far party goes into a
// holding bridge with music on hold under a free slot, the user's leg is
// hung up. Publishes call_parked and call_updated; the call is then
// parked until picked up (Pickup), hung up, or the park timeout rings its
// owner's devices again.
func (e *Engine) Park(ctx context.Context, v Viewer, id string) (Call, error) {
	e.mu.Lock()
	if s := e.calls[id]; s != nil && s.sip != nil {
		e.mu.Unlock()
		return e.sipPark(ctx, v, id) // sipcall_park.go
	}
	s, err := e.live(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	transfer := ""
	if s.xfer != "" {
		transfer = "a transfer is in progress (complete, cancel or swap it)"
	}
	held := s.call.State == StateHeld
	slot, round, err := e.claimParkSlot(s, id, transfer)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	userLeg, far, mixing := s.userLeg, s.farLeg, s.bridge
	hold := id + "-park" + strconv.Itoa(round)
	// The user's leg leaves the call before it is hung up: its end must
	// not end the call.
	delete(e.legs, userLeg)
	s.userLeg, s.userLegs = "", map[string]string{}
	delete(e.bridges, mixing)
	s.bridge = hold
	e.bridges[hold] = true
	s.call.State, s.call.ParkedSlot, s.call.Muted = StateParked, slot, false
	rec, recCall := e.endRecordingLocked(s), snapshot(s) // the recording stops with the call's bridge
	t := e.ticket(s)
	e.mu.Unlock()
	t.publish(ctx, e.endRecording(ctx, rec, recCall)...)

	chans, bridges := e.cli.Channels(), e.cli.Bridges()
	if held {
		// The holding bridge plays its own music; the far leg's own hold
		// and music end.
		if err := chans.StopMOH(ctx, far); err != nil && !ari.IsNotFound(err) && !ari.IsConflict(err) {
			e.log.Warn("calls: park: stop the held party's music", "call", id, "err", err)
		}
		if err := chans.Unhold(ctx, far); err != nil && !ari.IsNotFound(err) {
			e.log.Warn("calls: park: unhold", "call", id, "err", err)
		}
	}
	if _, err := bridges.Create(ctx, ari.BridgeRequest{ID: hold, Type: []string{"holding"}, Name: "park " + strconv.Itoa(slot)}); err != nil {
		e.end(ctx, id, ari.CauseFailure, "system")
		return Call{}, fmt.Errorf("calls: park %s: create the holding bridge: %w", id, err)
	}
	if e.isEnded(id) { // the far party hung up meanwhile
		e.destroyBridge(ctx, id, hold)
		return e.Get(Viewer{All: true}, id)
	}
	// Adding a channel that is in another bridge moves it (Asterisk's
	// res/stasis/control.c, control_swap_channel_in_bridge: "Depart
	// whatever Stasis bridge we're currently in").
	if err := bridges.AddChannel(ctx, hold, ari.AddChannelRequest{Channels: []string{far}}); err != nil {
		e.end(ctx, id, ari.CauseFailure, "system")
		return Call{}, fmt.Errorf("calls: park %s: move the far party: %w", id, err)
	}
	if err := bridges.StartMOH(ctx, hold, e.mohClass); err != nil {
		e.log.Warn("calls: park: music on hold", "call", id, "err", err)
	}
	e.hangup(ctx, userLeg, ari.ReasonNormal)
	e.destroyBridge(ctx, id, mixing)

	e.mu.Lock()
	if s.call.State != StateParked || s.park == nil || s.park.round != round {
		e.mu.Unlock()
		return e.Get(Viewer{All: true}, id)
	}
	if s.park.picker == "" {
		e.armParkTimer(s)
	}
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventParked, c), callEvent(EventUpdated, c))
	return c, nil
}

// unpark stops the park timeout of an ending call and frees its slot.
// Called with mu.
func (e *Engine) unpark(s *session) {
	if s.park == nil {
		return
	}
	if s.park.timer != nil {
		s.park.timer.Stop()
	}
	if e.lot.used[s.park.slot] == s.call.ID {
		delete(e.lot.used, s.park.slot)
	}
	s.park = nil
}

// armParkTimer starts the park timeout of s. Called with mu.
func (e *Engine) armParkTimer(s *session) {
	if e.lot.timeout <= 0 {
		return
	}
	id, round := s.call.ID, s.park.round
	s.park.timer = e.clk.AfterFunc(e.lot.timeout, func() { e.parkTimedOut(id, round) })
}

// parkTimedOut rings the owner's devices (those rung for the call) when a
// parked call waited the park timeout; if none answers, the call ends.
func (e *Engine) parkTimedOut(id string, round int) {
	e.mu.Lock()
	s := e.calls[id]
	if s == nil || s.call.State != StateParked || s.park == nil || s.park.round != round || s.park.picker != "" {
		e.mu.Unlock()
		return
	}
	owner, devices := s.call.UserID, slices.Clone(s.call.Devices)
	e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.pickup(ctx, Viewer{All: true}, id, owner, devices, true); err != nil {
		e.log.Warn("calls: ring the owner of a parked call again", "call", id, "err", err)
		e.end(ctx, id, ari.CauseNoAnswer, "system")
	}
}

// Pickup picks up a parked call for user picker: their devices ring
// (asked to answer by themselves) and the first that answers is bridged
// with the parked party; the call is then picker's. The call stays
// parked while they ring; if none answers, it stays parked (its timeout
// starts again).
func (e *Engine) Pickup(ctx context.Context, v Viewer, id, picker string, devices []string) (Call, error) {
	return e.pickup(ctx, v, id, picker, devices, false)
}

// claimParkSlot parks s (call id), which must be up or held, in a free
// slot: a new round of its parking, the slot and round answered. transfer
// is why a transfer in progress forbids it ("" when none is). It leaves
// the call's state to the caller, for the parks through ARI and over
// SIP. e.mu is held.
func (e *Engine) claimParkSlot(s *session, id, transfer string) (slot, round int, err error) {
	if s.call.State != StateUp && s.call.State != StateHeld {
		return 0, 0, fmt.Errorf("%w: the call is %s; only a call that is up or held can be parked", ErrState, s.call.State)
	}
	if transfer != "" {
		return 0, 0, fmt.Errorf("%w: %s", ErrState, transfer)
	}
	if slot = e.takeSlot(id); slot == 0 {
		return 0, 0, fmt.Errorf("%w: every park slot is taken", ErrState)
	}
	round = 1
	if s.park != nil {
		round = s.park.round + 1
	}
	s.park = &parking{slot: slot, round: round}
	return slot, round, nil
}

// claimPickup makes s's parking ring picker's devices (a new round, the
// parking's timeout stopped), for the pickups through ARI and over SIP;
// it fails when s is not parked or a pickup already rings. e.mu is held.
func claimPickup(s *session, picker string, devices []string, ringBack bool) (*parking, error) {
	if s.call.State != StateParked || s.park == nil {
		return nil, fmt.Errorf("%w: the call is %s, not parked", ErrState, s.call.State)
	}
	p := s.park
	if p.picker != "" {
		return nil, fmt.Errorf("%w: a pickup of this call is already ringing", ErrState)
	}
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.round++
	p.picker, p.devices, p.ringBack = picker, slices.Clone(devices), ringBack
	return p, nil
}

func (e *Engine) pickup(ctx context.Context, v Viewer, id, picker string, devices []string, ringBack bool) (Call, error) {
	if len(devices) == 0 {
		return Call{}, ErrNoDevice
	}
	e.mu.Lock()
	if s := e.calls[id]; s != nil && s.sip != nil {
		e.mu.Unlock()
		return e.sipPickup(ctx, v, id, picker, devices, ringBack) // sipcall_park.go
	}
	s, err := e.live(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	p, err := claimPickup(s, picker, devices, ringBack)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	p.legs = map[string]string{}
	legs := make([]string, len(devices))
	for i, dev := range devices {
		legs[i] = id + "-p" + strconv.Itoa(p.round) + "-" + strconv.Itoa(i+1)
		p.legs[legs[i]] = dev
		e.legs[legs[i]] = id
	}
	other := s.call.To
	if s.call.Direction == Inbound {
		other = s.call.From
	}
	c := snapshot(s)
	e.mu.Unlock()
	other = strings.ReplaceAll(other, "\"", "")
	placed := 0
	var firstErr error
	for i, dev := range devices {
		_, err := e.cli.Channels().Originate(ctx, ari.OriginateRequest{
			Endpoint: dev, ChannelID: legs[i], App: e.app, AppArgs: []string{argPickup, id},
			CallerID: "\"Parked " + strconv.Itoa(p.slot) + ": " + other + "\" <" + other + ">", Timeout: e.userRing,
			Variables: e.autoAnswerVars(dev),
		})
		if err != nil {
			e.log.Warn("calls: originate a pickup leg", "call", id, "device", dev, "err", err)
			firstErr = err
			e.mu.Lock()
			delete(p.legs, legs[i])
			delete(e.legs, legs[i])
			e.mu.Unlock()
			continue
		}
		placed++
	}
	if placed == 0 {
		e.mu.Lock()
		if s.park == p && len(p.legs) == 0 {
			p.picker, p.devices = "", nil
			if !ringBack {
				e.armParkTimer(s)
			}
		}
		e.mu.Unlock()
		return Call{}, fmt.Errorf("calls: ring the pickup's devices: %w", firstErr)
	}
	return c, nil
}

// pickupLeg reports whether chanID is a leg ringing for a pickup of s.
// Called with mu.
func pickupLeg(s *session, chanID string) bool {
	if s.park == nil {
		return false
	}
	_, ok := s.park.legs[chanID]
	return ok
}

// pickupAnswered bridges the pickup leg that answered first with the
// parked party; the other pickup legs stop ringing. The call is the
// picking user's at once (their leg's end ends it); it is up, and
// call_picked_up published, once both parties are bridged. Called with mu
// held; unlocks it.
func (e *Engine) pickupAnswered(ctx context.Context, s *session, chanID string) {
	p := s.park
	id, far, hold := s.call.ID, s.farLeg, s.bridge
	var others []string
	for l := range p.legs {
		if l != chanID {
			others = append(others, l)
		}
	}
	slices.Sort(others)
	mixing := id + "-bridge" + strconv.Itoa(p.round)
	before := s.call.UserID
	s.userLeg, s.userLegs = chanID, map[string]string{}
	s.call.UserID, s.call.Devices, s.call.Device = p.picker, p.devices, p.legs[chanID]
	p.legs = map[string]string{} // no pickup leg any more: chanID is the user's leg
	delete(e.bridges, hold)
	s.bridge = mixing
	e.bridges[mixing] = true
	e.mu.Unlock()
	for _, o := range others {
		e.hangup(ctx, o, ari.ReasonNormal)
	}
	bridges := e.cli.Bridges()
	if _, err := bridges.Create(ctx, ari.BridgeRequest{ID: mixing, Type: []string{"mixing"}, Name: "call " + id}); err != nil {
		e.log.Warn("calls: pickup: create the bridge", "call", id, "err", err)
		e.destroyBridge(ctx, id, hold)
		e.end(ctx, id, ari.CauseFailure, "system")
		return
	}
	err := bridges.AddChannel(ctx, mixing, ari.AddChannelRequest{Channels: []string{far, chanID}})
	e.destroyBridge(ctx, id, hold)
	if err != nil {
		if !ari.IsNotFound(err) {
			e.log.Warn("calls: pickup: bridge the parties", "call", id, "err", err)
			e.end(ctx, id, ari.CauseFailure, "system")
		}
		return
	}
	e.mu.Lock()
	if s.call.State != StateParked || s.park != p {
		e.mu.Unlock() // ended meanwhile
		return
	}
	e.pickedUp(ctx, s, p, before)
}

// pickedUp ends a pickup on either backend: the parking slot freed, the
// call up again, call_picked_up to its new owner and to before (the owner
// it had when parked), then call_updated. Called with mu held; unlocks it.
func (e *Engine) pickedUp(ctx context.Context, s *session, p *parking, before string) {
	if e.lot.used[p.slot] == s.call.ID {
		delete(e.lot.used, p.slot)
	}
	s.park = nil
	s.call.State, s.call.ParkedSlot = StateUp, 0
	c := snapshot(s)
	audience := []string{c.UserID}
	if before != c.UserID {
		audience = append(audience, before)
	}
	e.publishLocked(ctx, s, publication{typ: EventPickedUp, audience: audience, data: c}, callEvent(EventUpdated, c))
}

// pickupLegGone follows a pickup leg that ended while ringing: when none
// is left, the pickup failed: the call stays parked and its timeout
// starts again, or, for the ring-back at the timeout, the call ends.
// Called with mu held; unlocks it.
func (e *Engine) pickupLegGone(ctx context.Context, s *session, chanID string) {
	p := s.park
	delete(p.legs, chanID)
	if len(p.legs) > 0 {
		e.mu.Unlock()
		return
	}
	p.picker, p.devices = "", nil
	if p.ringBack {
		id := s.call.ID
		e.mu.Unlock()
		e.end(ctx, id, ari.CauseNoAnswer, "system")
		return
	}
	e.armParkTimer(s)
	e.mu.Unlock()
}
