// Package rtpstat measures RTP streams from a packet capture rather than from inside the
// sender: it runs tshark on a capture file (tshark -T fields: frame.time_epoch, udp.srcport,
// udp.dstport, rtp.ssrc, rtp.seq, rtp.p_type) and computes, per stream and across streams, the
// send-interval jitter |interval − 20 ms| (p50, p99, p99.9, max), sequence gaps, reordering,
// slots the sender skipped, and the drift of a stream against its ideal 20 ms schedule. On loopback the capture time of a
// packet is its departure time, so the figures are the sender's pacing. See
// docs/sip-testing.md.
package rtpstat

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Packet is one RTP packet of a capture.
type Packet struct {
	// Time is the capture time stamp.
	Time time.Time
	// SrcPort and DstPort are the UDP ports.
	SrcPort, DstPort uint16
	// SSRC, Seq, Timestamp and PayloadType are from the RTP header.
	SSRC        uint32
	Seq         uint16
	Timestamp   uint32
	PayloadType uint8
}

// Fields are the tshark fields ParseFields reads, in order.
var Fields = []string{"frame.time_epoch", "udp.srcport", "udp.dstport", "rtp.ssrc", "rtp.seq", "rtp.timestamp", "rtp.p_type"}

// LineError says which line and field of tshark's output could not be read.
type LineError struct {
	// Line is the 1-based line number; Field the tshark field name.
	Line  int
	Field string
	// Value is the text read (truncated to 40 bytes) and Err why it is wrong.
	Value string
	Err   error
}

// Error names the line and field.
func (e *LineError) Error() string {
	return fmt.Sprintf("rtpstat: line %d field %s %q: %v", e.Line, e.Field, e.Value, e.Err)
}

// Unwrap returns the parse error.
func (e *LineError) Unwrap() error { return e.Err }

// ParseFields reads tshark -T fields output with the Fields in order, tab-separated. Lines
// whose RTP fields are empty (a packet tshark did not decode as RTP) are skipped; a line with
// several values in a field (tunnelled packets, comma-separated) keeps the first.
func ParseFields(r io.Reader) ([]Packet, error) {
	var out []Packet
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != len(Fields) {
			return out, &LineError{Line: n, Field: "(line)", Value: trunc(line), Err: fmt.Errorf("%d fields, want %d", len(f), len(Fields))}
		}
		for i := range f {
			f[i], _, _ = strings.Cut(f[i], ",")
		}
		if f[3] == "" || f[4] == "" {
			continue
		}
		var p Packet
		var err error
		if p.Time, err = parseEpoch(f[0]); err != nil {
			return out, &LineError{Line: n, Field: Fields[0], Value: trunc(f[0]), Err: err}
		}
		num := func(i, bits int, base int) (uint64, error) {
			s := f[i]
			if base == 16 {
				s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
			}
			v, err := strconv.ParseUint(s, base, bits)
			if err != nil {
				return 0, &LineError{Line: n, Field: Fields[i], Value: trunc(f[i]), Err: err}
			}
			return v, nil
		}
		var v uint64
		if v, err = num(1, 16, 10); err != nil {
			return out, err
		}
		p.SrcPort = uint16(v)
		if v, err = num(2, 16, 10); err != nil {
			return out, err
		}
		p.DstPort = uint16(v)
		if v, err = num(3, 32, 16); err != nil {
			return out, err
		}
		p.SSRC = uint32(v)
		if v, err = num(4, 16, 10); err != nil {
			return out, err
		}
		p.Seq = uint16(v)
		if v, err = num(5, 32, 10); err != nil {
			return out, err
		}
		p.Timestamp = uint32(v)
		if v, err = num(6, 7, 10); err != nil {
			return out, err
		}
		p.PayloadType = uint8(v)
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("rtpstat: reading tshark output: %w", err)
	}
	return out, nil
}

func trunc(s string) string { return s[:min(len(s), 40)] }

// parseEpoch reads "1795480089.517468123" exactly (no float rounding).
func parseEpoch(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	if sec == "" || len(frac) > 9 {
		return time.Time{}, errors.New("want seconds.fraction with at most 9 decimals")
	}
	ss, err := strconv.ParseUint(sec, 10, 40)
	if err != nil {
		return time.Time{}, err
	}
	var ns uint64
	if frac != "" {
		if ns, err = strconv.ParseUint(frac, 10, 32); err != nil {
			return time.Time{}, err
		}
		for range 9 - len(frac) {
			ns *= 10
		}
	}
	return time.Unix(int64(ss), int64(ns)), nil
}

// ReadOptions say how tshark decodes a capture.
type ReadOptions struct {
	// Tshark is the binary; empty looks up "tshark" in PATH.
	Tshark string
	// Ports are UDP port ranges decoded as RTP ("6000", "20000-20999"); empty turns on tshark's
	// RTP heuristic (rtp.heuristic_rtp) instead.
	Ports []string
	// Filter is an extra display filter ANDed with "rtp".
	Filter string
}

