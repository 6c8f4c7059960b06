package media

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sent is one packet captured by a recorder with the clock time it was sent.
type sent struct {
	pkt rtp.Packet
	at  time.Time
}

// recorder is an io.Writer that parses and keeps every RTP packet.
type recorder struct {
	t   testing.TB
	clk clock.Clock
	mu  sync.Mutex
	got []sent
}

func (r *recorder) Write(b []byte) (int, error) {
	var p rtp.Packet
	if err := p.Unmarshal(append([]byte(nil), b...)); err != nil {
		r.t.Errorf("sent an unparsable packet: %v", err)
	}
	r.mu.Lock()
	r.got = append(r.got, sent{pkt: p, at: r.clk.Now()})
	r.mu.Unlock()
	return len(b), nil
}

func (r *recorder) packets() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.got...)
}

// fixedRand returns a deterministic "random" source.
func fixedRand() *bytes.Reader {
	return bytes.NewReader([]byte{0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0x10})
}

func newTestSender(t testing.TB, clk clock.Clock, pt uint8) (*Sender, *recorder) {
	t.Helper()
	rec := &recorder{t: t, clk: clk}
	s, err := NewSender(SenderConfig{Writer: rec, PayloadType: pt, Clock: clk, Rand: fixedRand()})
	if err != nil {
		t.Fatal(err)
	}
	return s, rec
}

func silentFrames(n int, c Codec) [][]byte {
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = bytes.Repeat([]byte{c.Silence()}, FrameSamples)
	}
	return frames
}

func TestPlayScheduleAndHeaders(t *testing.T) {
	clk := clock.NewVirtual(epoch)
	s, rec := newTestSender(t, clk, PayloadPCMU)
	p := Play(context.Background(), clk, s, silentFrames(100, PCMU), false)
	clk.Advance(time.Second - time.Nanosecond)
	got := rec.packets()
	if len(got) != 50 {
		t.Fatalf("sent %d packets in 1 s, want 50", len(got))
	}
	clk.Advance(2 * time.Second)
	<-p.Done()
	got = rec.packets()
	if len(got) != 100 {
		t.Fatalf("sent %d packets, want 100", len(got))
	}
	for i, g := range got {
		h := g.pkt.Header
		if want := epoch.Add(time.Duration(i) * FramePeriod); !g.at.Equal(want) {
			t.Fatalf("packet %d sent at %v, want %v", i, g.at.Sub(epoch), want.Sub(epoch))
		}
		if h.SSRC != 0xDEADBEEF || h.PayloadType != PayloadPCMU || h.Version != 2 {
			t.Fatalf("packet %d header %+v", i, h)
		}
		if want := uint16(0xFFFE + i); h.SequenceNumber != want {
			t.Fatalf("packet %d seq %d, want %d (with wraparound)", i, h.SequenceNumber, want)
		}
		if want := uint32(0xFFFFFF10) + uint32(i)*FrameSamples; h.Timestamp != want {
			t.Fatalf("packet %d ts %d, want %d", i, h.Timestamp, want)
		}
		if h.Marker != (i == 0) {
			t.Fatalf("packet %d marker %v", i, h.Marker)
		}
	}
	if st := s.Stats(); st.Packets != 100 || st.Octets != 100*FrameSamples {
		t.Fatalf("stats %+v", st)
	}
}

// laggyClock reads ahead of the virtual clock by a lag the test sets, as a
// scheduler that runs the timer callbacks late would.
type laggyClock struct {
	*clock.Virtual
	mu  sync.Mutex
	lag time.Duration
}

func (l *laggyClock) Now() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Virtual.Now().Add(l.lag)
}

func (l *laggyClock) setLag(d time.Duration) {
	l.mu.Lock()
	l.lag = d
	l.mu.Unlock()
}

