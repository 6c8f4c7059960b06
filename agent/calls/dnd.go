package calls

import "context"

// StatusDND: the user is in do not disturb (presence): their devices
// were not rung. The caller goes on at the noanswer label like BUSY.
const StatusDND = "DND"

// Availability tells whether a user may be rung now: false while they
// are in do not disturb (the presence service behind
// agent/feature_presence.go).
type Availability func(ctx context.Context, userID string) bool

// WithAvailability makes the engine hand a call from the dialplan for a
// user who is not available (DND) back to the dialplan without ringing
// any device: PBXAGENT_STATUS=DND at calls.noanswer_label.
func WithAvailability(f Availability) Option { return func(e *Engine) { e.avail = f } }

// inDND reports whether a dialplan call of kind for who must not ring
// (an internal or inbound call to a user in DND).
func (e *Engine) inDND(ctx context.Context, kind Kind, who Callee) bool {
	return e.avail != nil && kind != KindOutbound && who.ID != "" && !e.avail(ctx, who.ID)
}
