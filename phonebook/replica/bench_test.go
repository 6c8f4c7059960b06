package replica

import (
	"context"
	"runtime/pprof"
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
// applied it, twice: with the unit published whole at the import's commit
// (Config.WholeUnits, as before streamed units: whole-*) and streamed
// while the writer imports (the default). It reports each cluster time as
// a ratio of the single-node one (same run, same machine; the three nodes
// share its cores), and the process CPU time of each as a ratio
// (cpu-ratio: the three nodes' work against one import, which other jobs
// on the machine do not skew). Each node's goroutines carry the pprof
// label node (single, w, f1, f2; whole-w, ...), for CPU seconds per node:
// go tool pprof -tags.
// Figures: go test ./phonebook/replica -run XXX -bench ImportVisible -benchtime 1x
func BenchmarkImportVisible(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	var single, singleCPU time.Duration
	var cluster, clusterCPU [2]time.Duration // whole, streamed
	for range b.N {
		b.StopTimer()
		s := openStore(b, b.TempDir())
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime(b)
		var err error
		labelled("single", func() { err = loadRows(ctx, s, "crm", 0, rows) })
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("single: %s", time.Since(t0).Round(time.Millisecond))
		single += time.Since(t0)
		singleCPU += cpuTime(b) - c0
		b.StopTimer()
		_ = s.Close()
		for i, prefix := range []string{"whole-", ""} {
			// A long lease: a machine this loaded can starve renewals.
			wall, cpu := clusterImport(b, rows, prefix, Config{WholeUnits: prefix != "", LeaseTTL: 15 * time.Second})
			cluster[i] += wall
			clusterCPU[i] += cpu
		}
	}
	b.ReportMetric(single.Seconds()/float64(b.N), "single-s")
	b.ReportMetric(cluster[0].Seconds()/float64(b.N), "whole-three-nodes-s")
	b.ReportMetric(cluster[0].Seconds()/single.Seconds(), "whole-ratio")
	b.ReportMetric(clusterCPU[0].Seconds()/singleCPU.Seconds(), "whole-cpu-ratio")
	b.ReportMetric(cluster[1].Seconds()/float64(b.N), "three-nodes-s")
	b.ReportMetric(cluster[1].Seconds()/single.Seconds(), "ratio")
	b.ReportMetric(clusterCPU[1].Seconds()/singleCPU.Seconds(), "cpu-ratio")
}

// clusterImport starts three nodes with cfg, imports rows on the writer,
// and returns the time and the process CPU time until every node applied
// it (the timer runs only then); the nodes' labels start with prefix.
func clusterImport(b *testing.B, rows int, prefix string, cfg Config) (wall, cpu time.Duration) {
	ctx := context.Background()
	ns := startNATS(b, b.TempDir())
	var w, f1, f2 *testNode
	labelled(prefix+"w", func() { w = startNode(b, "w", b.TempDir(), ns.ClientURL(), cfg) })
	writerOf(b, w)
	labelled(prefix+"f1", func() { f1 = startNode(b, "f1", b.TempDir(), ns.ClientURL(), cfg) })
	labelled(prefix+"f2", func() { f2 = startNode(b, "f2", b.TempDir(), ns.ClientURL(), cfg) })
	b.StartTimer()
	t0, c0 := time.Now(), cpuTime(b)
	var err error
	labelled(prefix+"w", func() { err = loadRows(ctx, w.store, "crm", 0, rows) })
	if err != nil {
		b.Fatal(err)
	}
	imported := time.Since(t0)
	last, err := w.node.LastSeq(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []*testNode{w, f1, f2} {
		if err := n.node.WaitApplied(ctx, last); err != nil {
			b.Fatal(err)
		}
	}
	wall, cpu = time.Since(t0), cpuTime(b)-c0
	// The tail: how long the followers take after the writer's import.
	b.Logf("%scluster: writer's import %s, on all three nodes %s (tail %s)", prefix,
		imported.Round(time.Millisecond), wall.Round(time.Millisecond), (wall - imported).Round(time.Millisecond))
	b.StopTimer()
	converge(b, w, f1, f2) // digests equal (not timed)
	w.stop()
	f1.stop()
	f2.stop()
	return wall, cpu
}

// labelled runs fn with the pprof label node=id, which the goroutines it
// starts inherit.
func labelled(id string, fn func()) {
	pprof.Do(context.Background(), pprof.Labels("node", id), func(context.Context) { fn() })
}
