// Package sipp runs the real SIPp binary (Debian package sip-tester) against SIP servers in
// tests and benchmarks: UAC scenarios with their statistics (successful, failed, retransmitted
// calls, response-time percentiles) and a baseline UAS answering 302.
package sipp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Binary returns the path of sipp, or an error saying how to install it.
func Binary() (string, error) {
	p, err := exec.LookPath("sipp")
	if err != nil {
		return "", errors.New("sipp not found: install the Debian package sip-tester (apt-get install -y sip-tester)")
	}
	return p, nil
}

// Scenario returns the absolute path of a scenario shipped in testlab/sipp/scenarios.
func Scenario(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "scenarios", name)
}

// FreeUDPPort returns a loopback UDP port that was free a moment ago.
func FreeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// UAC describes one SIPp client run.
type UAC struct {
	// Scenario is the XML file (see Scenario).
	Scenario string
	// Remote is the server, host:port.
	Remote string
	// Service is the Request-URI user (-s); default 033222111.
	Service string
	// LocalPort is SIPp's own port (-p); 0 picks a free one.
	LocalPort int
	// Transport is -t: "u1" (UDP, one socket, the default) or "t1" (TCP).
	Transport string
	// Rate is calls per second (-r); Calls stops after that many calls (-m).
	Rate, Calls int
	// Limit caps simultaneous calls (-l); default 5000.
	Limit int
	// Numbers, when set, are written to an -inf CSV (field0), used in sequence.
	Numbers []string
	// Timeout is SIPp's global timeout (-timeout); default: enough for the calls at the rate + 30 s.
	Timeout time.Duration
	// Dir holds SIPp's files (stat, rtt, error logs) and is SIPp's working directory, where
	// scenarios find the pcaps they play (audio.pcap); default a temporary directory removed
	// after.
	Dir string
	// MediaPort is SIPp's media port (-mp, written into its SDP as [media_port]); 0 leaves
	// SIPp's default (6000). The media address (-mi) is 127.0.0.1.
	MediaPort int
	// Pause is the length of a scenario's <pause/> (-d); 0 leaves SIPp's default.
	Pause time.Duration
	// RTPEcho turns on -rtp_echo: RTP arriving on MediaPort goes back to its sender.
	RTPEcho bool
	// CPUs, when set, pins SIPp to these CPUs (a taskset list, "1"), away from the process
	// measured.
	CPUs string
}

// command is SIPp's command, under taskset when cpus is set.
func command(ctx context.Context, bin, cpus string, args []string) *exec.Cmd {
	if cpus != "" {
		if ts, err := exec.LookPath("taskset"); err == nil {
			return exec.CommandContext(ctx, ts, append([]string{"-c", cpus, bin}, args...)...)
		}
	}
	return exec.CommandContext(ctx, bin, args...)
}

// mediaArgs are the media options shared by clients and servers.
func mediaArgs(mediaPort int, pause time.Duration, echo bool) []string {
	args := []string{"-mi", "127.0.0.1"}
	if mediaPort > 0 {
		args = append(args, "-mp", strconv.Itoa(mediaPort))
	}
	if pause > 0 {
		args = append(args, "-d", strconv.Itoa(int(pause.Milliseconds())))
	}
	if echo {
		args = append(args, "-rtp_echo")
	}
	return args
}

// Result holds a run's figures.
type Result struct {
	ExitCode        int
	Successful      int
	Failed          int
	Retransmissions int
	// FailedRegexp counts calls failed by a regular-expression check.
	FailedRegexp int
	// FailedTimeout counts calls failed by a receive timeout or too many retransmissions.
	FailedTimeout int
	// Elapsed is SIPp's elapsed time; Rate is Successful / Elapsed.
	Elapsed time.Duration
	Rate    float64
	// RTT are response times (INVITE → final answer) in milliseconds, sorted, as SIPp records
	// them (millisecond resolution).
	RTT []float64
	// Repartition counts calls per ResponseTimeRepartition bucket, "<1", "<2", … ">=100".
	Repartition map[string]int
	// Errors is the head of SIPp's error log.
	Errors string
	// Output is the tail of SIPp's screen output.
	Output string
}

// Percentile returns the p-quantile (0..1) of the response times, in ms.
func (r Result) Percentile(p float64) float64 {
	if len(r.RTT) == 0 {
		return math.NaN()
	}
	return r.RTT[int(p*float64(len(r.RTT)-1)+0.5)]
}

