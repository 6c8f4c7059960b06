package rtpstat

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pbxagent/pbxagent/testlab/rtppcap"
)

// CaptureOptions describe a live capture on loopback.
type CaptureOptions struct {
	// Tshark is the binary; empty looks up "tshark" in PATH.
	Tshark string
	// Filter is the capture (BPF) filter, e.g. "udp portrange 20000-20999"; empty takes all.
	Filter string
	// File is the pcap file written (classic pcap, -F pcap, so rtppcap can read it too).
	File string
	// Duration bounds the capture (-a duration); it is required, so a forgotten Stop cannot
	// leave tshark running.
	Duration time.Duration
	// CPUs, when set, pins tshark (and its dumpcap) to these CPUs (a taskset list), away from
	// the process measured.
	CPUs string
}

// Capture is a running tshark capture on the loopback interface.
//
// tshark says "Capture started" some milliseconds before packets are really captured, and a
// signal that comes before then is only acted on at the end of the duration. So the capture
// also takes the datagrams sent to a probe port of its own: StartCapture returns once a probe
// shows up in the file, and Stop sends a last probe and waits for it before stopping tshark,
// so every packet sent before Start returned and before Stop was called is in the file. Probe
// datagrams go to ProbePort (not RTP; leave that port out of the figures).
type Capture struct {
	cmd   *exec.Cmd
	done  chan error
	log   *tailLines
	file  string
	probe net.PacketConn
	seq   int
}

// StartCapture starts tshark on lo and returns once it captures, or an error after 15 s.
func StartCapture(ctx context.Context, o CaptureOptions) (*Capture, error) {
	bin := o.Tshark
	if bin == "" {
		p, err := exec.LookPath("tshark")
		if err != nil {
			return nil, errors.New("rtpstat: tshark not found: install the Debian package tshark")
		}
		bin = p
	}
	if o.Duration <= 0 || o.File == "" {
		return nil, fmt.Errorf("rtpstat: capture needs a file and a positive duration (got %q, %v)", o.File, o.Duration)
	}
	probe, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("rtpstat: probe socket: %w", err)
	}
	pp := probe.LocalAddr().(*net.UDPAddr).Port
	filter := fmt.Sprintf("udp dst port %d", pp)
	if o.Filter != "" {
		filter = fmt.Sprintf("(%s) or (%s)", o.Filter, filter)
	}
	secs := int((o.Duration + time.Second - 1) / time.Second)
	args := []string{"-n", "-q", "-i", "lo", "-F", "pcap", "-w", o.File, "-a", "duration:" + strconv.Itoa(secs), "-f", filter}
	if o.CPUs != "" {
		if ts, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{"-c", o.CPUs, bin}, args...)
			bin = ts
		}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		probe.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		probe.Close()
		return nil, fmt.Errorf("rtpstat: tshark: %w", err)
	}
	c := &Capture{cmd: cmd, done: make(chan error, 1), log: &tailLines{}, file: o.File, probe: probe}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.log.add(sc.Text())
		}
		c.done <- cmd.Wait()
	}()
	if err := c.sync(15 * time.Second); err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("rtpstat: tshark did not start capturing: %w: %s", err, c.log)
	}
	return c, nil
}

// ProbePort is the port of the capture's own probe datagrams.
func (c *Capture) ProbePort() int { return c.probe.LocalAddr().(*net.UDPAddr).Port }

// sync sends a numbered probe datagram every 20 ms until one is in the file, or fails after
// limit or when tshark ends.
func (c *Capture) sync(limit time.Duration) error {
	c.seq++
	msg := []byte("rtpstat-probe-" + strconv.Itoa(c.seq))
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if _, err := c.probe.WriteTo(msg, c.probe.LocalAddr()); err != nil {
			return fmt.Errorf("probe: %w", err)
		}
		if b, err := os.ReadFile(c.file); err == nil {
			// The file may end in a half-written record: what comes before it counts.
			ds, _ := rtppcap.ReadDatagrams(bytes.NewReader(b))
			for _, d := range ds {
				if int(d.Dst.Port()) == c.ProbePort() && bytes.Equal(d.Payload, msg) {
					return nil
				}
			}
		}
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("tshark exited: %v", err)
		case <-tick.C:
		}
	}
	return fmt.Errorf("no probe in %s after %v", c.file, limit)
}

// Stop waits until what was sent before it is in the file (a last probe), ends the capture
// (SIGTERM: tshark flushes the file; SIGINT may be ignored in a background job) and waits for
// tshark to exit.
func (c *Capture) Stop() error {
	defer c.probe.Close()
	var syncErr error
	select {
	case err := <-c.done:
		c.done <- err
	default:
		syncErr = c.sync(10 * time.Second)
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	if err := c.Wait(); err != nil {
		return err
	}
	if syncErr != nil {
		return fmt.Errorf("rtpstat: capture may miss the last packets: %w", syncErr)
	}
	return nil
}

// Messages returns the last lines tshark wrote to stderr (after Stop: its packet counts, and
// the packets the capture dropped when it could not keep up, if any).
func (c *Capture) Messages() string { return c.log.String() }

// Wait waits for the capture to end (its duration or Stop).
func (c *Capture) Wait() error {
	select {
	case err := <-c.done:
		c.done <- err // later calls see it too
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() <= 0 {
			return nil // ended by our signal
		}
		if err != nil {
			return fmt.Errorf("rtpstat: tshark: %w: %s", err, c.log)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("rtpstat: tshark did not exit: %s", c.log)
	}
}

// tailLines keeps the last lines of tshark's messages.
type tailLines struct {
	mu    sync.Mutex
	lines []string
}

func (t *tailLines) add(l string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, l)
	if len(t.lines) > 20 {
		t.lines = t.lines[1:]
	}
}

// String joins the lines kept.
func (t *tailLines) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, " | ")
}
