package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// DefaultRTCPInterval is the report interval: RFC 3550 section 6.2's
// minimum of 5 s, without the bandwidth scaling and randomisation (a call leg
// has two participants, so the computed interval is the minimum anyway).
const DefaultRTCPInterval = 5 * time.Second

// ntpEpochOffset is the seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix).
const ntpEpochOffset = 2_208_988_800

// NTPTime converts t to a 64-bit NTP timestamp (RFC 3550 section 4).
func NTPTime(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1_000_000_000
	return secs<<32 | frac
}

// RTCPConfig configures an RTCPSession.
type RTCPConfig struct {
	// Writer receives each compound RTCP packet (the RTP port + 1).
	Writer io.Writer
	// Clock drives the report timer and timestamps; nil is the wall clock.
	Clock clock.Clock
	// Interval between reports; 0 means DefaultRTCPInterval.
	Interval time.Duration
	// Sender is the local RTP stream, nil when only receiving.
	Sender *Sender
	// Receiver is the remote stream's receiver, nil when only sending.
	Receiver *Receiver
	// CNAME is the SDES canonical name sent with every report.
	CNAME string
	// OnBye is called when the peer sends BYE.
	OnBye func()
	// Logger logs malformed RTCP at debug level; nil discards.
	Logger *slog.Logger
}

// RemoteReport is what the peer said about our stream in its last report.
type RemoteReport struct {
	// FractionLost is the peer's fraction lost, 8-bit fixed point.
	FractionLost uint8
	// TotalLost is the peer's cumulative lost count.
	TotalLost uint32
	// Jitter is the peer's interarrival jitter in timestamp units.
	Jitter uint32
	// RoundTrip is computed from LSR and DLSR (RFC 3550 6.4.1); zero when
	// the peer has not seen a sender report of ours yet.
	RoundTrip time.Duration
	// At is when the report arrived.
	At time.Time
}

// RTCPSession sends sender or receiver reports every interval and parses the
// peer's RTCP: its sender reports give LSR/DLSR for our receiver reports and
// its report blocks about our SSRC give loss, jitter and round-trip time.
type RTCPSession struct {
	cfg  RTCPConfig
	log  *slog.Logger
	ssrc uint32

	mu        sync.Mutex
	lastSRNTP uint32 // middle 32 bits of the peer's last SR NTP timestamp
	lastSRAt  time.Time
	remote    RemoteReport
	pacer     *Pacer
}

// NewRTCPSession returns a session; Start begins the reports.
func NewRTCPSession(cfg RTCPConfig) (*RTCPSession, error) {
	if cfg.Writer == nil {
		return nil, fmt.Errorf("media: rtcp: Writer is nil")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultRTCPInterval
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &RTCPSession{cfg: cfg, log: log}
	if cfg.Sender != nil {
		s.ssrc = cfg.Sender.SSRC()
	} else {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("media: rtcp: random SSRC: %w", err)
		}
		s.ssrc = binary.BigEndian.Uint32(b[:])
	}
	return s, nil
}

// Start sends a report every interval (the first one interval after Start)
// until ctx is done or Stop is called.
func (s *RTCPSession) Start(ctx context.Context) {
	p := NewPacer(s.cfg.Clock, s.cfg.Interval, func(slot, _ int64) bool {
		if slot == 0 {
			return true
		}
		if err := s.SendReport(); err != nil {
			s.log.Debug("RTCP report not sent", "err", err)
		}
		return true
	})
	s.mu.Lock()
	s.pacer = p
	s.mu.Unlock()
	p.Start(ctx)
}

// Stop ends the reports.
func (s *RTCPSession) Stop() {
	s.mu.Lock()
	p := s.pacer
	s.mu.Unlock()
	if p != nil {
		p.Stop()
	}
}

