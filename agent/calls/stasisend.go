package calls

import (
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// A channel the engine did not originate (a caller that entered the app
// from the dialplan, the Local channel of a transfer Asterisk's core ran)
// is in the application only through Stasis: when it hangs up, Asterisk
// sends ChannelHangupRequest and StasisEnd and then unsubscribes the app,
// so no ChannelDestroyed follows (res/res_stasis.c app_send_end_msg;
// observed on Asterisk 22.10.1). The engine takes a StasisEnd that follows
// a hang-up request of such a channel as its ChannelDestroyed. Channels
// the engine originated (ids with idPrefix) are subscribed by the
// originate and end with their own ChannelDestroyed.

// unsubscribedEnd returns the event the engine handles for ev: a
// StasisEnd after a hang-up request of a channel held only through Stasis
// becomes that channel's ChannelDestroyed (with the request's cause);
// every other event is itself.
func (e *Engine) unsubscribedEnd(ev ari.Event) ari.Event {
	switch x := ev.(type) {
	case *ari.ChannelHangupRequest:
		if strings.HasPrefix(x.Channel.ID, idPrefix) {
			return ev
		}
		cause := x.Cause
		if x.Soft {
			// A soft hang-up (ARI's, the core's) reports the soft-hangup
			// flag as its cause (32, AST_SOFTHANGUP_EXPLICIT), not a
			// Q.850 cause: take normal clearing.
			cause = ari.CauseNormalClearing
		}
		e.mu.Lock()
		if e.hungUp == nil {
			e.hungUp = map[string]int{}
		}
		e.hungUp[x.Channel.ID] = cause
		e.mu.Unlock()
	case *ari.StasisEnd:
		if x.Application != "" && x.Application != e.app {
			return ev
		}
		e.mu.Lock()
		cause, ok := e.hungUp[x.Channel.ID]
		delete(e.hungUp, x.Channel.ID)
		e.mu.Unlock()
		if ok {
			// Left the app because it hung up (not continued or moved):
			// nothing more will be heard of it.
			return &ari.ChannelDestroyed{Header: ari.Header{Type: "ChannelDestroyed", Application: x.Application, Timestamp: x.Timestamp},
				Cause: cause, Channel: x.Channel}
		}
	case *ari.ReconciledEvent:
		// Events lost while disconnected: the reconciliation decides.
		e.mu.Lock()
		clear(e.hungUp)
		e.mu.Unlock()
	}
	return ev
}
