package calls

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// KindFeature: a phone dialled a feature code,
// Stasis(pbxagent-calls,feature,CODE): pbxagent answers, asks for digits
// when the code needs them, performs it (WithFeatures) and plays a
// confirmation or an error sound.
const KindFeature Kind = "feature"

// FeatureCode is what a feature code asks of the caller.
type FeatureCode struct {
	// Digits is how many keys (0-9) to collect after Prompt; 0: none.
	Digits int
	// Prompt is played before the keys are collected (ARI media URIs).
	Prompt []string
	// Lang is the prompts' language ("": the channel's).
	Lang string
}

// Features performs the feature codes phones dial (the hotel's make-up
// and wake-up codes, agent/hotel_telephony.go).
type Features interface {
	// Code tells what code asks of a caller from from; false when it is
	// not a code the caller may dial (the error sound plays).
	Code(ctx context.Context, from Origin, code string) (FeatureCode, bool)
	// Perform does it with the keys collected; an error plays the error
	// sound.
	Perform(ctx context.Context, from Origin, code, digits string) error
}

// FeatureSounds are what a feature code's caller hears at the end.
type FeatureSounds struct {
	// Done: the code was performed (default sound:auth-thankyou).
	Done []string
	// Failed: it was not (default sound:an-error-has-occurred).
	Failed []string
	// KeyWait is how long to wait for each key (default 10 s).
	KeyWait time.Duration
}

// WithFeatures makes the engine take the feature codes the dialplan
// sends (Stasis(app,feature,CODE)); without it they go back to the
// dialplan at the fallback label.
func WithFeatures(f Features, s FeatureSounds) Option {
	return func(e *Engine) {
		if len(s.Done) == 0 {
			s.Done = []string{"sound:auth-thankyou"}
		}
		if len(s.Failed) == 0 {
			s.Failed = []string{"sound:an-error-has-occurred"}
		}
		if s.KeyWait <= 0 {
			s.KeyWait = 10 * time.Second
		}
		e.feat, e.featSounds = f, s
	}
}

// ValidFeatureCode reports whether code may be a feature code: 1 to 16
// of 0-9, * and #.
func ValidFeatureCode(code string) bool {
	if len(code) == 0 || len(code) > 16 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= '0' && c <= '9' || c == '*' || c == '#') {
			return false
		}
	}
	return true
}

// featureMax bounds a prompt or a confirmation.
const featureMax = 2 * time.Minute

// featureEnter takes a feature code's caller (in a goroutine Run waits
// for); without Features it goes back to the dialplan.
func (e *Engine) featureEnter(ctx context.Context, ch ari.Channel, code string) {
	if e.feat == nil {
		e.handBack(ctx, ch.ID, StatusFailed)
		return
	}
	sub := e.cli.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(ch.ID)}})
	e.trackIVR(ch.ID, true)
	e.dp.wg.Add(1)
	go func() {
		defer e.dp.wg.Done()
		defer sub.Cancel()
		defer e.trackIVR(ch.ID, false)
		p := &prompter{e: e, sub: sub, ch: ch.ID}
		err := e.runFeature(ctx, p, ch, code)
		if errors.Is(err, errGone) {
			return
		}
		sound, lang := e.featSounds.Done, ""
		if err != nil {
			e.log.Info("calls: feature code not performed", "code", code, "endpoint", channelEndpoint(ch.Name), "err", err)
			sound = e.featSounds.Failed
		}
		if _, perr := p.play(ctx, sound, lang, "", featureMax); perr != nil && !errors.Is(perr, errGone) {
			e.log.Debug("calls: feature code's last sound", "channel", ch.ID, "err", perr)
		}
		e.hangup(ctx, ch.ID, ari.ReasonNormal)
	}()
}

// runFeature answers, collects the keys the code needs and performs it.
func (e *Engine) runFeature(ctx context.Context, p *prompter, ch ari.Channel, code string) error {
	if err := e.cli.Channels().Answer(ctx, ch.ID); err != nil {
		if ari.IsNotFound(err) || ari.IsNotInStasis(err) {
			return errGone
		}
		return fmt.Errorf("answer: %w", err)
	}
	from := originOf(ch)
	fc, ok := e.feat.Code(ctx, from, code)
	if !ok {
		return fmt.Errorf("code %q: not a feature code for %s", code, from.Endpoint)
	}
	digits := ""
	if fc.Digits > 0 {
		if len(fc.Prompt) > 0 {
			k, err := p.play(ctx, fc.Prompt, fc.Lang, "0123456789#", featureMax)
			if err != nil {
				return err
			}
			p.typed = k + p.typed // the key that stopped the prompt is the first
		}
		d, err := p.collect(ctx, fc.Digits, e.featSounds.KeyWait)
		if err != nil {
			return fmt.Errorf("keys after %s (%q): %w", code, d, err)
		}
		if len(d) != fc.Digits {
			return fmt.Errorf("keys after %s: %q, want %d digits", code, d, fc.Digits)
		}
		digits = d
	}
	if err := e.feat.Perform(ctx, from, code, digits); err != nil {
		return fmt.Errorf("code %s: %w", code, err)
	}
	return nil
}
