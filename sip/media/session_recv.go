package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/pion/rtp"
)

// amdJob is a DetectMachine call fed by the playout loop.
type amdJob struct {
	amd  *AMD
	done chan AMDResult // buffered 1
}

// readRTP reads the RTP socket until it is closed (without a RecvLoop).
func (s *Session) readRTP() error {
	buf := make([]byte, 1500)
	for {
		n, from, err := readFromAddrPort(s.ports.RTP, buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.isClosed() {
				return nil
			}
			return fmt.Errorf("media: session port %d: read RTP: %w", s.ports.Port, err)
		}
		s.rtpDatagram(buf[:n], from)
	}
}

// addToLoop registers the RTP and RTCP sockets on loop, their read errors
// to errc, and returns the function that takes both off it.
func (s *Session) addToLoop(loop *RecvLoop, errc chan<- error) (remove func(), err error) {
	report := func(what string, port int) func(error) {
		return func(err error) {
			if s.isClosed() {
				return
			}
			select {
			case errc <- fmt.Errorf("media: session port %d: read %s: %w", port, what, err):
			default:
			}
		}
	}
	rmRTP, err := loop.Add(s.ports.RTP, RecvHandler{Datagram: s.rtpDatagram, Error: report("RTP", s.ports.Port)})
	if err != nil {
		return func() {}, fmt.Errorf("media: session port %d: %w", s.ports.Port, err)
	}
	rmRTCP, err := loop.Add(s.ports.RTCP, RecvHandler{Datagram: s.rtcpDatagram, Error: report("RTCP", s.ports.Port+1)})
	if err != nil {
		rmRTP()
		return func() {}, fmt.Errorf("media: session port %d: %w", s.ports.Port+1, err)
	}
	return func() { rmRTP(); rmRTCP() }, nil
}

// rtpDatagram takes one datagram of the RTP socket. b is the reader's
// buffer and is decoded in place into the session's one packet (the RTP
// socket has one reader, so calls never overlap): the payload points into
// b, valid during this call only. Everything downstream (jitter buffer,
// DTMF decoder, bridge relay, recording) copies what it keeps, so a packet
// costs no allocation.
func (s *Session) rtpDatagram(b []byte, from netip.AddrPort) {
	p := &s.rxPkt
	if err := p.Unmarshal(b); err != nil || p.Version != 2 {
		s.mu.Lock()
		s.dropped++
		s.mu.Unlock()
		s.log.Debug("dropped datagram: not RTP", "from", from.String(), "len", len(b))
		return
	}
	s.receive(p, from)
}

// receive takes one RTP packet: payload type filter, symmetric latch, then
// the jitter buffer, or the bridge while bridged.
func (s *Session) receive(p *rtp.Packet, from netip.AddrPort) {
	now := s.clk.Now()
	s.mu.Lock()
	isEvent := s.eventPT != 0 && p.PayloadType == s.eventPT
	if p.PayloadType != s.codec.PayloadType && !isEvent {
		s.dropped++
		s.mu.Unlock()
		return
	}
	if s.cfg.Symmetric && !s.latched {
		s.latchLocked(from)
	}
	hook := s.bridge
	s.mu.Unlock()
	if hook == nil {
		s.rx.Receive(p, now) // events reach onEvent from there
		return
	}
	s.rx.Observe(p, now)
	if isEvent {
		s.onEvent(p)
	}
	if err := hook.relay(p); err != nil {
		s.log.Debug("bridge relay failed", "err", err)
	}
}

// latchLocked points RTP (and RTCP, unless RTCP latched on its own) at the
// peer's real source: symmetric RTP, RFC 4961.
func (s *Session) latchLocked(from netip.AddrPort) {
	if !from.IsValid() {
		return
	}
	ua := net.UDPAddrFromAddrPort(from)
	s.latched = true
	s.rtpW.SetAddr(ua)
	if !s.rtcpLatched {
		s.rtcpW.SetAddr(&net.UDPAddr{IP: ua.IP, Port: ua.Port + 1, Zone: ua.Zone})
	}
	s.log.Debug("symmetric RTP latched", "remote", ua.String())
}

// onEvent decodes telephone-events into OnDTMF calls.
func (s *Session) onEvent(p *rtp.Packet) {
	digits, err := s.dtmf.Push(p)
	if err != nil {
		s.log.Debug("bad telephone-event", "err", err)
		return
	}
	if s.cfg.OnDTMF == nil {
		return
	}
	for _, d := range digits {
		s.cfg.OnDTMF(d.Digit)
	}
}