// Report builds the compound packet for now: an SR when we have sent RTP,
// else an RR, with one reception report block when we have received RTP, and
// an SDES CNAME (RFC 3550 6.1: every compound packet carries one).
func (s *RTCPSession) Report() []rtcp.Packet {
	now := s.cfg.Clock.Now()
	var blocks []rtcp.ReceptionReport
	if r := s.cfg.Receiver; r != nil {
		if st := r.Stats(); st.Received > 0 {
			blocks = append(blocks, s.block(st, r.fractionLost(), now))
		}
	}
	var first rtcp.Packet
	if snd := s.cfg.Sender; snd != nil && snd.Stats().Packets > 0 {
		st := snd.Stats()
		elapsed := now.Sub(st.LastSent)
		first = &rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     NTPTime(now),
			RTPTime:     st.LastTimestamp + uint32(elapsed.Seconds()*ClockRate),
			PacketCount: st.Packets,
			OctetCount:  st.Octets,
			Reports:     blocks,
		}
	} else {
		first = &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: blocks}
	}
	sdes := &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: s.ssrc,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: s.cfg.CNAME}},
	}}}
	return []rtcp.Packet{first, sdes}
}

func (s *RTCPSession) block(st ReceptionStats, fraction uint8, now time.Time) rtcp.ReceptionReport {
	lost := st.CumulativeLost
	switch {
	case lost > 0x7FFFFF:
		lost = 0x7FFFFF
	case lost < -0x800000:
		lost = -0x800000
	}
	b := rtcp.ReceptionReport{
		SSRC:               st.SSRC,
		FractionLost:       fraction,
		TotalLost:          uint32(lost) & 0xFFFFFF,
		LastSequenceNumber: st.ExtendedHighest,
		Jitter:             uint32(st.Jitter),
	}
	s.mu.Lock()
	if !s.lastSRAt.IsZero() {
		b.LastSenderReport = s.lastSRNTP
		b.Delay = uint32(now.Sub(s.lastSRAt).Seconds() * 65536)
	}
	s.mu.Unlock()
	return b
}

// SendReport marshals and writes Report.
func (s *RTCPSession) SendReport() error {
	b, err := rtcp.Marshal(s.Report())
	if err != nil {
		return fmt.Errorf("media: marshal RTCP report: %w", err)
	}
	if _, err := s.cfg.Writer.Write(b); err != nil {
		return fmt.Errorf("media: send RTCP report: %w", err)
	}
	return nil
}

// SendBye sends an RR and a BYE for our SSRC (end of the call).
func (s *RTCPSession) SendBye() error {
	pkts := append(s.Report(), &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		return fmt.Errorf("media: marshal RTCP BYE: %w", err)
	}
	if _, err := s.cfg.Writer.Write(b); err != nil {
		return fmt.Errorf("media: send RTCP BYE: %w", err)
	}
	return nil
}

// Handle parses one incoming RTCP datagram.
func (s *RTCPSession) Handle(b []byte) error {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return fmt.Errorf("media: parse RTCP (%d bytes): %w", len(b), err)
	}
	now := s.cfg.Clock.Now()
	bye := false
	s.mu.Lock()
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.lastSRNTP = uint32(p.NTPTime >> 16)
			s.lastSRAt = now
			s.takeBlocks(p.Reports, now)
		case *rtcp.ReceiverReport:
			s.takeBlocks(p.Reports, now)
		case *rtcp.Goodbye:
			bye = true
		}
	}
	s.mu.Unlock()
	if bye && s.cfg.OnBye != nil {
		s.cfg.OnBye()
	}
	return nil
}

func (s *RTCPSession) takeBlocks(blocks []rtcp.ReceptionReport, now time.Time) {
	for _, b := range blocks {
		if b.SSRC != s.ssrc {
			continue
		}
		r := RemoteReport{FractionLost: b.FractionLost, TotalLost: b.TotalLost, Jitter: b.Jitter, At: now}
		if b.LastSenderReport != 0 {
			// RTT = arrival − LSR − DLSR, in 1/65536 s units (RFC 3550 6.4.1).
			// uint32 arithmetic wraps like the 32-bit fields do.
			rtt := uint32(NTPTime(now)>>16) - b.LastSenderReport - b.Delay
			if rtt < 1<<31 {
				r.RoundTrip = time.Duration(rtt) * time.Second / 65536
			}
		}
		s.remote = r
	}
}

// Remote returns the peer's last report about our stream.
func (s *RTCPSession) Remote() RemoteReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}
