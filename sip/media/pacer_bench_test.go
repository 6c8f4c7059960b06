package media

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// BenchmarkPacing200SessionsRealClock plays 200 one-second prompts at once on
// the wall clock and reports the CPU used per packet and the worst lateness
// of a tick against its absolute slot time, and the slots skipped because a
// tick ran a whole period late. Run with -benchtime=1x.
func BenchmarkPacing200SessionsRealClock(b *testing.B) {
	const sessions = 200
	frames := silentFrames(50, PCMU)
	var worst time.Duration
	var cpu time.Duration
	var skipped int64
	for b.Loop() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		before := cpuTime(b)
		for range sessions {
			s, err := NewSender(SenderConfig{Writer: discard{}, PayloadType: PayloadPCMU})
			if err != nil {
				b.Fatal(err)
			}
			pl := NewPlayer(s, frames, false)
			start := time.Now()
			p := NewPacer(clock.Real{}, FramePeriod, func(slot, missed int64) bool {
				late := time.Since(start.Add(time.Duration(slot) * FramePeriod))
				mu.Lock()
				worst = max(worst, late)
				skipped += missed
				mu.Unlock()
				return pl.Tick(slot, missed)
			})
			p.Start(context.Background())
			wg.Add(1)
			go func() { defer wg.Done(); <-p.Done() }()
		}
		wg.Wait()
		cpu += cpuTime(b) - before
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-late-ms")
	b.ReportMetric(float64(skipped)/float64(b.N), "skipped-slots/op")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*sessions*len(frames)), "cpu-ns/packet")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