// String summarises the run.
func (r Result) String() string {
	return fmt.Sprintf("exit=%d successful=%d failed=%d (regexp %d, timeout %d) retransmissions=%d rate=%.1f/s elapsed=%v rtt p50=%.0fms p99=%.0fms p999=%.0fms max=%.0fms",
		r.ExitCode, r.Successful, r.Failed, r.FailedRegexp, r.FailedTimeout, r.Retransmissions, r.Rate,
		r.Elapsed.Round(time.Millisecond), r.Percentile(0.5), r.Percentile(0.99), r.Percentile(0.999), r.Percentile(1))
}

// Run runs the UAC to completion and reads its statistics. A non-nil error means SIPp could not
// run or its files could not be read; failed calls are reported in Result, not as an error.
func Run(ctx context.Context, u UAC) (Result, error) {
	bin, err := Binary()
	if err != nil {
		return Result{}, err
	}
	if u.Service == "" {
		u.Service = "033222111"
	}
	if u.Transport == "" {
		u.Transport = "u1"
	}
	if u.Limit == 0 {
		u.Limit = 5000
	}
	if u.Rate <= 0 || u.Calls <= 0 {
		return Result{}, fmt.Errorf("sipp uac: rate %d and calls %d must be positive", u.Rate, u.Calls)
	}
	if u.LocalPort == 0 {
		if u.LocalPort, err = FreeUDPPort(); err != nil {
			return Result{}, fmt.Errorf("sipp uac: local port: %w", err)
		}
	}
	if u.Timeout == 0 {
		u.Timeout = time.Duration(u.Calls/u.Rate)*time.Second + 30*time.Second
	}
	if u.Dir == "" {
		d, err := os.MkdirTemp("", "sipp-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(d)
		u.Dir = d
	}
	args := []string{u.Remote, "-sf", u.Scenario, "-s", u.Service, "-i", "127.0.0.1",
		"-p", strconv.Itoa(u.LocalPort), "-t", u.Transport,
		"-r", strconv.Itoa(u.Rate), "-rp", "1000", "-l", strconv.Itoa(u.Limit), "-m", strconv.Itoa(u.Calls),
		"-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_rtt", "-rtt_freq", "100",
		"-trace_err", "-nostdin", "-timeout", strconv.Itoa(int(u.Timeout.Seconds())) + "s", "-timeout_error",
		"-max_recv_loops", "10000", "-max_sched_loops", "10000",
	}
	args = append(args, mediaArgs(u.MediaPort, u.Pause, u.RTPEcho)...)
	if len(u.Numbers) > 0 {
		var b strings.Builder
		b.WriteString("SEQUENTIAL\n")
		for _, n := range u.Numbers {
			b.WriteString(n + ";\n")
		}
		if err := os.WriteFile(filepath.Join(u.Dir, "numbers.csv"), []byte(b.String()), 0o644); err != nil {
			return Result{}, err
		}
		args = append(args, "-inf", "numbers.csv")
	}
	cmd := command(ctx, bin, u.CPUs, args)
	cmd.Dir = u.Dir
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	res := Result{Output: out.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	default:
		return res, fmt.Errorf("sipp: %w", err)
	}
	if err := res.readStats(filepath.Join(u.Dir, "stat.csv")); err != nil {
		return res, fmt.Errorf("sipp stats: %w (output: %s)", err, res.Output)
	}
	base := strings.TrimSuffix(filepath.Base(u.Scenario), ".xml")
	if files, _ := filepath.Glob(filepath.Join(u.Dir, base+"_*_rtt.csv")); len(files) > 0 {
		if err := res.readRTT(files[0]); err != nil {
			return res, fmt.Errorf("sipp rtt: %w", err)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(u.Dir, base+"_*_errors.log")); len(files) > 0 {
		if b, err := os.ReadFile(files[0]); err == nil {
			res.Errors = string(b[:min(len(b), 2000)])
		}
	}
	return res, nil
}

// readStats reads the last row of SIPp's -trace_stat file by column name.
func (r *Result) readStats(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		return fmt.Errorf("%s: no data row", path)
	}
	head := strings.Split(lines[0], ";")
	row := strings.Split(lines[len(lines)-1], ";")
	col := func(name string) (string, bool) {
		for i, h := range head {
			if h == name && i < len(row) {
				return row[i], true
			}
		}
		return "", false
	}
	num := func(name string) int {
		v, _ := col(name)
		n, _ := strconv.Atoi(strings.TrimSpace(v))
		return n
	}
	r.Successful = num("SuccessfulCall(C)")
	r.Failed = num("FailedCall(C)")
	r.Retransmissions = num("Retransmissions(C)")
	r.FailedRegexp = num("FailedRegexpDoesntMatch(C)") + num("FailedRegexpHdrNotFound(C)")
	r.FailedTimeout = num("FailedTimeoutOnRecv(C)") + num("FailedMaxUDPRetrans(C)") + num("FailedCmdNotSent(C)")
	// StartTime/CurrentTime end in epoch seconds with microseconds; ElapsedTime(C) has whole seconds.
	start, ok1 := col("StartTime")
	cur, ok2 := col("CurrentTime")
	if ok1 && ok2 && epoch(cur) > epoch(start) {
		r.Elapsed = time.Duration((epoch(cur) - epoch(start)) * float64(time.Second))
	} else if v, ok := col("ElapsedTime(C)"); ok {
		r.Elapsed = parseSIPpDuration(v)
	}
	if r.Elapsed > 0 {
		r.Rate = float64(r.Successful) / r.Elapsed.Seconds()
	}
	r.Repartition = map[string]int{}
	for i, h := range head {
		if strings.HasPrefix(h, "ResponseTimeRepartition1_") && i < len(row) {
			n, _ := strconv.Atoi(strings.TrimSpace(row[i]))
			r.Repartition[strings.TrimPrefix(h, "ResponseTimeRepartition1_")] = n
		}
	}
	return nil
}

// epoch reads the last tab-separated field of a SIPp time stamp ("date\ttime\t1795480089.517468").
func epoch(v string) float64 {
	f := strings.Split(strings.TrimSpace(v), "\t")
	x, _ := strconv.ParseFloat(f[len(f)-1], 64)
	return x
}

// parseSIPpDuration reads "HH:MM:SS" or "HH:MM:SS:micro".
func parseSIPpDuration(v string) time.Duration {
	p := strings.Split(strings.TrimSpace(v), ":")
	if len(p) < 3 {
		return 0
	}
	h, _ := strconv.Atoi(p[0])
	m, _ := strconv.Atoi(p[1])
	s, _ := strconv.Atoi(p[2])
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	if len(p) > 3 {
		us, _ := strconv.Atoi(p[3])
		d += time.Duration(us) * time.Microsecond
	}
	return d
}

// readRTT reads SIPp's -trace_rtt file (Date_ms;response_time_ms;rtd_no).
func (r *Result) readRTT(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), ";")
		if len(p) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(p[1]), 64)
		if err != nil {
			continue // header
		}
		r.RTT = append(r.RTT, v)
	}
	slices.Sort(r.RTT)
	return sc.Err()
}

