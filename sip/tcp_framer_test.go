package sip

import (
	"strings"
	"testing"
	"time"
)

func TestMsgFramer(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name   string
		chunks []string
		in     bool // inside a message after the last chunk
	}{
		{name: "whole message", chunks: []string{"OPTIONS sip:h SIP/2.0\r\nContent-Length: 0\r\n\r\n"}, in: false},
		{name: "keep-alive only", chunks: []string{"\r\n\r\n", "\r\n"}, in: false},
		{name: "headers cut", chunks: []string{"INVITE sip:h SIP/2.0\r\nVia: x\r\n"}, in: true},
		{name: "body pending", chunks: []string{"INVITE sip:h SIP/2.0\r\nContent-Length: 10\r\n\r\n12345"}, in: true},
		{name: "body done in pieces", chunks: []string{"INVITE sip:h SIP/2.0\r\nl : 10\r\n\r\n12345", "678", "90"}, in: false},
		{name: "two messages, second cut", chunks: []string{"A\r\nContent-Length: 2\r\n\r\nxyB\r\n"}, in: true},
		{name: "split CRLF and name", chunks: []string{"A\r\nConte", "nt-LENGTH:\t3 \r", "\n\r", "\nabc"}, in: false},
		{name: "bare LF lines", chunks: []string{"A\nContent-Length: 1\n\nz"}, in: false},
		{name: "unreadable length counts as 0", chunks: []string{"A\r\nContent-Length: x1\r\n\r\n"}, in: false},
		{name: "trickled byte after a message", chunks: []string{"A\r\n\r\n", "I"}, in: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newMsgFramer(t0)
			for i, c := range tt.chunks {
				f.feed([]byte(c), t0.Add(time.Duration(i)*time.Second))
			}
			if f.inMessage() != tt.in {
				t.Errorf("inMessage = %v, want %v", f.inMessage(), tt.in)
			}
		})
	}
	f := newMsgFramer(t0)
	f.feed([]byte("\r\n"), t0.Add(time.Second))
	f.feed([]byte("INV"), t0.Add(2*time.Second))
	if !f.started.Equal(t0.Add(2*time.Second)) || !f.ended.Equal(t0) {
		t.Errorf("started %v ended %v: the message starts at its first byte; keep-alives end nothing", f.started, f.ended)
	}
}

// FuzzMsgFramer: any stream, cut anywhere, gives the same state as fed whole; a stream of whole
// messages followed by keep-alives leaves the framer between messages.
func FuzzMsgFramer(f *testing.F) {
	f.Add("INVITE sip:h SIP/2.0\r\nContent-Length: 4\r\n\r\nbody", 7)
	f.Add("A\r\nl:2\r\n\r\nxyB\r\n\r\n\r\n", 3)
	f.Add("\r\n\r\nOPTIONS x\nContent-Length:   \t99999999999\n\n", 1)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		t0 := time.Unix(0, 0)
		whole := newMsgFramer(t0)
		whole.feed([]byte(s), t0)
		parts := newMsgFramer(t0)
		if cut < 0 {
			cut = -cut
		}
		if len(s) > 0 {
			cut %= len(s) + 1
		} else {
			cut = 0
		}
		parts.feed([]byte(s[:cut]), t0)
		parts.feed([]byte(s[cut:]), t0)
		if whole.state != parts.state || whole.body != parts.body || whole.clen != parts.clen {
			t.Fatalf("cut at %d: %+v vs %+v", cut, parts, whole)
		}
		// n whole messages without a body, then keep-alives: idle.
		if !strings.ContainsAny(s, "\r\n") && s != "" {
			g := newMsgFramer(t0)
			g.feed([]byte(s+"\r\nContent-Length: 0\r\n\r\n"+s+"\r\n\r\n\r\n\r\n"), t0)
			if g.inMessage() {
				t.Fatalf("still in a message after whole messages: %+v", g)
			}
		}
	})
}
