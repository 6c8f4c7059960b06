package media

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Writer receives each marshalled RTP packet in one Write call (a
	// PacketWriter for UDP).
	Writer io.Writer
	// PayloadType is the RTP payload type of the audio (0 PCMU, 8 PCMA).
	PayloadType uint8
	// Clock stamps the send times used for RTCP sender reports; nil is the
	// wall clock.
	Clock clock.Clock
	// Rand supplies the random SSRC, first sequence number and first
	// timestamp (RFC 3550 section 5.1); nil is crypto/rand.
	Rand io.Reader
}

// SenderStats are the counters an RTCP sender report carries.
type SenderStats struct {
	// SSRC identifies the stream.
	SSRC uint32
	// Packets and Octets count RTP packets and payload octets sent.
	Packets, Octets uint32
	// LastTimestamp is the RTP timestamp of the last packet sent, at LastSent.
	LastTimestamp uint32
	// LastSent is when the last packet was sent; zero before the first.
	LastSent time.Time
}

// Sender writes one RTP stream: a fixed random SSRC, a sequence number
// incremented per packet from a random start, a timestamp advanced by the
// samples of each frame from a random start, and the marker bit on the first
// packet of each talkspurt. It is safe for concurrent use.
type Sender struct {
	mu        sync.Mutex
	w         io.Writer
	clk       clock.Clock
	pt        uint8
	ssrc      uint32
	seq       uint16
	ts        uint32
	talkspurt bool
	stats     SenderStats
	buf       []byte
}

// NewSender returns a Sender whose first packet carries the marker bit.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Writer == nil {
		return nil, fmt.Errorf("media: sender: Writer is nil")
	}
	if cfg.PayloadType > 127 {
		return nil, fmt.Errorf("media: sender: payload type %d out of range 0-127", cfg.PayloadType)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	var r [10]byte
	if _, err := io.ReadFull(cfg.Rand, r[:]); err != nil {
		return nil, fmt.Errorf("media: sender: random SSRC: %w", err)
	}
	s := &Sender{
		w:         cfg.Writer,
		clk:       cfg.Clock,
		pt:        cfg.PayloadType,
		ssrc:      binary.BigEndian.Uint32(r[0:4]),
		seq:       binary.BigEndian.Uint16(r[4:6]),
		ts:        binary.BigEndian.Uint32(r[6:10]),
		talkspurt: true,
		buf:       make([]byte, 0, 1500),
	}
	s.stats.SSRC = s.ssrc
	return s, nil
}

// SSRC returns the stream's synchronisation source.
func (s *Sender) SSRC() uint32 { return s.ssrc }

// PayloadType returns the audio payload type.
func (s *Sender) PayloadType() uint8 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pt
}

// SetPayloadType changes the audio payload type from the next frame on (a
// re-INVITE switched the codec); the stream keeps its SSRC, sequence and
// timestamp.
func (s *Sender) SetPayloadType(pt uint8) {
	s.mu.Lock()
	s.pt = pt
	s.mu.Unlock()
}

// Timestamp returns the RTP timestamp the next frame will carry.
func (s *Sender) Timestamp() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ts
}

// StartTalkspurt sets the marker bit on the next packet (after silence that
// was not sent, or at the start of a prompt).
func (s *Sender) StartTalkspurt() {
	s.mu.Lock()
	s.talkspurt = true
	s.mu.Unlock()
}

// WriteFrame sends one audio frame and advances the timestamp by samples.
func (s *Sender) WriteFrame(payload []byte, samples uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.writeLocked(s.pt, payload, s.ts, s.talkspurt)
	s.talkspurt = false
	s.ts += samples
	return err
}

// Write sends one G.711 frame (one byte per sample), making the Sender an
// io.Writer of frames for code that produces encoded audio.
func (s *Sender) Write(payload []byte) (int, error) {
	if err := s.WriteFrame(payload, uint32(len(payload))); err != nil {
		return 0, err
	}
	return len(payload), nil
}

// Skip advances the timestamp by samples without sending, for frames the
// pacer dropped; the receiver sees them as lost.
func (s *Sender) Skip(samples uint32) {
	s.mu.Lock()
	s.ts += samples
	s.mu.Unlock()
}

// WriteAt sends a packet with an explicit payload type, timestamp and
// marker: RFC 4733 events keep one timestamp per event, and a Bridge maps
// the other leg's timestamps. It advances the sequence number only.
func (s *Sender) WriteAt(pt uint8, payload []byte, ts uint32, marker bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(pt, payload, ts, marker)
}

func (s *Sender) writeLocked(pt uint8, payload []byte, ts uint32, marker bool) error {
	p := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Marker:         marker,
			PayloadType:    pt,
			SequenceNumber: s.seq,
			Timestamp:      ts,
			SSRC:           s.ssrc,
		},
		Payload: payload,
	}
	buf, err := p.Header.MarshalTo(s.buf[:cap(s.buf)])
	if err != nil {
		return fmt.Errorf("media: marshal RTP header seq %d: %w", s.seq, err)
	}
	out := append(s.buf[:buf], payload...)
	s.buf = out[:0]
	s.seq++
	if _, err := s.w.Write(out); err != nil {
		return fmt.Errorf("media: send RTP seq %d: %w", p.SequenceNumber, err)
	}
	s.stats.Packets++
	s.stats.Octets += uint32(len(payload))
	s.stats.LastTimestamp = ts
	s.stats.LastSent = s.clk.Now()
	return nil
}

// Stats returns the counters for RTCP.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
