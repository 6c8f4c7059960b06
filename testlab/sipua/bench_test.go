package sipua

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
	"github.com/pbxagent/pbxagent/testlab/rtpstat"
	"github.com/pbxagent/pbxagent/testlab/sipp"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// peerCPUs is where SIPp and tshark run during the figures (PBXAGENT_SIP_BENCH_PEER_CPUS, a
// taskset list); testlab/sipua/bench.sh pins this process to CPU 0 and them to CPU 1.
func peerCPUs() string { return os.Getenv("PBXAGENT_SIP_BENCH_PEER_CPUS") }

// runDelay is how long this process's threads have waited on a run queue so far (runnable
// but not running: the CPU was busy with other work), from /proc/self/task/*/schedstat (the
// second field); 0 where it cannot be read. Threads that ended are not counted.
func runDelay() time.Duration {
	dirs, _ := filepath.Glob("/proc/self/task/*/schedstat")
	var sum time.Duration
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var run, wait int64
		if _, err := fmt.Sscan(string(b), &run, &wait); err == nil {
			sum += time.Duration(wait)
		}
	}
	return sum
}

// cpuTime is this process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRTP200 is issue #23's media figure: an Agent holds N calls (200) to a SIPp UAS that
// echoes RTP (-rtp_echo), each playing a looped prompt for S seconds (20), so RTP flows both
// ways; tshark captures our packets on loopback and rtpstat computes the send-interval jitter
// |interval − 20 ms| over every stream (goal p99 ≤ 2 ms), while getrusage gives this process's
// CPU share over the window. Run it with testlab/sipua/bench.sh (this process on CPU 0, SIPp and
// tshark on CPU 1). Environment: PBXAGENT_SIP_BENCH_CALLS (200), PBXAGENT_SIP_BENCH_SECONDS (20);
// after the Agent's design (one SendClock, one RecvLoop) the same calls run with reader
// goroutines and playout timers per session (the design before the RecvLoop;
// PBXAGENT_SIP_BENCH_READERS=0 leaves it out); PBXAGENT_SIP_BENCH_PACERS=1 adds, in the same
// run, the same calls with a pacer per session; PBXAGENT_SIP_BENCH_BASELINE=0 leaves out the
// one-goroutine baseline. The table compares each row with the Agent's first one.
func BenchmarkRTP200(b *testing.B) {
	sipp.Require(b)
	requireTshark(b)
	n := envInt("PBXAGENT_SIP_BENCH_CALLS", 200)
	secs := envInt("PBXAGENT_SIP_BENCH_SECONDS", 20)
	for range b.N {
		runRTPFigure(b, n, time.Duration(secs)*time.Second)
	}
}

