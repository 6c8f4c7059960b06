package siptel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
)

// Hold implements dialer.Telephony: the hold music (Config.HoldMusic)
// or the ringback tone, looped until Join, PlayMessage or the call's end.
func (t *Telephony) Hold(ctx context.Context, callID string, hm dialer.HoldMedia) error {
	c, err := t.answeredCall(callID)
	if err != nil {
		return fmt.Errorf("siptel: hold: %w", err)
	}
	a := t.ringback
	if hm == dialer.HoldMOH && t.moh != nil {
		a = t.moh
	}
	t.play(c, a, true, false)
	return nil
}

// PlayMessage implements dialer.Telephony: media "sound:NAME" plays
// <SoundsDir>/NAME.wav once, then the call is hung up (BYE, cause 16). A
// message that cannot be read is logged, the call hung up, and the error
// returned.
func (t *Telephony) PlayMessage(ctx context.Context, callID, m string) error {
	c, err := t.answeredCall(callID)
	if err != nil {
		return fmt.Errorf("siptel: play: %w", err)
	}
	a, err := t.loadMedia(m)
	if err != nil {
		t.log.Error("siptel: message unreadable; hanging up", "call", callID, "media", m, "err", err)
		c.cancel()
		return fmt.Errorf("siptel: play %s: %w", callID, err)
	}
	t.play(c, a, false, true)
	return nil
}

// play replaces what c hears with a (stopping a bridge too); with hangup
// the call is hung up when a has played (or was stopped).
func (t *Telephony) play(c *custCall, a *media.Audio, loop, hangup bool) {
	t.mu.Lock()
	if c.play != nil {
		c.play()
	}
	if c.bridge != nil {
		c.bridge()
		c.bridge = nil
	}
	pctx, cancel := context.WithCancel(c.ctx)
	c.play = cancel
	m := c.call.Media()
	t.mu.Unlock()
	started := t.spawn(func() {
		defer cancel()
		err := m.Play(pctx, a, loop)
		if err != nil && pctx.Err() == nil {
			t.log.Warn("siptel: playing to the customer", "call", c.id, "err", err)
		}
		if hangup {
			c.cancel()
		}
	})
	if !started {
		cancel()
	}
}

// stopPlayLocked stops what c hears (hold media) without hanging up.
func (t *Telephony) stopPlayLocked(c *custCall) {
	if c.play != nil {
		c.play()
		c.play = nil
	}
}

// soundScheme is the prefix of prompt names, as in Asterisk's sound URIs.
const soundScheme = "sound:"

// soundPath turns media "sound:NAME" into <dir>/NAME.wav; NAME must be a
// local path (no "..", not absolute).
func soundPath(dir, m string) (string, error) {
	name, ok := strings.CutPrefix(m, soundScheme)
	if !ok {
		return "", fmt.Errorf("media %q: want sound:NAME (a WAV in sip_ua.sounds_dir)", m)
	}
	return soundFile(dir, name)
}

func soundFile(dir, name string) (string, error) {
	if dir == "" {
		return "", errors.New("sip_ua.sounds_dir is not set")
	}
	p, err := media.SoundFile(dir, name)
	if err != nil {
		return "", fmt.Errorf("sip_ua.sounds_dir: %w", err)
	}
	return p, nil
}

func (t *Telephony) loadMedia(m string) (*media.Audio, error) {
	p, err := soundPath(t.cfg.SoundsDir, m)
	if err != nil {
		return nil, err
	}
	return media.ReadWAVFile(p)
}
