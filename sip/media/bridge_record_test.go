package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	pos int
}

func (f *memFile) Write(p []byte) (int, error) {
	if need := f.pos + len(p); need > len(f.b) {
		f.b = append(f.b, make([]byte, need-len(f.b))...)
	}
	copy(f.b[f.pos:], p)
	f.pos += len(p)
	return len(p), nil
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		f.pos = int(off)
	case io.SeekCurrent:
		f.pos += int(off)
	case io.SeekEnd:
		f.pos = len(f.b) + int(off)
	}
	return int64(f.pos), nil
}

// readStereoWAV checks the header of an 8 kHz 16-bit stereo WAV (sizes
// included) and returns its left and right channels.
func readStereoWAV(t testing.TB, b []byte) (left, right []int16) {
	t.Helper()
	if len(b) < wavHeaderSize || string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" {
		t.Fatalf("not a canonical WAV header: % x", b[:min(len(b), wavHeaderSize)])
	}
	le := binary.LittleEndian
	data := int(le.Uint32(b[40:]))
	switch {
	case le.Uint16(b[20:]) != wavFormatPCM, le.Uint16(b[22:]) != 2, le.Uint32(b[24:]) != ClockRate, le.Uint16(b[34:]) != 16:
		t.Fatalf("format %d channels %d rate %d bits %d, want PCM 2 8000 16", le.Uint16(b[20:]), le.Uint16(b[22:]), le.Uint32(b[24:]), le.Uint16(b[34:]))
	case int(le.Uint32(b[4:])) != len(b)-8 || data != len(b)-wavHeaderSize || data%4 != 0:
		t.Fatalf("RIFF size %d, data size %d for a %d-byte file", le.Uint32(b[4:]), data, len(b))
	}
	for i := wavHeaderSize; i < len(b); i += 4 {
		left = append(left, int16(le.Uint16(b[i:])))
		right = append(right, int16(le.Uint16(b[i+2:])))
	}
	return left, right
}

// loudWindows reports, per 20 ms window, whether its RMS is above -40 dBFS.
func loudWindows(pcm []int16) []bool {
	out := make([]bool, 0, len(pcm)/FrameSamples)
	for i := 0; i+FrameSamples <= len(pcm); i += FrameSamples {
		var e float64
		for _, v := range pcm[i : i+FrameSamples] {
			e += float64(v) * float64(v)
		}
		out = append(out, math.Sqrt(e/FrameSamples) > 327)
	}
	return out
}

// toneFrame is 20 ms of a 1 kHz tone at about -10 dBFS.
func toneFrame() []int16 {
	f := make([]int16, FrameSamples)
	for i := range f {
		f[i] = int16(10000 * math.Sin(2*math.Pi*1000*float64(i)/ClockRate))
	}
	return f
}

