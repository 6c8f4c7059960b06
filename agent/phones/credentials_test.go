package phones_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/phones"
)

// serveLane serves e's phone handler through a fast lane on loopback, as
// the daemon does, until the test ends; it returns the address.
func (e *env) serveLane(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lane := fastlane.New(e.svc, &http.Server{Handler: e.h}, fastlane.WithLogger(slog.New(slog.DiscardHandler)))
	done := make(chan error, 1)
	go func() { done <- lane.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := lane.Shutdown(ctx); err != nil {
			t.Errorf("lane shutdown: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("lane serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// roundTrip sends head on a new connection to addr and reads the answer.
func roundTrip(t *testing.T, addr, head string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to %q: %v", head, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestCredentialsMustAgree: every credential a request carries (each URL
// token, each Authorization field) must be valid and name the same phone.
// A request with an extra, wrong or disagreeing one is refused, through
// the full handler and through the fast lane over loopback, even after the
// lane saw the valid credential alone; the bad credential counts against
// the username the request names.
func TestCredentialsMustAgree(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	aliceBasic := "Authorization: Basic " + b64("alice-phone:"+alicePass)
	for _, tc := range []struct {
		name    string
		target  func(e *env) string
		headers []string
		status  int
		// counted: the refusal counts a failed login for alice-phone.
		counted bool
	}{
		{name: "two query tokens, second bogus", target: func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk + "&token=bogus" }, status: 401, counted: true},
		{name: "two query tokens, first bogus", target: func(e *env) string { return "/phonebook/yealink.xml?token=bogus&token=" + e.aliceTk }, status: 401, counted: true},
		{name: "bogus token that does not unescape", target: func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk + "&token=%zz" }, status: 401, counted: true},
		{name: "path token and bogus query token", target: func(e *env) string { return "/phonebook/tok/" + e.aliceTk + "/yealink.xml?token=bogus" }, status: 401, counted: true},
		{name: "path token and another phone's query token", target: func(e *env) string { return "/phonebook/tok/" + e.aliceTk + "/yealink.xml?token=" + e.bobTk }, status: 401, counted: true},
		{name: "tokens of two phones", target: func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk + "&token=" + e.bobTk }, status: 401, counted: true},
		{name: "valid basic and a second with a wrong password", target: func(*env) string { return "/phonebook/yealink.xml" },
			headers: []string{aliceBasic, "Authorization: Basic " + b64("alice-phone:wrong")}, status: 401, counted: true},
		{name: "wrong basic then valid basic", target: func(*env) string { return "/phonebook/yealink.xml" },
			headers: []string{"Authorization: Basic " + b64("alice-phone:wrong"), aliceBasic}, status: 401, counted: true},
		{name: "valid basic and a bearer", target: func(*env) string { return "/phonebook/yealink.xml" },
			headers: []string{aliceBasic, "Authorization: Bearer x"}, status: 401},
		{name: "valid token and wrong basic", target: func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk },
			headers: []string{"Authorization: Basic " + b64("alice-phone:wrong")}, status: 401, counted: true},
		{name: "the same token twice", target: func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk + "&token=" + e.aliceTk }, status: 200},
		{name: "path and query token the same", target: func(e *env) string { return "/phonebook/tok/" + e.aliceTk + "/yealink.xml?token=" + e.aliceTk }, status: 200},
		{name: "an empty extra token is none", target: func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk + "&token=" }, status: 200},
		{name: "the same basic twice", target: func(*env) string { return "/phonebook/yealink.xml" }, headers: []string{aliceBasic, aliceBasic}, status: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			srv := e.serveLane(t)
			target := tc.target(e)
			// The lane has seen the valid credential alone, so it holds a
			// ticket for the same phone.
			for _, warm := range []string{rawGet("GET", "/phonebook/yealink.xml?token="+e.aliceTk), rawGet("GET", "/phonebook/yealink.xml", aliceBasic)} {
				if r := roundTrip(t, srv, warm); r.StatusCode != 200 {
					t.Fatalf("valid credential alone: %d", r.StatusCode)
				}
			}
			head := rawGet("GET", target, tc.headers...)
			if r := e.full(head, laneAddr); r.StatusCode != tc.status {
				t.Errorf("full handler: %d, want %d", r.StatusCode, tc.status)
			}
			if _, err := fastlane.ParseRequest([]byte(head), laneAddr); err == nil {
				if r := e.lane(head, laneAddr); r != nil && tc.status != 200 {
					t.Errorf("ServeFast answered %d, want to decline", r.StatusCode)
				}
			}
			for i := range 2 { // the second could take the lane
				if r := roundTrip(t, srv, head); r.StatusCode != tc.status {
					t.Errorf("over loopback, request %d: %d, want %d", i, r.StatusCode, tc.status)
				}
			}
			// Count: the refusal so far from laneAddr plus the rest of the
			// limit hold alice-phone from that address, if they count.
			for i := 1; i < phones.DefaultLoginLimits.MaxFailures; i++ {
				e.full(head, laneAddr)
			}
			want := http.StatusOK
			if tc.counted {
				want = http.StatusTooManyRequests
			}
			if r := e.full(rawGet("GET", "/phonebook/yealink.xml", aliceBasic), laneAddr); r.StatusCode != want {
				t.Errorf("alice-phone after %d such requests: %d, want %d", phones.DefaultLoginLimits.MaxFailures, r.StatusCode, want)
			}
		})
	}
}