func runRTPFigure(b *testing.B, n int, window time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*window+10*time.Minute)
	defer cancel()
	// PBXAGENT_SIP_BENCH_READERS_FIRST=1 runs the readers design before the Agent's (the rows
	// keep their order), to see whether running first or second matters on a loaded machine.
	withReaders := os.Getenv("PBXAGENT_SIP_BENCH_READERS") != "0"
	readersFirst := withReaders && os.Getenv("PBXAGENT_SIP_BENCH_READERS_FIRST") == "1"
	var readers figureRow
	if readersFirst {
		readers, _ = agentFigure(ctx, b, n, window, designReaders)
	}
	ours, mediaPort := agentFigure(ctx, b, n, window, designRecvLoop)
	rows := []figureRow{ours}
	if withReaders && !readersFirst {
		readers, _ = agentFigure(ctx, b, n, window, designReaders)
	}
	if withReaders {
		rows = append(rows, readers)
	}
	if os.Getenv("PBXAGENT_SIP_BENCH_PACERS") == "1" {
		r, _ := agentFigure(ctx, b, n, window, designPacers)
		rows = append(rows, r)
	}
	if os.Getenv("PBXAGENT_SIP_BENCH_BASELINE") != "0" {
		rows = append(rows, baselineFigure(ctx, b, n, window, mediaPort, b.TempDir()))
	}
	// The table last, in one piece, after every log line.
	fmt.Printf("\n| sender | window | streams | packets | \\|interval − 20 ms\\| p50 | p99 | p99.9 | max | > 2 ms | skipped slots | lost | drift | CPU (one core) | CPU per packet | run-queue wait |\n" +
		"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		f := r.fig
		perPacket := time.Duration(0)
		if f.Packets > 0 {
			perPacket = r.cpuTime / time.Duration(f.Packets)
		}
		fmt.Printf("| %s | %v | %d | %d | %v | %v | %v | %v | %d | %d | %d | %v | %.1f %% | %v | %v |\n",
			r.name, r.wall.Round(time.Second), f.Streams, f.Packets, f.P50.Round(time.Microsecond), f.P99.Round(time.Microsecond),
			f.P999.Round(time.Microsecond), f.Max.Round(time.Microsecond), f.Over2ms, f.Skipped, f.Gaps, f.MaxDrift.Round(time.Microsecond),
			r.cpu, perPacket.Round(100*time.Nanosecond), r.waited.Round(time.Millisecond))
	}
	var load [3]float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		_, _ = fmt.Sscan(string(b), &load[0], &load[1], &load[2])
	}
	fmt.Println()
	for _, r := range rows {
		if r.note != "" {
			fmt.Println(r.note)
		}
	}
	fmt.Printf("load average at the end: %.2f %.2f %.2f (machine-wide; this process may run on %d CPU)\n", load[0], load[1], load[2], runtime.NumCPU())
	ratio := func(a, b time.Duration) float64 { return float64(a) / float64(max(b, time.Microsecond)) }
	perPacket := func(r figureRow) time.Duration { return r.cpuTime / time.Duration(max(r.fig.Packets, 1)) }
	for _, r := range rows[1:] {
		fmt.Printf("ratio %s / %s: p50 %.2f, p99 %.2f, p99.9 %.2f, CPU per packet %.2f\n", ours.short, r.short,
			ratio(ours.fig.P50, r.fig.P50), ratio(ours.fig.P99, r.fig.P99), ratio(ours.fig.P999, r.fig.P999), ratio(perPacket(ours), perPacket(r)))
	}
	fmt.Println()
	if base := rows[len(rows)-1]; len(rows) > 1 && base.short == "baseline" {
		b.ReportMetric(ratio(ours.fig.P99, base.fig.P99), "p99-ratio-to-baseline")
	}
}

// mediaDesign is how the calls of agentFigure run their media.
type mediaDesign int

const (
	// designRecvLoop is the Agent's own: one SendClock for the sends, the playout and the RTCP
	// timing of every call, one RecvLoop reading every socket.
	designRecvLoop mediaDesign = iota
	// designReaders is the design before the RecvLoop: one SendClock for the sends; per call two
	// reader goroutines and playout and RTCP timers.
	designReaders
	// designPacers is the design before the SendClock: per call a send pacer, two reader
	// goroutines, playout and RTCP timers.
	designPacers
)

