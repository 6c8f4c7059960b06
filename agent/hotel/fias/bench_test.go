package fias_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/testlab/pmssim"
)

// benchRooms is the hotel of the figure: 2 000 rooms.
const benchRooms = 2000

// BenchmarkCheckInOverFIAS measures, for 2 000 rooms, the time from a GI
// written on the simulator's socket to its effect: the room applied to
// the PBX (fake telephony, ApplyRoom's time) with the guest's name as the
// caller name and outgoing calls open (both checked after). The stores
// are Badger's, as in the daemon. "paced": one check-in at a time;
// "burst": all 2 000 written back to back (each measured from its own
// write). Reported: p50, p99 and max in milliseconds (required: ≤ 200 ms).
//
//	go test ./agent/hotel/fias -run '^$' -bench CheckInOverFIAS -benchtime 1x
func BenchmarkCheckInOverFIAS(b *testing.B) {
	for _, burst := range []bool{false, true} {
		name := "paced"
		if burst {
			name = "burst"
		}
		b.Run(name, func(b *testing.B) {
			num, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
			if err != nil {
				b.Fatal(err)
			}
			st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: b.TempDir(), Numbering: num.Numbering(),
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MemoryBudget: 64 << 20})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			notify := make(chan applied, 4*benchRooms)
			e := newEnvOn(b, benchRooms, nil, st.Meta("hotel-fias"), st.MetaBatch("hotel"), notify)
			drain(notify)
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				lat = append(lat, checkInRound(b, e, notify, burst, i)...)
				b.StopTimer()
				checkOutAll(b, e, notify)
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(q(0.50), "p50_ms")
			b.ReportMetric(q(0.99), "p99_ms")
			b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max_ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func drain(ch chan applied) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// checkInRound checks every room in over FIAS and returns each one's latency.
func checkInRound(b *testing.B, e *env, notify chan applied, burst bool, round int) []time.Duration {
	sent := make(map[string]time.Time, benchRooms)
	lat := make([]time.Duration, 0, benchRooms)
	wait := func(n int) {
		deadline := time.NewTimer(time.Minute)
		defer deadline.Stop()
		for len(lat) < n {
			select {
			case a := <-notify:
				t0, ok := sent[a.room]
				if !ok || a.occ != hotel.Occupied {
					continue
				}
				delete(sent, a.room)
				lat = append(lat, a.at.Sub(t0))
			case <-deadline.C:
				b.Fatalf("%d check-ins took effect of %d", len(lat), n)
			}
		}
	}
	for i := 1; i <= benchRooms; i++ {
		room := fmt.Sprint(100 + i)
		t0, err := e.sim.CheckIn(room, pmssim.Guest{Name: fmt.Sprintf("Guest %d-%d", round, i), Reservation: fmt.Sprint(round*benchRooms + i)})
		if err != nil {
			b.Fatal(err)
		}
		sent[room] = t0
		if !burst {
			wait(i)
		}
	}
	wait(benchRooms)
	// The effect as a caller sees it: the name and an open outgoing call.
	for _, room := range []string{"101", fmt.Sprint(100 + benchRooms)} {
		from := hotel.Origin{Endpoint: "PJSIP/" + room, Extension: room}
		if name, _ := e.mgr.CallerName(e.ctx, from); !strings.Contains(name, "Guest") {
			b.Fatalf("caller name of %s = %q", room, name)
		}
		if d := e.mgr.Gate(e.ctx, from, "0044207123"); !d.Allowed {
			b.Fatalf("gate of %s: %+v", room, d)
		}
	}
	return lat
}

// checkOutAll checks every room out over FIAS.
func checkOutAll(b *testing.B, e *env, notify chan applied) {
	for i := 1; i <= benchRooms; i++ {
		if _, err := e.sim.CheckOut(fmt.Sprint(100 + i)); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for n := 0; n < benchRooms; {
		select {
		case a := <-notify:
			if a.occ == hotel.Vacant {
				n++
			}
		case <-deadline.C:
			b.Fatalf("check-outs: %d of %d", n, benchRooms)
		}
	}
}
