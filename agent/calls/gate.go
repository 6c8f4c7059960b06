package calls

import (
	"context"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// StatusBarred: the gate barred the call (WithGate); the caller heard
// the barred message and was hung up. It is what PBXAGENT_STATUS says
// when no message could be played and the caller goes back to the
// dialplan at calls.noanswer_label.
const StatusBarred = "BARRED"

// Origin is the device a call from the dialplan comes from.
type Origin struct {
	// Endpoint is the calling device ("PJSIP/101").
	Endpoint string
	// Extension is the caller's number as the channel shows it.
	Extension string
}

// originOf is where channel ch calls from.
func originOf(ch ari.Channel) Origin {
	return Origin{Endpoint: channelEndpoint(ch.Name), Extension: ch.Caller.Number}
}

// GateDecision is a Gate's answer.
type GateDecision struct {
	// Barred: the call does not go on. The caller hears Sound (answered,
	// played, hung up with cause 21, call rejected).
	Barred bool
	// Sound is what a barred caller hears (ARI media URIs; none: the
	// caller goes back to the dialplan with PBXAGENT_STATUS=BARRED).
	Sound []string
	// CallerName, when set, is the caller ID name the called side sees
	// (the destination of an outbound call, the devices of an internal
	// one).
	CallerName string
}

// Gate decides, before anything rings or is dialled, whether a call the
// dialplan sends (KindOutbound, KindInternal) may go on, and the name it
// shows. The hotel's gate behind agent/hotel_telephony.go bars a vacant
// room's outside calls. It must answer quickly: it runs on the call's
// lane, bounded by calls.lookup_timeout.
type Gate func(ctx context.Context, from Origin, kind Kind, number string) GateDecision

// WithGate sets the gate of outbound and internal dialplan calls.
func WithGate(g Gate) Option { return func(e *Engine) { e.gate = g } }

// gateCheck asks the gate about a dialplan call; the zero decision (go
// on unchanged) without a gate or for other kinds.
func (e *Engine) gateCheck(ctx context.Context, ch ari.Channel, kind Kind, num string) GateDecision {
	if e.gate == nil || (kind != KindOutbound && kind != KindInternal) {
		return GateDecision{}
	}
	gctx, cancel := context.WithTimeout(ctx, e.config().LookupTimeout)
	defer cancel()
	return e.gate(gctx, originOf(ch), kind, num)
}

// bar answers a barred caller, plays the sound and hangs up (in a
// goroutine the engine's Run waits for). Without a sound, or when it
// cannot be played, the caller goes back to the dialplan with
// PBXAGENT_STATUS=BARRED at calls.noanswer_label.
func (e *Engine) bar(ctx context.Context, ch ari.Channel, sound []string) {
	if len(sound) == 0 {
		e.handBack(ctx, ch.ID, StatusBarred)
		return
	}
	sub := e.cli.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(ch.ID)}})
	e.trackIVR(ch.ID, true)
	e.dp.wg.Add(1)
	go func() {
		defer e.dp.wg.Done()
		defer sub.Cancel()
		defer e.trackIVR(ch.ID, false)
		if err := e.cli.Channels().Answer(ctx, ch.ID); err != nil {
			if !ari.IsNotFound(err) {
				e.handBack(ctx, ch.ID, StatusBarred)
			}
			return
		}
		p := &prompter{e: e, sub: sub, ch: ch.ID}
		if _, err := p.play(ctx, sound, "", "", barredMax); err != nil {
			e.log.Debug("calls: barred message", "channel", ch.ID, "err", err)
		}
		e.hangup(ctx, ch.ID, ari.ReasonRejected)
	}()
}

// barredMax bounds the barred message.
const barredMax = time.Minute
