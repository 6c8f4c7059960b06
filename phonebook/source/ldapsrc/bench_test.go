package ldapsrc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
	"github.com/pbxagent/pbxagent/testlab/slapd"
)

// benchN is the directory's size (PBX_BENCH_N overrides 100 000).
var benchN = func() int {
	if n, err := strconv.Atoi(os.Getenv("PBX_BENCH_N")); err == nil && n >= 1000 {
		return n
	}
	return 100_000
}()

// BenchmarkSlapd100k: the first sync of 100 000 inetOrgPerson entries from a real slapd into
// the real phone book (Badger), then a delta round after 1 % of the entries changed (their
// title and mobile): contacts/s of the first sync and the delta's time as a share of it
// (target ≤ 0.05). The slapd load (slapadd) is outside the timings.
func BenchmarkSlapd100k(b *testing.B) {
	slapd.Require(b)
	ldif, err := slapd.FixtureAt(suffix, benchN, 7, fixtureTime)
	if err != nil {
		b.Fatal(err)
	}
	s := slapd.Start(b, slapd.Config{Suffix: suffix, LDIF: ldif})
	ldif = nil
	l, err := ldap.DialURL(s.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind(s.AdminDN, s.AdminPassword); err != nil {
		b.Fatal(err)
	}
	settings := map[string]any{"url": s.URL, "bind_dn": s.AdminDN, "password": s.AdminPassword,
		"base_dn": "ou=people," + suffix, "page_size": 1000, "overlap_seconds": 0}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		eng, stop := benchEngine(b)
		raw := map[string]json.RawMessage{}
		for k, v := range settings {
			raw[k], _ = json.Marshal(v)
		}
		v, err := eng.Create(context.Background(), dirsync.Input{Type: ptr("ldap"), Name: ptr("bench"), Enabled: ptr(false), Settings: raw})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		r, err := eng.SyncNow(context.Background(), v.ID, dirsync.SyncOptions{})
		full, fullCPU := time.Since(t0), cpuTime()-c0
		b.StopTimer()
		if err != nil || r.Result != dirsync.ResultOK || r.Synced != benchN {
			b.Fatalf("first sync: %+v %v", r, err)
		}
		changed := benchN / 100
		for k := 0; k < changed; k++ {
			mod := ldap.NewModifyRequest(slapd.PersonDN(suffix, k*100+i%100), nil)
			mod.Replace("title", []string{fmt.Sprintf("Changed %d/%d", i, k)})
			mod.Replace("mobile", []string{fmt.Sprintf("+387 62 %03d %03d", (k/1000)%1000, k%1000)})
			if err := l.Modify(mod); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		t0 = time.Now()
		r, err = eng.SyncNow(context.Background(), v.ID, dirsync.SyncOptions{})
		delta := time.Since(t0)
		b.StopTimer()
		if err != nil || r.Mode != "delta" || r.Synced != changed || r.Changed != changed {
			b.Fatalf("delta round: %+v %v (want %d read and changed)", r, err, changed)
		}
		b.ReportMetric(float64(benchN)/full.Seconds(), "contacts/s")
		b.ReportMetric(full.Seconds(), "full_s")
		b.ReportMetric(fullCPU.Seconds(), "full_cpu_s")
		b.ReportMetric(delta.Seconds(), "delta_s")
		b.ReportMetric(delta.Seconds()/full.Seconds(), "delta/full")
		stop()
	}
}

// cpuTime is this process's user+system CPU time (slapd's is not in it): on a shared machine
// the wall time also holds the waits for the CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchEngine runs an engine over a fresh phone book in a temporary directory.
func benchEngine(b *testing.B) (*dirsync.Engine, func()) {
	b.Helper()
	dir := b.TempDir()
	n, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir + "/db", Numbering: n.Numbering()})
	if err != nil {
		b.Fatal(err)
	}
	eng, stop := syncfake.StartEngine(b, dirsync.PhonebookStore(st), dirsync.WithDataDir(dir), dirsync.WithTypes(ldapsrc.Type), dirsync.WithLogger(quietLog()))
	return eng, func() { stop(); st.Close() }
}
