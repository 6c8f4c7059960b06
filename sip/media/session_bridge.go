package media

import (
	"context"
	"errors"
	"fmt"

	"github.com/pion/rtp"
)

// bridgeHook routes a bridged session's received packets to its Bridge.
type bridgeHook struct {
	relay func(*rtp.Packet) error
}

// BridgeSessions relays RTP between a and b (pbxagent as a B2BUA) until ctx
// ends or one of them closes: each one's received packets go out on the
// other's sender (transcoded PCMU↔PCMA when their codecs differ,
// telephone-events passed through), and neither plays its own audio
// meanwhile. When it returns both sessions go back to their own sending.
//
// Reception statistics, RTCP and OnDTMF keep running on both legs; the
// jitter buffers, OnAudio, OnSpeech and AMD get nothing while bridged. The
// legs' codecs are those at the start: after an Update, bridge again.
// It returns nil when ctx ended, an error wrapping ErrSessionClosed when a
// leg closed (or was closed already), another error when a leg is already
// bridged.
func BridgeSessions(ctx context.Context, a, b *Session) error {
	if a == nil || b == nil || a == b {
		return errors.New("media: bridge sessions: need two distinct sessions")
	}
	br, err := NewBridge(a.bridgeLeg(), b.bridgeLeg())
	if err != nil {
		return fmt.Errorf("media: bridge sessions: %w", err)
	}
	ha, hb := &bridgeHook{relay: br.FromA}, &bridgeHook{relay: br.FromB}
	if err := a.attach(ha); err != nil {
		return err
	}
	defer a.detach(ha)
	if err := b.attach(hb); err != nil {
		return err
	}
	defer b.detach(hb)
	select {
	case <-ctx.Done():
		return nil
	case <-a.closed:
		return fmt.Errorf("media: bridge ended, port %d: %w", a.LocalPort(), ErrSessionClosed)
	case <-b.closed:
		return fmt.Errorf("media: bridge ended, port %d: %w", b.LocalPort(), ErrSessionClosed)
	}
}

func (s *Session) bridgeLeg() BridgeLeg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return BridgeLeg{Codec: s.codec, EventPayloadType: s.eventPT, Sender: s.sender}
}

func (s *Session) attach(h *bridgeHook) error {
	if s.isClosed() {
		return fmt.Errorf("media: bridge sessions: port %d: %w", s.LocalPort(), ErrSessionClosed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bridge != nil {
		return fmt.Errorf("media: bridge sessions: port %d is already bridged", s.LocalPort())
	}
	s.bridge = h
	return nil
}

func (s *Session) detach(h *bridgeHook) {
	s.mu.Lock()
	if s.bridge == h {
		s.bridge = nil
		s.talkspurt = true
	}
	s.mu.Unlock()
}
