package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// virtualSession is a session on in-memory sockets and the virtual clock:
// each v.Advance(20 ms) runs one send tick synchronously.
type virtualSession struct {
	s   *Session
	v   *clock.Virtual
	rtp *memConn
	run chan error
}

func newVirtualSession(t *testing.T, edit func(*SessionConfig)) *virtualSession {
	t.Helper()
	pr := testPortRange(t)
	port, err := pr.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	vs := &virtualSession{v: clock.NewVirtual(epoch), rtp: newMemConn(), run: make(chan error, 1)}
	cfg := SessionConfig{
		Ports:            &PortPair{RTP: vs.rtp, RTCP: newMemConn(), Port: port, owner: pr},
		Remote:           loopback(40000),
		Codec:            PCMU,
		EventPayloadType: 101,
		Clock:            vs.v,
	}
	if edit != nil {
		edit(&cfg)
	}
	if cfg.ClockedPlayout && cfg.SendClock == nil {
		cfg.SendClock = NewSendClock(vs.v)
	}
	vs.s, err = NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() { vs.run <- vs.s.Run(context.Background()) }()
	if cfg.ClockedPlayout {
		// Send and playout (with RTCP) are both on the send clock.
		eventually(t, 5*time.Second, "Run registered on the send clock", func() bool { return cfg.SendClock.Len() >= 2 })
	} else {
		// Send, playout and RTCP timers are pending once Run has started.
		eventually(t, 5*time.Second, "Run started its loops", func() bool { return vs.v.Pending() >= 3 })
	}
	vs.v.Advance(0) // slot 0: the first silent frame
	t.Cleanup(func() {
		_ = vs.s.Close()
		if err := <-vs.run; err != nil {
			t.Errorf("run: %v", err)
		}
		if pr.InUse() != 0 {
			t.Error("port not released")
		}
	})
	return vs
}

// ticks advances the clock by n 20 ms slots.
func (vs *virtualSession) ticks(n int) {
	for range n {
		vs.v.Advance(FramePeriod)
	}
}

