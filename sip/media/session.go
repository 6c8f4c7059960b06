package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtp"

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
	// Clock paces playout (20 ms) and RTCP, and sending unless SendClock
	// is set; nil is the wall clock.
	Clock clock.Clock
	// SendClock, when set, drives this session's 20 ms send together with
	// the other sessions registered on it (one pass per slot for all of a
	// user agent's calls); it should run on the same clock as Clock. Nil:
	// the session sends on a SendClock of its own, on Clock.
	SendClock *SendClock
	// RecvLoop, when set, reads this session's RTP and RTCP sockets
	// together with the other sessions registered on it (on Linux one
	// goroutine and one epoll instance for all of them); nil: the session
	// reads them with two goroutines of its own.
	RecvLoop *RecvLoop
	// ClockedPlayout runs the session's playout (jitter buffer, VAD,
	// OnAudio, AMD) and the timing of its RTCP reports on the send
	// clock's pass, after every session's send (SendClock.AddAfter),
	// instead of two Pacer timers of the session's own. RTCPInterval is
	// then rounded to whole 20 ms slots.
	ClockedPlayout bool
	// Jitter configures the receive jitter buffer.
	Jitter JitterConfig
	// VAD configures the voice-activity detector run on received audio.
	VAD VADConfig
	// CNAME is the RTCP canonical name.
	CNAME string
	// RTCPInterval is the RTCP report interval; 0 means
	// DefaultRTCPInterval (5 s).
	RTCPInterval time.Duration
	// OnDTMF is called with each digit the peer sends (RFC 4733, once per
	// event, at its end), in order, from the read loop.
	OnDTMF func(digit rune)
	// OnSpeech is called when the peer starts (true) and stops (false)
	// speaking, from the playout loop.
	OnSpeech func(speaking bool)
	// OnAudio, when set, receives every received 20 ms frame decoded to
	// linear PCM (concealed frames included), from the playout loop. The
	// slice is the callee's to keep.
	OnAudio func(pcm []int16)
	// Logger logs at debug level; nil discards.
	Logger *slog.Logger
}

// SessionStats are a Session's figures.
type SessionStats struct {
	// Sent counts our RTP stream (relayed packets included while bridged).
	Sent SenderStats
	// Received is RFC 3550 reception statistics of the peer's stream.
	Received ReceptionStats
	// Jitter counts what the jitter buffer dropped, concealed and played.
	Jitter JitterStats
	// Remote is the peer's last RTCP report about our stream.
	Remote RemoteReport
	// Latched is true once symmetric RTP latched onto the peer's source.
	Latched bool
	// RemoteRTP is where RTP goes now.
	RemoteRTP netip.AddrPort
	// Dropped counts received datagrams that were not RTP or carried a
	// payload type other than the codec's and telephone-event's.
	Dropped uint64
	// Skipped counts 20 ms slots the send loop passed over because it ran
	// a period or more late (their samples are skipped, not burst).
	Skipped uint64
}

