package calls

import (
	"context"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// A leg the engine did not originate (a channel that entered the app from
// the dialplan, the Local channel of a transfer Asterisk's core ran) is in
// the application only through Stasis: when it hangs up, Asterisk sends
// ChannelHangupRequest and StasisEnd and then unsubscribes the app, so no
// ChannelDestroyed follows (res/res_stasis.c app_send_end_msg; observed on
// Asterisk 22.10.1). The engine takes a StasisEnd after a hang-up request
// as that leg's end. Legs the engine originated are subscribed by the
// originate and end with their ChannelDestroyed as before.

// hangupRequested remembers the cause of a hang-up request on such a leg.
func (e *Engine) hangupRequested(x *ari.ChannelHangupRequest) {
	id := x.Channel.ID
	if strings.HasPrefix(id, idPrefix) {
		return
	}
	cause := x.Cause
	if x.Soft {
		// A soft hang-up (ARI's, the core's) reports the soft-hangup flag
		// as its cause (32, AST_SOFTHANGUP_EXPLICIT), not a Q.850 cause:
		// take normal clearing.
		cause = ari.CauseNormalClearing
	}
	e.mu.Lock()
	if _, tracked := e.legs[id]; tracked {
		if e.hungUp == nil {
			e.hungUp = map[string]int{}
		}
		e.hungUp[id] = cause
	}
	e.mu.Unlock()
}

// leftStasis ends the leg of a StasisEnd that followed a hang-up request.
// A leg that leaves the app without one (continued into the dialplan,
// moved to another app) is not gone.
func (e *Engine) leftStasis(ctx context.Context, x *ari.StasisEnd) {
	if x.Application != "" && x.Application != e.app {
		return
	}
	id := x.Channel.ID
	e.mu.Lock()
	cause, ok := e.hungUp[id]
	delete(e.hungUp, id)
	e.mu.Unlock()
	if ok {
		e.legGone(ctx, id, cause)
	}
}
