package replica

import (
	"context"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplicaLag makes single edits on the writer at 200 a second
// and measures, on each of two followers, the time from the unit's
// publication to its apply; it reports the p50 and p99 over both.
// Figures: go test ./phonebook/replica -run XXX -bench ReplicaLag -benchtime 2000x
func BenchmarkReplicaLag(b *testing.B) {
	ctx := context.Background()
	ns := startNATS(b, b.TempDir())
	var mu sync.Mutex
	var lags []time.Duration
	onApply := func(_ uint64, published time.Time) {
		d := time.Since(published)
		mu.Lock()
		lags = append(lags, d)
		mu.Unlock()
	}
	w := startNode(b, "w", b.TempDir(), ns.ClientURL(), Config{})
	writerOf(b, w)
	f1 := startNode(b, "f1", b.TempDir(), ns.ClientURL(), Config{OnApply: onApply})
	f2 := startNode(b, "f2", b.TempDir(), ns.ClientURL(), Config{OnApply: onApply})
	if err := loadRows(ctx, w.store, "crm", 0, 10_000); err != nil {
		b.Fatal(err)
	}
	converge(b, w, f1, f2)
	mu.Lock()
	lags = lags[:0]
	mu.Unlock()
	tick := time.NewTicker(5 * time.Millisecond) // 200 edits/s
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		if _, err := w.store.Create(ctx, contact(100_000+i)); err != nil {
			b.Fatal(err)
		}
	}
	converge(b, w, f1, f2)
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lags)
	if len(lags) == 0 {
		b.Fatal("no lag measured")
	}
	q := func(p float64) float64 {
		return float64(lags[min(len(lags)-1, int(p*float64(len(lags))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(lags)), "applies")
}

// BenchmarkImportVisible imports 100 k rows on one node without
// replication, then on the writer of three nodes until all three have
// applied it, and reports the second time as a ratio of the first (same
// run, same machine; the three nodes share its cores). It also reports
// the process CPU time of each as a ratio (cpu-ratio: the three nodes'
// work against one import, which other jobs on the machine do not skew).
// Figures: go test ./phonebook/replica -run XXX -bench ImportVisible -benchtime 1x
func BenchmarkImportVisible(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	var single, cluster, singleCPU, clusterCPU time.Duration
	for range b.N {
		b.StopTimer()
		s := openStore(b, b.TempDir())
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime(b)
		if err := loadRows(ctx, s, "crm", 0, rows); err != nil {
			b.Fatal(err)
		}
		single += time.Since(t0)
		singleCPU += cpuTime(b) - c0
		b.StopTimer()
		_ = s.Close()

		ns := startNATS(b, b.TempDir())
		w := startNode(b, "w", b.TempDir(), ns.ClientURL(), Config{})
		writerOf(b, w)
		f1 := startNode(b, "f1", b.TempDir(), ns.ClientURL(), Config{})
		f2 := startNode(b, "f2", b.TempDir(), ns.ClientURL(), Config{})
		b.StartTimer()
		t0, c0 = time.Now(), cpuTime(b)
		if err := loadRows(ctx, w.store, "crm", 0, rows); err != nil {
			b.Fatal(err)
		}
		last, err := w.node.LastSeq(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range []*testNode{w, f1, f2} {
			if err := n.node.WaitApplied(ctx, last); err != nil {
				b.Fatal(err)
			}
		}
		cluster += time.Since(t0)
		clusterCPU += cpuTime(b) - c0
		b.StopTimer()
		converge(b, w, f1, f2) // digests equal (not timed)
		w.stop()
		f1.stop()
		f2.stop()
	}
	b.ReportMetric(single.Seconds()/float64(b.N), "single-s")
	b.ReportMetric(cluster.Seconds()/float64(b.N), "three-nodes-s")
	b.ReportMetric(cluster.Seconds()/single.Seconds(), "ratio")
	b.ReportMetric(clusterCPU.Seconds()/singleCPU.Seconds(), "cpu-ratio")
}
