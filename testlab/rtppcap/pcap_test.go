package rtppcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/sip/media"
)

// tone returns n samples of a 440 Hz sine at amplitude a.
func tone(n int, a float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(a * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	return s
}

// TestStreamRoundTrip writes audio and DTMF and reads them back: link framing, addresses,
// 20 ms capture times, sequence and timestamp increments, one SSRC, marker bits, payloads.
func TestStreamRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		link  LinkType
		codec media.Codec
	}{
		{name: "ethernet pcmu", link: LinkEthernet, codec: media.PCMU},
		{name: "linux sll pcma", link: LinkLinuxSLL, codec: media.PCMA},
		{name: "raw ip", link: LinkRaw, codec: media.PCMU},
		{name: "ipv4", link: LinkIPv4, codec: media.PCMU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			start := time.Unix(1700000000, 0)
			sw, err := NewStreamWriter(&buf, Stream{Link: tt.link, Codec: tt.codec, SSRC: 0xdecafbad,
				Seq: 65534, Timestamp: 4294967000, Start: start,
				Src: netip.MustParseAddrPort("10.0.0.1:4000"), Dst: netip.MustParseAddrPort("10.0.0.2:5000")})
			if err != nil {
				t.Fatal(err)
			}
			pcm := tone(3*160+10, 8000) // 4 frames, the last padded
			if err := sw.Audio(pcm); err != nil {
				t.Fatal(err)
			}
			if err := sw.DTMF('5', 60*time.Millisecond, 10); err != nil {
				t.Fatal(err)
			}
			if err := sw.Audio(pcm[:160]); err != nil {
				t.Fatal(err)
			}
			// 4 audio + 3 event + 2 repeated ends + 1 audio
			if sw.Packets() != 10 || sw.Duration() != 200*time.Millisecond {
				t.Fatalf("packets %d duration %v, want 10 and 200ms", sw.Packets(), sw.Duration())
			}
			ds, err := ReadDatagrams(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 10 {
				t.Fatalf("read %d datagrams, want 10", len(ds))
			}
			var got []rtp.Packet
			for i, d := range ds {
				if d.Src.String() != "10.0.0.1:4000" || d.Dst.String() != "10.0.0.2:5000" {
					t.Fatalf("packet %d: %v → %v", i, d.Src, d.Dst)
				}
				if want := start.Add(time.Duration(i) * 20 * time.Millisecond); !d.Time.Equal(want) {
					t.Fatalf("packet %d at %v, want %v", i, d.Time, want)
				}
				var p rtp.Packet
				if err := p.Unmarshal(d.Payload); err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if p.SSRC != 0xdecafbad || p.SequenceNumber != uint16(65534+i) {
					t.Fatalf("packet %d: ssrc %x seq %d", i, p.SSRC, p.SequenceNumber)
				}
				got = append(got, p)
			}
			ts0 := uint32(4294967000)
			for i := range 4 {
				if got[i].PayloadType != tt.codec.PayloadType || got[i].Timestamp != ts0+uint32(160*i) || len(got[i].Payload) != 160 || got[i].Marker != (i == 0) {
					t.Fatalf("audio packet %d: pt %d ts %d len %d marker %v", i, got[i].PayloadType, got[i].Timestamp, len(got[i].Payload), got[i].Marker)
				}
			}
			// The padded last frame decodes to the tail of the tone, then silence.
			dec := tt.codec.Decode(nil, got[3].Payload)
			silence := tt.codec.Decode(nil, []byte{tt.codec.Silence()})[0]
			if dec[9] == silence || dec[10] != silence || dec[159] != silence {
				t.Fatalf("last frame not padded with silence: %v", dec[:12])
			}
			evTS := ts0 + 640
			for i := 4; i < 9; i++ {
				ev, err := media.ParseTelephoneEvent(got[i].Payload)
				if err != nil {
					t.Fatal(err)
				}
				wantDur := uint16(min(i-3, 3) * 160)
				if got[i].PayloadType != 101 || got[i].Timestamp != evTS || ev.Event != 5 || ev.Duration != wantDur ||
					ev.End != (i >= 6) || got[i].Marker != (i == 4) || ev.Volume != 10 {
					t.Fatalf("event packet %d: pt %d ts %d %+v marker %v", i, got[i].PayloadType, got[i].Timestamp, ev, got[i].Marker)
				}
			}
			if got[9].Timestamp != evTS+5*160 || !got[9].Marker || got[9].PayloadType != tt.codec.PayloadType {
				t.Fatalf("audio after event: ts %d marker %v", got[9].Timestamp, got[9].Marker)
			}
		})
	}
}

