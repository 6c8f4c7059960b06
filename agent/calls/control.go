package calls

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// Viewer says whose calls a request may see: one user's, or all (admin).
type Viewer struct {
	UserID string
	All    bool
}

func (v Viewer) sees(c Call) bool { return v.All || (v.UserID != "" && c.UserID == v.UserID) }

// PlaceRequest is a click-to-call.
type PlaceRequest struct {
	// UserID owns the call.
	UserID string
	// Devices are the user's endpoints to ring at once ("PJSIP/101").
	Devices []string
	// To is the destination (checked with ParseDestination).
	To string
	// From is the calling number shown for the call; empty: the resource
	// of the first device (PJSIP/101 → 101).
	From string
}

// Place starts a click-to-call: the user's devices are called into the
// application (asked to answer by themselves), and the destination is
// dialled when one answers. It returns the call at once, dialing. With
// WithSIP both are dialled over SIP instead (sipcall.go).
func (e *Engine) Place(ctx context.Context, req PlaceRequest) (Call, error) {
	to, err := ParseDestination(req.To)
	if err != nil {
		return Call{}, err
	}
	if len(req.Devices) == 0 {
		return Call{}, ErrNoDevice
	}
	if e.sip.d != nil {
		return e.placeSIP(ctx, req, to)
	}
	id := ari.NewID(idPrefix)[:len(idPrefix)+16]
	from := req.From
	if from == "" {
		from = endpointResource(req.Devices[0])
	}
	s := &session{call: Call{ID: id, UserID: req.UserID, Direction: Outbound, From: from, To: to, Devices: slices.Clone(req.Devices),
		State: StateDialing, CreatedAt: e.clk.Now()},
		userLegs: map[string]string{}}
	legs := make([]string, len(req.Devices))
	e.mu.Lock()
	e.addCall(id, s)
	for i, dev := range req.Devices {
		legs[i] = id + "-u" + strconv.Itoa(i+1)
		s.userLegs[legs[i]] = dev
		e.legs[legs[i]] = id
	}
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventCreated, c))
	placed := 0
	var firstErr error
	for i, dev := range req.Devices {
		_, err := e.cli.Channels().Originate(ctx, ari.OriginateRequest{
			Endpoint: dev, ChannelID: legs[i], App: e.app, AppArgs: []string{argUser, id},
			CallerID: "\"" + strings.ReplaceAll(to, "\"", "") + "\" <" + to + ">", Timeout: e.userRing,
			Variables: e.userLegVars(dev),
		})
		if err != nil {
			e.log.Warn("calls: originate the user's device", "call", id, "device", dev, "err", err)
			firstErr = err
			e.mu.Lock()
			delete(s.userLegs, legs[i])
			delete(e.legs, legs[i])
			e.mu.Unlock()
			continue
		}
		placed++
	}
	if placed == 0 {
		e.end(ctx, id, ari.CauseFailure, "system")
		return Call{}, fmt.Errorf("calls: ring the user's devices: %w", firstErr)
	}
	return c, nil
}

// Get returns a call the viewer may see (ended calls stay for a while).
func (e *Engine) Get(v Viewer, id string) (Call, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.calls[id]
	if s == nil || !v.sees(s.call) {
		return Call{}, ErrNotFound
	}
	return snapshot(s), nil
}

