package media

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// arrivalConn records when each RTP datagram is read.
type arrivalConn struct {
	net.PacketConn
	mu    sync.Mutex
	times []time.Time
}

func (c *arrivalConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if err == nil {
		now := time.Now()
		c.mu.Lock()
		c.times = append(c.times, now)
		c.mu.Unlock()
	}
	return n, addr, err
}

// BenchmarkSessions200 runs 200 session pairs (400 sessions, RTP both ways
// on loopback) on the wall clock for benchSessionsFor per op and reports
// the process CPU share ("cpu-%", 100 = one core) and the p99 of
// |arrival interval − 20 ms| at the receiving sockets ("p99-jitter-ms"),
// which includes the receivers' scheduling delay, plus the send slots
// skipped for lateness. Run it with -benchtime=1x.
func BenchmarkSessions200(b *testing.B) {
	const pairs = 200
	const benchSessionsFor = 3 * time.Second
	const warmup = 500 * time.Millisecond
	pr, err := NewPortRange(21000, 22999)
	if err != nil {
		b.Fatal(err)
	}
	var cpuPct, p99, skipped float64
	for range b.N {
		var sessions []*Session
		var taps []*arrivalConn
		var wg sync.WaitGroup
		for range pairs {
			pa, pb := listenLoopback(b, pr), listenLoopback(b, pr)
			for _, pp := range []*PortPair{pa, pb} {
				tap := &arrivalConn{PacketConn: pp.RTP, times: make([]time.Time, 0, 256)}
				pp.RTP = tap
				taps = append(taps, tap)
			}
			ca, cb := pairConfig(pa, pb, PCMU)
			for _, c := range []SessionConfig{ca, cb} {
				s, err := NewSession(c)
				if err != nil {
					b.Fatal(err)
				}
				sessions = append(sessions, s)
				wg.Add(1)
				go func() { defer wg.Done(); _ = s.Run(context.Background()) }()
			}
		}
		time.Sleep(warmup) // let every stream start before measuring (a benchmark's run time, not a wait for an event)
		for _, tap := range taps {
			tap.mu.Lock()
			tap.times = tap.times[:0]
			tap.mu.Unlock()
		}
		var skippedBefore uint64
		for _, s := range sessions {
			skippedBefore += s.Stats().Skipped
		}
		cpu0, wall0 := cpuTime(b), time.Now()
		time.Sleep(benchSessionsFor)
		cpu, wall := cpuTime(b)-cpu0, time.Since(wall0)
		var dev []float64
		var skippedNow uint64
		for _, s := range sessions {
			skippedNow += s.Stats().Skipped
		}
		for _, tap := range taps {
			tap.mu.Lock()
			for i := 1; i < len(tap.times); i++ {
				d := tap.times[i].Sub(tap.times[i-1]) - FramePeriod
				dev = append(dev, max(d, -d).Seconds()*1000)
			}
			tap.mu.Unlock()
		}
		for _, s := range sessions {
			_ = s.Close()
		}
		wg.Wait()
		if len(dev) == 0 {
			b.Fatal("no packets arrived")
		}
		slices.Sort(dev)
		cpuPct += 100 * cpu.Seconds() / wall.Seconds()
		p99 += dev[len(dev)*99/100]
		skipped += float64(skippedNow - skippedBefore)
	}
	n := float64(b.N)
	b.ReportMetric(cpuPct/n, "cpu-%")
	b.ReportMetric(p99/n, "p99-jitter-ms")
	b.ReportMetric(skipped/n, "skipped-slots/op")
	b.ReportMetric(0, "ns/op")
}