// readRTCP reads the RTCP socket until it is closed (without a RecvLoop).
func (s *Session) readRTCP() error {
	buf := make([]byte, 1500)
	for {
		n, from, err := readFromAddrPort(s.ports.RTCP, buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.isClosed() {
				return nil
			}
			return fmt.Errorf("media: session port %d: read RTCP: %w", s.ports.Port+1, err)
		}
		s.rtcpDatagram(buf[:n], from)
	}
}

// rtcpDatagram takes one datagram of the RTCP socket.
func (s *Session) rtcpDatagram(b []byte, from netip.AddrPort) {
	if err := s.rtcp.Handle(b); err != nil {
		s.log.Debug("dropped RTCP", "from", from.String(), "err", err)
		return
	}
	s.mu.Lock()
	if s.cfg.Symmetric && !s.rtcpLatched && from.IsValid() {
		s.rtcpLatched = true
		s.rtcpW.SetAddr(net.UDPAddrFromAddrPort(from))
	}
	s.mu.Unlock()
}

// rtcpSlots is an RTCP report interval in 20 ms slots (at least one).
func rtcpSlots(interval time.Duration) int64 {
	return max(1, int64((interval+FramePeriod/2)/FramePeriod))
}

// mediaTick is the ClockedPlayout registration's TickFunc: this slot's
// playout, then an RTCP report when one is due.
func (s *Session) mediaTick(slot, missed int64) bool {
	if s.isClosed() {
		return false
	}
	s.playoutTick(slot, missed)
	s.rtcpDue -= 1 + missed
	if s.rtcpDue <= 0 {
		s.rtcpDue = rtcpSlots(s.rtcp.cfg.Interval)
		if err := s.rtcp.SendReport(); err != nil {
			s.log.Debug("RTCP report not sent", "err", err)
		}
	}
	return true
}

// playoutTick is the playout loop's TickFunc: one frame from the jitter
// buffer every 20 ms to the VAD, OnAudio and running AMDs.
func (s *Session) playoutTick(_, _ int64) bool {
	f, ok := s.rx.Pop()
	s.mu.Lock()
	bridged := s.bridge != nil
	codec := s.codec
	// A copy (into a slice kept for the purpose): a finished AMD leaves
	// s.amds under s.mu while this loop walks its own list.
	s.amdTick = append(s.amdTick[:0], s.amds...)
	amds := s.amdTick
	s.mu.Unlock()
	if bridged {
		return true
	}
	var pcm []int16
	if ok {
		if c, err := CodecForPayloadType(f.PayloadType); err == nil && !f.Concealed {
			codec = c
		}
		s.pcm = codec.Decode(s.pcm[:0], f.Payload)
		pcm = s.pcm
		if sp := s.vad.Process(pcm); sp != s.speaking {
			s.speaking = sp
			if s.cfg.OnSpeech != nil {
				s.cfg.OnSpeech(sp)
			}
		}
		if s.cfg.OnAudio != nil {
			s.cfg.OnAudio(slices.Clone(pcm))
		}
	} else if len(amds) > 0 {
		// Nothing received yet: time passes in silence for the detector.
		s.pcm = s.pcm[:0]
		for range FrameSamples {
			s.pcm = append(s.pcm, 0)
		}
		pcm = s.pcm
	}
	for _, j := range amds {
		if r := j.amd.Feed(pcm); r != AMDUndecided {
			j.done <- r
			s.removeAMD(j)
		}
	}
	clear(s.amdTick) // no reference kept to a finished AMD
	return true
}

func (s *Session) removeAMD(j *amdJob) {
	s.mu.Lock()
	s.amds = slices.DeleteFunc(s.amds, func(x *amdJob) bool { return x == j })
	s.mu.Unlock()
}

// DetectMachine runs the answering-machine heuristic on the received audio
// until it decides or ctx ends (AMDUndecided then). While nothing is
// received, the detector hears silence.
func (s *Session) DetectMachine(ctx context.Context, cfg AMDConfig) AMDResult {
	j := &amdJob{amd: NewAMD(cfg), done: make(chan AMDResult, 1)}
	if s.isClosed() {
		return AMDUndecided
	}
	s.mu.Lock()
	s.amds = append(s.amds, j)
	s.mu.Unlock()
	select {
	case r := <-j.done:
		return r
	case <-ctx.Done():
	case <-s.closed:
	}
	s.removeAMD(j)
	return AMDUndecided
}
