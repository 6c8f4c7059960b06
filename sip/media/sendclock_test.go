package media

import (
	"context"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// sendLog records, in order, every RTP packet the sessions of a test sent,
// with the (virtual) time and the index of the session that sent it.
type sendLog struct {
	clk clock.Clock
	mu  sync.Mutex
	out []loggedPacket
}

type loggedPacket struct {
	session int
	at      time.Time
	pkt     rtp.Packet
}

func (l *sendLog) take() []loggedPacket {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.out
	l.out = nil
	return out
}

// logConn is a memConn whose writes also go to a shared sendLog.
type logConn struct {
	*memConn
	log     *sendLog
	session int
}

func (c *logConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	var p rtp.Packet
	if err := p.Unmarshal(append([]byte(nil), b...)); err != nil {
		return 0, err
	}
	c.log.mu.Lock()
	c.log.out = append(c.log.out, loggedPacket{session: c.session, at: c.log.clk.Now(), pkt: p})
	c.log.mu.Unlock()
	return c.memConn.WriteTo(b, addr)
}

// lateClock is a clock.Virtual whose next AfterFunc is scheduled late by
// what the test put in extra (once): a timer that fires late, as a loaded
// machine makes it.
type lateClock struct {
	*clock.Virtual
	extra atomic.Int64 // nanoseconds
}

func (c *lateClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.Virtual.AfterFunc(d+time.Duration(c.extra.Swap(0)), f)
}

// sharedSessions runs n sessions on in-memory sockets, all sending on one
// SendClock driven by clk (a *clock.Virtual or a *lateClock), and waits
// until every one is registered; slot 0 is due at once. Cleanup closes them.
func sharedSessions(t *testing.T, n int, v *clock.Virtual, clk clock.Clock) ([]*Session, *SendClock, *sendLog) {
	t.Helper()
	pr := testPortRange(t)
	sc := NewSendClock(clk)
	log := &sendLog{clk: v}
	var sessions []*Session
	var runs []chan error
	for i := range n {
		port, err := pr.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSession(SessionConfig{
			Ports:  &PortPair{RTP: &logConn{memConn: newMemConn(), log: log, session: i}, RTCP: newMemConn(), Port: port, owner: pr},
			Remote: loopback(40000), Codec: PCMU, EventPayloadType: 101, Clock: v, SendClock: sc,
		})
		if err != nil {
			t.Fatal(err)
		}
		r := make(chan error, 1)
		go func() { r <- s.Run(context.Background()) }()
		sessions, runs = append(sessions, s), append(runs, r)
	}
	eventually(t, 5*time.Second, "every session registered on the send clock", func() bool { return sc.Len() == n })
	t.Cleanup(func() {
		for i, s := range sessions {
			_ = s.Close()
			if err := <-runs[i]; err != nil {
				t.Errorf("run %d: %v", i, err)
			}
		}
		if sc.Len() != 0 {
			t.Errorf("%d registrations left on the send clock", sc.Len())
		}
		if pr.InUse() != 0 {
			t.Errorf("%d ports not released", pr.InUse())
		}
	})
	return sessions, sc, log
}

// checkPass checks one pass of the clock: exactly one packet per session,
// in the order of the first pass (order, nil on the first pass), all sent
// at at.
func checkPass(t *testing.T, pass int, got []loggedPacket, n int, order []int, at time.Time) []int {
	t.Helper()
	if len(got) != n {
		t.Fatalf("pass %d: %d packets, want one for each of %d sessions", pass, len(got), n)
	}
	var seen []int
	for i, p := range got {
		if !p.at.Equal(at) {
			t.Fatalf("pass %d: packet %d sent at %v, want %v", pass, i, p.at.Sub(epoch), at.Sub(epoch))
		}
		if order != nil && p.session != order[i] {
			t.Fatalf("pass %d: packet %d from session %d, want %d (the registration order)", pass, i, p.session, order[i])
		}
		seen = append(seen, p.session)
	}
	return seen
}

// Two hundred sessions on one clock: each 20 ms slot is one pass sending
// exactly one frame of every session, in the same order every time, at
// start + n × 20 ms; each stream has consecutive sequence numbers and
// timestamps 160 apart.
func TestSendClockSharedPasses(t *testing.T) {
	const n, passes = 200, 50
	v := clock.NewVirtual(epoch)
	sessions, _, log := sharedSessions(t, n, v, v)
	var order []int
	last := map[int]rtp.Packet{}
	for k := range passes {
		if k > 0 {
			v.Advance(FramePeriod)
		} else {
			v.Advance(0)
		}
		got := log.take()
		order = checkPass(t, k, got, n, order, epoch.Add(time.Duration(k)*FramePeriod))
		for _, p := range got {
			if prev, ok := last[p.session]; ok {
				if p.pkt.SequenceNumber != prev.SequenceNumber+1 || p.pkt.Timestamp != prev.Timestamp+FrameSamples {
					t.Fatalf("pass %d, session %d: seq %d ts %d after seq %d ts %d", k, p.session,
						p.pkt.SequenceNumber, p.pkt.Timestamp, prev.SequenceNumber, prev.Timestamp)
				}
			} else if !p.pkt.Marker {
				t.Fatalf("session %d: first packet without the marker bit", p.session)
			}
			last[p.session] = p.pkt
		}
	}
	for i, s := range sessions {
		if st := s.Stats(); st.Sent.Packets != passes || st.Skipped != 0 {
			t.Fatalf("session %d: sent %d skipped %d, want %d and 0", i, st.Sent.Packets, st.Skipped, passes)
		}
	}
}

// A pass that runs late: less than a period late, the slot's frames go out
// late, once each; a period or more late, the slots already past are
// skipped (their samples too: the timestamp jumps by 160 per skipped slot,
// staying on the slots' grid) and only the latest slot is sent. Either way
// no stream gets two packets in one pass, and the passes after are back on
// start + n × 20 ms (no drift).
func TestSendClockLatePass(t *testing.T) {
	const n = 20
	tests := []struct {
		name        string
		late        time.Duration // of the timer of slot 5
		wantAt      time.Duration // the late pass, from the start
		wantSkipped uint64
		wantTSStep  uint32        // timestamp step from slot 4's packet to the late pass's
		wantLate    time.Duration // the late pass's start after slot 5's time
	}{
		{name: "half a period late: sent late, not skipped", late: 10 * time.Millisecond, wantAt: 110 * time.Millisecond, wantSkipped: 0, wantTSStep: 160, wantLate: 10 * time.Millisecond},
		{name: "one and a half periods late: one slot skipped", late: 30 * time.Millisecond, wantAt: 130 * time.Millisecond, wantSkipped: 1, wantTSStep: 320, wantLate: 30 * time.Millisecond},
		{name: "three periods late: three slots skipped", late: 60 * time.Millisecond, wantAt: 160 * time.Millisecond, wantSkipped: 3, wantTSStep: 640, wantLate: 60 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := clock.NewVirtual(epoch)
			lc := &lateClock{Virtual: v}
			sessions, sc, log := sharedSessions(t, n, v, lc)
			v.Advance(0)
			var order []int
			for k := 1; k <= 4; k++ {
				if k == 4 {
					lc.extra.Store(int64(tc.late)) // the timer set after slot 4's pass
				}
				v.Advance(FramePeriod)
			}
			before := log.take()
			slot4 := map[int]rtp.Packet{}
			for _, p := range before[len(before)-n:] {
				slot4[p.session] = p.pkt
			}
			// Up to just before the late pass: nothing goes out.
			v.AdvanceTo(epoch.Add(tc.wantAt - time.Millisecond))
			if got := log.take(); len(got) != 0 {
				t.Fatalf("%d packets before the late pass", len(got))
			}
			v.AdvanceTo(epoch.Add(tc.wantAt))
			late := log.take()
			order = checkPass(t, 5, late, n, order, epoch.Add(tc.wantAt))
			for _, p := range late {
				prev := slot4[p.session]
				if p.pkt.SequenceNumber != prev.SequenceNumber+1 || p.pkt.Timestamp-prev.Timestamp != tc.wantTSStep {
					t.Fatalf("session %d: late pass seq +%d ts +%d, want +1 and +%d", p.session,
						p.pkt.SequenceNumber-prev.SequenceNumber, p.pkt.Timestamp-prev.Timestamp, tc.wantTSStep)
				}
				slot4[p.session] = p.pkt
			}
			// The next passes are on the absolute schedule again.
			next := (tc.wantAt/FramePeriod + 1) * FramePeriod
			for k := range 3 {
				at := next + time.Duration(k)*FramePeriod
				v.AdvanceTo(epoch.Add(at))
				got := log.take()
				checkPass(t, 6+k, got, n, order, epoch.Add(at))
				for _, p := range got {
					prev := slot4[p.session]
					if p.pkt.SequenceNumber != prev.SequenceNumber+1 || p.pkt.Timestamp-prev.Timestamp != FrameSamples {
						t.Fatalf("session %d after the late pass: seq +%d ts +%d", p.session,
							p.pkt.SequenceNumber-prev.SequenceNumber, p.pkt.Timestamp-prev.Timestamp)
					}
					slot4[p.session] = p.pkt
				}
			}
			for i, s := range sessions {
				if got := s.Stats().Skipped; got != tc.wantSkipped {
					t.Fatalf("session %d: Skipped %d, want %d", i, got, tc.wantSkipped)
				}
			}
			wantLate2 := uint64(0)
			if tc.wantLate > 2*time.Millisecond {
				wantLate2 = 1
			}
			// Slots 0-4, the late pass and 3 after it.
			want := SendClockStats{Passes: 9, Ticks: 9 * n, Skipped: tc.wantSkipped, Late1ms: wantLate2, Late2ms: wantLate2, MaxLate: tc.wantLate}
			if got := sc.Stats(); got != want {
				t.Fatalf("clock stats %+v, want %+v", got, want)
			}
		})
	}
}

