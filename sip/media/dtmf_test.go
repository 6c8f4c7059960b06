package media

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func TestTelephoneEventWire(t *testing.T) {
	tests := []struct {
		name string
		ev   TelephoneEvent
		wire []byte
	}{
		{name: "digit 5 start", ev: TelephoneEvent{Event: 5, Volume: 10, Duration: 400}, wire: []byte{5, 10, 0x01, 0x90}},
		{name: "hash end", ev: TelephoneEvent{Event: 11, End: true, Volume: 63, Duration: 800}, wire: []byte{11, 0x80 | 63, 0x03, 0x20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ev.Marshal(); string(got) != string(tc.wire) {
				t.Fatalf("Marshal = % x, want % x", got, tc.wire)
			}
			got, err := ParseTelephoneEvent(tc.wire)
			if err != nil || got != tc.ev {
				t.Fatalf("Parse = %+v, %v", got, err)
			}
		})
	}
	if _, err := ParseTelephoneEvent([]byte{1, 2, 3}); err == nil {
		t.Fatal("3-byte payload accepted")
	}
}

func TestDTMFEventCodes(t *testing.T) {
	for i, r := range "0123456789*#ABCD" {
		code, err := DTMFEventCode(r)
		if err != nil || int(code) != i {
			t.Fatalf("%q -> %d, %v", r, code, err)
		}
		if back, ok := DTMFDigit(code); !ok || back != r {
			t.Fatalf("%d -> %q", code, back)
		}
	}
	if _, err := DTMFEventCode('x'); err == nil {
		t.Fatal("x accepted")
	}
	if _, ok := DTMFDigit(16); ok {
		t.Fatal("event 16 (flash) is not a digit")
	}
}

func TestSendDTMFPackets(t *testing.T) {
	v := clock.NewVirtual(epoch)
	s, rec := newTestSender(t, v, PayloadPCMU)
	p, err := SendDTMF(context.Background(), v, s, 101, '7', 120*time.Millisecond, DefaultDTMFVolume)
	if err != nil {
		t.Fatal(err)
	}
	v.Advance(time.Second)
	<-p.Done()
	got := rec.packets()
	// Updates at 0 and 50 ms (durations 400, 800), end (960) at 100, 150, 200 ms.
	wantDur := []uint16{400, 800, 960, 960, 960}
	if len(got) != len(wantDur) {
		t.Fatalf("%d packets, want %d", len(got), len(wantDur))
	}
	for i, g := range got {
		ev, err := ParseTelephoneEvent(g.pkt.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Event != 7 || ev.Duration != wantDur[i] || ev.End != (i >= 2) || ev.Volume != DefaultDTMFVolume {
			t.Fatalf("packet %d event %+v", i, ev)
		}
		if g.pkt.Timestamp != got[0].pkt.Timestamp || g.pkt.PayloadType != 101 || g.pkt.Marker != (i == 0) {
			t.Fatalf("packet %d header %+v", i, g.pkt.Header)
		}
		if want := epoch.Add(time.Duration(i) * DTMFUpdateInterval); !g.at.Equal(want) {
			t.Fatalf("packet %d at %v", i, g.at.Sub(epoch))
		}
	}
}

func TestSendDTMFRejects(t *testing.T) {
	v := clock.NewVirtual(epoch)
	s, _ := newTestSender(t, v, PayloadPCMU)
	tests := []struct {
		name   string
		digit  rune
		dur    time.Duration
		volume uint8
	}{
		{name: "bad digit", digit: 'z', dur: 100 * time.Millisecond},
		{name: "zero duration", digit: '1'},
		{name: "too long", digit: '1', dur: 9 * time.Second},
		{name: "volume", digit: '1', dur: 100 * time.Millisecond, volume: 64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := SendDTMF(context.Background(), v, s, 101, tc.digit, tc.dur, tc.volume); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDTMFDecoder(t *testing.T) {
	pkt := func(ts uint32, ev TelephoneEvent) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{PayloadType: 101, Timestamp: ts}, Payload: ev.Marshal()}
	}
	tests := []struct {
		name string
		pkts []*rtp.Packet
		want string
	}{
		{name: "one digit with three ends", pkts: []*rtp.Packet{
			pkt(100, TelephoneEvent{Event: 1, Duration: 400}),
			pkt(100, TelephoneEvent{Event: 1, End: true, Duration: 800}),
			pkt(100, TelephoneEvent{Event: 1, End: true, Duration: 800}),
			pkt(100, TelephoneEvent{Event: 1, End: true, Duration: 800}),
		}, want: "1"},
		{name: "same digit twice", pkts: []*rtp.Packet{
			pkt(100, TelephoneEvent{Event: 2, End: true, Duration: 800}),
			pkt(2000, TelephoneEvent{Event: 2, Duration: 400}),
			pkt(100, TelephoneEvent{Event: 2, End: true, Duration: 800}),
			pkt(2000, TelephoneEvent{Event: 2, End: true, Duration: 800}),
		}, want: "22"},
		{name: "ends lost, next event closes it", pkts: []*rtp.Packet{
			pkt(100, TelephoneEvent{Event: 10, Duration: 400}),
			pkt(2000, TelephoneEvent{Event: 11, Duration: 400}),
			pkt(2000, TelephoneEvent{Event: 11, End: true, Duration: 800}),
		}, want: "*#"},
		{name: "flash is not a digit", pkts: []*rtp.Packet{
			pkt(100, TelephoneEvent{Event: 16, End: true, Duration: 800}),
		}, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDTMFDecoder()
			var got []rune
			for _, p := range tc.pkts {
				keys, err := d.Push(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					got = append(got, k.Digit)
				}
			}
			if string(got) != tc.want {
				t.Fatalf("digits %q, want %q", string(got), tc.want)
			}
		})
	}
}

func TestDTMFEndToEnd(t *testing.T) {
	v := clock.NewVirtual(epoch)
	dec := NewDTMFDecoder()
	var got []DetectedDigit
	rx := NewReceiver(ReceiverConfig{EventPayloadType: 101, OnEvent: func(p *rtp.Packet) {
		keys, err := dec.Push(p)
		if err != nil {
			t.Error(err)
		}
		got = append(got, keys...)
	}})
	link := &lossyLink{clk: v, rx: rx, t: t, dup: map[int]bool{1: true}, drop: map[int]bool{3: true}}
	s, err := NewSender(SenderConfig{Writer: link, PayloadType: PayloadPCMA, Clock: v, Rand: fixedRand()})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range "9#" {
		p, err := SendDTMF(context.Background(), v, s, 101, d, 100*time.Millisecond, 10)
		if err != nil {
			t.Fatal(err)
		}
		v.Advance(time.Second)
		<-p.Done()
		s.Skip(8000)
	}
	if len(got) != 2 || got[0].Digit != '9' || got[1].Digit != '#' || got[0].Duration != 100*time.Millisecond {
		t.Fatalf("got %+v", got)
	}
}

func FuzzTelephoneEvent(f *testing.F) {
	f.Add([]byte{5, 10, 1, 0x90})
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ParseTelephoneEvent(data)
		if err != nil {
			return
		}
		back, err := ParseTelephoneEvent(ev.Marshal())
		if err != nil || back != ev {
			t.Fatalf("round trip %+v -> %+v", ev, back)
		}
		d := NewDTMFDecoder()
		_, _ = d.Push(&rtp.Packet{Payload: data})
	})
}