// TestReadSIPpPcap reads a pcap shipped with SIPp (Debian sip-tester): Ethernet framing, RFC
// 2833 events for "1".
func TestReadSIPpPcap(t *testing.T) {
	const file = "/usr/share/sip-tester/dtmf_2833_1.pcap"
	f, err := os.Open(file)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (install sip-tester)", file, err)
		}
		t.Skipf("%s: %v (install sip-tester)", file, err)
	}
	defer f.Close()
	ds, err := ReadDatagrams(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 10 {
		t.Fatalf("%d datagrams, want 10", len(ds))
	}
	for i, d := range ds {
		var p rtp.Packet
		if err := p.Unmarshal(d.Payload); err != nil {
			t.Fatal(err)
		}
		ev, err := media.ParseTelephoneEvent(p.Payload)
		if err != nil || p.PayloadType != 101 || ev.Event != 1 || ev.End != (i >= 7) {
			t.Fatalf("packet %d: pt %d %+v %v", i, p.PayloadType, ev, err)
		}
	}
}

// TestTsharkDecodes has tshark (an independent reader) decode a written file: every packet is
// RTP with good IPv4 and UDP checksums.
func TestTsharkDecodes(t *testing.T) {
	ts, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark not found (apt-get install tshark)")
		}
		t.Skip("tshark not found (apt-get install tshark)")
	}
	path := filepath.Join(t.TempDir(), "s.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := NewStreamWriter(f, Stream{SSRC: 42, Seq: 1000, Timestamp: 8000})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Audio(tone(160*5, 3000)); err != nil {
		t.Fatal(err)
	}
	if err := sw.DTMF('#', 40*time.Millisecond, 10); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ts, "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-d", "udp.port==6002,rtp", "-T", "fields", "-E", "separator=,",
		"-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "rtp.ssrc", "-e", "rtp.seq", "-e", "rtp.p_type", "-e", "rtpevent.event_id").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 9 {
		t.Fatalf("tshark saw %d packets, want 9:\n%s", len(lines), out)
	}
	for i, l := range lines {
		f := strings.Split(l, ",")
		// checksum status 1 = good (0 bad, 2 unverified)
		if f[0] != "1" || f[1] != "1" || f[2] != "0x0000002a" {
			t.Fatalf("packet %d: %q", i, l)
		}
		if i >= 5 && (f[4] != "101" || f[5] != "11") {
			t.Fatalf("event packet %d: %q", i, l)
		}
	}
}

