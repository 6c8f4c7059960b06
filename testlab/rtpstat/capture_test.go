package rtpstat

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/testlab/rtppcap"
)

// TestCaptureLoopback captures RTP sent on loopback by this test and reads it back both
// through tshark (Read) and through rtppcap: every packet, in order, and nothing outside the
// filter.
func TestCaptureLoopback(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: tshark not found (apt-get install tshark)")
		}
		t.Skip("tshark not found (apt-get install tshark)")
	}
	dst, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	src, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	other, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	port := dst.LocalAddr().(*net.UDPAddr).Port
	file := filepath.Join(t.TempDir(), "lo.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := StartCapture(ctx, CaptureOptions{Filter: "udp dst port " + itoa(port), File: file, Duration: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := range n {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), SSRC: 77, Timestamp: uint32(160 * i)}, Payload: make([]byte, 160)}).Marshal()
		if _, err := src.WriteTo(b, dst.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if _, err := src.WriteTo(b, other.LocalAddr()); err != nil { // filtered out
			t.Fatal(err)
		}
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	pkts, err := Read(ctx, file, ReadOptions{Ports: []string{itoa(port)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != n {
		t.Fatalf("tshark read %d packets, want %d", len(pkts), n)
	}
	for i, p := range pkts {
		if p.Seq != uint16(i) || p.SSRC != 77 || int(p.DstPort) != port {
			t.Fatalf("packet %d: %+v", i, p)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := rtppcap.ReadDatagrams(f)
	if err != nil {
		t.Fatal(err)
	}
	var mine int
	for _, d := range ds {
		switch int(d.Dst.Port()) {
		case port:
			mine++
		case c.ProbePort():
		default:
			t.Fatalf("datagram outside the filter: %v → %v", d.Src, d.Dst)
		}
	}
	if mine != n {
		t.Fatalf("rtppcap read %d datagrams to port %d, want %d", mine, port, n)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