// Read runs tshark on a capture file and returns its RTP packets in capture order.
func Read(ctx context.Context, file string, o ReadOptions) ([]Packet, error) {
	bin := o.Tshark
	if bin == "" {
		p, err := exec.LookPath("tshark")
		if err != nil {
			return nil, errors.New("rtpstat: tshark not found: install the Debian package tshark")
		}
		bin = p
	}
	filter := "rtp && rtp.version == 2"
	if o.Filter != "" {
		filter += " && (" + o.Filter + ")"
	}
	args := []string{"-n", "-r", file, "-Y", filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"}
	if len(o.Ports) == 0 {
		args = append(args, "-o", "rtp.heuristic_rtp:TRUE")
	}
	for _, p := range o.Ports {
		args = append(args, "-d", "udp.port=="+p+",rtp")
	}
	for _, f := range Fields {
		args = append(args, "-e", f)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("rtpstat: tshark -r %s: %w: %s", file, err, strings.TrimSpace(stderr.String()))
	}
	return ParseFields(bytes.NewReader(out))
}

// StreamKey identifies a stream: its ports and SSRC.
type StreamKey struct {
	SrcPort, DstPort uint16
	SSRC             uint32
}

// Figures are the send-interval figures of a set of streams.
type Figures struct {
	// Streams and Packets counted; Intervals is the number of intervals between packets with
	// consecutive sequence numbers (the ones the jitter is computed on).
	Streams, Packets, Intervals int
	// P50, P99, P999 and Max are quantiles of |interval − period| over all intervals.
	P50, P99, P999, Max time.Duration
	// Over1ms and Over2ms count intervals off by more than 1 and 2 ms.
	Over1ms, Over2ms int
	// Gaps counts sequence jumps forward (lost packets); Reordered packets that came with a
	// sequence number lower than the highest seen.
	Gaps, Reordered int
	// Skipped counts 20 ms slots the sender skipped: consecutive sequence numbers whose RTP
	// timestamps are more than one frame apart (a sender that woke up late and dropped the
	// missed frames rather than sending them in a burst), 8 kHz clock.
	Skipped int
	// MaxDrift is the largest spread, over a stream, of (capture time − period × packets since
	// its first): how far a stream strays from its ideal schedule (0 for a sender that neither
	// drifts nor bunches).
	MaxDrift time.Duration
}

// Compute computes the figures of the packets keep accepts (nil keeps all), grouped by
// StreamKey, with period the nominal interval (20 ms).
func Compute(pkts []Packet, period time.Duration, keep func(Packet) bool) Figures {
	type state struct {
		last     Packet
		ext      int64 // extended sequence of last
		first    time.Time
		firstExt int64
		minOff   time.Duration
		maxOff   time.Duration
	}
	streams := map[StreamKey]*state{}
	var dev []time.Duration
	var f Figures
	for _, p := range pkts {
		if keep != nil && !keep(p) {
			continue
		}
		f.Packets++
		k := StreamKey{p.SrcPort, p.DstPort, p.SSRC}
		s, ok := streams[k]
		if !ok {
			streams[k] = &state{last: p, ext: int64(p.Seq), first: p.Time, firstExt: int64(p.Seq)}
			continue
		}
		d := int64(int16(p.Seq - s.last.Seq)) // signed distance, wraps at 65536
		switch {
		case d <= 0:
			f.Reordered++
			continue
		case d == 1:
			iv := p.Time.Sub(s.last.Time)
			dev = append(dev, (iv - period).Abs())
			f.Intervals++
			if frame := uint32(period / (time.Second / 8000)); frame > 0 {
				if td := p.Timestamp - s.last.Timestamp; td > frame && td < 50*frame {
					f.Skipped += int(td/frame) - 1
				}
			}
		default:
			f.Gaps++
		}
		s.ext += d
		s.last = p
		off := p.Time.Sub(s.first) - time.Duration(s.ext-s.firstExt)*period
		s.minOff, s.maxOff = min(s.minOff, off), max(s.maxOff, off)
		f.MaxDrift = max(f.MaxDrift, s.maxOff-s.minOff)
	}
	f.Streams = len(streams)
	slices.Sort(dev)
	q := func(p float64) time.Duration {
		if len(dev) == 0 {
			return 0
		}
		return dev[min(len(dev)-1, int(p*float64(len(dev))))]
	}
	f.P50, f.P99, f.P999 = q(0.5), q(0.99), q(0.999)
	if len(dev) > 0 {
		f.Max = dev[len(dev)-1]
	}
	for _, d := range dev {
		if d > time.Millisecond {
			f.Over1ms++
		}
		if d > 2*time.Millisecond {
			f.Over2ms++
		}
	}
	return f
}

// String summarises the figures on one line.
func (f Figures) String() string {
	return fmt.Sprintf("streams=%d packets=%d intervals=%d |interval-period| p50=%v p99=%v p99.9=%v max=%v >1ms=%d >2ms=%d gaps=%d reordered=%d skipped=%d drift=%v",
		f.Streams, f.Packets, f.Intervals, f.P50, f.P99, f.P999, f.Max, f.Over1ms, f.Over2ms, f.Gaps, f.Reordered, f.Skipped, f.MaxDrift)
}