// TestReadErrors checks malformed files give a *FormatError naming the field.
func TestReadErrors(t *testing.T) {
	good := func() []byte {
		var b bytes.Buffer
		w, _ := NewWriter(&b, LinkEthernet)
		_ = w.WriteDatagram(time.Unix(1, 0), netip.MustParseAddrPort("1.2.3.4:5"), netip.MustParseAddrPort("5.6.7.8:9"), []byte("hi"))
		return b.Bytes()
	}
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		record int
		field  string
	}{
		{name: "empty", mutate: func([]byte) []byte { return nil }, field: "magic"},
		{name: "bad magic", mutate: func(b []byte) []byte { b[0] = 0; return b }, field: "magic"},
		{name: "pcapng", mutate: func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0x0a0d0d0a); return b }, field: "magic"},
		{name: "link type", mutate: func(b []byte) []byte { b[20] = 105; return b }, field: "network"},
		{name: "short record header", mutate: func(b []byte) []byte { return b[:30] }, record: 1, field: "record header"},
		{name: "huge incl_len", mutate: func(b []byte) []byte { binary.LittleEndian.PutUint32(b[32:], 1<<30); return b }, record: 1, field: "incl_len"},
		{name: "truncated data", mutate: func(b []byte) []byte { return b[:len(b)-1] }, record: 1, field: "packet data"},
		{name: "ip total length", mutate: func(b []byte) []byte { binary.BigEndian.PutUint16(b[40+14+2:], 200); return b }, record: 1, field: "IPv4 total length"},
		{name: "udp length", mutate: func(b []byte) []byte { binary.BigEndian.PutUint16(b[40+14+20+4:], 3); return b }, record: 1, field: "UDP length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadDatagrams(bytes.NewReader(tt.mutate(good())))
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Record != tt.record || fe.Field != tt.field {
				t.Fatalf("got %v, want record %d field %q", err, tt.record, tt.field)
			}
		})
	}
	if _, err := NewWriter(&bytes.Buffer{}, 999); err == nil {
		t.Fatal("link type 999 accepted")
	}
}

// TestReadBigEndianNano reads a big-endian nanosecond file with a non-UDP packet skipped.
func TestReadBigEndianNano(t *testing.T) {
	var b bytes.Buffer
	h := make([]byte, 24)
	binary.BigEndian.PutUint32(h, magicNano)
	binary.BigEndian.PutUint32(h[20:], uint32(LinkRaw))
	b.Write(h)
	rec := func(ns uint32, pkt []byte) {
		r := make([]byte, 16)
		binary.BigEndian.PutUint32(r[0:], 10)
		binary.BigEndian.PutUint32(r[4:], ns)
		binary.BigEndian.PutUint32(r[8:], uint32(len(pkt)))
		binary.BigEndian.PutUint32(r[12:], uint32(len(pkt)))
		b.Write(r)
		b.Write(pkt)
	}
	tcp := make([]byte, 40)
	tcp[0], tcp[9] = 0x45, 6
	binary.BigEndian.PutUint16(tcp[2:], 40)
	rec(1, tcp)
	udp := make([]byte, 31)
	udp[0], udp[9] = 0x45, 17
	binary.BigEndian.PutUint16(udp[2:], 31)
	copy(udp[12:], []byte{127, 0, 0, 1, 127, 0, 0, 2})
	binary.BigEndian.PutUint16(udp[20:], 7)
	binary.BigEndian.PutUint16(udp[22:], 8)
	binary.BigEndian.PutUint16(udp[24:], 11)
	copy(udp[28:], "abc")
	rec(123456789, udp)
	ds, err := ReadDatagrams(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Time != time.Unix(10, 123456789) || string(ds[0].Payload) != "abc" ||
		ds[0].Src.String() != "127.0.0.1:7" || ds[0].Dst.String() != "127.0.0.2:8" {
		t.Fatalf("got %+v", ds)
	}
}

// FuzzReadPcap: any input gives datagrams or a *FormatError, never a panic, and datagrams lie
// within their records.
func FuzzReadPcap(f *testing.F) {
	var b bytes.Buffer
	sw, _ := NewStreamWriter(&b, Stream{SSRC: 1})
	_ = sw.Audio(tone(320, 1000))
	_ = sw.DTMF('1', 40*time.Millisecond, 10)
	f.Add(b.Bytes())
	var s bytes.Buffer
	sw2, _ := NewStreamWriter(&s, Stream{Link: LinkLinuxSLL})
	_ = sw2.Audio(tone(160, 1000))
	f.Add(s.Bytes())
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	if sipp, err := os.ReadFile("/usr/share/sip-tester/dtmf_2833_1.pcap"); err == nil {
		f.Add(sipp)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ReadDatagrams(bytes.NewReader(data))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
		}
		for _, d := range ds {
			if len(d.Payload) > len(data) {
				t.Fatalf("payload of %d bytes from %d input bytes", len(d.Payload), len(data))
			}
		}
	})
}