func (vs *virtualSession) sent(t *testing.T) []rtp.Packet {
	t.Helper()
	var out []rtp.Packet
	for _, b := range vs.rtp.packets() {
		var p rtp.Packet
		if err := p.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// checkContinuous checks consecutive sequence numbers and timestamps that
// advance by 160 per slot (events hold the start timestamp).
func checkContinuous(t *testing.T, pkts []rtp.Packet) {
	t.Helper()
	for i := 1; i < len(pkts); i++ {
		if pkts[i].SequenceNumber != pkts[i-1].SequenceNumber+1 {
			t.Fatalf("packet %d: sequence %d after %d", i, pkts[i].SequenceNumber, pkts[i-1].SequenceNumber)
		}
		if pkts[i].SSRC != pkts[0].SSRC {
			t.Fatalf("packet %d: SSRC changed", i)
		}
	}
}

// DTMF replaces the audio frames of its slots; every event packet carries
// the event's start timestamp, and the audio after resumes with the
// timestamp advanced by the samples elapsed.
func TestSessionDTMFTimestamps(t *testing.T) {
	vs := newVirtualSession(t, nil)
	vs.ticks(3)
	errc := make(chan error, 1)
	go func() { errc <- vs.s.SendDTMF(context.Background(), "7#") }()
	eventually(t, 5*time.Second, "DTMF queued", func() bool {
		vs.s.mu.Lock()
		defer vs.s.mu.Unlock()
		return len(vs.s.dtmfQ) == 1
	})
	vs.ticks(2 * (sessionDTMFTicks + DTMFEndPackets - 1 + sessionDTMFGap))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	vs.ticks(2)
	pkts := vs.sent(t)
	checkContinuous(t, pkts)
	perEvent := sessionDTMFTicks + DTMFEndPackets - 1
	type run struct {
		event    bool
		n        int
		firstIdx int
	}
	var runs []run
	for i, p := range pkts {
		ev := p.PayloadType == 101
		if len(runs) == 0 || runs[len(runs)-1].event != ev {
			runs = append(runs, run{event: ev, firstIdx: i})
		}
		runs[len(runs)-1].n++
	}
	// audio, event 7, gap audio, event #, audio
	if len(runs) != 5 || !runs[1].event || !runs[3].event || runs[1].n != perEvent || runs[3].n != perEvent || runs[2].n != sessionDTMFGap {
		t.Fatalf("packet runs %+v", runs)
	}
	for k, r := range []run{runs[1], runs[3]} {
		start := pkts[r.firstIdx]
		before := pkts[r.firstIdx-1]
		if start.Timestamp != before.Timestamp+FrameSamples || !start.Marker {
			t.Fatalf("event %d starts at ts %d (marker %v) after audio ts %d", k, start.Timestamp, start.Marker, before.Timestamp)
		}
		for i := range r.n {
			p := pkts[r.firstIdx+i]
			ev, err := ParseTelephoneEvent(p.Payload)
			if err != nil {
				t.Fatal(err)
			}
			wantDur := uint16(min((i+1)*FrameSamples, sessionDTMFTicks*FrameSamples))
			if p.Timestamp != start.Timestamp || ev.Duration != wantDur || ev.End != (i >= sessionDTMFTicks-1) || (i > 0 && p.Marker) {
				t.Fatalf("event %d packet %d: ts %d marker %v %+v", k, i, p.Timestamp, p.Marker, ev)
			}
			if want := []uint8{7, 11}[k]; ev.Event != want {
				t.Fatalf("event %d code %d, want %d", k, ev.Event, want)
			}
		}
		after := pkts[r.firstIdx+r.n]
		if want := start.Timestamp + uint32(r.n*FrameSamples); after.Timestamp != want || after.PayloadType != 0 {
			t.Fatalf("audio after event %d: ts %d pt %d, want ts %d", k, after.Timestamp, after.PayloadType, want)
		}
	}
}

// Hold sends nothing while the timestamp keeps pace with the clock; resume
// marks a new talkspurt. Update switches the codec on the next frame.
func TestSessionHoldAndUpdate(t *testing.T) {
	vs := newVirtualSession(t, nil)
	vs.ticks(2)
	vs.s.SetSending(false)
	vs.ticks(5)
	if n := len(vs.rtp.packets()); n != 3 {
		t.Fatalf("%d packets sent, want 3 before hold and none during", n)
	}
	vs.s.SetSending(true)
	vs.ticks(1)
	vs.s.Update(loopback(40002), netip.AddrPort{}, PCMA, 96)
	vs.ticks(1)
	pkts := vs.sent(t)
	checkContinuous(t, pkts)
	tests := []struct {
		name   string
		idx    int
		dts    uint32
		pt     uint8
		marker bool
		fill   byte
	}{
		{name: "third frame", idx: 2, dts: 160, pt: 0, fill: 0xFF},
		{name: "first after hold", idx: 3, dts: 6 * 160, pt: 0, marker: true, fill: 0xFF},
		{name: "first after update", idx: 4, dts: 160, pt: 8, fill: 0xD5},
	}
	for _, tc := range tests {
		p := pkts[tc.idx]
		if d := p.Timestamp - pkts[tc.idx-1].Timestamp; d != tc.dts || p.PayloadType != tc.pt || p.Marker != tc.marker || p.Payload[0] != tc.fill || len(p.Payload) != 160 {
			t.Fatalf("%s: dts %d pt %d marker %v payload[0] %#x", tc.name, d, p.PayloadType, p.Marker, p.Payload[0])
		}
	}
	if got := vs.s.Stats().RemoteRTP; got != loopback(40002) {
		t.Fatalf("remote after update %v", got)
	}
	if got := vs.s.rtcpW.Addr().String(); got != "127.0.0.1:40003" {
		t.Fatalf("RTCP remote after update %s", got)
	}
}

// A prompt goes out frame after frame at the codec, with the marker on its
// first frame; Play returns nil after the last one, ErrReplaced when
// replaced, ctx.Err() on cancel, ErrSessionClosed on close.
func TestSessionPlayOutcomes(t *testing.T) {
	vs := newVirtualSession(t, nil)
	vs.ticks(1)
	tone := &Audio{Samples: make([]int16, 3*FrameSamples)}
	for i := range tone.Samples {
		tone.Samples[i] = int16(8000 * math.Sin(float64(i)/5))
	}
	want := tone.Payloads(PCMU)

	playing := func() bool {
		vs.s.mu.Lock()
		defer vs.s.mu.Unlock()
		return vs.s.play != nil
	}
	first := make(chan error, 1)
	go func() { first <- vs.s.Play(context.Background(), tone, true) }()
	eventually(t, 5*time.Second, "first Play started", playing)
	second := make(chan error, 1)
	go func() { second <- vs.s.Play(context.Background(), tone, false) }()
	if err := <-first; !errors.Is(err, ErrReplaced) {
		t.Fatalf("replaced Play returned %v", err)
	}
	vs.ticks(3)
	if err := <-second; err != nil {
		t.Fatalf("Play returned %v", err)
	}
	pkts := vs.sent(t)[2:]
	if len(pkts) != len(want) {
		t.Fatalf("%d prompt packets, want %d", len(pkts), len(want))
	}
	for i, p := range pkts {
		if string(p.Payload) != string(want[i]) || p.Marker != (i == 0) {
			t.Fatalf("prompt frame %d: marker %v, payload differs: %v", i, p.Marker, string(p.Payload) != string(want[i]))
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	third := make(chan error, 1)
	go func() { third <- vs.s.Play(ctx, tone, true) }()
	eventually(t, 5*time.Second, "third Play started", playing)
	cancel()
	if err := <-third; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Play returned %v", err)
	}
	if playing() {
		t.Fatal("cancelled prompt still playing")
	}

	fourth := make(chan error, 1)
	go func() { fourth <- vs.s.Play(context.Background(), tone, true) }()
	eventually(t, 5*time.Second, "fourth Play started", playing)
	if err := vs.s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-fourth; !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Play on close returned %v", err)
	}
	if err := vs.s.SendDTMF(context.Background(), "1"); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("SendDTMF after close returned %v", err)
	}
	if err := vs.s.Play(context.Background(), tone, false); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("Play after close returned %v", err)
	}
}

