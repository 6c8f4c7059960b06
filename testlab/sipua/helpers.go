package sipua

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
	"github.com/pbxagent/pbxagent/testlab/rtppcap"
)

// Prompt returns a deterministic test prompt of d: lead of silence, then a speech-like signal
// (three partials with a syllable envelope) loud enough to find its start.
func Prompt(lead, d time.Duration) []int16 {
	n := int(lead / (time.Second / 8000))
	m := int(d / (time.Second / 8000))
	pcm := make([]int16, n+m)
	for i := range m {
		t := float64(i) / 8000
		env := 0.55 + 0.45*math.Sin(2*math.Pi*3*t) // 3 "syllables" a second, never silent
		v := 0.5*math.Sin(2*math.Pi*220*t) + 0.3*math.Sin(2*math.Pi*517*t+1) + 0.2*math.Sin(2*math.Pi*1312*t+2)
		pcm[n+i] = int16(12000 * env * v)
	}
	// The first sample of the signal proper is 0 (sin 0 terms): start on a clearly loud one.
	pcm[n] = 9000
	return pcm
}

// WritePromptFiles writes dir/prompt.wav (16-bit linear) from pcm, reads it back as a prompt
// would be read, and writes dir/audio.pcap (PCMU, 20 ms packets) from it followed by digits
// (100 ms events). It returns the WAV's samples and the pcap's duration.
func WritePromptFiles(dir string, pcm []int16, digits string) ([]int16, time.Duration, error) {
	wavPath := filepath.Join(dir, "prompt.wav")
	wf, err := os.Create(wavPath)
	if err != nil {
		return nil, 0, err
	}
	if err := media.WriteWAV(wf, pcm); err != nil {
		wf.Close()
		return nil, 0, fmt.Errorf("prompt.wav: %w", err)
	}
	if err := wf.Close(); err != nil {
		return nil, 0, err
	}
	rf, err := os.Open(wavPath)
	if err != nil {
		return nil, 0, err
	}
	defer rf.Close()
	a, err := media.ReadWAV(rf)
	if err != nil {
		return nil, 0, fmt.Errorf("prompt.wav: %w", err)
	}
	pf, err := os.Create(filepath.Join(dir, "audio.pcap"))
	if err != nil {
		return nil, 0, err
	}
	defer pf.Close()
	sw, err := rtppcap.NewStreamWriter(pf, rtppcap.Stream{Codec: media.PCMU, SSRC: 0x51bb0001, Seq: 20000, Timestamp: 160000,
		Src: netip.MustParseAddrPort("127.0.0.1:6000"), Dst: netip.MustParseAddrPort("127.0.0.1:6002")})
	if err != nil {
		return nil, 0, err
	}
	if err := sw.Audio(a.Samples); err != nil {
		return nil, 0, err
	}
	for _, d := range digits {
		if err := sw.Silence(60 * time.Millisecond); err != nil {
			return nil, 0, err
		}
		if err := sw.DTMF(d, 100*time.Millisecond, 10); err != nil {
			return nil, 0, err
		}
	}
	if err := sw.Silence(100 * time.Millisecond); err != nil {
		return nil, 0, err
	}
	return a.Samples, sw.Duration(), pf.Close()
}

// Comparison is the outcome of comparing a received prompt with the one sent.
type Comparison struct {
	// Offset is where the prompt starts in what was received (first loud sample), -1 if never.
	Offset int
	// Frames compared (160 samples each) and Mismatched frames (any sample differing from the
	// sent one after one G.711 round trip).
	Frames, Mismatched int
	// Inserted counts received frames passed over between two frames of the prompt: frames the
	// receiver played while the sender was late (concealment or silence). They delay the prompt
	// without changing it.
	Inserted int
	// Missing is how many samples of the prompt were not received at all.
	Missing int
}

// String summarises the comparison.
func (c Comparison) String() string {
	return fmt.Sprintf("offset %d, %d frames compared, %d mismatched, %d inserted, %d samples missing",
		c.Offset, c.Frames, c.Mismatched, c.Inserted, c.Missing)
}

// loud is the level a sample must pass to start a prompt.
const loud = 1000

// maxInserted bounds how many received frames in a row may be passed over while looking for
// the prompt's next frame (a sender stalled by a loaded machine, 200 ms).
const maxInserted = 10

