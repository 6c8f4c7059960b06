package rtpstat

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/testlab/rtppcap"
)

const ms = time.Millisecond

// synthetic is a capture of three streams with known timing:
//   - A (6000→7000): exact 20 ms, 100 packets;
//   - B (6002→7002): 100 packets, every 10th packet 3 ms late (its own and the next interval
//     are off by 3 ms: 20 of 99 intervals), no drift beyond 3 ms;
//   - C (6004→7004): 100 packets with packet 50 lost (one gap) and packets 70 and 71 swapped
//     in capture order (one reordered).
type synthPacket struct {
	at       time.Time
	src, dst uint16
	ssrc     uint32
	seq      uint16
}

func synthetic() []synthPacket {
	t0 := time.Unix(1800000000, 0)
	var out []synthPacket
	for i := range 100 {
		out = append(out, synthPacket{at: t0.Add(time.Duration(i) * 20 * ms), src: 6000, dst: 7000, ssrc: 0xA, seq: uint16(65500 + i)})
		late := time.Duration(0)
		if i%10 == 5 {
			late = 3 * ms
		}
		out = append(out, synthPacket{at: t0.Add(time.Duration(i)*20*ms + late), src: 6002, dst: 7002, ssrc: 0xB, seq: uint16(i)})
	}
	var c []synthPacket
	for i := range 100 {
		if i == 50 {
			continue
		}
		c = append(c, synthPacket{at: t0.Add(time.Duration(i)*20*ms + 7*ms), src: 6004, dst: 7004, ssrc: 0xC, seq: uint16(1000 + i)})
	}
	// swap 70 and 71 (indices 69 and 70 after the removed 50), keeping capture times in order
	c[69].seq, c[70].seq = c[70].seq, c[69].seq
	out = append(out, c...)
	// capture order is time order
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].at.Before(out[j-1].at); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func toPackets(s []synthPacket) []Packet {
	var out []Packet
	for _, p := range s {
		out = append(out, Packet{Time: p.at, SrcPort: p.src, DstPort: p.dst, SSRC: p.ssrc, Seq: p.seq, Timestamp: uint32(p.seq) * 160})
	}
	return out
}

// wantSynthetic are the figures of synthetic(), worked out by hand.
//   - A: 99 intervals of exactly 20 ms.
//   - B: 99 intervals; 10 late packets (i = 5, 15, … 95) each make 2 intervals off by 3 ms.
//   - C: 99 packets captured; 50 is lost (49→51 is a gap, no interval); 69, then 71 in 70's
//     slot (a gap, and 20 ms ahead of its schedule), then 70 (reordered, dropped), then 72, one
//     after 71 but 40 ms after it (off by 20 ms). Intervals: 49 before the loss, 51→…→69 is 18,
//     71→72 and on to 99 is 28: 95 in all, all exact but 71→72.
//
// Over 293 intervals: 272 exact, 20 off by 3 ms, 1 off by 20 ms; p99 is the 291st (3 ms),
// p99.9 the 293rd (20 ms).
var wantSynthetic = Figures{Streams: 3, Packets: 299, Intervals: 99 + 99 + 95,
	P50: 0, P99: 3 * ms, P999: 20 * ms, Max: 20 * ms, Over1ms: 21, Over2ms: 21, Gaps: 2, Reordered: 1, MaxDrift: 20 * ms}

