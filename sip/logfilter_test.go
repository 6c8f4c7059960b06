package sip

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestLogFilter(t *testing.T) {
	now := time.Unix(1000, 0)
	var buf bytes.Buffer
	dropped := 0
	h := newLogFilter(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), 3, time.Minute,
		func() time.Time { return now }, func() { dropped++ })
	log := slog.New(h).With("caller", "Transport<UDP>")
	packet := "INVITE sip:033222111@h SIP/2.0\r\nFrom: <sip:600115@10.0.0.1>;tag=1\r\n"
	for i := 0; i < 100; i++ {
		log.Error("failed to parse", "data", packet, "error", fmt.Errorf("field name with no value in header: %q", "From: <sip:600115@x>"),
			"raddr", "10.0.0.1:5060", "req", "INVITE sip:600115@h SIP/2.0", "tx", "z9hG4bK600115")
	}
	log.Debug("debug keeps everything", "data", packet)
	out := buf.String()
	if n := strings.Count(out, "failed to parse"); n != 3 {
		t.Errorf("%d lines logged, want the burst of 3:\n%s", n, out)
	}
	if dropped != 97 {
		t.Errorf("dropped %d, want 97", dropped)
	}
	above, debug, _ := strings.Cut(out, "debug keeps everything")
	if strings.Contains(above, "600115") || strings.Contains(above, "INVITE") {
		t.Errorf("a number or message contents above debug:\n%s", above)
	}
	for _, want := range []string{"raddr=10.0.0.1:5060", "caller=Transport<UDP>", `error="field name with no value in header …"`} {
		if !strings.Contains(above, want) {
			t.Errorf("%q missing from\n%s", want, above)
		}
	}
	if !strings.Contains(debug, "600115") {
		t.Errorf("debug line lost its data: %s", debug)
	}
	// After the interval: one summary line, then lines again.
	buf.Reset()
	now = now.Add(time.Minute)
	log.Warn("failed to parse", "error", errors.New("x"))
	out = buf.String()
	if !strings.Contains(out, "sip log lines suppressed") || !strings.Contains(out, "count=97") || !strings.Contains(out, `message="failed to parse"`) {
		t.Errorf("no summary: %s", out)
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("want the summary and the line: %s", out)
	}
}

func TestSafeErrorText(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "read tcp 127.0.0.1:5070->127.0.0.1:4000: i/o timeout", want: "read tcp 127.0.0.1:5070->127.0.0.1:4000: i/o timeout"},
		{in: "transmission beginning 'From: <sip:600115@x>' is not a SIP message", want: "transmission beginning …"},
		{in: "invalid uri display name inside quotes\r\nFrom: 600115", want: "invalid uri display name inside quotes …"},
		{in: strings.Repeat("é", 200), want: strings.Repeat("é", 80) + " …"},
	}
	for _, tt := range tests {
		if got := safeErrorText(tt.in); got != tt.want {
			t.Errorf("safeErrorText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGarbageFloodLog: 200 unparseable datagrams carrying a caller's number, against the real
// server logging at info: a handful of lines, none with the number or the packet. Without the
// fix every packet was logged at error with its contents.
func TestGarbageFloodLog(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, udp, _ := startServerS(t, &fakeResolver{}, WithLogger(log), WithLogLimit(5, time.Hour))
	p := newUDPPeer(t, udp)
	garbage := "INVITE sip:033222111@h SIP/2.0\nFrom: <sip:600115@10.0.0.1>;tag=1\nX: " + strings.Repeat("A", 300) + "\nbroken header line\n\n"
	// One reader handles datagrams in order: once an OPTIONS sent after them is answered, the
	// bad packets before it were read. Rounds of 20 keep the socket buffer from overflowing.
	for round := 0; round < 10; round++ {
		for i := 0; i < 20; i++ {
			p.send(garbage)
		}
		p.send(fmt.Sprintf("OPTIONS sip:%s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-fl%d\nFrom: <sip:p@127.0.0.1>;tag=f\nTo: <sip:%s>\nCall-ID: fl%d@test\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n", udp, p.port(), round, udp, round))
		for {
			_, res := p.recv(3 * time.Second)
			if res.CSeq() != nil && res.CSeq().MethodName == "OPTIONS" && res.CallID().Value() == fmt.Sprintf("fl%d@test", round) {
				break
			}
		}
	}
	out := buf.String()
	if strings.Contains(out, "600115") || strings.Contains(out, "AAAA") {
		t.Errorf("log carries the packet or the caller's number:\n%.2000s", out)
	}
	if lines := strings.Count(out, "\n"); lines > 10 || len(out) > 4000 {
		t.Errorf("%d lines, %d bytes logged for 200 bad packets:\n%.2000s", lines, len(out), out)
	}
	if got := srv.Stats().LogSuppressed; got < 190 {
		t.Errorf("LogSuppressed = %d, want at least 190", got)
	}
}

// TestSetLibraryLogger: sipgo's package-wide logger is rate-limited too.
func TestSetLibraryLogger(t *testing.T) {
	var buf syncBuffer
	SetLibraryLogger(slog.New(slog.NewTextHandler(&buf, nil)), 2, time.Hour)
	t.Cleanup(func() { sipmsg.SetDefaultLogger(nil) })
	for i := 0; i < 50; i++ {
		sipmsg.DefaultLogger().Warn("TCP ref went negative", "ip", "127.0.0.1:5070", "ref", -1)
	}
	if n := strings.Count(buf.String(), "TCP ref went negative"); n != 2 {
		t.Errorf("%d lines, want 2:\n%s", n, buf.String())
	}
}
