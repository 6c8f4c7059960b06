package rtppcap

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/sip/media"
)

// Stream describes the RTP stream a StreamWriter writes.
type Stream struct {
	// Src and Dst are the addresses in the capture. SIPp replaces both by its media address and
	// the peer's (the destination port is kept relative to the lowest one in the file), so any
	// IPv4 addresses do; zero values are 127.0.0.1:6000 → 127.0.0.1:6002.
	Src, Dst netip.AddrPort
	// Codec is PCMU or PCMA (media.PCMU when zero).
	Codec media.Codec
	// EventPayloadType is the telephone-event payload type for DTMF (101 when 0).
	EventPayloadType uint8
	// SSRC, Seq and Timestamp are the first packet's; they advance from there.
	SSRC      uint32
	Seq       uint16
	Timestamp uint32
	// Start is the first packet's capture time (the Unix epoch when zero).
	Start time.Time
	// Link is the framing; zero means LinkEthernet, like SIPp's own pcaps.
	Link LinkType
}

// Ptime is the packet interval: 20 ms, 160 samples at 8 kHz.
const Ptime = 20 * time.Millisecond

const frameSamples = 160

// StreamWriter writes one RTP stream into a pcap file: G.711 audio frames and RFC 4733
// telephone-events, one packet every 20 ms of capture time.
type StreamWriter struct {
	pw      *Writer
	st      Stream
	seq     uint16
	ts      uint32
	slot    int // packets' capture times are Start + slot × 20 ms
	marker  bool
	packets int
}

// NewStreamWriter writes the pcap header to w and returns a writer for st.
func NewStreamWriter(w io.Writer, st Stream) (*StreamWriter, error) {
	if st.Codec.Name == "" {
		st.Codec = media.PCMU
	}
	if st.EventPayloadType == 0 {
		st.EventPayloadType = 101
	}
	if !st.Src.IsValid() {
		st.Src = netip.MustParseAddrPort("127.0.0.1:6000")
	}
	if !st.Dst.IsValid() {
		st.Dst = netip.MustParseAddrPort("127.0.0.1:6002")
	}
	if st.Start.IsZero() {
		st.Start = time.Unix(0, 0)
	}
	if st.Link == LinkNull { // the zero value; LinkNull is not written
		st.Link = LinkEthernet
	}
	pw, err := NewWriter(w, st.Link)
	if err != nil {
		return nil, err
	}
	return &StreamWriter{pw: pw, st: st, seq: st.Seq, ts: st.Timestamp, marker: true}, nil
}

// Packets is the number of RTP packets written.
func (s *StreamWriter) Packets() int { return s.packets }

// Duration is the capture time covered so far (packets × 20 ms).
func (s *StreamWriter) Duration() time.Duration { return time.Duration(s.slot) * Ptime }

// write writes one RTP packet in the next 20 ms slot.
func (s *StreamWriter) write(pt uint8, marker bool, ts uint32, payload []byte) error {
	p := rtp.Packet{Header: rtp.Header{Version: 2, Marker: marker, PayloadType: pt,
		SequenceNumber: s.seq, Timestamp: ts, SSRC: s.st.SSRC}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		return fmt.Errorf("rtppcap: rtp packet %d: %w", s.packets+1, err)
	}
	if err := s.pw.WriteDatagram(s.st.Start.Add(time.Duration(s.slot)*Ptime), s.st.Src, s.st.Dst, b); err != nil {
		return err
	}
	s.seq++
	s.slot++
	s.packets++
	return nil
}

// Audio writes pcm as 20 ms frames encoded with the stream's codec (the last frame padded with
// silence); the first frame after a start or an event has the marker bit (RFC 3551 4.1).
func (s *StreamWriter) Audio(pcm []int16) error {
	frame := make([]int16, frameSamples)
	for i := 0; i < len(pcm); i += frameSamples {
		n := copy(frame, pcm[i:min(len(pcm), i+frameSamples)])
		clear(frame[n:])
		if err := s.write(s.st.Codec.PayloadType, s.marker, s.ts, s.st.Codec.Encode(nil, frame)); err != nil {
			return err
		}
		s.marker = false
		s.ts += frameSamples
	}
	return nil
}

// Silence writes d of silence (rounded up to whole 20 ms frames).
func (s *StreamWriter) Silence(d time.Duration) error {
	n := int((d + Ptime - 1) / Ptime)
	return s.Audio(make([]int16, n*frameSamples))
}

// DTMF writes one RFC 4733 event for digit lasting d (rounded up to 20 ms, at least 40 ms):
// a packet every 20 ms carrying the event's start timestamp and the duration so far, the first
// with the marker bit, then the end packet three times (section 2.5.1.4); the audio timestamp
// then moves past the event.
func (s *StreamWriter) DTMF(digit rune, d time.Duration, volume uint8) error {
	code, err := media.DTMFEventCode(digit)
	if err != nil {
		return err
	}
	n := max(2, int((d+Ptime-1)/Ptime))
	start := s.ts
	for i := 1; i <= n; i++ {
		ev := media.TelephoneEvent{Event: code, Volume: volume, Duration: uint16(i * frameSamples), End: i == n}
		if err := s.write(s.st.EventPayloadType, i == 1, start, ev.Marshal()); err != nil {
			return err
		}
	}
	for range 2 { // retransmissions of the end packet, same sequence space (RFC 4733 2.5.1.4)
		ev := media.TelephoneEvent{Event: code, Volume: volume, Duration: uint16(n * frameSamples), End: true}
		if err := s.write(s.st.EventPayloadType, false, start, ev.Marshal()); err != nil {
			return err
		}
	}
	s.ts = start + uint32((n+2)*frameSamples)
	s.marker = true
	return nil
}
