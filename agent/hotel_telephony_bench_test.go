package agent

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

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