// Compare aligns got on the first loud sample of sent (after a G.711 µ-law round trip) and
// compares them frame by frame. A frame the receiver inserted while the sender was late
// (whole 20 ms frames of concealment or silence) is passed over and counted as Inserted when
// the prompt's frame follows within maxInserted frames; any other difference is a mismatch.
func Compare(sent, got []int16, codec media.Codec) Comparison {
	want := codec.Decode(nil, codec.Encode(nil, sent))
	first := func(s []int16) int {
		for i, v := range s {
			if v > loud || v < -loud {
				return i
			}
		}
		return -1
	}
	ws, gs := first(want), first(got)
	c := Comparison{Offset: gs}
	if ws < 0 || gs < 0 {
		c.Missing = len(want)
		return c
	}
	want, got = want[ws:], got[gs:]
	same := func(w []int16, at int) bool {
		return at+len(w) <= len(got) && slices.Equal(w, got[at:at+len(w)])
	}
	g := 0
	for i := 0; i < len(want); i += 160 {
		if g >= len(got) {
			c.Missing = len(want) - i
			break
		}
		w := want[i:min(i+160, len(want))]
		c.Frames++
		matched := false
		for k := 0; k <= maxInserted; k++ {
			if same(w, g+k*160) {
				c.Inserted += k
				g += k*160 + len(w)
				matched = true
				break
			}
		}
		if !matched {
			c.Mismatched++
			g += len(w)
		}
	}
	return c
}

// Recorder collects what each call's media session hears, by Call-ID (install Hook as
// ua.Config.OnMedia).
type Recorder struct {
	mu    sync.Mutex
	audio map[string][]int16
	dtmf  map[string][]rune
	// digit is signalled (non-blocking) on every digit.
	digit chan struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{audio: map[string][]int16{}, dtmf: map[string][]rune{}, digit: make(chan struct{}, 1)}
}

// Hook records the call's audio and digits, with the jitter buffer keeping every frame.
func (r *Recorder) Hook(callID string, cfg *media.SessionConfig) {
	// The prompt is compared frame by frame: on a loaded machine a stalled
	// reader must add delay, not drop its backlog (the jitter buffer's
	// catch-up is for live calls and has its own tests in sip/media).
	cfg.Jitter.CatchUp = -1
	cfg.OnAudio = func(pcm []int16) {
		r.mu.Lock()
		r.audio[callID] = append(r.audio[callID], pcm...)
		r.mu.Unlock()
	}
	cfg.OnDTMF = func(d rune) {
		r.mu.Lock()
		r.dtmf[callID] = append(r.dtmf[callID], d)
		r.mu.Unlock()
		select {
		case r.digit <- struct{}{}:
		default:
		}
	}
}

// Audio is what call callID heard so far.
func (r *Recorder) Audio(callID string) []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.audio[callID]...)
}

// Digits are the digits call callID heard so far.
func (r *Recorder) Digits(callID string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.dtmf[callID])
}

// StartAgent runs an Agent on 127.0.0.1 until tb ends (then it checks that Run returned).
func StartAgent(tb testing.TB, ports *media.PortRange, mutate func(*ua.Config)) *ua.Agent {
	tb.Helper()
	cfg := ua.Config{
		ListenAddr:  "127.0.0.1:0",
		Transports:  []string{"udp"},
		Ports:       ports,
		Allow:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		RingTimeout: 10 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if os.Getenv("SIPUA_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := ua.New(cfg)
	if err != nil {
		tb.Fatalf("ua.New: %v", err)
	}
	RunAgent(tb, a, 10*time.Second)
	return a
}

// RunAgent runs a until tb ends: it fails tb if a is not ready within
// wait, and on cleanup stops a and checks that Run returned nil within 40 s.
func RunAgent(tb testing.TB, a *ua.Agent, wait time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
	case err := <-done:
		cancel()
		tb.Fatalf("user agent Run: %v", err)
	case <-time.After(wait):
		cancel()
		tb.Fatalf("user agent not ready within %v", wait)
	}
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("user agent Run: %v", err)
			}
		case <-time.After(40 * time.Second):
			tb.Errorf("user agent Run did not return within 40 s")
		}
	})
}