// agentFigure runs one Agent's n calls for window against a new SIPp UAS and returns its row
// and SIPp's media port; design chooses the calls' media design (ua.Config.OnMedia), for a
// comparison of designs in one run.
func agentFigure(ctx context.Context, b *testing.B, n int, window time.Duration, design mediaDesign) (figureRow, string) {
	perSession := design == designPacers
	dir := b.TempDir()
	srv, err := sipp.StartServer(ctx, sipp.Server{Scenario: sipp.Scenario("uas_cps.xml"), Dir: dir, Calls: n, RTPEcho: true, CPUs: peerCPUs()})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	const lo, hi = 34000, 35999
	ports, err := media.NewPortRange(lo, hi)
	if err != nil {
		b.Fatal(err)
	}
	// The calls' one SendClock is made here to read its figures; it is the Agent's own design
	// (one per Agent, every call on it). nil: a pacer per session.
	var clk *media.SendClock
	if !perSession {
		clk = media.NewSendClock(nil)
	}
	var loop *media.RecvLoop // likewise
	if design == designRecvLoop {
		loop = media.NewRecvLoop(nil)
	}
	a := StartAgent(b, ports, func(c *ua.Config) {
		c.RingTimeout = 30 * time.Second
		c.OnMedia = func(_ string, sc *media.SessionConfig) {
			sc.SendClock, sc.RecvLoop, sc.ClockedPlayout = clk, loop, design == designRecvLoop
		}
	})
	prompt := &media.Audio{Samples: Prompt(0, 2*time.Second)}
	playCtx, stopPlay := context.WithCancel(ctx)
	defer stopPlay()
	var calls []*ua.Call
	var players sync.WaitGroup
	for i := range n {
		c, err := a.Dial(ctx, ua.DialRequest{To: fmt.Sprintf("sip:%d@%s", 1000+i, srv.Addr), From: "100"})
		if err != nil {
			b.Fatalf("call %d: %v\nSIPp: %s", i, err, srv.Output())
		}
		calls = append(calls, c)
		players.Add(1)
		go func() {
			defer players.Done()
			_ = c.Media().Play(playCtx, prompt, true)
		}()
	}
	mediaPort := strings.TrimPrefix(srv.MediaAddr, "127.0.0.1:")
	file := filepath.Join(dir, "rtp200.pcap")
	capt, err := rtpstat.StartCapture(ctx, rtpstat.CaptureOptions{
		Filter: fmt.Sprintf("udp dst port %s and udp src portrange %d-%d", mediaPort, lo, hi), File: file,
		Duration: window + time.Minute, CPUs: peerCPUs()})
	if err != nil {
		b.Fatal(err)
	}
	var clk0 media.SendClockStats
	if clk != nil {
		clk0 = clk.Stats()
	}
	var loop0 media.RecvLoopStats
	if loop != nil {
		loop0 = loop.Stats()
	}
	goroutines := runtime.NumGoroutine()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0, wait0, t0 := cpuTime(), runDelay(), time.Now()
	select { // the measuring window: a fixed duration, not a wait for an event
	case <-time.After(window):
	case <-ctx.Done():
		b.Fatal(ctx.Err())
	}
	cpu, waited, wall := cpuTime()-cpu0, runDelay()-wait0, time.Since(t0)
	runtime.ReadMemStats(&ms1)
	gcl := gcLine(design, &ms0, &ms1)
	b.Log(gcl)
	clockLine := ""
	if clk != nil {
		st := clk.Stats()
		clockLine = fmt.Sprintf("%s: SendClock during the window: %d passes, %d started more than 1 ms after their slot time, %d more than 2 ms, %d slots skipped; "+
			"since the first call: latest start %v after its slot, longest pass %v, longest playout phase %v",
			design, st.Passes-clk0.Passes, st.Late1ms-clk0.Late1ms, st.Late2ms-clk0.Late2ms, st.Skipped-clk0.Skipped,
			st.MaxLate.Round(10*time.Microsecond), st.MaxPass.Round(10*time.Microsecond), st.MaxAfter.Round(10*time.Microsecond))
		b.Log(clockLine)
	}
	if loop != nil {
		st := loop.Stats()
		wk, rd, dg := st.Wakeups-loop0.Wakeups, st.Reads-loop0.Reads, st.Datagrams-loop0.Datagrams
		line := fmt.Sprintf("%s: RecvLoop during the window: %d sockets, %d wake-ups, %d recvmmsg, %d datagrams (%.1f per wake-up, %.2f per recvmmsg)",
			design, st.Sockets, wk, rd, dg, float64(dg)/float64(max(wk, 1)), float64(dg)/float64(max(rd, 1)))
		b.Log(line)
		clockLine = strings.TrimPrefix(clockLine+"\n"+line, "\n")
	}
	gline := fmt.Sprintf("%s: %d goroutines in the process at the start of the window", design, goroutines)
	b.Log(gline)
	clockLine = strings.TrimPrefix(clockLine+"\n"+gcl+"\n"+gline, "\n")
	if err := capt.Stop(); err != nil {
		b.Fatal(err)
	}
	b.Logf("tshark: %s", capt.Messages())
	var recv uint64
	for _, c := range calls {
		recv += c.Media().Stats().Received.Received
	}
	stopPlay()
	players.Wait()
	for _, c := range calls {
		if err := c.Hangup(ctx, 0); err != nil {
			b.Errorf("Hangup: %v", err)
		}
	}
	res, err := srv.Wait(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pkts, err := rtpstat.Read(ctx, file, rtpstat.ReadOptions{Ports: []string{mediaPort}})
	if err != nil {
		b.Fatal(err)
	}
	fig := rtpstat.Compute(pkts, 20*time.Millisecond, func(p rtpstat.Packet) bool {
		return int(p.SrcPort) >= lo && int(p.SrcPort) <= hi && p.SrcPort%2 == 0 && p.PayloadType == 0
	})
	share := 100 * cpu.Seconds() / wall.Seconds()
	if design == designRecvLoop {
		b.ReportMetric(float64(fig.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(fig.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(fig.Max.Microseconds())/1000, "max-ms")
		b.ReportMetric(share, "cpu-%")
		b.ReportMetric(waited.Seconds(), "runqueue-wait-s")
	}
	b.Logf("SIPp UAS: %s", res)
	b.Logf("capture: %s", fig)
	b.Logf("received back (echo) during the window: %d packets over %d calls", recv, n)
	if res.Successful != n {
		b.Errorf("SIPp counted %d successful calls, want %d", res.Successful, n)
	}
	if fig.Streams != n {
		b.Errorf("%d streams in the capture, want %d", fig.Streams, n)
	}
	name, short := fmt.Sprintf("the Agent, %d calls, one SendClock and one RecvLoop", n), "RecvLoop"
	switch design {
	case designReaders:
		name, short = fmt.Sprintf("the Agent, %d calls, one SendClock, readers and timers per session", n), "readers"
	case designPacers:
		name, short = fmt.Sprintf("the Agent, %d calls, a pacer per session", n), "pacers"
	}
	return figureRow{name: name, short: short, wall: wall, fig: fig, cpu: share, cpuTime: cpu, waited: waited, note: clockLine}, mediaPort
}

// figureRow is one sender's line of the RTP figure's table.
type figureRow struct {
	name  string
	short string // for the ratio lines
	wall  time.Duration
	fig   rtpstat.Figures
	cpu   float64 // % of one core
	// cpuTime is the process's CPU time over the window; per packet sent it does not depend
	// on how much CPU a loaded machine left to the run.
	cpuTime time.Duration
	waited  time.Duration
	note    string // printed under the table when set

}

// baselineFigure measures the machine rather than pbxagent: in the same process and the same
// run, one goroutine sends n RTP streams on an absolute 20 ms schedule (sleep until start +
// k × 20 ms, then one packet per stream), captured and computed like the Agent's. What this
// shows beyond 0 is the jitter the machine's scheduling adds to any sender.
func baselineFigure(ctx context.Context, b *testing.B, n int, window time.Duration, mediaPort, dir string) figureRow {
	const lo = 36000
	dst, err := net.ResolveUDPAddr("udp", "127.0.0.1:"+mediaPort)
	if err != nil {
		b.Fatal(err)
	}
	var conns []net.PacketConn
	for i := 0; len(conns) < n && i < 4*n; i++ {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", lo+2*i))
		if err != nil {
			continue // taken by another process
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	file := filepath.Join(dir, "baseline.pcap")
	capt, err := rtpstat.StartCapture(ctx, rtpstat.CaptureOptions{
		Filter: fmt.Sprintf("udp dst port %s and udp src portrange %d-%d", mediaPort, lo, lo+8*n), File: file,
		Duration: window + time.Minute, CPUs: peerCPUs()})
	if err != nil {
		b.Fatal(err)
	}
	pkt := make([]byte, 12+160)
	pkt[0] = 0x80
	cpu0, wait0, t0 := cpuTime(), runDelay(), time.Now()
	for k := 0; time.Since(t0) < window; k++ {
		if d := time.Until(t0.Add(time.Duration(k) * 20 * time.Millisecond)); d > 0 {
			time.Sleep(d) // the sender under test: an absolute schedule
		}
		for i, c := range conns {
			binary.BigEndian.PutUint16(pkt[2:], uint16(k))
			binary.BigEndian.PutUint32(pkt[4:], uint32(k*160))
			binary.BigEndian.PutUint32(pkt[8:], uint32(i+1))
			_, _ = c.WriteTo(pkt, dst)
		}
	}
	cpu, waited, wall := cpuTime()-cpu0, runDelay()-wait0, time.Since(t0)
	if err := capt.Stop(); err != nil {
		b.Fatal(err)
	}
	pkts, err := rtpstat.Read(ctx, file, rtpstat.ReadOptions{Ports: []string{mediaPort}})
	if err != nil {
		b.Fatal(err)
	}
	fig := rtpstat.Compute(pkts, 20*time.Millisecond, func(p rtpstat.Packet) bool { return int(p.SrcPort) >= lo })
	b.Logf("baseline capture: %s", fig)
	b.Logf("baseline: this process's threads waited %v on a run queue during the window", waited.Round(time.Millisecond))
	b.ReportMetric(float64(fig.P99.Microseconds())/1000, "baseline-p99-ms")
	return figureRow{name: fmt.Sprintf("baseline: %d streams from one goroutine, absolute schedule", len(conns)), short: "baseline", wall: wall, fig: fig,
		cpu: 100 * cpu.Seconds() / wall.Seconds(), cpuTime: cpu, waited: waited}
}

// BenchmarkCPS is issue #23's call-rate figure: against one SIPp UAS (uas_cps.xml: 200 with
// SDP, then BYE), SIPp's own UAC (uac_cps.xml) and an Agent as UAC (Dial, Hangup at once, no
// prompt) each place M calls (2000) at increasing rates; the highest rate each sustains (no
// failed call, achieved ≥ 90 % of the target) is reported, with their ratio. Environment:
// PBXAGENT_SIP_CPS_CALLS (2000), PBXAGENT_SIP_CPS_RATES ("100,200,400,600,800,1000,1200,1600").
func BenchmarkCPS(b *testing.B) {
	sipp.Require(b)
	m := envInt("PBXAGENT_SIP_CPS_CALLS", 2000)
	var rates []int
	for _, f := range strings.Split(cmpOr(os.Getenv("PBXAGENT_SIP_CPS_RATES"), "100,200,400,600,800,1000,1200,1600"), ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			b.Fatalf("PBXAGENT_SIP_CPS_RATES: %q is not a positive rate", f)
		}
		rates = append(rates, r)
	}
	for range b.N {
		runCPSFigure(b, m, rates)
	}
}

// callIDs matches the Call-IDs in error messages, so errors are counted by kind.
var callIDs = regexp.MustCompile(`[0-9a-f]{16,}@[0-9.]+`)

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// cpsStep is one rate step of one UAC.
type cpsStep struct {
	target   int
	ok, fail int
	achieved float64
	cpu      float64 // % of one core, this process (Agent rows only)
	drops    int64   // datagrams the kernel dropped on the Agent's SIP socket (Agent rows only; -1 unknown)
	errs     []string
}

func (s cpsStep) sustained() bool { return s.fail == 0 && s.achieved >= 0.9*float64(s.target) }

func runCPSFigure(b *testing.B, m int, rates []int) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	// PBXAGENT_SIP_CPS_PORT fixes the UAS's SIP port, for a capture filter (tshark -f "udp port N").
	srv, err := sipp.StartServer(ctx, sipp.Server{Scenario: sipp.Scenario("uas_cps.xml"), Dir: b.TempDir(), CPUs: peerCPUs(),
		Port: envInt("PBXAGENT_SIP_CPS_PORT", 0)})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	ports, err := media.NewPortRange(36000, 39999)
	if err != nil {
		b.Fatal(err)
	}
	a := StartAgent(b, ports, func(c *ua.Config) { c.RingTimeout = 30 * time.Second })
	var sippSteps, ourSteps []cpsStep
	for _, r := range rates {
		res, err := sipp.Run(ctx, sipp.UAC{Scenario: sipp.Scenario("uac_cps.xml"), Remote: srv.Addr, Rate: r, Calls: m,
			Limit: 5000, CPUs: peerCPUs()})
		if err != nil {
			b.Fatal(err)
		}
		st := cpsStep{target: r, ok: res.Successful, fail: res.Failed + (m - res.Successful - res.Failed), achieved: res.Rate}
		sippSteps = append(sippSteps, st)
		b.Logf("SIPp UAC at %d/s: %s", r, res)

		sipPort := a.Addr("udp").(*net.UDPAddr).Port
		d0 := udpDrops(sipPort)
		ours := agentCPS(ctx, a, srv.Addr, r, m)
		ours.drops = -1
		if d0 >= 0 {
			ours.drops = udpDrops(sipPort) - d0
		}
		ourSteps = append(ourSteps, ours)
		b.Logf("Agent UAC at %d/s: ok %d failed %d achieved %.1f/s cpu %.0f%% SIP socket drops %d errors %v", r, ours.ok, ours.fail, ours.achieved, ours.cpu, ours.drops, ours.errs)
		if !ours.sustained() && !st.sustained() {
			break
		}
	}
	best := func(steps []cpsStep) float64 {
		v := 0.0
		for _, s := range steps {
			if s.sustained() {
				v = max(v, s.achieved)
			}
		}
		return v
	}
	sb, ob := best(sippSteps), best(ourSteps)
	fmt.Printf("\n| target calls/s | SIPp UAC ok/failed | SIPp achieved | Agent ok/failed | Agent achieved | Agent CPU (one core) | Agent SIP socket drops |\n|---|---|---|---|---|---|---|\n")
	for i := range ourSteps {
		s, o := sippSteps[i], ourSteps[i]
		fmt.Printf("| %d | %d/%d | %.0f/s | %d/%d | %.0f/s | %.0f %% | %d |\n", s.target, s.ok, s.fail, s.achieved, o.ok, o.fail, o.achieved, o.cpu, o.drops)
	}
	ratio := 0.0
	if sb > 0 {
		ratio = ob / sb
	}
	fmt.Printf("\nmax sustained (no failure, ≥ 90 %% of target): SIPp UAC %.0f calls/s, Agent %.0f calls/s, ratio %.2f\n\n", sb, ob, ratio)
	if res, err := srv.StopResult(); err == nil {
		b.Logf("SIPp UAS over the whole run: %s\nits errors: %.1500s", res, res.Errors)
	}
	b.ReportMetric(sb, "sipp-calls/s")
	b.ReportMetric(ob, "agent-calls/s")
	b.ReportMetric(ratio, "ratio")
	if a.Calls() != 0 {
		b.Errorf("Agent still has %d calls", a.Calls())
	}
}

// udpDrops is the kernel's count of datagrams dropped on the IPv4 UDP socket bound to port
// (the last column of /proc/net/udp, https://docs.kernel.org/networking/proc_net_tcp.html
// describes the table), -1 when it cannot be read.
func udpDrops(port int) int64 {
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return -1
	}
	want := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 13 || !strings.HasSuffix(f[1], want) {
			continue
		}
		n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	return -1
}

// agentCPS places m calls at rate r/s from a (Dial, then Hangup at once), at most 2000 at a
// time, and measures the achieved rate from the first INVITE to the last call's end.
func agentCPS(ctx context.Context, a *ua.Agent, addr string, r, m int) cpsStep {
	var ok, fail atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	var failedIDs []string // the first few, to find them in a capture
	record := func(err error) {
		fail.Add(1)
		mu.Lock()
		if id := callIDs.FindString(err.Error()); id != "" && len(failedIDs) < 5 {
			failedIDs = append(failedIDs, id)
		}
		seen[callIDs.ReplaceAllString(err.Error(), "<call-id>")]++
		mu.Unlock()
	}
	sem := make(chan struct{}, 2000)
	cpu0, t0 := cpuTime(), time.Now()
	interval := time.Second / time.Duration(r)
	for i := range m {
		due := t0.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select { // pacing the load, not waiting for an event
			case <-time.After(d):
			case <-ctx.Done():
				return cpsStep{target: r, fail: m}
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			c, err := a.Dial(cctx, ua.DialRequest{To: fmt.Sprintf("sip:%d@%s", 2000+i%1000, addr), From: "100"})
			if err != nil {
				record(fmt.Errorf("dial: %w", err))
				return
			}
			if err := c.Hangup(cctx, 0); err != nil && !errors.Is(err, context.Canceled) {
				record(fmt.Errorf("hangup: %w", err))
				return
			}
			ok.Add(1)
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	cpu := cpuTime() - cpu0
	var errs []string
	for e, n := range seen {
		if len(errs) < 5 {
			errs = append(errs, fmt.Sprintf("%d× %s", n, e))
		}
	}
	if len(failedIDs) > 0 {
		errs = append(errs, "first failed Call-IDs: "+strings.Join(failedIDs, " "))
	}
	return cpsStep{target: r, ok: int(ok.Load()), fail: int(fail.Load()), achieved: float64(ok.Load()) / wall.Seconds(),
		cpu: 100 * cpu.Seconds() / wall.Seconds(), errs: errs}
}

func (d mediaDesign) String() string {
	switch d {
	case designRecvLoop:
		return "RecvLoop"
	case designReaders:
		return "readers"
	case designPacers:
		return "pacers"
	}
	return fmt.Sprintf("design(%d)", int(d))
}

// gcLine tells the garbage collection during the measuring window, between the two MemStats:
// cycles, their stop-the-world pauses, and what was allocated (issue #23: on one P a GC cycle
// stalls every stream for milliseconds; the per-packet paths allocate nothing).
func gcLine(design mediaDesign, a, b *runtime.MemStats) string {
	n := b.NumGC - a.NumGC
	var maxPause time.Duration
	for i := a.NumGC; i < b.NumGC && i < a.NumGC+uint32(len(b.PauseNs)); i++ {
		maxPause = max(maxPause, time.Duration(b.PauseNs[i%uint32(len(b.PauseNs))]))
	}
	return fmt.Sprintf("%s: GC during the window: %d cycles, stop-the-world %v in all (longest %v), %d allocations, %d MB allocated, heap %d MB at the end",
		design, n, time.Duration(b.PauseTotalNs-a.PauseTotalNs).Round(time.Microsecond), maxPause.Round(time.Microsecond),
		b.Mallocs-a.Mallocs, (b.TotalAlloc-a.TotalAlloc)>>20, b.HeapAlloc>>20)
}
