package media

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

const pop = -1

func TestJitterBuffer(t *testing.T) {
	tests := []struct {
		name    string
		base    uint16
		depth   int
		conceal Conceal
		ops     []int // offsets from base to push, or pop
		want    string
		stats   JitterStats
	}{
		{name: "in order", depth: 2, ops: []int{0, pop, 1, 2, pop, pop, pop}, want: "- 0 1 2",
			stats: JitterStats{Played: 3}},
		{name: "reordered", depth: 2, ops: []int{1, 0, 3, 2, pop, pop, pop, pop}, want: "0 1 2 3",
			stats: JitterStats{Played: 4}},
		{name: "duplicate dropped", depth: 2, ops: []int{0, 1, 1, 0, 2, pop, pop, pop}, want: "0 1 2",
			stats: JitterStats{Played: 3, Duplicates: 2}},
		{name: "loss repeats last once then silence", depth: 2, ops: []int{0, 1, 5, pop, pop, pop, pop, pop, pop, pop}, want: "0 1 R1 S S 5 R5",
			stats: JitterStats{Played: 3, Concealed: 4}},
		{name: "loss with silence", depth: 2, conceal: ConcealSilence, ops: []int{0, 1, 3, pop, pop, pop, pop}, want: "0 1 S 3",
			stats: JitterStats{Played: 3, Concealed: 1}},
		{name: "too late dropped", depth: 2, ops: []int{0, 1, pop, pop, pop, 2, 3, pop}, want: "0 1 R1 3",
			stats: JitterStats{Played: 3, Concealed: 1, Late: 1}},
		{name: "wraparound", base: 65534, depth: 3, ops: []int{1, 0, 2, 3, pop, pop, pop, pop}, want: "0 1 2 3",
			stats: JitterStats{Played: 4}},
		{name: "packet older than playout start is late", base: 65535, depth: 2, ops: []int{2, 1, 0, pop, pop, pop}, want: "1 2 R2",
			stats: JitterStats{Played: 2, Late: 1, Concealed: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jb := NewJitterBuffer(JitterConfig{Depth: tc.depth, Conceal: tc.conceal, Silence: 0xFF, FrameBytes: 1})
			var out []string
			for _, op := range tc.ops {
				if op != pop {
					jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: tc.base + uint16(op)}, Payload: []byte{byte(op)}})
					continue
				}
				f, ok := jb.Pop()
				switch {
				case !ok:
					out = append(out, "-")
				case f.Concealed && f.Payload[0] == 0xFF:
					out = append(out, "S")
				case f.Concealed:
					out = append(out, fmt.Sprintf("R%d", f.Payload[0]))
				default:
					out = append(out, fmt.Sprint(f.Payload[0]))
				}
			}
			if got := strings.Join(out, " "); got != tc.want {
				t.Fatalf("played %q, want %q", got, tc.want)
			}
			if got := jb.Stats(); got != tc.stats {
				t.Fatalf("stats %+v, want %+v", got, tc.stats)
			}
		})
	}
}

func TestJitterBufferOverflowCatchesUp(t *testing.T) {
	jb := NewJitterBuffer(JitterConfig{Depth: 1, MaxPackets: 4, FrameBytes: 1})
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 10}, Payload: []byte{10}})
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 20}, Payload: []byte{20}})
	if st := jb.Stats(); st.Overflow != 7 {
		t.Fatalf("overflow %d, want 7", st.Overflow)
	}
	var played []byte
	for range 4 {
		f, _ := jb.Pop()
		if !f.Concealed {
			played = append(played, f.Payload[0])
		}
	}
	if len(played) != 1 || played[0] != 20 {
		t.Fatalf("played %v, want [20]", played)
	}
}

func TestJitterBufferResyncAfterSilence(t *testing.T) {
	jb := NewJitterBuffer(JitterConfig{Depth: 1, FrameBytes: 1})
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 1}, Payload: []byte{1}})
	for range resyncAfter + 1 {
		jb.Pop()
	}
	if _, ok := jb.Pop(); ok {
		t.Fatal("still playing after a second of nothing")
	}
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 500}, Payload: []byte{7}})
	if f, ok := jb.Pop(); !ok || f.Payload[0] != 7 {
		t.Fatalf("after resync got %+v %v", f, ok)
	}
}

// lossyLink is an in-memory RTP path that drops, duplicates and delays
// (reorders) packets by their index, delivering to a Receiver on the clock.
type lossyLink struct {
	clk   *clock.Virtual
	rx    *Receiver
	n     int
	drop  map[int]bool
	dup   map[int]bool
	delay map[int]time.Duration
	t     testing.TB
}

func (l *lossyLink) Write(b []byte) (int, error) {
	i := l.n
	l.n++
	if l.drop[i] {
		return len(b), nil
	}
	pkt := append([]byte(nil), b...)
	deliver := func() {
		if err := l.rx.ReceiveBytes(pkt, l.clk.Now()); err != nil {
			l.t.Errorf("receive: %v", err)
		}
	}
	copies := 1
	if l.dup[i] {
		copies = 2
	}
	for range copies {
		l.clk.AfterFunc(l.delay[i], deliver)
	}
	return len(b), nil
}