// A session that joins a running clock is served from the next pass on, in
// step with the others; one that leaves is no longer served; the last to
// leave stops the schedule (no timer left).
func TestSendClockJoinAndLeave(t *testing.T) {
	v := clock.NewVirtual(epoch)
	sc := NewSendClock(v)
	var mu sync.Mutex
	var calls []string
	rec := func(name string) TickFunc {
		return func(slot, missed int64) bool {
			mu.Lock()
			calls = append(calls, name+":"+string(rune('0'+slot)))
			mu.Unlock()
			return true
		}
	}
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := calls
		calls = nil
		return out
	}
	removeA := sc.Add(rec("a"))
	v.Advance(0)
	v.Advance(10 * time.Millisecond)
	removeB := sc.Add(rec("b")) // mid-slot: first served at slot 1
	if got := take(); len(got) != 1 || got[0] != "a:0" {
		t.Fatalf("slot 0: %v", got)
	}
	v.Advance(10 * time.Millisecond)
	if got := take(); len(got) != 2 || got[0] != "a:1" || got[1] != "b:1" {
		t.Fatalf("slot 1: %v, want a:1 b:1", got)
	}
	removeA()
	removeA() // idempotent
	v.Advance(FramePeriod)
	if got := take(); len(got) != 1 || got[0] != "b:2" {
		t.Fatalf("slot 2: %v, want b:2", got)
	}
	stopAfterOne := 0
	sc.Add(func(slot, missed int64) bool { stopAfterOne++; return false })
	v.Advance(FramePeriod)
	v.Advance(FramePeriod)
	if stopAfterOne != 1 || sc.Len() != 1 {
		t.Fatalf("a tick returning false: called %d times, %d registrations left; want 1 and 1", stopAfterOne, sc.Len())
	}
	removeB()
	if v.Pending() != 0 {
		t.Fatalf("%d timers pending on an idle send clock", v.Pending())
	}
	// Restarted by the next registration, slot 0 at once.
	remove := sc.Add(rec("c"))
	v.Advance(0)
	if got := take(); len(got) != 3 || got[2] != "c:0" {
		t.Fatalf("after a restart: %v, want b:3 b:4 c:0", got)
	}
	remove()
}

