package media

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// stampWriter records when each packet of one stream was written.
type stampWriter struct{ at []time.Time }

func (w *stampWriter) Write(b []byte) (int, error) {
	w.at = append(w.at, time.Now())
	return len(b), nil
}

// BenchmarkSendClock200 sends 200 streams of three seconds (150 frames each) on
// the wall clock twice in the same run: each stream on a Pacer of its own
// (the design before the SendClock, "pacers"), then all of them on one
// SendClock ("shared"). It reports, for each, the p99 of |interval − 20 ms|
// between consecutive packets of a stream as the writer sees them and the
// CPU per packet, and the ratio shared/pacers of the p99 (below 1: the
// shared clock is steadier). Run with -benchtime=1x (or more for an
// average); the CPU figures include everything the process did meanwhile.
func BenchmarkSendClock200(b *testing.B) {
	const streams, frames = 200, 150
	payloads := silentFrames(frames, PCMU)
	run := func(shared bool) (p99 time.Duration, cpuPerPacket time.Duration, skipped int64) {
		writers := make([]*stampWriter, streams)
		var mu sync.Mutex
		var wg sync.WaitGroup
		sc := NewSendClock(clock.Real{})
		before := cpuTime(b)
		for i := range writers {
			writers[i] = &stampWriter{at: make([]time.Time, 0, frames)}
			s, err := NewSender(SenderConfig{Writer: writers[i], PayloadType: PayloadPCMU})
			if err != nil {
				b.Fatal(err)
			}
			pl := NewPlayer(s, payloads, false)
			done := make(chan struct{})
			tick := func(slot, missed int64) bool {
				mu.Lock()
				skipped += missed
				mu.Unlock()
				more := pl.Tick(slot, missed)
				if !more {
					close(done)
				}
				return more
			}
			wg.Add(1)
			go func() { defer wg.Done(); <-done }()
			if shared {
				sc.Add(tick)
				continue
			}
			NewPacer(clock.Real{}, FramePeriod, tick).Start(context.Background())
		}
		wg.Wait()
		cpu := cpuTime(b) - before
		var dev []time.Duration
		for _, w := range writers {
			for k := 1; k < len(w.at); k++ {
				d := w.at[k].Sub(w.at[k-1]) - FramePeriod
				dev = append(dev, max(d, -d))
			}
		}
		slices.Sort(dev)
		return dev[len(dev)*99/100], cpu / (streams * frames), skipped
	}
	var pacersP99, sharedP99, pacersCPU, sharedCPU time.Duration
	var pacersSkipped, sharedSkipped int64
	for b.Loop() {
		p, c, s := run(false)
		pacersP99, pacersCPU, pacersSkipped = pacersP99+p, pacersCPU+c, pacersSkipped+s
		p, c, s = run(true)
		sharedP99, sharedCPU, sharedSkipped = sharedP99+p, sharedCPU+c, sharedSkipped+s
	}
	n := time.Duration(b.N)
	ms := func(d time.Duration) float64 { return float64((d / n).Microseconds()) / 1000 }
	b.ReportMetric(ms(pacersP99), "pacers-p99-ms")
	b.ReportMetric(ms(sharedP99), "shared-p99-ms")
	if pacersP99 > 0 {
		b.ReportMetric(float64(sharedP99)/float64(pacersP99), "shared/pacers-p99")
	}
	b.ReportMetric(float64((pacersCPU / n).Nanoseconds()), "pacers-cpu-ns/packet")
	b.ReportMetric(float64((sharedCPU / n).Nanoseconds()), "shared-cpu-ns/packet")
	b.ReportMetric(float64(pacersSkipped)/float64(b.N), "pacers-skipped/op")
	b.ReportMetric(float64(sharedSkipped)/float64(b.N), "shared-skipped/op")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d streams × %d frames: p99 |interval − 20 ms| pacers %v, shared %v", streams, frames, pacersP99/n, sharedP99/n)
}
