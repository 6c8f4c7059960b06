package sources_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/phonebook/source/sources"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

// benchN is the source size (PBX_BENCH_N overrides 100 000, to compare peak RSS across sizes).
var benchN = func() int {
	if n, err := strconv.Atoi(os.Getenv("PBX_BENCH_N")); err == nil && n >= 1000 {
		return n
	}
	return 100_000
}()

// resetPeakRSS clears the kernel's high-water mark (Linux ≥ 4.0).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB reads VmHWM.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

type benchEnv struct {
	cpu   time.Duration // CPU time of the last run
	store *phonebook.Store
	eng   *dirsync.Engine
	stop  func()
}

func newBenchEnv(b *testing.B) *benchEnv {
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
	eng, err := dirsync.NewEngine(dirsync.PhonebookStore(st), dirsync.WithDataDir(dir), dirsync.WithTypes(sources.All()...))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		time.Sleep(time.Millisecond)
	}
	return &benchEnv{store: st, eng: eng, stop: func() { cancel(); <-done; st.Close() }}
}

func (e *benchEnv) create(b *testing.B, typ string, settings map[string]any) string {
	b.Helper()
	raw := map[string]json.RawMessage{}
	for k, v := range settings {
		raw[k], _ = json.Marshal(v)
	}
	name, off := "bench", false
	v, err := e.eng.Create(context.Background(), dirsync.Input{Type: &typ, Name: &name, Enabled: &off, Settings: raw})
	if err != nil {
		b.Fatal(err)
	}
	return v.ID
}

func (e *benchEnv) run(b *testing.B, id string, opts dirsync.SyncOptions) (dirsync.Run, time.Duration) {
	b.Helper()
	t0 := time.Now()
	c0 := cpuTime()
	r, err := e.eng.SyncNow(context.Background(), id, opts)
	if err != nil || r.Result != "ok" {
		b.Fatalf("run: %+v %v", r, err)
	}
	e.cpu = cpuTime() - c0
	return r, time.Since(t0)
}

// cpuTime is the process's user+system CPU time: a figure that the other
// load on a shared machine does not inflate as much as wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, full, delta time.Duration, rss float64) {
	b.ReportMetric(float64(benchN)/full.Seconds(), "contacts/s")
	b.ReportMetric(full.Seconds(), "full_s")
	b.ReportMetric(delta.Seconds(), "delta_s")
	b.ReportMetric(delta.Seconds()/full.Seconds(), "delta/full")
	b.ReportMetric(rss, "peakRSS_MB")
}

// TestContactsvcChild is the contacts service of BenchmarkCustomService100k,
// run in a child process so that the benchmark's peak RSS is pbxagent's
// alone. It prints its address and serves until killed; POST /_bench/change
// updates every 200th contact and deletes the next one after it.
func TestContactsvcChild(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("PBX_CONTACTSVC_CHILD"))
	if err != nil {
		t.Skip("child process of BenchmarkCustomService100k")
	}
	var mu sync.Mutex
	now := time.Now().Add(-24 * time.Hour)
	svc := contactsvc.New(contactsvc.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	for i := 0; i < n; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	mu.Lock()
	now = time.Now()
	mu.Unlock()
	mux := http.NewServeMux()
	mux.Handle("/", svc)
	rev := 0
	mux.HandleFunc("POST /_bench/change", func(w http.ResponseWriter, r *http.Request) {
		rev++
		for j := 0; j < n/100; j++ {
			if j%2 == 0 {
				svc.Put(contactsvc.Synthetic(j*100, "r"+fmt.Sprint(rev)))
			} else {
				svc.Delete(fmt.Sprint(100000 + j*100))
			}
		}
	})
	mux.HandleFunc("POST /_bench/restore", func(w http.ResponseWriter, r *http.Request) {
		for j := 1; j < n/100; j += 2 {
			svc.Put(contactsvc.Synthetic(j*100, ""))
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("listening", ln.Addr().String())
	http.Serve(ln, mux)
}

func startContactsvc(b *testing.B) string { return startContactsvcTB(b) }

func startContactsvcTB(b testing.TB) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestContactsvcChild$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), "PBX_CONTACTSVC_CHILD="+strconv.Itoa(benchN))
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			go io.Copy(io.Discard, out)
			return "http://" + addr
		}
	}
	b.Fatal("contacts service child did not start")
	return ""
}