// Many sessions starting and stopping on one shared clock on the wall
// clock: they all send, the clock ends with no registration and no timer,
// and the goroutines are back to where they were.
func TestSendClockNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	pr := testPortRange(t)
	sc := NewSendClock(nil)
	const rounds, perRound = 5, 40
	for range rounds {
		var sessions []*Session
		var runs []chan error
		for range perRound {
			port, err := pr.Allocate()
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSession(SessionConfig{
				Ports:  &PortPair{RTP: newMemConn(), RTCP: newMemConn(), Port: port, owner: pr},
				Remote: loopback(40000), Codec: PCMA, SendClock: sc,
			})
			if err != nil {
				t.Fatal(err)
			}
			r := make(chan error, 1)
			go func() { r <- s.Run(context.Background()) }()
			sessions, runs = append(sessions, s), append(runs, r)
		}
		for _, s := range sessions {
			eventually(t, 5*time.Second, "every session sends", func() bool { return s.Stats().Sent.Packets >= 2 })
		}
		for i, s := range sessions {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-runs[i]; err != nil {
				t.Fatalf("run: %v", err)
			}
		}
	}
	if n := sc.Len(); n != 0 {
		t.Fatalf("%d registrations left", n)
	}
	sc.mu.Lock()
	running := sc.pacer != nil
	sc.mu.Unlock()
	if running {
		t.Fatal("the schedule still runs with no session")
	}
	if n := pr.InUse(); n != 0 {
		t.Fatalf("%d ports in use", n)
	}
	eventually(t, 5*time.Second, "goroutines back to the start", func() bool { return runtime.NumGoroutine() <= before })
}

