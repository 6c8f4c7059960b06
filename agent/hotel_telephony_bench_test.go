package agent

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// BenchmarkHotelApplyRoom: one room's state written on Asterisk (the
// ARI stand-in on loopback): offline classes, DND lamp, presence and
// message light of one extension, as a check-in does. The figure is the
// PBX side of "a check-in takes effect within 200 ms".
func BenchmarkHotelApplyRoom(b *testing.B) {
	srv, url := fakeari.StartTest(b)
	_ = srv
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := ari.New(url, ari.WithAuth("asterisk", "asterisk"), ari.WithLogger(log))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	tel := &hotelTelephony{cli: conn, mbox: conn, st: hotel.DefaultSettings(), sounds: defaultHotelSounds, log: log}
	offline := []hotel.Class{hotel.ClassInternal, hotel.ClassLocal}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		n := strconv.Itoa(100 + i%2000)
		r := hotel.Room{Number: n, Extensions: []string{n}, Occupancy: hotel.Occupied, DND: i%2 == 0, MessageLight: i%3 == 0}
		if err := tel.ApplyRoom(ctx, r, offline); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/room")
}

// BenchmarkWakeUpCalls500: 500 wake-up calls placed at once through the
// calls engine on the ARI stand-in (loopback, real time): each room's
// phone answers after 20 ms, hears the prompt (each item 5 ms) and no
// key; the figure is the wall time until all 500 results are in. The
// scheduler caps the calls in progress (hotel.wakeup.max_concurrent);
// this is the PBX side's own throughput with no cap.
func BenchmarkWakeUpCalls500(b *testing.B) {
	const rooms = 500
	for range b.N {
		b.StopTimer()
		srv, url := fakeari.StartTest(b, fakeari.WithPeer("PJSIP/", fakeari.Fixed{Outcome: fakeari.Answer, Ring: 20 * time.Millisecond}),
			fakeari.WithMediaDuration(func(string) (time.Duration, bool) { return 5 * time.Millisecond, true }))
		_ = srv
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		conn, err := ari.New(url, ari.WithAuth("asterisk", "asterisk"), ari.WithApps("pbxagent-calls"), ari.WithLogger(log))
		if err != nil {
			b.Fatal(err)
		}
		eng := calls.New(conn, "pbxagent-calls", calls.WithLogger(log))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = eng.Run(ctx) }()
		if err := conn.Start(); err != nil {
			b.Fatal(err)
		}
		if err := conn.WaitReady(ctx); err != nil {
			b.Fatal(err)
		}
		st := hotel.DefaultSettings()
		st.WakeUp.RingTimeout = 30 * time.Second
		tel := newHotelTelephony(&Daemon{callsEng: eng, ari: conn}, st, log)
		sink := &wakeSink{wake: make(chan struct{}, rooms)}
		tel.sink = sink
		b.StartTimer()
		start := time.Now()
		for i := range rooms {
			n := strconv.Itoa(1000 + i)
			w := hotel.WakeUp{ID: "w" + n, Room: n, At: time.Now()}
			r := hotel.Room{Number: n, Extensions: []string{n}, Devices: []string{"PJSIP/" + n}}
			if err := tel.WakeUpCall(ctx, w, r, 1, "en"); err != nil {
				b.Fatal(err)
			}
		}
		timeout := time.After(2 * time.Minute)
		for range rooms {
			select {
			case <-sink.wake:
			case <-timeout:
				b.Fatal("not all wake-up results within 2 minutes")
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		answered := 0
		for _, g := range sink.got {
			if strings.Contains(g, "/answered/") {
				answered++
			}
		}
		if answered != rooms {
			b.Fatalf("%d of %d answered", answered, rooms)
		}
		b.ReportMetric(elapsed.Seconds(), "s/500-wakeups")
		tel.Close()
		cancel()
		<-done
		conn.Close()
	}
}
