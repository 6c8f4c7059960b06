package media

import (
	"net/netip"
	"testing"

	"github.com/pion/rtp"
)

// BenchmarkSessionPacket is one packet's worth of a session's media work,
// as the RecvLoop and the SendClock drive it: a received PCMU datagram
// decoded and pushed into the jitter buffer, one playout tick (pop, decode,
// VAD) and one send tick (silence onto a loopback UDP socket). B/op and
// allocs/op are the garbage each packet makes (issue #23), independent of
// the machine's load:
//
//	go test ./sip/media -run '^$' -bench SessionPacket -benchmem -count 5
func BenchmarkSessionPacket(b *testing.B) {
	pr := testPortRange(b)
	pa, pb := listenLoopback(b, pr), listenLoopback(b, pr)
	b.Cleanup(func() { _ = pb.Close() })
	cfg, _ := pairConfig(pa, pb, PCMU)
	s, err := NewSession(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	payload := PCMU.Encode(nil, toneFrame())
	buf := make([]byte, 0, 1500)
	h := rtp.Header{Version: 2, PayloadType: PayloadPCMU, SSRC: 0x1234}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.SequenceNumber, h.Timestamp = uint16(i), uint32(i*FrameSamples)
		n, err := h.MarshalTo(buf[:cap(buf)])
		if err != nil {
			b.Fatal(err)
		}
		buf = append(buf[:n], payload...)
		s.rtpDatagram(buf, from)
		s.playoutTick(int64(i), 0)
		s.sendTick(int64(i), 0)
	}
}
