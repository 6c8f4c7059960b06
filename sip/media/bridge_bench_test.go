package media

import (
	"io"
	"sync"
	"testing"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// BenchmarkBridgeRelay measures one relayed packet (PCMU to PCMA,
// transcoded) through a plain Bridge (the baseline) and through one
// steered as SessionBridge steers it: the leg's Takes asked on every
// packet (a session's lock), the hold and mute flags checked. Compare the
// two sub-benchmarks of one run:
//
//	go test ./sip/media -run '^$' -bench BridgeRelay -count 5
func BenchmarkBridgeRelay(b *testing.B) {
	clk := clock.NewVirtual(epoch)
	var mu sync.Mutex
	sending := true
	takes := func() bool { mu.Lock(); defer mu.Unlock(); return sending }
	for _, bc := range []struct {
		name  string
		takes func() bool
	}{
		{name: "plain"},
		{name: "steered", takes: takes},
	} {
		b.Run(bc.name, func(b *testing.B) {
			toA, err := NewSender(SenderConfig{Writer: io.Discard, PayloadType: PayloadPCMU, Clock: clk, Rand: fixedRand()})
			if err != nil {
				b.Fatal(err)
			}
			toB, err := NewSender(SenderConfig{Writer: io.Discard, PayloadType: PayloadPCMA, Clock: clk, Rand: fixedRand()})
			if err != nil {
				b.Fatal(err)
			}
			br, err := NewBridge(BridgeLeg{Codec: PCMU, EventPayloadType: 101, Sender: toA},
				BridgeLeg{Codec: PCMA, EventPayloadType: 101, Sender: toB, Takes: bc.takes})
			if err != nil {
				b.Fatal(err)
			}
			p := &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7, PayloadType: PayloadPCMU}, Payload: PCMU.Encode(nil, toneFrame())}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p.SequenceNumber, p.Timestamp = uint16(i), uint32(i*FrameSamples)
				if err := br.FromA(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
