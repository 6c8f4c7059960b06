package manager

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// TestConcurrentOperations: reception, the PMS and the phones working on
// the same rooms at once (bounded: 8 workers, 50 rounds each) leave a
// consistent hotel: every occupied room has its open bill, every vacant
// room none, the directory follows, and the store holds what memory
// holds (run with -race).
func TestConcurrentOperations(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	const rooms = 6
	for i := 0; i < rooms; i++ {
		r.room(fmt.Sprint(101 + i))
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				n := fmt.Sprint(101 + (w+i)%rooms)
				to := fmt.Sprint(101 + (w+i+1)%rooms)
				switch i % 6 {
				case 0:
					_, _ = r.m.CheckIn(ctx, n, hotel.Guest{Name: fmt.Sprintf("G%d-%d", w, i)}, api)
				case 1:
					r.m.CallEnded(ctx, answered(fmt.Sprintf("c%d-%d", w, i), n, "0612345", 30))
				case 2:
					_, _ = r.m.Move(ctx, n, to, hotel.Actor{Source: hotel.SourcePMS})
				case 3:
					_ = r.m.Feature(ctx, hotel.Origin{Endpoint: "PJSIP/" + n}, hotel.FeatureMakeUpRequested, "")
					_ = r.m.Gate(ctx, hotel.Origin{Endpoint: "PJSIP/" + n}, "00441234")
				case 4:
					_, _ = r.m.SetWakeUp(ctx, n, t0.Add(hotelHour(i)), "", api)
				case 5:
					_, _, _ = r.m.CheckOut(ctx, n, api)
				}
			}
		}()
	}
	wg.Wait()
	check := func(m *Manager) {
		t.Helper()
		for _, rm := range m.Rooms(ctx) {
			b, open := m.Bill(ctx, rm.Number)
			switch {
			case rm.Occupancy == hotel.Occupied && (!open || b.Room != rm.Number || b.Guest != rm.Guest.Name):
				t.Errorf("occupied room %s: bill %+v %v", rm.Number, b, open)
			case rm.Occupancy == hotel.Vacant && open:
				t.Errorf("vacant room %s has an open bill", rm.Number)
			}
			if rm.Occupancy == hotel.Vacant {
				for _, w := range m.WakeUps(ctx, rm.Number) {
					if w.Status.Live() {
						t.Errorf("vacant room %s has a live wake-up", rm.Number)
					}
				}
			}
		}
	}
	check(r.m)
	for _, rm := range r.m.Rooms(ctx) {
		want := ""
		if rm.Guest != nil {
			want = rm.Guest.Name
		}
		if got := r.dir.get(rm.Number); got != want {
			t.Errorf("directory of %s: %q, want %q", rm.Number, got, want)
		}
	}
	before := r.m.Rooms(ctx)
	r.build()
	check(r.m)
	after := r.m.Rooms(ctx)
	for i := range before {
		if !sameRoom(before[i], after[i]) {
			t.Errorf("room %s differs after a restart", before[i].Number)
		}
	}
}

func hotelHour(i int) time.Duration { return time.Duration(1+i%5) * time.Hour }