// BenchmarkCustomService100k: full sync of 100 000 contacts from the
// reference contacts service (in a child process) into the Badger store,
// then a delta round with 1 % changed (half updated, half deleted).
func BenchmarkCustomService100k(b *testing.B) {
	base := startContactsvc(b)
	post := func(path string) {
		resp, err := http.Post(base+path, "", nil)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env := newBenchEnv(b)
		id := env.create(b, "custom", map[string]any{"url": base, "client_id": "test_id", "client_secret": "test_secret", "page_size": 1000})
		runtime.GC()
		resetPeakRSS()
		b.StartTimer()
		r, full := env.run(b, id, dirsync.SyncOptions{})
		b.StopTimer()
		b.ReportMetric(env.cpu.Seconds(), "full_cpu_s")
		if r.Synced != benchN {
			b.Fatalf("synced %d", r.Synced)
		}
		post("/_bench/change")
		b.StartTimer()
		r, delta := env.run(b, id, dirsync.SyncOptions{})
		b.StopTimer()
		if r.Mode != "delta" || r.Deleted != benchN/200 {
			b.Fatalf("delta run: %+v", r)
		}
		report(b, full, delta, peakRSSMB())
		env.stop()
		post("/_bench/restore")
	}
}

// BenchmarkMariaDB100k: full sync of 100 000 rows from a real MariaDB, then
// a run with 1 % of the rows changed (SQL has no delta: the whole result
// is read again and the row-hash diff writes only what changed).
func BenchmarkMariaDB100k(b *testing.B) {
	admin, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?timeout=3s")
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		b.Skipf("MariaDB unreachable: %v", err)
	}
	defer admin.Close()
	name := fmt.Sprintf("pbx_bench_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		b.Fatal(err)
	}
	defer admin.Exec("DROP DATABASE " + name)
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/"+name)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	mustExec := func(q string) {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%.80s: %v", q, err)
		}
	}
	mustExec("CREATE TABLE people (pid INTEGER PRIMARY KEY, fn VARCHAR(80), ln VARCHAR(80), org VARCHAR(80), phone VARCHAR(40), cell VARCHAR(40), mail VARCHAR(120))")
	for lo := 0; lo < benchN; lo += 2000 {
		var sb strings.Builder
		sb.WriteString("INSERT INTO people VALUES ")
		for i := lo; i < min(lo+2000, benchN); i++ {
			if i > lo {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,'First%d','Last%d','Company %d','+38733%06d','+38761%06d','p%d@example.com')", i, i, i%977, i%211, i, i, i)
		}
		mustExec(sb.String())
	}
	settings := map[string]any{"driver": "mysql", "host": "127.0.0.1", "user": "root", "database": name,
		"query": "SELECT ${MAP} FROM people",
		"map":   map[string]any{"id": "pid", "first_name": "fn", "last_name": "ln", "company": "org", "work": "phone", "mobile": "cell", "email": "mail"}}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env := newBenchEnv(b)
		id := env.create(b, "sql", settings)
		runtime.GC()
		resetPeakRSS()
		b.StartTimer()
		r, full := env.run(b, id, dirsync.SyncOptions{})
		b.StopTimer()
		b.ReportMetric(env.cpu.Seconds(), "full_cpu_s")
		if r.Synced != benchN {
			b.Fatalf("synced %d", r.Synced)
		}
		mustExec(fmt.Sprintf("UPDATE people SET fn = CONCAT(fn, 'x%d') WHERE pid %% 100 = 0", i))
		b.StartTimer()
		r, delta := env.run(b, id, dirsync.SyncOptions{})
		b.StopTimer()
		if r.Changed != benchN/100 {
			b.Fatalf("changed %d", r.Changed)
		}
		report(b, full, delta, peakRSSMB())
		env.stop()
	}
}