// TestCompute checks the figures on hand-made packet lists.
func TestCompute(t *testing.T) {
	tests := []struct {
		name string
		pkts []Packet
		keep func(Packet) bool
		want Figures
	}{
		{name: "synthetic capture", pkts: toPackets(synthetic()), want: wantSynthetic},
		{name: "only stream A kept", pkts: toPackets(synthetic()), keep: func(p Packet) bool { return p.SSRC == 0xA },
			want: Figures{Streams: 1, Packets: 100, Intervals: 99}},
		{name: "empty", want: Figures{}},
		{name: "skipped slots", pkts: []Packet{
			{Time: time.Unix(0, 0), Seq: 1, Timestamp: 160}, {Time: time.Unix(0, int64(20*ms)), Seq: 2, Timestamp: 320},
			{Time: time.Unix(0, int64(80*ms)), Seq: 3, Timestamp: 800}, // woke 40 ms late: 2 slots dropped
			{Time: time.Unix(0, int64(100*ms)), Seq: 4, Timestamp: 960},
		}, want: Figures{Streams: 1, Packets: 4, Intervals: 3, P50: 0, P99: 40 * ms, P999: 40 * ms, Max: 40 * ms,
			Over1ms: 1, Over2ms: 1, Skipped: 2, MaxDrift: 40 * ms}},
		{name: "bunching and drift", pkts: []Packet{
			{Time: time.Unix(0, 0), Seq: 1}, {Time: time.Unix(0, int64(40*ms)), Seq: 2}, // 20 ms late
			{Time: time.Unix(0, int64(41*ms)), Seq: 3}, // burst: 1 ms after
			{Time: time.Unix(0, int64(65*ms)), Seq: 4}, // 5 ms late against the schedule
		}, want: Figures{Streams: 1, Packets: 4, Intervals: 3, P50: 19 * ms, P99: 20 * ms, P999: 20 * ms, Max: 20 * ms,
			Over1ms: 3, Over2ms: 3, MaxDrift: 20 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.pkts, 20*ms, tt.keep)
			if got != tt.want {
				t.Fatalf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestTsharkOnSyntheticCapture writes the synthetic streams into a pcap with rtppcap, reads it
// back through tshark (Read) and gets the same figures as computed directly.
func TestTsharkOnSyntheticCapture(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: tshark not found (apt-get install tshark)")
		}
		t.Skip("tshark not found (apt-get install tshark)")
	}
	path := filepath.Join(t.TempDir(), "synthetic.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rtppcap.NewWriter(f, rtppcap.LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	for _, p := range synthetic() {
		b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: p.seq, SSRC: p.ssrc, Timestamp: uint32(p.seq) * 160},
			Payload: make([]byte, 160)}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteDatagram(p.at, netip.AddrPortFrom(lo, p.src), netip.AddrPortFrom(lo, p.dst), b); err != nil {
			t.Fatal(err)
		}
	}
	// A non-RTP datagram on the same ports is not counted.
	if err := w.WriteDatagram(time.Unix(1800000001, 0), netip.AddrPortFrom(lo, 6000), netip.AddrPortFrom(lo, 7000), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opt  ReadOptions
	}{
		{name: "decode-as port range", opt: ReadOptions{Ports: []string{"7000-7004"}}},
		{name: "heuristic", opt: ReadOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkts, err := Read(context.Background(), path, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := Compute(pkts, 20*ms, nil); got != wantSynthetic {
				t.Fatalf("got  %v\nwant %v", got, wantSynthetic)
			}
		})
	}
	if _, err := Read(context.Background(), filepath.Join(t.TempDir(), "missing.pcap"), ReadOptions{}); err == nil {
		t.Fatal("missing file: no error")
	}
}

// TestParseFieldsErrors checks bad lines name their line and field.
func TestParseFieldsErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		line  int
		field string
	}{
		{name: "too few fields", in: "1.5\t1\t2\n", line: 1, field: "(line)"},
		{name: "bad epoch", in: "x\t1\t2\t0x1\t3\t9\t0\n", line: 1, field: "frame.time_epoch"},
		{name: "bad port", in: "1.0\t1\t2\t0x1\t3\t9\t0\n1.5\t70000\t2\t0x1\t3\t9\t0\n", line: 2, field: "udp.srcport"},
		{name: "bad ssrc", in: "1.0\t1\t2\t0xzz\t3\t9\t0\n", line: 1, field: "rtp.ssrc"},
		{name: "bad seq", in: "1.0\t1\t2\t0x1\t65536\t9\t0\n", line: 1, field: "rtp.seq"},
		{name: "bad timestamp", in: "1.0\t1\t2\t0x1\t1\t-9\t0\n", line: 1, field: "rtp.timestamp"},
		{name: "bad pt", in: "1.0\t1\t2\t0x1\t1\t9\t128\n", line: 1, field: "rtp.p_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFields(strings.NewReader(tt.in))
			var le *LineError
			if !errors.As(err, &le) || le.Line != tt.line || le.Field != tt.field {
				t.Fatalf("got %v, want line %d field %s", err, tt.line, tt.field)
			}
		})
	}
	// Non-RTP lines are skipped; the first of several values is kept; epochs are exact.
	got, err := ParseFields(strings.NewReader("5.1\t1\t2\t\t\t\t\n1795480089.517468123\t10,11\t20\t0x0000abcd\t7\t4294967295\t8\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != (Packet{Time: time.Unix(1795480089, 517468123), SrcPort: 10, DstPort: 20, SSRC: 0xabcd, Seq: 7, Timestamp: 4294967295, PayloadType: 8}) {
		t.Fatalf("got %+v", got)
	}
}

// FuzzParseFields: any input gives packets or a *LineError (or a scanner error), never a panic.
func FuzzParseFields(f *testing.F) {
	f.Add("1795480089.517468\t6000\t7000\t0x0e05384e\t7984\t13280\t0\n")
	f.Add("1.0\t1\t2\t\t\t\t\n")
	f.Add("1.0000000001\t1\t2\t0x1\t1\t1\t1\n")
	f.Fuzz(func(t *testing.T, in string) {
		pkts, err := ParseFields(strings.NewReader(in))
		var le *LineError
		if err != nil && !errors.As(err, &le) && !strings.Contains(err.Error(), "reading tshark output") {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		_ = Compute(pkts, 20*ms, nil)
	})
}