func TestSenderToReceiverThroughLossyLink(t *testing.T) {
	v := clock.NewVirtual(epoch)
	rx := NewReceiver(ReceiverConfig{Jitter: JitterConfig{Depth: 3, Silence: 0xFF}})
	link := &lossyLink{
		clk: v, rx: rx, t: t,
		drop:  map[int]bool{10: true, 30: true, 31: true},
		dup:   map[int]bool{5: true, 20: true},
		delay: map[int]time.Duration{15: 30 * time.Millisecond, 40: 25 * time.Millisecond, 45: 200 * time.Millisecond},
	}
	s, err := NewSender(SenderConfig{Writer: link, PayloadType: PayloadPCMU, Clock: v, Rand: fixedRand()})
	if err != nil {
		t.Fatal(err)
	}
	frames := make([][]byte, 60)
	for i := range frames {
		frames[i] = []byte{byte(i), 0, 0}
	}
	Play(context.Background(), v, s, frames, false)
	var played []string
	// Playout pacer, offset by 10 ms from the sender.
	v.Advance(10 * time.Millisecond)
	po := NewPacer(v, FramePeriod, func(slot, missed int64) bool {
		if f, ok := rx.Pop(); ok {
			if f.Concealed {
				played = append(played, "x")
			} else {
				played = append(played, fmt.Sprint(f.Payload[0]))
			}
		}
		return true
	})
	po.Start(context.Background())
	v.Advance(2 * time.Second)
	po.Stop()

	var want []string
	for i := range 60 {
		switch i {
		case 10, 30, 31, 45: // dropped, or 45 arriving 200 ms late
			want = append(want, "x")
		default:
			want = append(want, fmt.Sprint(i))
		}
	}
	if got := strings.Join(played, " "); !strings.HasPrefix(got, strings.Join(want, " ")) {
		t.Fatalf("played\n%s\nwant\n%s", got, strings.Join(want, " "))
	}
	st := rx.Stats()
	if st.Received != 59 || st.Expected != 60 || st.CumulativeLost != 1 {
		t.Fatalf("stats %+v, want 59 received (57 + 2 duplicates) of 60", st)
	}
	if js := rx.JitterStats(); js.Duplicates != 2 || js.Late != 1 {
		t.Fatalf("jitter stats %+v", js)
	}
	if st.ExtendedHighest != uint32(1<<16)+uint32(0xFFFE+59-65536) {
		t.Fatalf("extended highest %#x", st.ExtendedHighest)
	}
}

func TestInterarrivalJitter(t *testing.T) {
	tests := []struct {
		name     string
		delays   func(i int) time.Duration
		min, max float64
	}{
		{name: "steady", delays: func(int) time.Duration { return 5 * time.Millisecond }, min: 0, max: 0.001},
		// Alternating 0 / 10 ms delay: |D| = 80 timestamp units every packet,
		// so J converges to 80.
		{name: "alternating 10 ms", delays: func(i int) time.Duration { return time.Duration(i%2) * 10 * time.Millisecond }, min: 79, max: 80.001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rx := NewReceiver(ReceiverConfig{})
			for i := range 500 {
				arrival := epoch.Add(time.Duration(i)*FramePeriod + tc.delays(i))
				rx.Receive(&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * FrameSamples)}}, arrival)
			}
			if j := rx.Stats().Jitter; j < tc.min || j > tc.max {
				t.Fatalf("jitter %.3f, want in [%v, %v]", j, tc.min, tc.max)
			}
		})
	}
}

func TestFractionLost(t *testing.T) {
	rx := NewReceiver(ReceiverConfig{})
	for i := range 100 {
		if i%4 == 0 {
			continue
		}
		rx.Receive(&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i)}}, epoch)
	}
	// 1..99 expected = 99, received 75 → lost 24/99 → 62/256.
	if got := rx.fractionLost(); got != uint8(24*256/99) {
		t.Fatalf("fraction lost %d", got)
	}
	if got := rx.fractionLost(); got != 0 {
		t.Fatalf("second interval fraction lost %d, want 0", got)
	}
}

func FuzzRTPReceive(f *testing.F) {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1}, Payload: []byte{1, 2}}
	b, _ := p.Marshal()
	f.Add(b)
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		rx := NewReceiver(ReceiverConfig{Jitter: JitterConfig{Depth: 1}})
		_ = rx.ReceiveBytes(data, epoch)
		_ = rx.ReceiveBytes(data, epoch.Add(time.Millisecond))
		rx.Pop()
		_ = rx.Stats()
	})
}

func TestJitterBufferSkipsEventSlots(t *testing.T) {
	jb := NewJitterBuffer(JitterConfig{Depth: 2, FrameBytes: 1})
	// Audio 0,1, events at 2,3 (RFC 4733 packets in the same stream), audio 4.
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 0}, Payload: []byte{0}})
	jb.PushSkip(2)
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 1}, Payload: []byte{1}})
	jb.PushSkip(3)
	jb.PushSkip(3)
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: 4}, Payload: []byte{4}})
	var got []byte
	for range 3 {
		f, ok := jb.Pop()
		if !ok || f.Concealed {
			t.Fatalf("pop %+v %v", f, ok)
		}
		got = append(got, f.Payload[0])
	}
	if string(got) != string([]byte{0, 1, 4}) {
		t.Fatalf("played %v, want [0 1 4]", got)
	}
	if st := jb.Stats(); st.Concealed != 0 || st.Played != 3 {
		t.Fatalf("stats %+v", st)
	}
}