// UAS is a running SIPp server scenario.
type UAS struct {
	// Addr is where it listens (127.0.0.1:port, UDP).
	Addr string
	// MediaAddr is its media address (-mi/-mp), 127.0.0.1:port.
	MediaAddr string
	cmd       *exec.Cmd
	done      chan error
	out       *tailBuffer
	dir       string
	scenario  string
	exitErr   error
	exited    bool
}

// Server describes a SIPp server run.
type Server struct {
	// Scenario is the XML file (see Scenario).
	Scenario string
	// Port is the SIP port on 127.0.0.1; 0 picks a free one.
	Port int
	// MediaPort is the media port (-mp); 0 picks a free even port.
	MediaPort int
	// Dir is SIPp's working directory (where scenarios find audio.pcap) and holds its files
	// (stat.csv, error log); empty uses the system's temporary directory and writes no
	// statistics.
	Dir string
	// Calls, when positive, makes SIPp exit after that many calls (-m); Wait then returns
	// their figures.
	Calls int
	// Pause is the length of a scenario's <pause/> (-d).
	Pause time.Duration
	// RTPEcho turns on -rtp_echo (RTP to MediaPort goes back to its sender).
	RTPEcho bool
	// Args are extra SIPp options.
	Args []string
	// CPUs, when set, pins SIPp to these CPUs (a taskset list).
	CPUs string
}

// StartUAS starts SIPp with a server scenario on 127.0.0.1:port (0 picks a free port) and
// returns once it has bound the port (checked by trying to bind it, with a deadline).
func StartUAS(ctx context.Context, scenario string, port int) (*UAS, error) {
	return StartServer(ctx, Server{Scenario: scenario, Port: port})
}

// FreeMediaPort returns an even loopback UDP port whose next port was free too a moment ago
// (SIPp's -rtp_echo also binds the media port + 2; RTCP conventionally takes + 1).
func FreeMediaPort() (int, error) {
	for range 50 {
		p, err := FreeUDPPort()
		if err != nil {
			return 0, err
		}
		p &^= 1
		ok := true
		for _, q := range []int{p, p + 1, p + 2, p + 3} {
			c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", q))
			if err != nil {
				ok = false
				break
			}
			c.Close()
		}
		if ok && p > 1024 && p < 65530 {
			return p, nil
		}
	}
	return 0, errors.New("sipp: no free media port pair found")
}

