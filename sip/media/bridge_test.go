package media

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func TestBridgeRelaysAndTranscodes(t *testing.T) {
	v := clock.NewVirtual(epoch)
	toA, recA := newTestSender(t, v, PayloadPCMU)
	toB, recB := newTestSender(t, v, PayloadPCMA)
	br, err := NewBridge(
		BridgeLeg{Codec: PCMU, EventPayloadType: 101, Sender: toA},
		BridgeLeg{Codec: PCMA, EventPayloadType: 96, Sender: toB},
	)
	if err != nil {
		t.Fatal(err)
	}
	ulaw := PCMU.Encode(nil, []int16{0, 1000, -1000, 30000})
	in := []*rtp.Packet{
		{Header: rtp.Header{SSRC: 7, SequenceNumber: 1, Timestamp: 1000, PayloadType: 0, Marker: true}, Payload: ulaw},
		{Header: rtp.Header{SSRC: 7, SequenceNumber: 2, Timestamp: 1160, PayloadType: 0}, Payload: ulaw},
		// seq 3 lost upstream: the timestamp gap must survive
		{Header: rtp.Header{SSRC: 7, SequenceNumber: 4, Timestamp: 1480, PayloadType: 0}, Payload: ulaw},
		{Header: rtp.Header{SSRC: 7, SequenceNumber: 5, Timestamp: 1640, PayloadType: 101}, Payload: TelephoneEvent{Event: 3, Duration: 400}.Marshal()},
		{Header: rtp.Header{SSRC: 7, SequenceNumber: 6, Timestamp: 1640, PayloadType: 18}, Payload: []byte{1}}, // G.729: not negotiated
	}
	for _, p := range in {
		if err := br.FromA(p); err != nil {
			t.Fatal(err)
		}
	}
	got := recB.packets()
	if len(got) != 4 {
		t.Fatalf("relayed %d packets to B, want 4", len(got))
	}
	wantPT := []uint8{8, 8, 8, 96}
	wantTS := []uint32{0, 160, 480, 640}
	for i, g := range got {
		h := g.pkt.Header
		if h.PayloadType != wantPT[i] || h.Timestamp-got[0].pkt.Timestamp != wantTS[i] || h.SSRC != toB.SSRC() {
			t.Fatalf("packet %d header %+v", i, h)
		}
		if i > 0 && h.SequenceNumber != got[i-1].pkt.SequenceNumber+1 {
			t.Fatalf("packet %d sequence not contiguous", i)
		}
		if h.Marker != (i == 0) {
			t.Fatalf("packet %d marker %v", i, h.Marker)
		}
	}
	if want := UlawToAlaw(nil, ulaw); !bytes.Equal(got[0].pkt.Payload, want) {
		t.Fatalf("payload % x, want % x", got[0].pkt.Payload, want)
	}
	if st := br.Stats(); st.Relayed != 4 || st.Transcoded != 3 || st.Dropped != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The other direction, same codec on both sides would copy; here A-law
	// back to µ-law.
	alaw := PCMA.Encode(nil, []int16{500})
	if err := br.FromB(&rtp.Packet{Header: rtp.Header{SSRC: 9, PayloadType: 8}, Payload: alaw}); err != nil {
		t.Fatal(err)
	}
	if a := recA.packets(); len(a) != 1 || a[0].pkt.PayloadType != 0 || a[0].pkt.Payload[0] != EncodeUlaw(DecodeAlaw(alaw[0])) {
		t.Fatalf("to A: %+v", a)
	}
}

func TestBridgeRunLoopback(t *testing.T) {
	listen := func() net.PacketConn {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	phoneA, bridgeA, bridgeB, phoneB := listen(), listen(), listen(), listen()
	toA, err := NewSender(SenderConfig{Writer: NewPacketWriter(bridgeA, phoneA.LocalAddr()), PayloadType: PayloadPCMU})
	if err != nil {
		t.Fatal(err)
	}
	toB, err := NewSender(SenderConfig{Writer: NewPacketWriter(bridgeB, phoneB.LocalAddr()), PayloadType: PayloadPCMA})
	if err != nil {
		t.Fatal(err)
	}
	br, err := NewBridge(BridgeLeg{Codec: PCMU, Sender: toA}, BridgeLeg{Codec: PCMA, Sender: toB})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- br.Run(ctx, bridgeA, bridgeB) }()

	fromA, err := NewSender(SenderConfig{Writer: NewPacketWriter(phoneA, bridgeA.LocalAddr()), PayloadType: PayloadPCMU})
	if err != nil {
		t.Fatal(err)
	}
	ulaw := PCMU.Encode(nil, make([]int16, FrameSamples))
	if err := fromA.WriteFrame(ulaw, FrameSamples); err != nil {
		t.Fatal(err)
	}
	_ = phoneB.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, _, err := phoneB.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil || p.PayloadType != PayloadPCMA || p.Payload[0] != 0xD5 {
		t.Fatalf("phone B got %+v err %v", p.Header, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