// List returns the live calls the viewer may see, oldest first.
func (e *Engine) List(v Viewer) []Call {
	e.mu.Lock()
	out := []Call{}
	for _, s := range e.calls {
		if s.call.State != StateEnded && v.sees(s.call) {
			out = append(out, snapshot(s))
		}
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b Call) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// live returns the viewer's live call, one placed through ARI:
// ErrNotOnSIP for one placed over SIP. Called with mu.
func (e *Engine) live(v Viewer, id string) (*session, error) {
	s, err := e.liveCall(v, id)
	if err == nil && s.sip != nil {
		return nil, ErrNotOnSIP
	}
	return s, err
}

// liveCall returns the viewer's live call, placed through ARI or over
// SIP. Called with mu.
func (e *Engine) liveCall(v Viewer, id string) (*session, error) {
	s := e.calls[id]
	if s == nil || !v.sees(s.call) {
		return nil, ErrNotFound
	}
	if s.call.State == StateEnded {
		return nil, fmt.Errorf("%w: the call has ended", ErrState)
	}
	return s, nil
}

// Hangup ends a call (every leg); it returns the ended call. An inbound
// or internal call still ringing on the user's devices is declined
// instead: its caller goes on in the dialplan as busy (see decline).
func (e *Engine) Hangup(ctx context.Context, v Viewer, id string) (Call, error) {
	e.mu.Lock()
	_, err := e.liveCall(v, id)
	e.mu.Unlock()
	if err != nil {
		return Call{}, err
	}
	if !e.decline(ctx, id) {
		e.end(ctx, id, ari.CauseNormalClearing, "api")
	}
	return e.Get(v, id)
}

// Hold puts the destination on hold with music on hold (ARI hold, then
// MOH). Asterisk publishes no ChannelHold for an ARI hold, so the engine
// moves the call to held and publishes call_held itself. On a call over
// SIP the destination gets a re-INVITE with a=sendonly and hears the
// hold music (sipHold).
func (e *Engine) Hold(ctx context.Context, v Viewer, id string) (Call, error) {
	return e.setHold(ctx, v, id, true)
}

// Resume takes the destination off hold.
func (e *Engine) Resume(ctx context.Context, v Viewer, id string) (Call, error) {
	return e.setHold(ctx, v, id, false)
}

func (e *Engine) setHold(ctx context.Context, v Viewer, id string, on bool) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	from, to := StateUp, StateHeld
	if !on {
		from, to = StateHeld, StateUp
	}
	if s.call.State != from {
		st := s.call.State
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call is %s, not %s", ErrState, st, from)
	}
	if s.xfer != "" {
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: a transfer is in progress (complete, cancel or swap it)", ErrState)
	}
	far := s.farLeg
	sc := s.sip
	e.mu.Unlock()
	if sc != nil {
		err = e.sipHold(ctx, sc, id, on)
	} else {
		err = e.ariHold(ctx, far, id, on)
	}
	if err != nil {
		return Call{}, err
	}
	e.mu.Lock()
	if s.call.State != from {
		st := s.call.State
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call became %s", ErrState, st)
	}
	s.call.State = to
	c := snapshot(s)
	typ := EventHeld
	if !on {
		typ = EventResumed
	}
	e.publishLocked(ctx, s, callEvent(typ, c), callEvent(EventUpdated, c))
	return c, nil
}

// ariHold holds (music on hold) or resumes the channel far.
func (e *Engine) ariHold(ctx context.Context, far, id string, on bool) error {
	chans := e.cli.Channels()
	if on {
		if err := chans.Hold(ctx, far); err != nil {
			return fmt.Errorf("calls: hold %s: %w", id, err)
		}
		if err := chans.StartMOH(ctx, far, e.mohClass); err != nil {
			return fmt.Errorf("calls: music on hold for %s: %w", id, err)
		}
		return nil
	}
	if err := chans.StopMOH(ctx, far); err != nil && !ari.IsNotFound(err) {
		return fmt.Errorf("calls: stop music on hold for %s: %w", id, err)
	}
	if err := chans.Unhold(ctx, far); err != nil {
		return fmt.Errorf("calls: resume %s: %w", id, err)
	}
	return nil
}

// DTMF sends digits to the destination of a call that is up or held.
func (e *Engine) DTMF(ctx context.Context, v Viewer, id, digits string) error {
	ds, err := ParseDigits(digits)
	if err != nil {
		return err
	}
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	if s.call.State != StateUp && s.call.State != StateHeld {
		st := s.call.State
		e.mu.Unlock()
		return fmt.Errorf("%w: the call is %s; digits go to an answered destination", ErrState, st)
	}
	far := s.farLeg
	var sipFar SIPLeg
	if s.sip != nil {
		sipFar = s.sip.far
	}
	e.mu.Unlock()
	if sipFar != nil {
		if err := sipFar.SendDTMF(ctx, ds); err != nil {
			return fmt.Errorf("calls: dtmf to %s over SIP: %w", id, err)
		}
		return nil
	}
	if err := e.cli.Channels().SendDTMF(ctx, far, ds, ari.DTMFOptions{}); err != nil {
		return fmt.Errorf("calls: dtmf to %s: %w", id, err)
	}
	return nil
}

// endpointResource is the resource of an endpoint: "PJSIP/101" → "101";
// for a Local channel the extension: "Local/101@desks/n" → "101" (its
// dial string is exten@context[/options], core_local.c).
func endpointResource(ep string) string {
	if tech, res, ok := strings.Cut(ep, "/"); ok && strings.EqualFold(tech, "Local") {
		exten, _, _ := strings.Cut(res, "@")
		return exten
	}
	if i := strings.LastIndexByte(ep, '/'); i >= 0 {
		return ep[i+1:]
	}
	return ep
}