// Session is the media of one call leg: it sends a continuous 20 ms RTP
// stream (silence when nothing plays, a prompt or music while one plays),
// receives the peer's stream through a jitter buffer, runs RTCP, decodes
// and sends RFC 4733 DTMF, and detects speech. Two sessions can be bridged
// (see BridgeSessions). It is safe for concurrent use.
//
// The callbacks (OnDTMF, OnSpeech, OnAudio) run on the session's loops and
// must not block; hand work to another goroutine.
//
// Run starts three clock-driven loops (send: a registration on a
// SendClock; playout and RTCP reports: Pacer timers, or with
// ClockedPlayout a second registration on the SendClock; none has a
// goroutine of its own) and two socket readers (RTP, RTCP: goroutines, or
// registrations on a RecvLoop); Close or the end of Run's context stops
// them all and releases the ports.
type Session struct {
	cfg    SessionConfig
	clk    clock.Clock
	log    *slog.Logger
	ports  *PortPair
	rtpW   *PacketWriter
	rtcpW  *PacketWriter
	sender *Sender
	rx     *Receiver
	rtcp   *RTCPSession
	dtmf   *DTMFDecoder

	mu          sync.Mutex
	codec       Codec
	eventPT     uint8
	silence     []byte
	sending     bool
	talkspurt   bool // marker bit on our next own frame (after hold or a bridge)
	latched     bool
	rtcpLatched bool
	dropped     uint64
	skipped     uint64
	play        *playJob
	dtmfQ       []*dtmfJob
	dtmfGap     int    // audio frames still due between two events
	evBuf       []byte // the telephone-event payload being sent
	bridge      *bridgeHook
	amds        []*amdJob
	running     bool

	// rxPkt is the packet each received datagram is decoded into; owned
	// by the RTP socket's reader.
	rxPkt rtp.Packet

	// Owned by the playout loop.
	vad      *VAD
	speaking bool
	pcm      []int16   // the frame decoded for the VAD and AMDs
	amdTick  []*amdJob // the AMDs fed this tick
	// rtcpDue counts the slots to the next RTCP report (ClockedPlayout).
	rtcpDue int64

	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// ErrSessionClosed is returned by the methods of a closed Session.
var ErrSessionClosed = errors.New("media: session closed")

// ErrReplaced is wrapped in the error Play returns when another Play took
// its place.
var ErrReplaced = errors.New("media: playback replaced by another")

// NewSession returns a session on cfg.Ports; call Run to start it. The
// session owns the ports from here on, also when NewSession fails.
func NewSession(cfg SessionConfig) (*Session, error) {
	s, err := newSession(cfg)
	if err != nil && cfg.Ports != nil && cfg.Ports.RTP != nil && cfg.Ports.RTCP != nil {
		_ = cfg.Ports.Close()
	}
	return s, err
}

func newSession(cfg SessionConfig) (*Session, error) {
	if cfg.Ports == nil || cfg.Ports.RTP == nil || cfg.Ports.RTCP == nil {
		return nil, errors.New("media: session: Ports is nil or not bound")
	}
	codec, err := CodecForPayloadType(cfg.Codec.PayloadType)
	if err != nil {
		return nil, fmt.Errorf("media: session: Codec: %w", err)
	}
	if cfg.EventPayloadType > 127 || (cfg.EventPayloadType != 0 && cfg.EventPayloadType == codec.PayloadType) {
		return nil, fmt.Errorf("media: session: EventPayloadType %d: want 1-127, not the codec's", cfg.EventPayloadType)
	}
	if !cfg.Remote.IsValid() && !cfg.Symmetric {
		return nil, errors.New("media: session: Remote is not set and Symmetric is off: nowhere to send")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("rtp_port", cfg.Ports.Port)
	s := &Session{
		cfg:     cfg,
		clk:     cfg.Clock,
		log:     log,
		ports:   cfg.Ports,
		dtmf:    NewDTMFDecoder(),
		codec:   codec,
		eventPT: cfg.EventPayloadType,
		silence: bytes.Repeat([]byte{codec.Silence()}, FrameSamples),
		sending: true,
		evBuf:   make([]byte, 0, 4),
		vad:     NewVAD(cfg.VAD),
		closed:  make(chan struct{}),
	}
	s.rtpW = NewPacketWriter(cfg.Ports.RTP, udpAddr(cfg.Remote))
	s.rtcpW = NewPacketWriter(cfg.Ports.RTCP, udpAddr(rtcpAddr(cfg.Remote, cfg.RemoteRTCP)))
	s.sender, err = NewSender(SenderConfig{Writer: s.rtpW, PayloadType: codec.PayloadType, Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("media: session: %w", err)
	}
	jc := cfg.Jitter
	jc.Silence = codec.Silence()
	s.rx = NewReceiver(ReceiverConfig{Jitter: jc, EventPayloadType: cfg.EventPayloadType, OnEvent: s.onEvent, Logger: log})
	s.rtcp, err = NewRTCPSession(RTCPConfig{Writer: s.rtcpW, Clock: cfg.Clock, Interval: cfg.RTCPInterval, Sender: s.sender, Receiver: s.rx, CNAME: cfg.CNAME, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("media: session: %w", err)
	}
	return s, nil
}

// udpAddr converts an address for PacketConn.WriteTo; an invalid one gives
// a nil net.Addr (sends fail until symmetric RTP latches).
func udpAddr(ap netip.AddrPort) net.Addr {
	if !ap.IsValid() {
		return nil
	}
	return net.UDPAddrFromAddrPort(ap)
}

func rtcpAddr(remote, remoteRTCP netip.AddrPort) netip.AddrPort {
	if remoteRTCP.IsValid() || !remote.IsValid() {
		return remoteRTCP
	}
	return netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
}

// Run sends, receives and reports until ctx ends or Close is called; it
// closes the ports before it returns. It returns nil when ctx or Close
// stopped it, an error when a socket failed. Run may be called once.
func (s *Session) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("media: session: Run called twice")
	}
	s.running = true
	s.mu.Unlock()
	if s.isClosed() {
		return ErrSessionClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sendClock := s.cfg.SendClock
	if sendClock == nil {
		sendClock = NewSendClock(s.clk)
	}
	stopSend := sendClock.Add(s.sendTick)
	defer stopSend() // idempotent; also on the early returns
	var playout *Pacer
	if s.cfg.ClockedPlayout {
		// +1: the first tick (slot 0) is Run's start, not an elapsed slot,
		// so the first report goes out one interval after it.
		s.rtcpDue = rtcpSlots(s.rtcp.cfg.Interval) + 1
		stopPlayout := sendClock.AddAfter(s.mediaTick)
		defer stopPlayout()
	} else {
		playout = NewPacer(s.clk, FramePeriod, s.playoutTick)
		playout.Start(ctx)
		s.rtcp.Start(ctx)
	}
	errc := make(chan error, 2)
	pending := 0       // reader goroutines still to report
	unreg := func() {} // off the RecvLoop
	if loop := s.cfg.RecvLoop; loop != nil {
		var err error
		if unreg, err = s.addToLoop(loop, errc); err != nil {
			cancel()
			stopSend()
			return errors.Join(err, s.Close())
		}
	} else {
		pending = 2
		go func() { errc <- s.readRTP() }()
		go func() { errc <- s.readRTCP() }()
	}
	var err error
	select {
	case <-ctx.Done():
	case <-s.closed:
	case err = <-errc:
		if pending > 0 {
			pending--
		}
	}
	cancel()
	stopSend()
	closeErr := s.Close()
	// Off the loop after the sockets closed (a closed socket leaves the
	// epoll set by itself, and wakes a reader goroutine of the portable
	// path even on a PacketConn without read deadlines); once unreg
	// returned, no handler of this session runs any more.
	unreg()
	for range pending {
		err = errors.Join(err, <-errc)
	}
	if playout != nil {
		<-playout.Done()
	}
	if err != nil {
		return err
	}
	if closeErr != nil {
		return closeErr
	}
	return nil
}

// Close stops Run and releases the ports; a BYE goes to the peer over
// RTCP when the session ran. It is idempotent and may be called from the
// session's callbacks.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		ran := s.running
		s.mu.Unlock()
		s.rtcp.Stop()
		if ran {
			if err := s.rtcp.SendBye(); err != nil {
				s.log.Debug("RTCP BYE not sent", "err", err)
			}
		}
		s.closeErr = s.ports.Close()
	})
	return s.closeErr
}

