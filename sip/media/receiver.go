package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// ReceptionStats are the RFC 3550 appendix A.3 and A.8 figures for one
// source, as an RTCP reception report block carries them.
type ReceptionStats struct {
	// SSRC is the source the figures are about.
	SSRC uint32
	// Received counts packets received (duplicates included, per RFC 3550).
	Received uint64
	// Expected is extended highest sequence − base sequence + 1.
	Expected uint64
	// CumulativeLost is Expected − Received (negative with duplicates).
	CumulativeLost int64
	// ExtendedHighest is the extended highest sequence number received,
	// cycles in the upper 16 bits as RFC 3550 6.4.1 reports it.
	ExtendedHighest uint32
	// Jitter is the interarrival jitter estimate in timestamp units (A.8).
	Jitter float64
}

// rxStats keeps the per-source counters of RFC 3550 appendix A.
type rxStats struct {
	clockRate   float64
	ssrc        uint32
	seqs        seqExtender
	base        uint64
	received    uint64
	jitter      float64
	transit     float64
	haveTransit bool
	epoch       time.Time
	// snapshot at the previous report, for the fraction lost (A.3)
	expectedPrior uint64
	receivedPrior uint64
}

func (s *rxStats) update(p *rtp.Packet, arrival time.Time) {
	ext := s.seqs.extend(p.SequenceNumber)
	if s.received == 0 {
		s.ssrc = p.SSRC
		s.base = ext
		s.epoch = arrival
	}
	if ext < s.base {
		s.base = ext
	}
	s.received++
	// A.8: transit = arrival (in timestamp units) − RTP timestamp; the
	// difference of transits between packets is D; J += (|D| − J)/16.
	arrivalTS := arrival.Sub(s.epoch).Seconds() * s.clockRate
	transit := arrivalTS - float64(p.Timestamp)
	if s.haveTransit {
		d := transit - s.transit
		// Unwrap a 32-bit timestamp wraparound.
		const wrap = float64(1 << 32)
		switch {
		case d > wrap/2:
			d -= wrap
		case d < -wrap/2:
			d += wrap
		}
		if d < 0 {
			d = -d
		}
		s.jitter += (d - s.jitter) / 16
	}
	s.transit, s.haveTransit = transit, true
}

func (s *rxStats) snapshot() ReceptionStats {
	if s.received == 0 {
		return ReceptionStats{}
	}
	expected := s.seqs.max - s.base + 1
	return ReceptionStats{
		SSRC:            s.ssrc,
		Received:        s.received,
		Expected:        expected,
		CumulativeLost:  int64(expected) - int64(s.received),
		ExtendedHighest: uint32(s.seqs.max - 1<<16),
		Jitter:          s.jitter,
	}
}

// fractionLost returns the fraction lost since the previous call as an
// 8-bit fixed-point number (A.3), and starts a new interval.
func (s *rxStats) fractionLost() uint8 {
	if s.received == 0 {
		return 0
	}
	expected := s.seqs.max - s.base + 1
	expInt := int64(expected) - int64(s.expectedPrior)
	recInt := int64(s.received) - int64(s.receivedPrior)
	s.expectedPrior, s.receivedPrior = expected, s.received
	lost := expInt - recInt
	if expInt <= 0 || lost <= 0 {
		return 0
	}
	return uint8(min((lost<<8)/expInt, 255))
}

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	// Jitter configures the jitter buffer.
	Jitter JitterConfig
	// EventPayloadType is the negotiated telephone-event payload type
	// (RFC 4733); its packets bypass the jitter buffer. 0 means none.
	EventPayloadType uint8
	// OnEvent receives each telephone-event packet, in arrival order; p is
	// only valid during the call.
	OnEvent func(p *rtp.Packet)
	// Logger logs malformed packets at debug level; nil discards.
	Logger *slog.Logger
}

// Receiver takes the RTP packets of one call leg: statistics for RTCP, a
// jitter buffer for the audio, telephone-events to a callback. It is safe for
// concurrent use: the read loop pushes while a pacer pops.
type Receiver struct {
	cfg ReceiverConfig
	log *slog.Logger

	mu      sync.Mutex
	jb      *JitterBuffer
	jbPrior JitterStats // counters of jitter buffers replaced on an SSRC change
	stats   rxStats
	source  net.Addr
}

// NewReceiver returns a Receiver.
func NewReceiver(cfg ReceiverConfig) *Receiver {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{cfg: cfg, log: log, jb: NewJitterBuffer(cfg.Jitter), stats: rxStats{clockRate: ClockRate}}
}