// The tap places each leg's audio by RTP timestamp on its own channel:
// A (PCMU) speaks in frames 0-49 with its timestamps wrapping, one packet
// lost and pairs swapped; B (PCMA) starts 100 ms later, speaks in its
// frames 75-124 and restarts its stream (new SSRC and timestamp base)
// half way. Three seconds go through a one-second window.
func TestRecordTapPlacesByTimestamp(t *testing.T) {
	clk := clock.NewVirtual(time.Unix(1000, 0))
	out := &memFile{}
	tap, err := newRecordTap(out, clk, PCMU, PCMA)
	if err != nil {
		t.Fatal(err)
	}
	tone := toneFrame()
	silence := make([]int16, FrameSamples)
	packet := func(c Codec, ssrc, ts uint32, pcm []int16) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: c.PayloadType, SSRC: ssrc, Timestamp: ts}, Payload: c.Encode(nil, pcm)}
	}
	const frames = 150
	const lost = 20      // A's packet never arriving
	const bDelay = 5     // B's first packet, in frames
	const bRestart = 100 // B's frame from which a new SSRC sends
	aBase := uint32(1<<32 - 10*FrameSamples)
	var pendingA *rtp.Packet
	for k := range frames {
		// A: tone in 0-49, sent pairwise swapped.
		pcm := silence
		if k < 50 {
			pcm = tone
		}
		if k != lost {
			p := packet(PCMU, 0xA, aBase+uint32(k*FrameSamples), pcm)
			if k%2 == 0 {
				pendingA = p
			} else {
				tap.add(0, p)
				if pendingA != nil {
					tap.add(0, pendingA)
					pendingA = nil
				}
			}
		}
		// B: tone in its frames 75-124.
		if kb := k - bDelay; kb >= 0 {
			pcm := silence
			if kb >= 75 && kb < 125 {
				pcm = tone
			}
			ssrc, ts := uint32(0xB), uint32(777+kb*FrameSamples)
			if kb >= bRestart {
				ssrc, ts = 0xB2, uint32(3_000_000_000+(kb-bRestart)*FrameSamples)
			}
			tap.add(1, packet(PCMA, ssrc, ts, pcm))
		}
		// Telephone-events are not audio: left out.
		tap.add(1, &rtp.Packet{Header: rtp.Header{PayloadType: 101, SSRC: 0xB}, Payload: []byte{1, 0x8a, 0, 160}})
		clk.Advance(FramePeriod)
	}
	if pendingA != nil {
		tap.add(0, pendingA)
	}
	if err := tap.close(); err != nil {
		t.Fatal(err)
	}
	left, right := readStereoWAV(t, out.b)
	if len(left) != (frames)*FrameSamples {
		t.Fatalf("recording has %d samples, want %d", len(left), frames*FrameSamples)
	}
	ll, rl := loudWindows(left), loudWindows(right)
	for w := range ll {
		wantL := w < 50 && w != lost
		wantR := w >= 75+bDelay && w < 125+bDelay
		if ll[w] != wantL || rl[w] != wantR {
			t.Fatalf("window %d (%d ms): left loud %v, right loud %v; want %v, %v", w, w*20, ll[w], rl[w], wantL, wantR)
		}
	}
	// The samples are the G.711 round trip of what was sent.
	want := PCMU.Decode(nil, PCMU.Encode(nil, tone))
	if got := left[3*FrameSamples : 4*FrameSamples]; !slicesEqual(got, want) {
		t.Fatalf("left frame 3 is not the PCMU round trip of the tone")
	}
}

func slicesEqual(a, b []int16) bool { return bytes.Equal(int16Bytes(a), int16Bytes(b)) }

func int16Bytes(s []int16) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, v := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

// A packet older than the window is dropped, one far ahead of the clock
// re-anchors its leg; memory stays within the window.
func TestRecordTapBounds(t *testing.T) {
	clk := clock.NewVirtual(time.Unix(0, 0))
	out := &memFile{}
	tap, err := newRecordTap(out, clk, PCMU, PCMU)
	if err != nil {
		t.Fatal(err)
	}
	tone := PCMU.Encode(nil, toneFrame())
	add := func(leg int, ts uint32) {
		tap.add(leg, &rtp.Packet{Header: rtp.Header{PayloadType: 0, SSRC: 1, Timestamp: ts}, Payload: tone})
	}
	for k := range 100 { // 2 s on leg a
		add(0, uint32(k*FrameSamples))
		clk.Advance(FramePeriod)
	}
	add(0, 0)                      // 2 s late: behind the window
	add(0, 1_000_000*FrameSamples) // a wild jump: placed at the clock (2 s)
	if tap.late != 1 {
		t.Fatalf("late %d, want 1", tap.late)
	}
	if len(tap.ring) != 2*recordWindow {
		t.Fatalf("ring grew to %d", len(tap.ring))
	}
	if err := tap.close(); err != nil {
		t.Fatal(err)
	}
	left, _ := readStereoWAV(t, out.b)
	if got, want := len(left), 101*FrameSamples; got != want {
		t.Fatalf("%d samples, want %d (the jump placed at the clock)", got, want)
	}
}

// errFile fails every write after the header.
type errFile struct{ memFile }

