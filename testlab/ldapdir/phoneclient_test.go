package ldapdir_test

// The benchmarks' phones run in a child process: the test binary run again
// with -test.run=^TestLDAPClientHelper$ and the job in clientJobEnv (the
// filters on its stdin, an environment variable holds at most 128 KiB).
// go-ldap allocates about 500 KB per search; in the server's process that
// drove its garbage collector and its latency tail, and slapd, the
// comparison, is its own process too.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/pbxagent/pbxagent/testlab/proc"
)

const (
	// clientJobEnv carries a phoneJob (JSON) to TestLDAPClientHelper.
	clientJobEnv = "LDAPBENCH_CLIENT_JOB"
	// resultPrefix starts the helper's stdout line holding its phoneResult.
	resultPrefix = "ldapclient-result: "
)

// phoneJob is what the helper does: Phones bound connections to Addr,
// each doing Per searches at once with the others; phone i's search k uses
// filter (i*Per+k) mod len(filters).
type phoneJob struct {
	Addr    string        `json:"addr"`
	Base    string        `json:"base"`
	User    string        `json:"user"`
	Pass    string        `json:"pass"`
	Phones  int           `json:"phones"`
	Per     int           `json:"per"`
	Timeout time.Duration `json:"timeout_ns"`
}

// phoneResult is what the helper measured.
type phoneResult struct {
	// Latencies of the searches answered, phone after phone, each phone's in order.
	Latencies []time.Duration `json:"latencies_ns"`
	// Entries is the entries received over all searches answered.
	Entries int `json:"entries"`
	// Failed counts the searches that got an error; FirstFailure is the first's.
	Failed       int    `json:"failed"`
	FirstFailure string `json:"first_failure,omitempty"`
	// Wall is from the first search's start to the last one's end.
	Wall time.Duration `json:"wall_ns"`
	// CPU is the helper process's CPU time over its searches.
	CPU time.Duration `json:"cpu_ns"`
	// ServerCPU is the server's CPU time over the child process's run,
	// measured by the parent (not part of the JSON).
	ServerCPU time.Duration `json:"-"`
}

// rate is the searches answered per second.
func (r phoneResult) rate() float64 { return float64(len(r.Latencies)) / r.Wall.Seconds() }

// hits is the mean entries per search answered.
func (r phoneResult) hits() float64 { return float64(r.Entries) / float64(max(1, len(r.Latencies))) }

// searches is how many searches were made.
func (r phoneResult) searches() int { return len(r.Latencies) + r.Failed }

// clientCPU and serverCPU are the client's and the server's CPU per search.
func (r phoneResult) clientCPU() time.Duration {
	return r.CPU / time.Duration(max(1, r.searches()))
}
func (r phoneResult) serverCPU() time.Duration {
	return r.ServerCPU / time.Duration(max(1, r.searches()))
}

// runPhones runs job against t in a child process (the filters on its
// stdin) and returns what it measured; the server's CPU over the child's
// run (its start and the binds included) is t.cpu's difference.
func runPhones(b *testing.B, t target, phones, per int, filters []string) phoneResult {
	b.Helper()
	job, err := json.Marshal(phoneJob{Addr: t.addr, Base: t.base, User: t.user, Pass: t.pass,
		Phones: phones, Per: per, Timeout: 120 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	in, err := json.Marshal(filters)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLDAPClientHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), clientJobEnv+"="+string(job))
	if phones == 1 {
		// One phone searches one search at a time: one P, no runtime
		// threads spinning for work on the other core the server needs.
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
	}
	cmd.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	c0 := t.cpu()
	err = cmd.Run()
	serverCPU := t.cpu() - c0
	if err != nil {
		b.Fatalf("%s: phone clients: %v\n%s", t.name, err, out.Bytes())
	}
	for line := range strings.Lines(out.String()) {
		if rest, ok := strings.CutPrefix(line, resultPrefix); ok {
			var r phoneResult
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				b.Fatalf("%s: phone clients' result: %v", t.name, err)
			}
			if r.FirstFailure != "" {
				fmt.Fprintf(os.Stderr, "first failure: %s %s\n", t.name, r.FirstFailure)
			}
			r.ServerCPU = serverCPU
			return r
		}
	}
	b.Fatalf("%s: phone clients printed no result:\n%s", t.name, out.Bytes())
	return phoneResult{}
}