// Receive accounts one parsed packet that arrived at arrival. p is only
// read during the call (the jitter buffer copies the payload): the caller
// may reuse it and the buffer it points into once Receive returns.
//
// A packet from a new SSRC (the far end restarted its stream, e.g. after a
// re-INVITE or a transfer) starts fresh statistics and a fresh jitter
// buffer: its sequence numbers are unrelated to the old ones.
func (r *Receiver) Receive(p *rtp.Packet, arrival time.Time) {
	r.mu.Lock()
	r.accountLocked(p, arrival)
	isEvent := r.cfg.EventPayloadType != 0 && p.PayloadType == r.cfg.EventPayloadType
	onEvent := r.cfg.OnEvent
	if isEvent {
		r.jb.PushSkip(p.SequenceNumber)
	} else {
		r.jb.Push(p)
	}
	r.mu.Unlock()
	if isEvent && onEvent != nil {
		onEvent(p)
	}
}

// accountLocked updates the statistics, starting afresh on a new SSRC.
func (r *Receiver) accountLocked(p *rtp.Packet, arrival time.Time) {
	if r.stats.received > 0 && p.SSRC != r.stats.ssrc {
		r.jbPrior = addJitterStats(r.jbPrior, r.jb.Stats())
		r.jb.reset(r.cfg.Jitter.Silence)
		r.stats = rxStats{clockRate: ClockRate}
	}
	r.stats.update(p, arrival)
}

// Observe accounts one packet in the statistics only, without the jitter
// buffer or OnEvent: a bridged leg relays its packets but still reports on
// them in RTCP.
func (r *Receiver) Observe(p *rtp.Packet, arrival time.Time) {
	r.mu.Lock()
	r.accountLocked(p, arrival)
	r.mu.Unlock()
}

// SetFormat changes the telephone-event payload type and the silence byte
// of concealed frames (a re-INVITE changed them); the silence byte applies
// from the next jitter buffer (the next SSRC) on.
func (r *Receiver) SetFormat(eventPT uint8, silence byte) {
	r.mu.Lock()
	r.cfg.EventPayloadType = eventPT
	r.cfg.Jitter.Silence = silence
	r.mu.Unlock()
}

// ReceiveBytes parses one datagram and accounts it.
func (r *Receiver) ReceiveBytes(b []byte, arrival time.Time) error {
	p := &rtp.Packet{}
	if err := p.Unmarshal(b); err != nil {
		return fmt.Errorf("media: parse RTP (%d bytes): %w", len(b), err)
	}
	if p.Version != 2 {
		return fmt.Errorf("media: parse RTP: version %d, want 2", p.Version)
	}
	r.Receive(p, arrival)
	return nil
}

// Pop returns the next 20 ms frame from the jitter buffer; see
// JitterBuffer.Pop (the payload is valid until the next Pop).
func (r *Receiver) Pop() (Frame, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.jb.Pop()
}

// Stats returns the reception statistics.
func (r *Receiver) Stats() ReceptionStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats.snapshot()
}

// JitterStats returns the jitter buffer's counters over the whole call.
func (r *Receiver) JitterStats() JitterStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return addJitterStats(r.jbPrior, r.jb.Stats())
}

func addJitterStats(a, b JitterStats) JitterStats {
	return JitterStats{
		Late:       a.Late + b.Late,
		Duplicates: a.Duplicates + b.Duplicates,
		Overflow:   a.Overflow + b.Overflow,
		Concealed:  a.Concealed + b.Concealed,
		Played:     a.Played + b.Played,
		CaughtUp:   a.CaughtUp + b.CaughtUp,
	}
}

// fractionLost starts a new report interval; see rxStats.fractionLost.
func (r *Receiver) fractionLost() uint8 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats.fractionLost()
}

// Playout pops one frame from r every 20 ms on clk and hands it to sink
// until ctx is done or the returned Pacer is stopped; nothing is handed over
// while the jitter buffer is buffering. The frame's payload is valid during
// the sink call only.
func Playout(ctx context.Context, clk clock.Clock, r *Receiver, sink func(Frame)) *Pacer {
	p := NewPacer(clk, FramePeriod, func(_, _ int64) bool {
		if f, ok := r.Pop(); ok {
			sink(f)
		}
		return true
	})
	p.Start(ctx)
	return p
}

// Source returns the address the last packet came from (for symmetric RTP).
func (r *Receiver) Source() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.source
}

// ReadLoop reads datagrams from conn until ctx is done or conn is closed,
// stamping arrivals with now. It returns nil when ctx ended it.
func (r *Receiver) ReadLoop(ctx context.Context, conn net.PacketConn, now func() time.Time) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 1500)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("media: read RTP: %w", err)
		}
		if err := r.ReceiveBytes(buf[:n], now()); err != nil {
			r.log.Debug("dropped RTP datagram", "from", addr.String(), "err", err)
			continue
		}
		r.mu.Lock()
		r.source = addr
		r.mu.Unlock()
	}
}
