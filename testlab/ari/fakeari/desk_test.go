package fakeari_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

func TestFarEndControlRoutes(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	srv, url := fakeari.StartTest(t, fakeari.WithClock(clk), fakeari.WithAuth("U", "P"),
		fakeari.WithPeer("PJSIP/desk", fakeari.Desk{Manual: true}))
	c := connect(t, url, "calls")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range []string{"d1", "d2", "d3"} {
		if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/desk", ChannelID: id}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Second) // all ringing
	base := url + "/testlab/channels/"
	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{name: "answer", method: "POST", path: "d1/answer", status: 204},
		{name: "answer twice", method: "POST", path: "d1/answer", status: 409, body: "not ringing"},
		{name: "reject with cause", method: "POST", path: "d2/reject?cause=17", status: 204},
		{name: "reject bad cause", method: "POST", path: "d3/reject?cause=x", status: 400, body: "cause"},
		{name: "reject unknown", method: "POST", path: "zz/reject", status: 404, body: "Channel not found"},
		{name: "dtmf", method: "POST", path: "d1/dtmf?digits=12%23&duration=50ms", status: 204},
		{name: "dtmf bad digit", method: "POST", path: "d1/dtmf?digits=1e", status: 400, body: "position 2"},
		{name: "dtmf bad duration", method: "POST", path: "d1/dtmf?digits=1&duration=soon", status: 400, body: "duration"},
		{name: "unknown command", method: "POST", path: "d1/transfer", status: 404},
		{name: "blind refer outside a bridge", method: "POST", path: "d1/refer?to=200", status: 400, body: "Stasis bridge"},
		{name: "attended refer without ari-only", method: "POST", path: "d1/refer?replaces=d3", status: 409, body: "ari-only"},
		{name: "phone hold", method: "POST", path: "d1/hold?class=jazz", status: 204},
		{name: "phone unhold", method: "POST", path: "d1/unhold", status: 204},
	}
	for _, tt := range tests {
		got := call(t, tt.method, base+tt.path, "U", "P")
		if got.status != tt.status || !strings.Contains(got.body, tt.body) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, got.status, got.body, tt.status, tt.body)
		}
	}
	clk.Advance(time.Second)
	if s, _ := srv.Channel("d1"); s.State != ari.StateUp || !s.InStasis || s.DTMFHeard != "12#" {
		t.Errorf("d1 %+v", s)
	}
	if s, _ := srv.Channel("d2"); !s.Destroyed || s.Cause != 17 {
		t.Errorf("d2 %+v", s)
	}
	if s, _ := srv.Channel("d3"); s.State != ari.StateRinging {
		t.Errorf("d3 %+v", s)
	}
	if got := call(t, "POST", base+"d3/answer", "", ""); got.status != http.StatusUnauthorized {
		t.Errorf("unauthenticated: %d", got.status)
	}
}

func TestParseDigits(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "0123456789*#", want: "0123456789*#"},
		{in: "abcdABCD", want: "ABCDABCD"},
		{in: "", bad: true},
		{in: "1e", bad: true},
		{in: "1 2", bad: true},
		{in: "١", bad: true},
	}
	for _, tt := range tests {
		got, err := fakeari.ParseDigits(tt.in)
		if tt.bad {
			if !errors.Is(err, fakeari.ErrBadDigit) {
				t.Errorf("%q: want ErrBadDigit, got %q %v", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseDigits(f *testing.F) {
	for _, s := range []string{"", "123#", "abcd", "*0#", "1e", "\xff", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := fakeari.ParseDigits(in)
		if err != nil {
			if !errors.Is(err, fakeari.ErrBadDigit) {
				t.Fatalf("%q: error %v is not ErrBadDigit", in, err)
			}
			return
		}
		if len(got) != len(in) || len(got) == 0 {
			t.Fatalf("%q -> %q: length changed", in, got)
		}
		if strings.Trim(got, "0123456789ABCD*#") != "" {
			t.Fatalf("%q -> %q: not a DTMF string", in, got)
		}
		again, err := fakeari.ParseDigits(got)
		if err != nil || again != got {
			t.Fatalf("%q -> %q -> %q %v: not idempotent", in, got, again, err)
		}
	})
}