func (s *Session) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// LocalPort is the RTP port the session receives on.
func (s *Session) LocalPort() int { return s.ports.Port }

// Update applies a new offer/answer outcome (a re-INVITE): remote
// addresses, codec and event payload type, effective from the next frame.
// An invalid remote keeps the current one; symmetric RTP may latch again.
// A codec other than PCMU or PCMA is ignored (logged). A bridge keeps the
// codecs it started with (bridge again after an Update).
func (s *Session) Update(remote, remoteRTCP netip.AddrPort, codec Codec, eventPT uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if remote.IsValid() {
		s.rtpW.SetAddr(udpAddr(remote))
		s.rtcpW.SetAddr(udpAddr(rtcpAddr(remote, remoteRTCP)))
	}
	s.latched, s.rtcpLatched = false, false
	if c, err := CodecForPayloadType(codec.PayloadType); err != nil {
		s.log.Debug("update: codec ignored", "err", err)
	} else if c != s.codec {
		s.codec = c
		s.sender.SetPayloadType(c.PayloadType)
		s.silence = bytes.Repeat([]byte{c.Silence()}, FrameSamples)
	}
	if eventPT > 127 || eventPT == s.codec.PayloadType {
		s.log.Debug("update: event payload type ignored", "pt", eventPT)
		eventPT = 0
	}
	s.eventPT = eventPT
	s.rx.SetFormat(eventPT, s.codec.Silence())
}

// SetSending turns sending on or off (hold: the peer made itself recvonly
// or inactive, or we hold it); received media keep flowing either way.
// While off, the RTP timestamp keeps advancing with the clock and a
// playing prompt or pending DTMF waits; the first packet after has the
// marker bit.
func (s *Session) SetSending(on bool) {
	s.mu.Lock()
	s.sending = on
	s.mu.Unlock()
}

// Stats returns the session's figures.
func (s *Session) Stats() SessionStats {
	st := SessionStats{
		Sent:     s.sender.Stats(),
		Received: s.rx.Stats(),
		Jitter:   s.rx.JitterStats(),
		Remote:   s.rtcp.Remote(),
	}
	if a, ok := s.rtpW.Addr().(*net.UDPAddr); ok {
		ap := a.AddrPort()
		st.RemoteRTP = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	s.mu.Lock()
	st.Latched = s.latched
	st.Dropped = s.dropped
	st.Skipped = s.skipped
	s.mu.Unlock()
	return st
}
