package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// Bridge legs of a SessionBridge: leg a is the first session given to
// NewSessionBridge (the left channel of its recording), leg b the second.
const (
	// LegA is the first session of a SessionBridge.
	LegA = 0
	// LegB is the second session of a SessionBridge.
	LegB = 1
)

// ErrNotRecording is wrapped in the error of PauseRecording and
// StopRecording on a SessionBridge that is not recording.
var ErrNotRecording = errors.New("media: the bridge is not recording")

// SessionBridge relays RTP between two Sessions (pbxagent as a B2BUA), as
// BridgeSessions does, and can be steered while it runs: a leg held
// (Hold), one direction muted (Mute), the conversation recorded from any
// moment (StartRecording, PauseRecording, StopRecording). Its settings
// hold across runs. Safe for concurrent use.
type SessionBridge struct {
	sess [2]*Session
	legs [2]BridgeLeg
	br   *Bridge

	mu      sync.Mutex
	held    [2]bool
	hooks   [2]*bridgeHook // while Run runs
	running bool

	// tap is the recording, if one runs (atomic: the Bridge reads it under
	// its own lock, which Hold takes under mu).
	tap atomic.Pointer[recordTap]
}

// NewSessionBridge returns a bridge between a and b, not yet relaying
// (Run). The legs' codecs are those now: after an Update, make another.
func NewSessionBridge(a, b *Session) (*SessionBridge, error) {
	if a == nil || b == nil || a == b {
		return nil, errors.New("media: bridge sessions: need two distinct sessions")
	}
	sb := &SessionBridge{sess: [2]*Session{a, b}}
	for i, s := range sb.sess {
		sb.legs[i] = s.bridgeLeg()
		sb.legs[i].Takes = s.takesMedia
	}
	br, err := NewBridge(sb.legs[0], sb.legs[1])
	if err != nil {
		return nil, fmt.Errorf("media: bridge sessions: %w", err)
	}
	br.tap = sb.record
	sb.br = br
	return sb, nil
}

// takesMedia says whether the session sends now (SetSending): the bridge
// relays nothing towards a leg that takes no media (recvonly or inactive
// from our side, RFC 3264 section 6.1).
func (s *Session) takesMedia() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sending
}

// record hands a relayed packet to the recording, if one runs. Called by
// the Bridge under its lock.
func (sb *SessionBridge) record(from int, p *rtp.Packet) {
	if tap := sb.tap.Load(); tap != nil {
		tap.add(from, p)
	}
}

// Run relays RTP between the two sessions until ctx ends or one of them
// closes, as BridgeSessions does; a held leg is left to its own media
// meanwhile (Hold). It returns nil when ctx ended, an error wrapping
// ErrSessionClosed when a leg closed, another error when a leg is already
// bridged. A recording started with StartRecording goes on after Run
// returns, until StopRecording.
func (sb *SessionBridge) Run(ctx context.Context) error {
	if err := sb.start(); err != nil {
		return err
	}
	defer sb.stop()
	a, b := sb.sess[0], sb.sess[1]
	select {
	case <-ctx.Done():
		return nil
	case <-a.closed:
		return fmt.Errorf("media: bridge ended, port %d: %w", a.LocalPort(), ErrSessionClosed)
	case <-b.closed:
		return fmt.Errorf("media: bridge ended, port %d: %w", b.LocalPort(), ErrSessionClosed)
	}
}

// start attaches the legs that are not held.
func (sb *SessionBridge) start() error {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.running {
		return errors.New("media: bridge sessions: the bridge is running already")
	}
	for i, s := range sb.sess {
		if s.isClosed() {
			return fmt.Errorf("media: bridge sessions: port %d: %w", s.LocalPort(), ErrSessionClosed)
		}
		sb.hooks[i] = &bridgeHook{relay: func(p *rtp.Packet) error { return sb.br.relay(i, p) }}
	}
	for i, s := range sb.sess {
		if sb.held[i] {
			continue
		}
		if err := s.attach(sb.hooks[i]); err != nil {
			for j := range i {
				sb.sess[j].detach(sb.hooks[j])
			}
			return err
		}
	}
	sb.running = true
	return nil
}

// stop detaches both legs: each goes back to its own media.
func (sb *SessionBridge) stop() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for i, s := range sb.sess {
		s.detach(sb.hooks[i])
	}
	sb.running = false
}

// Hold puts leg (LegA, LegB) on hold or takes it off. Held, the leg is
// left to its own Session: it hears what that session sends — silence,
// or the music a Play puts there, or nothing when the hold's offer/answer
// turned sending off (SetSending(false): a=inactive) — and what it sends
// goes to its own jitter buffer; nothing is relayed to or from it. Off
// hold the relay resumes both ways, timestamps continued and the marker
// bit set. The re-INVITE itself (a=sendonly or a=inactive, RFC 3264
// section 8.4) is the caller's.
func (sb *SessionBridge) Hold(leg int, on bool) error {
	if leg != LegA && leg != LegB {
		return fmt.Errorf("media: bridge hold: no leg %d", leg)
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.held[leg] == on {
		return nil
	}
	sb.held[leg] = on
	s, h := sb.sess[leg], sb.hooks[leg]
	if on {
		// Relay stops first, then the session takes its own sending back.
		sb.br.SetHeld(leg, true)
		if sb.running {
			s.detach(h)
		}
		return nil
	}
	if sb.running {
		if err := s.attach(h); err != nil {
			sb.held[leg] = true
			return fmt.Errorf("media: bridge resume: %w", err)
		}
	}
	sb.br.SetHeld(leg, false)
	return nil
}

// Mute stops (on) or resumes relaying what leg from (LegA, LegB) sends;
// the other direction goes on, and a recording leaves the muted side
// silent.
func (sb *SessionBridge) Mute(from int, on bool) error {
	if from != LegA && from != LegB {
		return fmt.Errorf("media: bridge mute: no leg %d", from)
	}
	sb.br.SetMuted(from, on)
	return nil
}

// StartRecording records the conversation into w from now on, as
// BridgeOptions.Record describes (stereo WAV, leg a left, leg b right,
// what the bridge relays; header sizes written by StopRecording). It
// fails when a recording runs already.
func (sb *SessionBridge) StartRecording(w io.WriteSeeker) error {
	if sb.tap.Load() != nil {
		return errors.New("media: the bridge is recording already")
	}
	tap, err := newRecordTap(w, sb.sess[0].clk, sb.legs[0].Codec, sb.legs[1].Codec)
	if err != nil {
		return err
	}
	if !sb.tap.CompareAndSwap(nil, tap) {
		return errors.New("media: the bridge is recording already")
	}
	return nil
}

// PauseRecording pauses (on) or resumes the recording; the paused time is
// left out of the file.
func (sb *SessionBridge) PauseRecording(on bool) error {
	tap := sb.tap.Load()
	if tap == nil {
		return ErrNotRecording
	}
	tap.pause(on)
	return nil
}

// StopRecording ends the recording: the rest is written out and the WAV
// header fixed (w is not closed). The error wraps ErrRecording when a
// write failed, ErrNotRecording when none ran.
func (sb *SessionBridge) StopRecording() error {
	tap := sb.tap.Swap(nil)
	if tap == nil {
		return ErrNotRecording
	}
	return tap.close()
}

// Stats returns the relay counters.
func (sb *SessionBridge) Stats() BridgeStats { return sb.br.Stats() }