// StartServer starts SIPp with s and returns once it has bound its SIP port.
func StartServer(ctx context.Context, s Server) (*UAS, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	port := s.Port
	if port == 0 {
		if port, err = FreeUDPPort(); err != nil {
			return nil, err
		}
	}
	if s.MediaPort == 0 {
		if s.MediaPort, err = FreeMediaPort(); err != nil {
			return nil, err
		}
	}
	args := []string{"-sf", s.Scenario, "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-nostdin", "-max_recv_loops", "10000", "-max_sched_loops", "10000"}
	args = append(args, mediaArgs(s.MediaPort, s.Pause, s.RTPEcho)...)
	dir := s.Dir
	if dir == "" {
		dir = os.TempDir()
	} else {
		args = append(args, "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_err")
	}
	if s.Calls > 0 {
		args = append(args, "-m", strconv.Itoa(s.Calls))
	}
	args = append(args, s.Args...)
	cmd := command(ctx, bin, s.CPUs, args)
	cmd.Dir = dir
	out := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sipp uas: %w", err)
	}
	u := &UAS{Addr: fmt.Sprintf("127.0.0.1:%d", port), MediaAddr: fmt.Sprintf("127.0.0.1:%d", s.MediaPort),
		cmd: cmd, done: make(chan error, 1), out: out, scenario: s.Scenario}
	if s.Dir != "" {
		u.dir = s.Dir
	}
	go func() { u.done <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.ListenPacket("udp", u.Addr)
		if err != nil {
			return u, nil // bound by SIPp
		}
		c.Close()
		select {
		case err := <-u.done:
			return nil, fmt.Errorf("sipp uas exited early: %v: %s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			u.Stop()
			return nil, fmt.Errorf("sipp uas did not bind %s within 10 s", u.Addr)
		}
	}
}

// Wait waits for a server started with Calls to exit (or ctx to end: it is then stopped) and
// returns its figures (Server.Dir must be set for them).
func (u *UAS) Wait(ctx context.Context) (Result, error) {
	select {
	case err := <-u.done:
		u.exited, u.exitErr = true, err
	case <-ctx.Done():
		u.Stop()
		return Result{Output: u.out.String()}, fmt.Errorf("sipp uas: %w (output: %s)", ctx.Err(), u.out.String())
	}
	return u.result()
}

// StopResult stops a server (SIGTERM) and returns its figures as far as its statistics file
// has them (SIPp rewrites it every second; Server.Dir must be set for them).
func (u *UAS) StopResult() (Result, error) {
	u.Stop()
	return u.result()
}

// result reads the figures of an exited server.
func (u *UAS) result() (Result, error) {
	res := Result{Output: u.out.String()}
	var ee *exec.ExitError
	if errors.As(u.exitErr, &ee) {
		res.ExitCode = ee.ExitCode()
	} else if u.exitErr != nil {
		return res, fmt.Errorf("sipp uas: %w", u.exitErr)
	}
	if u.dir == "" {
		return res, nil
	}
	if err := res.readStats(filepath.Join(u.dir, "stat.csv")); err != nil {
		return res, fmt.Errorf("sipp uas stats: %w (output: %s)", err, res.Output)
	}
	base := strings.TrimSuffix(filepath.Base(u.scenario), ".xml")
	if files, _ := filepath.Glob(filepath.Join(u.dir, base+"_*_errors.log")); len(files) > 0 {
		if b, err := os.ReadFile(files[0]); err == nil {
			res.Errors = string(b[:min(len(b), 2000)])
		}
	}
	return res, nil
}

// Output is the tail of SIPp's screen output so far.
func (u *UAS) Output() string { return u.out.String() }

// Stop ends the UAS (SIGTERM to its own process) and waits for it.
func (u *UAS) Stop() {
	if u.exited {
		return
	}
	u.exited = true
	_ = u.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
		_ = u.cmd.Process.Kill()
		<-u.done
	}
	u.exitErr = nil // ended by us: its exit status says nothing about the calls
}

// tailBuffer keeps the last 8–16 KiB written to it; safe for concurrent use (SIPp's output
// is copied in by exec's goroutine while a test may read it).
type tailBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write keeps p, dropping the oldest bytes beyond 16 KiB.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b.Write(p)
	if t.b.Len() > 16<<10 {
		keep := t.b.Bytes()[t.b.Len()-8<<10:]
		nb := bytes.Clone(keep)
		t.b.Reset()
		t.b.Write(nb)
	}
	return len(p), nil
}

// String returns what is kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.String()
}
