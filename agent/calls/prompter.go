package calls

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// errGone: the channel hung up (or vanished) while the engine talked to
// it.
var errGone = errors.New("the channel hung up")

// errTimeout: no key came in time.
var errTimeout = errors.New("no key in time")

// prompter plays media to one channel the engine holds itself (a
// feature code's caller, a barred caller, an announcement's leg) and
// reads the keys pressed on it (ChannelDtmfReceived). Its subscription
// is on the channel's key, made before the channel could send anything
// the prompter waits for. One goroutine uses it.
type prompter struct {
	e   *Engine
	sub *ari.Subscription
	ch  string
	// n counts the playbacks made (their ids' suffix).
	n int
	// typed holds the keys pressed not read yet.
	typed string
	gone  bool
}

// take returns the first key typed ahead that is in keys, dropping
// what came before it; "" when none.
func (p *prompter) take(keys string) string {
	if keys == "" {
		return ""
	}
	if i := strings.IndexAny(p.typed, keys); i >= 0 {
		k := p.typed[i : i+1]
		p.typed = p.typed[i+1:]
		return k
	}
	p.typed = ""
	return ""
}

// event takes one event of the channel: keys, the end. It returns the
// playback id that finished, if any.
func (p *prompter) event(ev ari.Event) string {
	if id := eventChannel(ev); id != "" && id != p.ch {
		return "" // another leg of an announcement
	}
	switch x := ev.(type) {
	case *ari.ChannelDtmfReceived:
		p.typed += x.Digit
	case *ari.ChannelDestroyed, *ari.ChannelHangupRequest:
		p.gone = true
	case *ari.StasisEnd:
		p.gone = true
	case *ari.ChannelGoneEvent:
		if !x.Alive {
			p.gone = true
		}
	case *ari.PlaybackFinished:
		return x.Playback.ID
	}
	return ""
}

// play plays media and waits until it ends, a key of stopKeys is pressed
// (it stops the playback and is returned), the channel goes (errGone),
// max passes on the engine's clock, or ctx ends.
func (p *prompter) play(ctx context.Context, media []string, lang, stopKeys string, max time.Duration) (string, error) {
	if p.gone {
		return "", errGone
	}
	if k := p.take(stopKeys); k != "" {
		return k, nil
	}
	p.n++
	pb := p.ch + "-p" + strconv.Itoa(p.n)
	if _, err := p.e.cli.Channels().Play(ctx, p.ch, ari.PlayRequest{PlaybackID: pb, Media: media, Lang: lang}); err != nil {
		if ari.IsNotFound(err) || ari.IsNotInStasis(err) {
			return "", errGone
		}
		return "", fmt.Errorf("play %v: %w", media, err)
	}
	t := p.e.clk.NewTimer(max)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-t.C():
			p.stop(ctx, pb)
			return "", errTimeout
		case ev, ok := <-p.sub.Events():
			if !ok {
				return "", errGone
			}
			done := p.event(ev)
			if p.gone {
				return "", errGone
			}
			if k := p.take(stopKeys); k != "" {
				p.stop(ctx, pb)
				return k, nil
			}
			if done == pb {
				return "", nil
			}
		}
	}
}

// stop stops a playback; one already finished is fine.
func (p *prompter) stop(ctx context.Context, pb string) {
	if err := p.e.cli.Playbacks().Stop(context.WithoutCancel(ctx), pb); err != nil && !ari.IsNotFound(err) {
		p.e.log.Debug("calls: stop a prompt", "playback", pb, "err", err)
	}
}

// collect reads n keys of 0-9: those typed ahead first, then each within
// wait of the one before (the engine's clock). Fewer than n in time:
// errTimeout; "#" ends early with what was typed.
func (p *prompter) collect(ctx context.Context, n int, wait time.Duration) (string, error) {
	var got strings.Builder
	t := p.e.clk.NewTimer(wait)
	defer t.Stop()
	for {
		for p.typed != "" && got.Len() < n {
			k := p.typed[0]
			p.typed = p.typed[1:]
			switch {
			case k >= '0' && k <= '9':
				got.WriteByte(k)
				t.Reset(wait)
			case k == '#':
				return got.String(), nil
			}
		}
		if got.Len() >= n {
			return got.String(), nil
		}
		if p.gone {
			return got.String(), errGone
		}
		select {
		case <-ctx.Done():
			return got.String(), ctx.Err()
		case <-t.C():
			return got.String(), errTimeout
		case ev, ok := <-p.sub.Events():
			if !ok {
				return got.String(), errGone
			}
			p.event(ev)
		}
	}
}

// trackIVR marks a channel the engine talks to itself, so that its
// StasisStart, its end and the reconciliation leave it alone.
func (e *Engine) trackIVR(ch string, on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ivr == nil {
		e.ivr = map[string]bool{}
	}
	if on {
		e.ivr[ch] = true
	} else {
		delete(e.ivr, ch)
	}
}

// eventChannel is the channel an event of a prompter is about ("" for
// a playback's).
func eventChannel(ev ari.Event) string {
	switch x := ev.(type) {
	case *ari.ChannelDtmfReceived:
		return x.Channel.ID
	case *ari.ChannelDestroyed:
		return x.Channel.ID
	case *ari.ChannelHangupRequest:
		return x.Channel.ID
	case *ari.StasisEnd:
		return x.Channel.ID
	case *ari.ChannelGoneEvent:
		return x.ChannelID
	}
	return ""
}
