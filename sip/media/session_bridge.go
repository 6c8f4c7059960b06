package media

import (
	"context"
	"errors"
	"fmt"
	"io"

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
	return BridgeSessionsWith(ctx, a, b, BridgeOptions{})
}

// BridgeOptions tunes BridgeSessionsWith.
type BridgeOptions struct {
	// Record, when set, receives the bridged conversation as a WAV file:
	// 8 kHz, 16-bit, stereo, what leg a sends on the left channel and what
	// leg b sends on the right, each relayed packet decoded with its leg's
	// codec and placed by its RTP timestamp (gaps are silence; the file
	// starts when the bridge does). The header's sizes are written when
	// the bridge ends, so Record must be seekable (an *os.File); it is not
	// closed. Telephone-events are not recorded.
	Record io.WriteSeeker
}

// BridgeSessionsWith is BridgeSessions with options: with opts.Record the
// conversation is recorded as it is relayed. A recording that fails
// (a write error) stops while the bridge goes on; the error is returned
// when the bridge ends, joined to the bridge's own.
func BridgeSessionsWith(ctx context.Context, a, b *Session, opts BridgeOptions) (err error) {
	sb, err := NewSessionBridge(a, b)
	if err != nil {
		return err
	}
	if opts.Record != nil {
		if err := sb.StartRecording(opts.Record); err != nil {
			return err
		}
		// Deferred first, so it runs after both legs let go of the tap.
		defer func() { err = errors.Join(err, sb.StopRecording()) }()
	}
	return sb.Run(ctx)
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
