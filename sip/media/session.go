package media

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// SessionConfig configures a Session.
type SessionConfig struct {
	// Ports is the bound RTP/RTCP socket pair; the Session owns it and
	// closes it on Close.
	Ports *PortPair
	// Remote is where RTP goes; RemoteRTCP where RTCP goes (zero: Remote's
	// port + 1).
	Remote, RemoteRTCP netip.AddrPort
	// Codec is the negotiated audio codec.
	Codec Codec
	// EventPayloadType is the negotiated telephone-event payload type, 0
	// when the peer takes none (SendDTMF then fails).
	EventPayloadType uint8
	// Symmetric sends RTP and RTCP to the address the peer's packets come
	// from once the first one arrives (symmetric RTP, RFC 4961: the peer
	// behind NAT announced an address it cannot be reached on).
	Symmetric bool
	// Clock paces sending (20 ms) and RTCP; nil is the wall clock.
	Clock clock.Clock
	// Jitter configures the receive jitter buffer.
	Jitter JitterConfig
	// VAD configures the voice-activity detector run on received audio.
	VAD VADConfig
	// CNAME is the RTCP canonical name.
	CNAME string
	// OnDTMF is called with each digit the peer sends (RFC 4733, once per
	// event, at its end), in order, from the read loop.
	OnDTMF func(digit rune)
	// OnSpeech is called when the peer starts (true) and stops (false)
	// speaking, from the playout loop.
	OnSpeech func(speaking bool)
	// OnAudio, when set, receives every received 20 ms frame decoded to
	// linear PCM (concealed frames included), from the playout loop.
	OnAudio func(pcm []int16)
	// Logger logs at debug level; nil discards.
	Logger *slog.Logger
}

// SessionStats are a Session's figures.
type SessionStats struct {
	Sent      SenderStats
	Received  ReceptionStats
	Jitter    JitterStats
	Remote    RemoteReport
	Latched   bool
	RemoteRTP netip.AddrPort
}

// Session is the media of one call leg: it sends a continuous 20 ms RTP
// stream (silence when nothing plays, a prompt or music while one plays),
// receives the peer's stream through a jitter buffer, runs RTCP, decodes
// and sends RFC 4733 DTMF, and detects speech. Two sessions can be bridged
// (see BridgeSessions). It is safe for concurrent use.
type Session struct{}

// ErrSessionClosed is returned by the methods of a closed Session.
var ErrSessionClosed = errors.New("media: session closed")

// NewSession returns a session on cfg.Ports; call Run to start it.
func NewSession(cfg SessionConfig) (*Session, error) {
	return nil, errors.New("media: NewSession not written yet")
}

// Run sends, receives and reports until ctx ends or Close is called; it
// closes the ports before it returns.
func (s *Session) Run(ctx context.Context) error { return ErrSessionClosed }

// Close stops Run and releases the ports.
func (s *Session) Close() error { return nil }

// LocalPort is the RTP port the session receives on.
func (s *Session) LocalPort() int { return 0 }

// Update applies a new offer/answer outcome (a re-INVITE): remote
// addresses, codec and event payload type.
func (s *Session) Update(remote, remoteRTCP netip.AddrPort, codec Codec, eventPT uint8) {}

// SetSending turns sending on or off (hold: the peer made itself recvonly
// or inactive, or we hold it); received media keep flowing either way.
func (s *Session) SetSending(on bool) {}

// Play sends a's audio in place of silence (or of what played before) and
// returns when it has all been sent, when ctx ends, or when another Play
// replaces it; with loop it plays until ctx ends or it is replaced.
func (s *Session) Play(ctx context.Context, a *Audio, loop bool) error {
	return ErrSessionClosed
}

// SendDTMF sends digits (0-9, *, #, A-D) as RFC 4733 events, one after the
// other, and returns when the last one has ended.
func (s *Session) SendDTMF(ctx context.Context, digits string) error { return ErrSessionClosed }

// DetectMachine runs the answering-machine heuristic on the received audio
// until it decides or ctx ends (AMDUndecided then).
func (s *Session) DetectMachine(ctx context.Context, cfg AMDConfig) AMDResult { return AMDUndecided }

// Stats returns the session's figures.
func (s *Session) Stats() SessionStats { return SessionStats{} }

// BridgeSessions relays RTP between a and b (pbxagent as a B2BUA) until ctx
// ends or one of them closes: each one's received packets go out on the
// other's sender (transcoded PCMU↔PCMA when their codecs differ,
// telephone-events passed through), and neither plays its own audio
// meanwhile. When it returns both sessions go back to their own sending.
func BridgeSessions(ctx context.Context, a, b *Session) error { return ErrSessionClosed }
