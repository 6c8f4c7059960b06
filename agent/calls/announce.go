package calls

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// argAnnounce is the Stasis argument of an announcement's legs.
const argAnnounce = "announce"

// AnnounceRequest is a call pbxagent places to play a message to
// whoever answers: a wake-up call, an alert to reception.
type AnnounceRequest struct {
	// ID starts the legs' channel ids (ID-ann1, ID-ann2, …; default a
	// fresh call id). It must be unique among live channels.
	ID string
	// Devices ring at once; the first to answer hears the message, the
	// others stop.
	Devices []string
	// CallerID is what the phones show (CallerID builds it).
	CallerID string
	// Timeout is how long they ring (0: Asterisk's default, 30 s).
	Timeout time.Duration
	// Media is the message (ARI media URIs: sound:, number:, digits:).
	Media []string
	// Lang is the message's language ("": the channel's).
	Lang string
	// Keys end the message early; the key pressed is returned.
	Keys string
	// KeyWait is how long a key is waited for after the message (0:
	// not at all).
	KeyWait time.Duration
	// Variables are set on the legs.
	Variables map[string]string
}

// AnnounceResult is how an announcement ended.
type AnnounceResult struct {
	// Answered: a device answered and heard the message (or part of it).
	Answered bool
	// Device is the one that answered.
	Device string
	// Key is the key of AnnounceRequest.Keys pressed ("" none).
	Key string
	// Status, when nobody answered: StatusNoAnswer, StatusBusy or
	// StatusUnavailable.
	Status string
}

// CallerID is an originate's caller ID: "Name" <number>.
func CallerID(name, number string) string { return callerIDString(name, number) }

// announceMax bounds the message and what follows the ringing.
const announceMax = 5 * time.Minute

// Announce rings req.Devices, plays the message to the first that
// answers, waits for a key, hangs up, and says how it went. It returns
// when the call is over (or ctx ends: the legs are hung up). Its legs
// are not calls: no call events, no call history.
func (e *Engine) Announce(ctx context.Context, req AnnounceRequest) (AnnounceResult, error) {
	if len(req.Devices) == 0 {
		return AnnounceResult{}, ErrNoDevice
	}
	id := req.ID
	if id == "" {
		id = newCallID()
	}
	id += "-ann"
	legs := map[string]string{} // channel id -> device
	keys := make([]ari.Key, 0, len(req.Devices))
	order := make([]string, 0, len(req.Devices))
	for i, d := range req.Devices {
		leg := id + strconv.Itoa(i+1)
		legs[leg] = d
		order = append(order, leg)
		keys = append(keys, ari.ChannelKey(leg))
	}
	sub := e.cli.Events().Subscribe(ari.Filter{Keys: keys})
	defer sub.Cancel()
	for _, l := range order {
		e.trackIVR(l, true)
	}
	defer func() {
		for _, l := range order {
			e.trackIVR(l, false)
		}
	}()
	var why dialplanCall
	alive := map[string]bool{}
	for _, leg := range order {
		// Not canceled halfway: a request Asterisk took makes a channel
		// that must then be hung up (below, when ctx ended meanwhile).
		_, err := e.cli.Channels().Originate(context.WithoutCancel(ctx), ari.OriginateRequest{
			Endpoint: legs[leg], ChannelID: leg, App: e.app, AppArgs: []string{argAnnounce, id},
			CallerID: req.CallerID, Timeout: req.Timeout, Variables: req.Variables,
		})
		if err != nil {
			e.log.Warn("calls: ring a device for an announcement", "device", legs[leg], "err", err)
			why.unavailable = true
			continue
		}
		alive[leg] = true
	}
	hangAll := func(reason string, except string) {
		for l := range alive {
			if l != except {
				e.hangup(ctx, l, reason)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		hangAll(ari.ReasonNormal, "")
		return AnnounceResult{}, err
	}
	guard := e.clk.NewTimer(req.Timeout + announceMax)
	defer guard.Stop()
	winner := ""
	for winner == "" {
		if len(alive) == 0 {
			st, _ := why.outcome()
			if !why.noAnswer && !why.busy && !why.unavailable {
				st = StatusNoAnswer
			}
			return AnnounceResult{Status: st}, nil
		}
		select {
		case <-ctx.Done():
			hangAll(ari.ReasonNormal, "")
			return AnnounceResult{}, ctx.Err()
		case <-guard.C():
			hangAll(ari.ReasonNormal, "")
			return AnnounceResult{Status: StatusNoAnswer}, nil
		case ev, ok := <-sub.Events():
			if !ok {
				return AnnounceResult{}, fmt.Errorf("announce: events: %w", errGone)
			}
			switch x := ev.(type) {
			case *ari.StasisStart:
				if alive[x.Channel.ID] {
					winner = x.Channel.ID
				}
			case *ari.ChannelDestroyed:
				if alive[x.Channel.ID] {
					delete(alive, x.Channel.ID)
					why.note(x.Cause)
				}
			case *ari.ChannelGoneEvent:
				if !x.Alive && alive[x.ChannelID] {
					delete(alive, x.ChannelID)
					why.unavailable = true
				}
			}
		}
	}
	hangAll(ari.ReasonAnsweredElsewhere, winner)
	res := AnnounceResult{Answered: true, Device: legs[winner]}
	p := &prompter{e: e, sub: sub, ch: winner}
	key, err := p.play(ctx, req.Media, req.Lang, req.Keys, announceMax)
	if err == nil && key == "" && req.KeyWait > 0 && req.Keys != "" {
		key, err = p.waitKey(ctx, req.Keys, req.KeyWait)
	}
	res.Key = key
	if errors.Is(err, errTimeout) || errors.Is(err, errGone) {
		err = nil
	}
	e.hangup(ctx, winner, ari.ReasonNormal)
	if err != nil {
		return res, fmt.Errorf("announce: %w", err)
	}
	return res, nil
}

// waitKey waits up to wait for a key of keys; "" when none came.
func (p *prompter) waitKey(ctx context.Context, keys string, wait time.Duration) (string, error) {
	t := p.e.clk.NewTimer(wait)
	defer t.Stop()
	for {
		if k := p.take(keys); k != "" {
			return k, nil
		}
		if p.gone {
			return "", errGone
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-t.C():
			return "", nil
		case ev, ok := <-p.sub.Events():
			if !ok {
				return "", errGone
			}
			p.event(ev)
		}
	}
}