func TestSessionSendDTMFWithoutEvents(t *testing.T) {
	vs := newVirtualSession(t, func(c *SessionConfig) { c.EventPayloadType = 0 })
	if err := vs.s.SendDTMF(context.Background(), "1"); err == nil {
		t.Fatal("DTMF sent without a negotiated telephone-event")
	}
}

// Received audio goes through playout to OnSpeech and DetectMachine: a
// long greeting is a machine. Packets are fed to the receive path directly,
// one per virtual 20 ms.
func TestSessionSpeechAndMachine(t *testing.T) {
	for _, clocked := range []bool{false, true} {
		t.Run(fmt.Sprintf("clocked=%v", clocked), func(t *testing.T) { testSessionSpeechAndMachine(t, clocked) })
	}
}

func testSessionSpeechAndMachine(t *testing.T, clocked bool) {
	var speech []bool
	vs := newVirtualSession(t, func(c *SessionConfig) {
		c.Jitter.Depth = 2
		c.OnSpeech = func(on bool) { speech = append(speech, on) }
		c.ClockedPlayout = clocked
		if clocked {
			// The in-memory sockets are not pollable: the loop reads them
			// with goroutines (the portable path).
			c.RecvLoop = NewRecvLoop(nil)
		}
	})
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	result := make(chan AMDResult, 1)
	go func() { result <- vs.s.DetectMachine(context.Background(), AMDConfig{}) }()
	eventually(t, 5*time.Second, "AMD running", func() bool {
		vs.s.mu.Lock()
		defer vs.s.mu.Unlock()
		return len(vs.s.amds) == 1
	})
	frame := make([]int16, FrameSamples)
	var seq uint16
	var ts uint32
	send := func(loud bool) {
		for i := range frame {
			frame[i] = 0
			if loud {
				frame[i] = int16(6000 * math.Sin(2*math.Pi*300*float64(i)/ClockRate))
			}
		}
		vs.s.receive(&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 5, SequenceNumber: seq, Timestamp: ts}, Payload: PCMU.Encode(nil, frame)}, from)
		seq++
		ts += FrameSamples
		vs.ticks(1)
	}
	for range 10 {
		send(false)
	}
	var got AMDResult
	for i := 0; i < 200 && got == AMDUndecided; i++ {
		send(true)
		select {
		case got = <-result:
		default:
		}
	}
	if got == AMDUndecided {
		got = <-result
	}
	if got != AMDMachine {
		t.Fatalf("AMD says %v after a long greeting", got)
	}
	for range 60 {
		send(false)
	}
	if len(speech) != 2 || !speech[0] || speech[1] {
		t.Fatalf("OnSpeech calls %v, want [true false]", speech)
	}
	if st := vs.s.Stats(); st.Received.Received != uint64(seq) || st.Latched {
		t.Fatalf("stats %+v", st)
	}
	// A packet of a payload type not negotiated is dropped and counted.
	vs.s.receive(&rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 5, PayloadType: 18, SequenceNumber: seq}, Payload: []byte{1}}, from)
	if st := vs.s.Stats(); st.Dropped != 1 || st.Received.Received != uint64(seq) {
		t.Fatalf("G.729 packet not dropped: %+v", st)
	}
}

