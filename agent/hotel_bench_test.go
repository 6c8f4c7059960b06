package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
	"github.com/pbxagent/pbxagent/agent/hotel/rating"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// hotelBench is a manager over a Badger store with the phone book
// directory and n rooms (extension and device each), none occupied.
func hotelBench(b *testing.B, n int) *manager.Manager {
	b.Helper()
	nb, err := number.New(number.Config{DefaultRegion: "IT"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: b.TempDir(), Numbering: nb.Numbering(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MemoryBudget: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	dir := &hotelDirectory{store: st, ids: st.Meta("hotel_directory")}
	m := manager.New(st.MetaBatch("hotel"), hotel.DefaultSettings(), manager.WithDirectory(dir), manager.WithRater(rating.New()))
	ctx := context.Background()
	if err := m.Load(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		num := fmt.Sprintf("%d", 1000+i)
		if _, err := m.PutRoom(ctx, hotel.Room{Number: num, Devices: []string{"PJSIP/" + num}}); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

// BenchmarkHotelCheckIn2000Rooms: a check-in (and the check-out that
// frees the room again) in a hotel of 2 000 rooms, half of them
// occupied, on the Badger store with the guest's directory entry
// written: the figure is a check-in taking effect within 200 ms.
// Reports the check-in's p99 in ms.
func BenchmarkHotelCheckIn2000Rooms(b *testing.B) {
	const rooms = 2000
	m := hotelBench(b, rooms)
	ctx := context.Background()
	by := hotel.Actor{Source: hotel.SourcePMS}
	for i := 0; i < rooms/2; i++ {
		if _, err := m.CheckIn(ctx, fmt.Sprintf("%d", 1000+rooms/2+i), hotel.Guest{Name: fmt.Sprintf("Guest %d", i)}, by); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := fmt.Sprintf("%d", 1000+i%(rooms/2))
		t := time.Now()
		if _, err := m.CheckIn(ctx, n, hotel.Guest{Name: "Anna Rossi", Reservation: fmt.Sprint(i)}, by); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
		if _, _, err := m.CheckOut(ctx, n, by); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "checkin-p99-ms")
}

// BenchmarkHotelGate: the gate's decision for an occupied room's call in
// a hotel of 2 000 rooms (on the call path: dead air for the guest).
func BenchmarkHotelGate(b *testing.B) {
	m := hotelBench(b, 2000)
	ctx := context.Background()
	if _, err := m.CheckIn(ctx, "1500", hotel.Guest{Name: "Anna"}, hotel.Actor{Source: hotel.SourceAPI}); err != nil {
		b.Fatal(err)
	}
	from := hotel.Origin{Endpoint: "PJSIP/1500"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if d := m.Gate(ctx, from, "00442071234567"); !d.Allowed {
			b.Fatal(d)
		}
	}
}

// BenchmarkHotelResync2000Rooms: a PMS database resync of a full hotel
// of 2 000 rooms where every guest changed (each room checked out and in
// again: one store transaction, then 4 000 directory writes).
func BenchmarkHotelResync2000Rooms(b *testing.B) {
	const rooms = 2000
	m := hotelBench(b, rooms)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		guests := make(map[string]hotel.Guest, rooms)
		for r := 0; r < rooms; r++ {
			guests[fmt.Sprintf("%d", 1000+r)] = hotel.Guest{Name: fmt.Sprintf("Guest %d-%d", i, r), Reservation: fmt.Sprintf("%d-%d", i, r)}
		}
		if err := m.Resync(ctx, guests, hotel.Actor{Source: hotel.SourcePMS}); err != nil {
			b.Fatal(err)
		}
	}
}