func (f *errFile) Write(p []byte) (int, error) {
	if len(f.b) >= wavHeaderSize && f.pos >= wavHeaderSize {
		return 0, errors.New("disk full")
	}
	return f.memFile.Write(p)
}

func TestRecordTapWriteError(t *testing.T) {
	clk := clock.NewVirtual(time.Unix(0, 0))
	tap, err := newRecordTap(&errFile{}, clk, PCMU, PCMU)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 100 {
		tap.add(0, &rtp.Packet{Header: rtp.Header{SSRC: 1, Timestamp: uint32(k * FrameSamples)}, Payload: make([]byte, FrameSamples)})
		clk.Advance(FramePeriod)
	}
	if err := tap.close(); err == nil || !bytes.Contains([]byte(err.Error()), []byte("disk full")) {
		t.Fatalf("close: %v, want the write error", err)
	}
}

func TestWAVWriterRejectsChannels(t *testing.T) {
	if _, err := NewWAVWriter(&memFile{}, 3); err == nil {
		t.Fatal("3 channels accepted")
	}
}

// A ↔ (S1 PCMU bridge S2 PCMA, recorded) ↔ B: A's prompt, then B's, are in
// the recording, each on its own channel, one after the other, and as long
// as the prompt.
func TestBridgeSessionsRecords(t *testing.T) {
	forEachIO(t, func(t *testing.T, io ioMode) {
		pr := testPortRange(t)
		pa, p1 := listenLoopback(t, pr), listenLoopback(t, pr)
		p2, pb := listenLoopback(t, pr), listenLoopback(t, pr)
		ca, c1 := pairConfig(pa, p1, PCMU)
		c2, cb := pairConfig(p2, pb, PCMA)
		a, s1, s2, b := startLeg(t, io.apply(ca)), startLeg(t, io.apply(c1)), startLeg(t, io.apply(c2)), startLeg(t, io.apply(cb))
		f, err := os.Create(filepath.Join(t.TempDir(), "rec.wav"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		bridged := make(chan error, 1)
		go func() { bridged <- BridgeSessionsWith(ctx, s1.s, s2.s, BridgeOptions{Record: f}) }()
		eventually(t, 5*time.Second, "bridge attached", func() bool {
			s2.s.mu.Lock()
			defer s2.s.mu.Unlock()
			return s2.s.bridge != nil
		})
		prompt := testPrompt(t)
		if err := a.s.Play(context.Background(), prompt, false); err != nil {
			t.Fatal(err)
		}
		waitPlayedOut(t, b)
		if err := b.s.Play(context.Background(), prompt, false); err != nil {
			t.Fatal(err)
		}
		waitPlayedOut(t, a)
		cancel()
		if err := <-bridged; err != nil {
			t.Fatalf("bridge: %v", err)
		}
		b2, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		left, right := readStereoWAV(t, b2)
		span := func(pcm []int16) (first, last int) {
			first, last = -1, -1
			for w, loud := range loudWindows(pcm) {
				if loud {
					if first < 0 {
						first = w
					}
					last = w
				}
			}
			return first, last
		}
		lf, ll := span(left)
		rf, rl := span(right)
		pf, pl := span(prompt.Samples)
		skipped := int(a.s.Stats().Skipped + b.s.Stats().Skipped)
		if lf < 0 || rf < 0 {
			t.Fatalf("left loud from window %d, right from %d: a leg is missing", lf, rf)
		}
		// Each channel's speech lasts as long as the prompt's (±2 windows for
		// the placement by timestamp, plus what a loaded sender skipped).
		if d := (ll - lf) - (pl - pf); d < -2-skipped || d > 2 {
			t.Fatalf("left speech %d windows, prompt %d", ll-lf+1, pl-pf+1)
		}
		if d := (rl - rf) - (pl - pf); d < -2-skipped || d > 2 {
			t.Fatalf("right speech %d windows, prompt %d", rl-rf+1, pl-pf+1)
		}
		if rf <= ll {
			t.Fatalf("B's prompt (right, from window %d) overlaps A's (left, to window %d)", rf, ll)
		}
	})
}
