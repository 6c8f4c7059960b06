package media

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wireCapture records RTP on the loopback interface with tshark, so the
// send-interval jitter is measured from the wire rather than from inside
// the process. Opt-in (PBXAGENT_TSHARK=1): capturing needs privileges.
type wireCapture struct {
	cmd  *exec.Cmd
	file string
}

// startWireCapture starts tshark on lo for UDP ports lo..hi and returns once
// it captures; nil when not asked for.
func startWireCapture(b *testing.B, lo, hi int) *wireCapture {
	b.Helper()
	if os.Getenv("PBXAGENT_TSHARK") != "1" {
		return nil
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("CI=true and PBXAGENT_TSHARK=1 but tshark is missing: %v", err)
		}
		b.Logf("tshark not installed: no capture figure")
		return nil
	}
	c := &wireCapture{file: filepath.Join(b.TempDir(), "rtp.pcap")}
	c.cmd = exec.Command("tshark", "-i", "lo", "-q", "-w", c.file, "-f", fmt.Sprintf("udp and portrange %d-%d", lo, hi))
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		b.Fatalf("start tshark: %v", err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Capturing on") {
				ready <- nil
				for sc.Scan() { // drain
				}
				return
			}
		}
		ready <- fmt.Errorf("tshark ended before capturing")
	}()
	select {
	case err := <-ready:
		if err != nil {
			b.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		b.Fatal("tshark did not start capturing within 20 s")
	}
	return c
}

// stop ends the capture and returns, over every RTP stream (even
// destination port), the p99 of |packet interval − 20 ms| in ms and the
// packet count.
func (c *wireCapture) stop(b *testing.B) (float64, int) {
	b.Helper()
	_ = c.cmd.Process.Signal(os.Interrupt)
	_ = c.cmd.Wait()
	out, err := exec.Command("tshark", "-r", c.file, "-T", "fields", "-e", "frame.time_epoch", "-e", "udp.srcport", "-e", "udp.dstport").Output()
	if err != nil {
		b.Fatalf("read capture: %v", err)
	}
	last := make(map[string]float64)
	var dev []float64
	n := 0
	for line := range bytes.Lines(out) {
		f := strings.Fields(string(line))
		if len(f) != 3 {
			continue
		}
		if dst, err := strconv.Atoi(f[2]); err != nil || dst%2 != 0 {
			continue // RTCP
		}
		at, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		n++
		key := f[1] + ">" + f[2]
		if prev, ok := last[key]; ok {
			d := (at-prev)*1000 - 20
			dev = append(dev, max(d, -d))
		}
		last[key] = at
	}
	if len(dev) == 0 {
		b.Fatal("capture holds no RTP")
	}
	slices.Sort(dev)
	return dev[len(dev)*99/100], n
}