// Symmetric RTP latches on the first packet, ignores other sources after
// it, and latches again only after Update.
func TestSessionRelatchAfterUpdate(t *testing.T) {
	vs := newVirtualSession(t, func(c *SessionConfig) { c.Symmetric = true })
	pkt := func(seq uint16) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 5, SequenceNumber: seq}, Payload: make([]byte, FrameSamples)}
	}
	first := netip.MustParseAddrPort("192.0.2.1:5000")
	second := netip.MustParseAddrPort("192.0.2.2:6000")
	steps := []struct {
		name   string
		update bool
		from   netip.AddrPort
		want   string
		rtcp   string
	}{
		{name: "first packet latches", from: first, want: "192.0.2.1:5000", rtcp: "192.0.2.1:5001"},
		{name: "another source does not move it", from: second, want: "192.0.2.1:5000", rtcp: "192.0.2.1:5001"},
		{name: "after Update the next source latches", update: true, from: second, want: "192.0.2.2:6000", rtcp: "192.0.2.2:6001"},
	}
	for i, st := range steps {
		if st.update {
			vs.s.Update(loopback(40010), netip.AddrPort{}, PCMU, 101)
			if got := vs.s.Stats(); got.Latched || got.RemoteRTP != loopback(40010) {
				t.Fatalf("%s: after Update %+v", st.name, got)
			}
		}
		vs.s.receive(pkt(uint16(i)), st.from)
		got := vs.s.Stats()
		if !got.Latched || got.RemoteRTP.String() != st.want || vs.s.rtcpW.Addr().String() != st.rtcp {
			t.Fatalf("%s: RTP to %v (latched %v), RTCP to %v", st.name, got.RemoteRTP, got.Latched, vs.s.rtcpW.Addr())
		}
	}
}

// With ClockedPlayout the RTCP reports follow the send clock's slots: one
// every RTCPInterval (rounded to slots), the first one interval after Run,
// and slots a late pass skipped count towards the next one.
func TestSessionClockedRTCP(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration
		advance  []time.Duration // clock steps after slot 0
		want     int             // reports sent
	}{
		{name: "every 5 slots", interval: 100 * time.Millisecond, advance: repeatStep(FramePeriod, 10), want: 2},
		{name: "not before the interval", interval: 100 * time.Millisecond, advance: repeatStep(FramePeriod, 4), want: 0},
		{name: "rounded to slots", interval: 90 * time.Millisecond, advance: repeatStep(FramePeriod, 10), want: 2},
		{name: "skipped slots count", interval: 100 * time.Millisecond, advance: []time.Duration{60 * time.Millisecond, FramePeriod, FramePeriod}, want: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := newVirtualSession(t, func(c *SessionConfig) {
				c.ClockedPlayout = true
				c.RTCPInterval = tc.interval
			})
			for _, d := range tc.advance {
				vs.v.Advance(d)
			}
			if got := len(vs.s.ports.RTCP.(*memConn).packets()); got != tc.want {
				t.Fatalf("%d RTCP reports, want %d", got, tc.want)
			}
		})
	}
}

func repeatStep(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}