// TestLDAPClientHelper is the phones' process for runPhones; without
// clientJobEnv (an ordinary test run) it skips.
func TestLDAPClientHelper(t *testing.T) {
	spec := os.Getenv(clientJobEnv)
	if spec == "" {
		t.Skip("the benchmarks' phone clients; runs only as their child process")
	}
	var job phoneJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		t.Fatalf("%s: %v", clientJobEnv, err)
	}
	var filters []string
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&filters); err != nil {
		t.Fatalf("filters on stdin: %v", err)
	}
	if job.Phones < 1 || job.Per < 1 || len(filters) == 0 {
		t.Fatalf("job needs phones, searches per phone and filters: %+v, %d filters", job, len(filters))
	}
	// A phone is its own device: the clients' garbage collector runs at
	// most every 256 MiB of heap, not every few searches of a small heap.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(256 << 20)
	r, err := job.run(filters)
	if err != nil {
		t.Fatal(err)
	}
	line, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", resultPrefix, line)
}

// run dials and binds all phones, then starts their searches at once.
func (j phoneJob) run(filters []string) (phoneResult, error) {
	conns := make([]*ldap.Conn, 0, j.Phones)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range j.Phones {
		c, err := ldap.DialURL("ldap://" + j.Addr)
		if err != nil {
			return phoneResult{}, fmt.Errorf("dial %s: %w", j.Addr, err)
		}
		conns = append(conns, c)
		c.SetTimeout(j.Timeout)
		if err := c.Bind(j.User, j.Pass); err != nil {
			return phoneResult{}, fmt.Errorf("bind %s: %w", j.User, err)
		}
	}
	type phone struct {
		lats            []time.Duration
		entries, failed int
		firstErr        error
	}
	ph := make([]phone, j.Phones)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			p := &ph[i]
			p.lats = make([]time.Duration, 0, j.Per)
			<-start
			for k := range j.Per {
				q := filters[(i*j.Per+k)%len(filters)]
				t0 := time.Now()
				n, err := search(c, j.Base, q)
				if err != nil {
					if p.failed == 0 {
						p.firstErr = fmt.Errorf("%s: %w", q, err)
					}
					p.failed++
					continue
				}
				p.lats = append(p.lats, time.Since(t0))
				p.entries += n
			}
		})
	}
	c0 := cpuTime()
	t0 := time.Now()
	close(start)
	wg.Wait()
	r := phoneResult{Wall: time.Since(t0), CPU: cpuTime() - c0}
	for _, p := range ph {
		r.Latencies = append(r.Latencies, p.lats...)
		r.Entries += p.entries
		r.Failed += p.failed
		if p.firstErr != nil && r.FirstFailure == "" {
			r.FirstFailure = p.firstErr.Error()
		}
	}
	return r, nil
}

// search runs one phone search; a size limit reached is an answer.
func search(c *ldap.Conn, base, filter string) (int, error) {
	res, err := c.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, phoneMax, 0, false,
		filter, []string{"cn", "sn", "telephoneNumber", "mobile"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return 0, err
	}
	return len(res.Entries), nil
}

// pidCPU is process pid's user+system CPU time (proc.StatCPU), or 0.
func pidCPU(pid int) time.Duration {
	cpu, _, err := proc.StatCPU(pid)
	if err != nil {
		return 0
	}
	return cpu
}

// pct is the p-th percentile of d.
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// TestPidCPU: /proc's figure for this process follows getrusage's, to
// within a few clock ticks, after some CPU was spent.
func TestPidCPU(t *testing.T) {
	c0 := cpuTime()
	x := uint64(1)
	for cpuTime()-c0 < 100*time.Millisecond {
		for i := range 100_000 {
			x = x*6364136223846793005 + uint64(i)
		}
	}
	got, want := pidCPU(os.Getpid()), cpuTime()
	if d := (got - want).Abs(); d > 50*time.Millisecond || got < 100*time.Millisecond {
		t.Fatalf("pidCPU %s, getrusage %s (x %d)", got, want, x)
	}
	if pidCPU(-1) != 0 {
		t.Fatal("pidCPU of no process is not 0")
	}
}
