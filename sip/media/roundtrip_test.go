package media

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// A prompt played into a call arrives at the far end as the file after one
// G.711 round trip, frame for frame, even through reordering and duplicates.
func TestPromptReceivedMatchesFile(t *testing.T) {
	tests := []struct {
		name  string
		codec Codec
		file  func() []byte
	}{
		{name: "pcm16 file over PCMU", codec: PCMU, file: func() []byte { return pcmWAV(t) }},
		{name: "pcm16 file over PCMA", codec: PCMA, file: func() []byte { return pcmWAV(t) }},
		{name: "alaw file over PCMA is bit exact", codec: PCMA, file: func() []byte {
			a, err := ReadWAV(bytes.NewReader(pcmWAV(t)))
			if err != nil {
				t.Fatal(err)
			}
			return wavBytes(6, 1, 8000, 8, PCMA.Encode(nil, a.Samples))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			audio, err := ReadWAV(bytes.NewReader(tc.file()))
			if err != nil {
				t.Fatal(err)
			}
			v := clock.NewVirtual(epoch)
			rx := NewReceiver(ReceiverConfig{Jitter: JitterConfig{Depth: 4, Silence: tc.codec.Silence()}})
			link := &lossyLink{clk: v, rx: rx, t: t,
				dup:   map[int]bool{3: true, 17: true},
				delay: map[int]time.Duration{5: 35 * time.Millisecond, 20: 50 * time.Millisecond}}
			s, err := NewSender(SenderConfig{Writer: link, PayloadType: tc.codec.PayloadType, Clock: v})
			if err != nil {
				t.Fatal(err)
			}
			Play(context.Background(), v, s, audio.Payloads(tc.codec), false)
			v.Advance(5 * time.Millisecond)
			var out []int16
			po := Playout(context.Background(), v, rx, func(f Frame) {
				if !f.Concealed {
					out = append(out, tc.codec.Decode(nil, f.Payload)...)
				}
			})
			v.Advance(3 * time.Second)
			po.Stop()
			want := make([]int16, 0, len(out))
			for _, fr := range audio.Frames() {
				want = append(want, tc.codec.Decode(nil, tc.codec.Encode(nil, fr))...)
			}
			if len(out) != len(want) {
				t.Fatalf("received %d samples, want %d", len(out), len(want))
			}
			for i := range want {
				if out[i] != want[i] {
					t.Fatalf("sample %d = %d, want %d", i, out[i], want[i])
				}
			}
			// 53 frames played, then silence is concealed until playout
			// stops after a second of nothing.
			if js := rx.JitterStats(); js.Played != 53 || js.Duplicates != 2 || js.Late != 0 {
				t.Fatalf("jitter stats %+v", js)
			}
		})
	}
}

// pcmWAV is a 1.05 s 16-bit WAV of a 440 Hz tone with a rising envelope.
func pcmWAV(t testing.TB) []byte {
	samples := make([]int16, 8400)
	for i := range samples {
		env := float64(i) / float64(len(samples))
		samples[i] = int16(20000 * env * math.Sin(2*math.Pi*440*float64(i)/ClockRate))
	}
	var b bytes.Buffer
	if err := WriteWAV(&b, samples); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReceiverNewSSRCStartsFresh(t *testing.T) {
	rx := NewReceiver(ReceiverConfig{Jitter: JitterConfig{Depth: 1, FrameBytes: 1}})
	for i := range 5 {
		rx.Receive(&rtp.Packet{Header: rtp.Header{SSRC: 1, SequenceNumber: 40000 + uint16(i)}, Payload: []byte{1}}, epoch)
		rx.Pop()
	}
	// The new source's sequence numbers are "behind" the old ones.
	rx.Receive(&rtp.Packet{Header: rtp.Header{SSRC: 2, SequenceNumber: 100}, Payload: []byte{2}}, epoch)
	f, ok := rx.Pop()
	if !ok || f.Concealed || f.Payload[0] != 2 {
		t.Fatalf("after SSRC change got %+v %v", f, ok)
	}
	if st := rx.Stats(); st.SSRC != 2 || st.Received != 1 || st.Expected != 1 {
		t.Fatalf("stats %+v", st)
	}
	if js := rx.JitterStats(); js.Played != 6 || js.Late != 0 {
		t.Fatalf("jitter stats %+v", js)
	}
}
