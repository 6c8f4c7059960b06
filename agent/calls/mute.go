package calls

import (
	"context"
	"fmt"
	"net/http"
)

// muteDirection is the audio cut off by a mute: what comes in from the
// user's device (ARI channels/{id}/mute, direction in), so that the
// destination no longer hears the user while the user still hears it.
const muteDirection = "in"

// Mute cuts off the user's audio on a call that is up or held (the
// destination does not hear the user). Muting a muted call changes
// nothing. Publishes call_updated. On a call over SIP the bridge stops
// relaying the user's audio (SIPBridge.MuteFirst); the destination's
// still reaches the user.
func (e *Engine) Mute(ctx context.Context, v Viewer, id string) (Call, error) {
	return e.setMute(ctx, v, id, true)
}

// Unmute undoes Mute.
func (e *Engine) Unmute(ctx context.Context, v Viewer, id string) (Call, error) {
	return e.setMute(ctx, v, id, false)
}

func (e *Engine) setMute(ctx context.Context, v Viewer, id string, on bool) (Call, error) {
	e.mu.Lock()
	s, err := e.liveCall(v, id)
	if err != nil {
		e.mu.Unlock()
		return Call{}, err
	}
	if s.call.State != StateUp && s.call.State != StateHeld {
		st := s.call.State
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call is %s, not up or held", ErrState, st)
	}
	if s.call.Muted == on {
		c := snapshot(s)
		e.mu.Unlock()
		return c, nil
	}
	leg := s.userLeg
	var br SIPBridge
	if s.sip != nil {
		if br = s.sip.br; br == nil {
			e.mu.Unlock()
			return Call{}, fmt.Errorf("%w: the destination has not answered", ErrState)
		}
	}
	e.mu.Unlock()
	if err := e.applyMute(ctx, id, leg, br, on); err != nil {
		return Call{}, err
	}
	e.mu.Lock()
	if s.call.State == StateEnded {
		e.mu.Unlock()
		return Call{}, fmt.Errorf("%w: the call has ended", ErrState)
	}
	s.call.Muted = on
	c := snapshot(s)
	e.publishLocked(ctx, s, callEvent(EventUpdated, c))
	return c, nil
}

// applyMute mutes the user's leg through ARI, or the bridge of a call
// over SIP (br set).
func (e *Engine) applyMute(ctx context.Context, id, leg string, br SIPBridge, on bool) error {
	if br != nil {
		if err := br.MuteFirst(on); err != nil {
			return fmt.Errorf("calls: mute %s over SIP: %w", id, err)
		}
		return nil
	}
	chans := e.cli.Channels()
	if on {
		if err := chans.Mute(ctx, leg, muteDirection); err != nil {
			return fmt.Errorf("calls: mute %s: %w", id, err)
		}
	} else if err := chans.Unmute(ctx, leg, muteDirection); err != nil {
		return fmt.Errorf("calls: unmute %s: %w", id, err)
	}
	return nil
}

func (h *Handler) mute(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.eng.Mute) }

func (h *Handler) unmute(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.eng.Unmute) }
