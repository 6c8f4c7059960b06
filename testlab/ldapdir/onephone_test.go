package ldapdir_test

import (
	"cmp"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOnePhone is one phone's prefix searches on pbxagent alone (no
// slapd): LDAPBENCH_N contacts (default 100 000), 2 000 searches one after
// the other without the result cache, then with it, each reported as p50,
// p99, process CPU per search (the go-ldap client in the same process
// included) and the GC cycles it took. LDAPBENCH_DATA keeps the store
// between runs; LDAPBENCH_PHONES (and LDAPBENCH_PER, default 3) adds that
// many phones searching at once on each; LDAPBENCH_CPUPROFILE=file profiles the searches of each
// (file.pbxagent-nocache, file.pbxagent).
func BenchmarkOnePhone(b *testing.B) {
	n := envInt("LDAPBENCH_N", 100_000)
	qs := queries(4000, n)
	us, uncached := ours(b, n)
	if os.Getenv("LDAPBENCH_SLOW") != "" {
		slowest(b, uncached, qs[2000:], 30)
	}
	b.ResetTimer()
	for range b.N {
		for _, t := range []target{uncached, us} {
			prof := os.Getenv("LDAPBENCH_CPUPROFILE")
			if prof != "" {
				w, err := os.Create(prof + "." + t.name)
				if err != nil {
					b.Fatal(err)
				}
				if err := pprof.StartCPUProfile(w); err != nil {
					b.Fatal(err)
				}
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			c0 := cpuTime()
			p50, p99, hits := sequential(b, t, qs[:2000])
			cpu := (cpuTime() - c0) / 2000
			runtime.ReadMemStats(&ms1)
			if prof != "" {
				pprof.StopCPUProfile()
			}
			progress("%d contacts, one phone, %s: p50 %s p99 %s (%.1f entries/search), CPU %s/search, %d GCs, %.0f KB allocated/search",
				n, t.name, p50, p99, hits, cpu, ms1.NumGC-ms0.NumGC, float64(ms1.TotalAlloc-ms0.TotalAlloc)/2000/1024)
			b.ReportMetric(float64(p99.Microseconds())/1000, t.name+"_p99_ms")
		}
		if nPhones := envInt("LDAPBENCH_PHONES", 0); os.Getenv("LDAPBENCH_PHONES") != "" {
			per := envInt("LDAPBENCH_PER", 3)
			for _, t := range []target{uncached, us} {
				c0 := cpuTime()
				rate, p99, failed := concurrent(b, t, nPhones, per, qs)
				progress("%d phones × %d searches, %s: %.0f searches/s, p99 %s, %d failed, CPU %s/search",
					nPhones, per, t.name, rate, p99, failed, (cpuTime()-c0)/time.Duration(nPhones*per))
			}
		}
	}
}

// slowest prints one phone's k slowest searches and the time of each
// searched again twice: a search slow each time is its own cost, not the
// machine's.
func slowest(b *testing.B, t target, qs []string, k int) {
	c := t.conn(b)
	defer c.Close()
	type timed struct {
		q string
		d time.Duration
	}
	var all []timed
	for _, q := range qs {
		t0 := time.Now()
		if _, err := t.search(c, q); err != nil {
			b.Fatal(err)
		}
		all = append(all, timed{q, time.Since(t0)})
	}
	slices.SortFunc(all, func(a, b timed) int { return cmp.Compare(b.d, a.d) })
	for _, x := range all[:k] {
		var again []time.Duration
		for range 2 {
			t0 := time.Now()
			if _, err := t.search(c, x.q); err != nil {
				b.Fatal(err)
			}
			again = append(again, time.Since(t0))
		}
		progress("slow: %s %s again %v", x.q, x.d, again)
	}
}