func TestPacerSkipsWhenLateWithoutBursting(t *testing.T) {
	tests := []struct {
		name       string
		lag        time.Duration
		wantMissed int64
	}{
		{name: "late less than a period", lag: 15 * time.Millisecond, wantMissed: 0},
		{name: "late by 2.5 periods", lag: 50 * time.Millisecond, wantMissed: 2},
		{name: "late by 10 periods", lag: 200 * time.Millisecond, wantMissed: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := clock.NewVirtual(epoch)
			clk := &laggyClock{Virtual: v}
			var slots []int64
			var missedTotal int64
			var wakeups []time.Time
			p := NewPacer(clk, FramePeriod, func(slot, missed int64) bool {
				slots = append(slots, slot)
				missedTotal += missed
				wakeups = append(wakeups, v.Now())
				return true
			})
			p.Start(context.Background())
			v.Advance(100 * time.Millisecond) // slots 0..5 on time
			clk.setLag(tc.lag)
			v.Advance(400 * time.Millisecond)
			p.Stop()
			if missedTotal != tc.wantMissed {
				t.Fatalf("missed %d, want %d (slots %v)", missedTotal, tc.wantMissed, slots)
			}
			for i := 1; i < len(slots); i++ {
				if slots[i] <= slots[i-1] {
					t.Fatalf("slots not increasing: %v", slots)
				}
				if !wakeups[i].After(wakeups[i-1]) {
					t.Fatalf("two ticks at %v: a burst", wakeups[i].Sub(epoch))
				}
			}
			// The schedule stays absolute: the last slot is the one due at
			// the (lagged) time of the last tick.
			last := slots[len(slots)-1]
			if due := int64(wakeups[len(wakeups)-1].Add(tc.lag).Sub(epoch) / FramePeriod); last != due {
				t.Fatalf("last slot %d, want %d", last, due)
			}
		})
	}
}

func TestPlayerSkipsFramesWithTimestamps(t *testing.T) {
	v := clock.NewVirtual(epoch)
	s, rec := newTestSender(t, v, PayloadPCMA)
	pl := NewPlayer(s, silentFrames(10, PCMA), false)
	pl.Tick(0, 0)
	pl.Tick(3, 2)
	got := rec.packets()
	if len(got) != 2 {
		t.Fatalf("%d packets", len(got))
	}
	if d := got[1].pkt.Timestamp - got[0].pkt.Timestamp; d != 3*FrameSamples {
		t.Fatalf("timestamp gap %d, want %d", d, 3*FrameSamples)
	}
	if d := got[1].pkt.SequenceNumber - got[0].pkt.SequenceNumber; d != 1 {
		t.Fatalf("sequence gap %d, want 1", d)
	}
}

func TestPlayStopsOnContext(t *testing.T) {
	v := clock.NewVirtual(epoch)
	s, rec := newTestSender(t, v, PayloadPCMU)
	ctx, cancel := context.WithCancel(context.Background())
	p := Play(ctx, v, s, silentFrames(10, PCMU), true)
	v.Advance(100 * time.Millisecond)
	cancel()
	<-p.Done()
	n := len(rec.packets())
	v.Advance(time.Second)
	if len(rec.packets()) != n || n != 6 {
		t.Fatalf("sent %d then %d packets", n, len(rec.packets()))
	}
}

func TestPacketWriterLoopback(t *testing.T) {
	a, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := NewSender(SenderConfig{Writer: NewPacketWriter(a, b.LocalAddr()), PayloadType: PayloadPCMU})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(silentFrames(1, PCMU)[0]); err != nil {
		t.Fatal(err)
	}
	_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, _, err := b.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil || p.SSRC != s.SSRC() || len(p.Payload) != FrameSamples {
		t.Fatalf("got %+v, %v", p.Header, err)
	}
}

func BenchmarkPacing200Sessions(b *testing.B) {
	frames := silentFrames(50, PCMU)
	for b.Loop() {
		v := clock.NewVirtual(epoch)
		for range 200 {
			s, err := NewSender(SenderConfig{Writer: discard{}, PayloadType: PayloadPCMU, Clock: v})
			if err != nil {
				b.Fatal(err)
			}
			Play(context.Background(), v, s, frames, false)
		}
		v.Advance(time.Second) // 200 sessions × 50 packets
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*200*50), "ns/packet")
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func TestPacerWithDoneContextNeverTicks(t *testing.T) {
	v := clock.NewVirtual(epoch)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ticks := 0
	p := NewPacer(v, FramePeriod, func(_, _ int64) bool { ticks++; return true })
	p.Start(ctx)
	<-p.Done()
	v.Advance(time.Second)
	if ticks != 0 || v.Pending() != 0 {
		t.Fatalf("ticks %d, pending timers %d", ticks, v.Pending())
	}
}