// On one clock each session sends what its own state says, pass by pass:
// one on hold sends nothing while its timestamp keeps pace, one sends a
// DTMF key (event packets in place of its audio, on the same slots), one
// plays a prompt; the others' streams are not disturbed, and the held one
// resumes on the slots' grid with the marker bit.
func TestSendClockMixedStates(t *testing.T) {
	v := clock.NewVirtual(epoch)
	sessions, _, log := sharedSessions(t, 3, v, v)
	held, dialer, player := sessions[0], sessions[1], sessions[2]
	v.Advance(0)
	first := map[int]rtp.Packet{}
	for _, p := range log.take() {
		first[p.session] = p.pkt
	}
	held.SetSending(false)
	dtmfErr := make(chan error, 1)
	go func() { dtmfErr <- dialer.SendDTMF(context.Background(), "5") }()
	playErr := make(chan error, 1)
	go func() { playErr <- player.Play(context.Background(), testPrompt(t), false) }()
	eventually(t, 5*time.Second, "DTMF and prompt queued", func() bool {
		dialer.mu.Lock()
		queued := len(dialer.dtmfQ) == 1
		dialer.mu.Unlock()
		player.mu.Lock()
		defer player.mu.Unlock()
		return queued && player.play != nil
	})
	const passes = 20
	events := 0
	for k := 1; k <= passes; k++ {
		v.Advance(FramePeriod)
		got := log.take()
		per := map[int]int{}
		for _, p := range got {
			per[p.session]++
			if !p.at.Equal(epoch.Add(time.Duration(k) * FramePeriod)) {
				t.Fatalf("pass %d: session %d sent at %v", k, p.session, p.at.Sub(epoch))
			}
			if p.session == 1 && p.pkt.PayloadType == 101 {
				events++
			}
		}
		if per[0] != 0 || per[1] != 1 || per[2] != 1 {
			t.Fatalf("pass %d: packets per session %v, want none from the held one and one each from the others", k, per)
		}
	}
	if err := <-dtmfErr; err != nil {
		t.Fatalf("SendDTMF: %v", err)
	}
	if want := sessionDTMFTicks + DTMFEndPackets - 1; events != want {
		t.Fatalf("%d event packets, want %d", events, want)
	}
	held.SetSending(true)
	v.Advance(FramePeriod)
	var resumed *rtp.Packet
	for _, p := range log.take() {
		if p.session == 0 {
			resumed = &p.pkt
		}
	}
	if resumed == nil || !resumed.Marker || resumed.SequenceNumber != first[0].SequenceNumber+1 ||
		resumed.Timestamp != first[0].Timestamp+uint32(passes+1)*FrameSamples {
		t.Fatalf("after hold: %+v, want seq %d, ts %d, marker", resumed, first[0].SequenceNumber+1, first[0].Timestamp+uint32(passes+1)*FrameSamples)
	}
	if st := player.Stats(); st.Sent.Packets != passes+2 || st.Skipped != 0 {
		t.Fatalf("player sent %d (skipped %d), want %d", st.Sent.Packets, st.Skipped, passes+2)
	}
}
