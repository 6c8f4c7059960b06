package media

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtcp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// delayedRTCP delivers RTCP datagrams to a session after a one-way delay and
// keeps the parsed packets.
type delayedRTCP struct {
	clk   *clock.Virtual
	delay time.Duration
	to    *RTCPSession
	got   [][]rtcp.Packet
	t     testing.TB
}

func (d *delayedRTCP) Write(b []byte) (int, error) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		d.t.Errorf("sent unparsable RTCP: %v", err)
	}
	d.got = append(d.got, pkts)
	buf := append([]byte(nil), b...)
	d.clk.AfterFunc(d.delay, func() {
		if err := d.to.Handle(buf); err != nil {
			d.t.Errorf("handle: %v", err)
		}
	})
	return len(b), nil
}

func TestRTCPReportsBetweenTwoLegs(t *testing.T) {
	v := clock.NewVirtual(epoch)
	// Leg A sends audio to leg B through a link losing 5 of 250 packets;
	// B sends nothing (receive-only) and answers with receiver reports.
	rxB := NewReceiver(ReceiverConfig{Jitter: JitterConfig{Depth: 2}})
	link := &lossyLink{clk: v, rx: rxB, t: t, drop: map[int]bool{3: true, 50: true, 100: true, 101: true, 200: true}}
	sndA, err := NewSender(SenderConfig{Writer: link, PayloadType: PayloadPCMU, Clock: v, Rand: fixedRand()})
	if err != nil {
		t.Fatal(err)
	}
	aToB := &delayedRTCP{clk: v, delay: 50 * time.Millisecond, t: t}
	bToA := &delayedRTCP{clk: v, delay: 50 * time.Millisecond, t: t}
	a, err := NewRTCPSession(RTCPConfig{Writer: aToB, Clock: v, Sender: sndA, CNAME: "a@pbxagent"})
	if err != nil {
		t.Fatal(err)
	}
	var byes int
	b, err := NewRTCPSession(RTCPConfig{Writer: bToA, Clock: v, Receiver: rxB, CNAME: "b@pbxagent", OnBye: func() { byes++ }})
	if err != nil {
		t.Fatal(err)
	}
	aToB.to, bToA.to = b, a
	ctx := context.Background()
	Play(ctx, v, sndA, silentFrames(500, PCMU), false)
	a.Start(ctx)
	b.Start(ctx)

	v.Advance(5*time.Second + time.Millisecond)
	if len(aToB.got) != 1 {
		t.Fatalf("A sent %d reports in 5 s, want 1", len(aToB.got))
	}
	sr, ok := aToB.got[0][0].(*rtcp.SenderReport)
	if !ok {
		t.Fatalf("A's first packet is %T, want SR", aToB.got[0][0])
	}
	if sr.PacketCount != 250 || sr.OctetCount != 250*FrameSamples || sr.SSRC != 0xDEADBEEF {
		t.Fatalf("SR %+v, want 250 packets (0 to 4.98 s; the report timer fires first at 5 s)", sr)
	}
	if want := NTPTime(epoch.Add(5 * time.Second)); sr.NTPTime != want {
		t.Fatalf("SR NTP %#x, want %#x", sr.NTPTime, want)
	}
	base := uint32(0xFFFFFF10)
	if want := base + 250*FrameSamples; sr.RTPTime != want {
		t.Fatalf("SR RTP time %d, want %d", sr.RTPTime, want)
	}
	if _, ok := aToB.got[0][1].(*rtcp.SourceDescription); !ok {
		t.Fatalf("no SDES in compound packet")
	}
	rr, ok := bToA.got[0][0].(*rtcp.ReceiverReport)
	if !ok || len(rr.Reports) != 1 {
		t.Fatalf("B's first report %+v", bToA.got[0][0])
	}
	// B's report at 5 s: packets 0..249 expected, 245 received.
	blk := rr.Reports[0]
	if blk.SSRC != 0xDEADBEEF || blk.TotalLost != 5 || blk.FractionLost != uint8(5*256/250) || blk.LastSenderReport != 0 {
		t.Fatalf("block %+v", blk)
	}
	v.Advance(5 * time.Second)
	blk = bToA.got[1][0].(*rtcp.ReceiverReport).Reports[0]
	if blk.FractionLost != 0 || blk.TotalLost != 5 {
		t.Fatalf("second block %+v", blk)
	}
	if want := uint32(NTPTime(epoch.Add(5*time.Second)) >> 16); blk.LastSenderReport != want {
		t.Fatalf("LSR %#x, want %#x", blk.LastSenderReport, want)
	}
	if want := uint32(324403); blk.Delay != want { // 4.95 s × 65536
		t.Fatalf("DLSR %d, want %d", blk.Delay, want)
	}
	v.Advance(100 * time.Millisecond) // B's report reaches A at 10.05 s
	rem := a.Remote()
	if rtt := rem.RoundTrip; rtt < 99*time.Millisecond || rtt > 101*time.Millisecond {
		t.Fatalf("round trip %v, want 100 ms", rtt)
	}
	if err := a.SendBye(); err != nil {
		t.Fatal(err)
	}
	v.Advance(time.Second)
	if byes != 1 {
		t.Fatalf("BYE callbacks %d", byes)
	}
	a.Stop()
	b.Stop()
}

func TestNTPTime(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		want uint64
	}{
		{name: "unix epoch", at: time.Unix(0, 0), want: uint64(ntpEpochOffset) << 32},
		{name: "half second", at: time.Unix(1, 500_000_000), want: uint64(ntpEpochOffset+1)<<32 | 1<<31},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NTPTime(tc.at); got != tc.want {
				t.Fatalf("NTPTime = %#x, want %#x", got, tc.want)
			}
		})
	}
}

func FuzzRTCPHandle(f *testing.F) {
	sr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.SenderReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 2, LastSenderReport: 5}}}})
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1}, &rtcp.Goodbye{Sources: []uint32{1}}})
	f.Add(sr)
	f.Add(rr)
	f.Add([]byte{0x80, 0xC8, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := NewRTCPSession(RTCPConfig{Writer: discard{}, Clock: clock.NewVirtual(epoch), OnBye: func() {}})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Handle(data)
		_ = s.Remote()
	})
}
