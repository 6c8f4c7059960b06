package callerid

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pbxagent/pbxagent/testlab/agiclient"

	"github.com/pbxagent/pbxagent/testlab/logbuf"
)

// startAGI serves FastAGI on a loopback port until the test ends.
func startAGI(t testing.TB, s *Service) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeAGI(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeAGI: %v", err)
		}
	})
	return ln.Addr().String()
}

func TestAGISessions(t *testing.T) {
	const nameVar, matchVar = "CALLERID(name)", AGIMatchVariable
	tests := []struct {
		name      string
		cfg       agiclient.Config
		opts      []Option
		want      map[string]string // variables set; nil = no commands at all
		wantCmds  []string          // exact command lines when non-nil
		wantState string
	}{
		{
			name:     "hit sets name and match",
			cfg:      agiclient.Config{CallerID: "061111111"},
			want:     map[string]string{nameVar: "Ana Anić", matchVar: "e164"},
			wantCmds: []string{`SET VARIABLE CALLERID(name) "Ana Anić"`, "SET VARIABLE PBXAGENT_CID_MATCH e164"},
		},
		{
			name:     "quotes and backslash escaped",
			cfg:      agiclient.Config{CallerID: "062222222"},
			want:     map[string]string{nameVar: `Say "Hi" \ Bye`, matchVar: "e164"},
			wantCmds: []string{`SET VARIABLE CALLERID(name) "Say \"Hi\" \\ Bye"`, "SET VARIABLE PBXAGENT_CID_MATCH e164"},
		},
		{
			name: "CR LF never reach the wire",
			cfg:  agiclient.Config{CallerID: "063333333"},
			want: map[string]string{nameVar: "Evil SET VARIABLE X 1", matchVar: "e164"},
		},
		{
			name: "existing name kept",
			cfg:  agiclient.Config{CallerID: "061111111", CallerIDName: "Bob"},
			want: map[string]string{matchVar: "e164"},
		},
		{
			name: "name equal to number replaced",
			cfg:  agiclient.Config{CallerID: "061111111", CallerIDName: "061111111"},
			want: map[string]string{nameVar: "Ana Anić", matchVar: "e164"},
		},
		{
			name: "policy always from query",
			cfg:  agiclient.Config{CallerID: "061111111", CallerIDName: "Bob", Script: "cid?overwrite=always"},
			want: map[string]string{nameVar: "Ana Anić", matchVar: "e164"},
		},
		{
			name: "policy always from option",
			cfg:  agiclient.Config{CallerID: "061111111", CallerIDName: "Bob"},
			opts: []Option{WithOverwritePolicy(OverwriteAlways)},
			want: map[string]string{nameVar: "Ana Anić", matchVar: "e164"},
		},
		{
			name: "number from query",
			cfg:  agiclient.Config{CallerID: "600115", Script: "cid?number=%2B38761111111"},
			want: map[string]string{nameVar: "Ana Anić", matchVar: "exact"},
		},
		{
			name: "number from query, plus not encoded",
			cfg:  agiclient.Config{CallerID: "600115", Script: "cid?number=+38761111111"},
			want: map[string]string{nameVar: "Ana Anić", matchVar: "exact"},
		},
		{
			name: "cnam mode",
			cfg:  agiclient.Config{CallerID: "065555555"},
			opts: []Option{WithCNAM(true)},
			want: map[string]string{nameVar: "Djuric Seco", matchVar: "national"},
		},
		{
			name: "miss sets match only",
			cfg:  agiclient.Config{CallerID: "069999999"},
			want: map[string]string{matchVar: "none"},
		},
		{
			name: "ambiguous",
			cfg:  agiclient.Config{CallerID: "064444444"},
			want: map[string]string{matchVar: "ambiguous"},
		},
		{name: "restricted presentation", cfg: agiclient.Config{CallerID: "061111111", CallingPres: 32}},
		{name: "unavailable presentation", cfg: agiclient.Config{CallerID: "061111111", CallingPres: 67}},
		{name: "anonymous", cfg: agiclient.Config{CallerID: "anonymous"}},
		{name: "unknown number", cfg: agiclient.Config{CallerID: ""}},
		{name: "script not served", cfg: agiclient.Config{CallerID: "061111111", Script: "other"}},
		{name: "garbage in environment", cfg: agiclient.Config{CallerID: "061111111", ExtraEnv: []string{"garbage"}}},
		{name: "over-long environment line", cfg: agiclient.Config{CallerID: "061111111", ExtraEnv: []string{"agi_x: " + strings.Repeat("x", 9000)}}},
		{name: "too many variables", cfg: agiclient.Config{CallerID: "061111111", ExtraEnv: slices.Repeat([]string{"agi_x: y"}, 200)}},
		{name: "over-long number", cfg: agiclient.Config{CallerID: strings.Repeat("1", 100)}},
		{
			name:      "hangup right after environment",
			cfg:       agiclient.Config{CallerID: "061111111", HangupBeforeCommand: 1},
			want:      map[string]string{nameVar: "Ana Anić", matchVar: "e164"},
			wantState: agiclient.StatusHangup,
		},
		{
			name:      "hangup before second reply",
			cfg:       agiclient.Config{CallerID: "061111111", HangupBeforeCommand: 2},
			want:      map[string]string{nameVar: "Ana Anić", matchVar: "e164"},
			wantState: agiclient.StatusHangup,
		},
		{
			name: "510 then continue",
			cfg: agiclient.Config{CallerID: "061111111", Reply: func(n int, _ string) (string, bool) {
				return "510 Invalid or unknown command", n == 1
			}},
			want: map[string]string{matchVar: "e164"},
		},
		{
			name: "520 multi-line usage then continue",
			cfg: agiclient.Config{CallerID: "061111111", Reply: func(n int, _ string) (string, bool) {
				return "520-Invalid command syntax.  Proper usage follows:\nUsage: x\n520 End of proper usage.", n == 1
			}},
			want: map[string]string{matchVar: "e164"},
		},
		{
			name: "511 dead channel stops",
			cfg: agiclient.Config{CallerID: "061111111", Reply: func(n int, _ string) (string, bool) {
				return "511 Command Not Permitted on a dead channel or intercept routine", n == 1
			}},
			wantCmds: []string{`SET VARIABLE CALLERID(name) "Ana Anić"`},
			want:     map[string]string{},
		},
		{
			name: "garbage reply ends session",
			cfg: agiclient.Config{CallerID: "061111111", Reply: func(n int, _ string) (string, bool) {
				return "what?", n == 1
			}},
			wantCmds: []string{`SET VARIABLE CALLERID(name) "Ana Anić"`},
			want:     map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestService(t, testDir(), tt.opts...)
			cfg := tt.cfg
			cfg.Addr = startAGI(t, s)
			res := agiclient.Run(context.Background(), cfg)
			want := tt.wantState
			if want == "" {
				want = agiclient.StatusSuccess
			}
			if res.Status != want {
				t.Fatalf("AGISTATUS = %s (%v), want %s", res.Status, res.Err, want)
			}
			if tt.want == nil {
				if len(res.Commands) != 0 {
					t.Fatalf("commands = %q, want none", res.Commands)
				}
				return
			}
			if tt.wantCmds != nil && !slices.Equal(res.Commands, tt.wantCmds) {
				t.Errorf("commands = %q, want %q", res.Commands, tt.wantCmds)
			}
			if len(res.Set) != len(tt.want) {
				t.Errorf("variables = %q, want %q", res.Set, tt.want)
			}
			for k, v := range tt.want {
				if res.Set[k] != v {
					t.Errorf("%s = %q, want %q (all: %q)", k, res.Set[k], v, res.Set)
				}
			}
		})
	}
}

// TestAGITimeoutFailsOpen: a directory that hangs must not hold the call: the session ends within
// its deadline with AGISTATUS=SUCCESS and the name untouched.
func TestAGITimeoutFailsOpen(t *testing.T) {
	for _, isolate := range []bool{false, true} {
		dir := &fakeDir{m: testDir().m, late: !isolate}
		if isolate {
			dir.block = make(chan struct{})
			defer close(dir.block)
		}
		s := newTestService(t, dir, WithTimeout(400*time.Millisecond), WithLookupIsolation(isolate))
		agiTimeoutCase(t, startAGI(t, s))
	}
}

func agiTimeoutCase(t *testing.T, addr string) {
	t.Helper()
	res := agiclient.Run(context.Background(), agiclient.Config{Addr: addr, CallerID: "061111111"})
	if res.Status != agiclient.StatusSuccess {
		t.Fatalf("AGISTATUS = %s (%v)", res.Status, res.Err)
	}
	if _, ok := res.Set["CALLERID(name)"]; ok {
		t.Fatalf("name set on timeout: %q", res.Set)
	}
	if got := res.Set[AGIMatchVariable]; got != "timeout" {
		t.Errorf("match = %q, want timeout (set %q, commands %q, err %v)", got, res.Set, res.Commands, res.Err)
	}
}

// TestAGISilentClient: a peer that connects and sends nothing is dropped at the deadline.
func TestAGISilentClient(t *testing.T) {
	s := newTestService(t, testDir(), WithTimeout(30*time.Millisecond))
	addr := startAGI(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("server sent data to a silent client")
	} else if ne := (net.Error)(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("server did not close a silent client within its deadline")
	}
}

// TestAGIOverload: with every slot taken by a session that has spoken,
// the next sessions are closed without commands (AGISTATUS=SUCCESS, name
// untouched), each counted in the metric, and logged once, not once each.
func TestAGIOverload(t *testing.T) {
	var logs logbuf.Buffer
	s := newTestService(t, testDir(), WithMaxAGISessions(1), WithTimeout(5*time.Second),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	addr := startAGI(t, s)
	hold, err := net.Dial("tcp", addr) // occupies the only slot until closed
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	io.WriteString(hold, "agi_network: yes\n") // it has spoken: a session, waiting for the rest
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(s.metrics.agiLive) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the held session took no slot")
		}
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		res := agiclient.Run(context.Background(), agiclient.Config{Addr: addr, CallerID: "061111111"})
		if res.Status != agiclient.StatusSuccess || len(res.Commands) != 0 {
			t.Fatalf("overloaded session %d: %s %q %v", i, res.Status, res.Commands, res.Err)
		}
	}
	if got := testutil.ToFloat64(s.metrics.agi.WithLabelValues("overload")); got != 5 {
		t.Errorf("overload sessions counted %v, want 5", got)
	}
	if n := strings.Count(logs.String(), "too many sessions"); n != 1 {
		t.Errorf("%d log lines about refused sessions, want 1:\n%s", n, logs.String())
	}
}

// TestAGISilentFlood: connections that send nothing take no session slot
// (6 000 of them once filled the cap and a real session failed): with two
// slots and room for 50 waiting connections, a real session that comes
// after 300 silent ones is served; the silent ones pushed out of the wait
// room are counted.
func TestAGISilentFlood(t *testing.T) {
	s := newTestService(t, testDir(), WithMaxAGISessions(2), WithMaxAGIWaiting(50),
		WithAGIFirstLineTimeout(5*time.Second), WithTimeout(5*time.Second))
	addr := startAGI(t, s)
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	res := agiclient.Run(context.Background(), agiclient.Config{Addr: addr, CallerID: "061111111"})
	if res.Status != agiclient.StatusSuccess || res.Set["CALLERID(name)"] != "Ana Anić" {
		t.Fatalf("session after the flood: %s %q %v", res.Status, res.Set, res.Err)
	}
	// The silent connections are accepted and evicted by the server's own
	// goroutines, some after the real session is served.
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ToFloat64(s.metrics.agi.WithLabelValues("evicted")) < 250 {
		if time.Now().After(deadline) {
			t.Fatalf("evicted connections counted %v, want at least 250", testutil.ToFloat64(s.metrics.agi.WithLabelValues("evicted")))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAGIFirstLine: what a new connection sends before its first agi_
// line decides whether it gets a session.
func TestAGIFirstLine(t *testing.T) {
	for _, tc := range []struct {
		name, send string
		close      bool // the client closes after sending
		want       string
	}{
		{name: "silent past the timeout", send: "", want: "silent"},
		{name: "half a line past the timeout", send: "agi_netw", want: "silent"},
		{name: "closed without a word", send: "", close: true, want: "silent"},
		{name: "not an agi_ line", send: "GET / HTTP/1.1\r\n", want: "protocol_error"},
		{name: "garbage without a newline", send: "\x16\x03\x01", want: "protocol_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t, testDir(), WithAGIFirstLineTimeout(50*time.Millisecond))
			addr := startAGI(t, s)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tc.send)
			if tc.close {
				c.Close()
			} else {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Read(make([]byte, 1)); err == nil {
					t.Fatal("server sent data")
				} else if ne := (net.Error)(nil); errors.As(err, &ne) && ne.Timeout() {
					t.Fatal("server did not close the connection")
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for testutil.ToFloat64(s.metrics.agi.WithLabelValues(tc.want)) != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("outcome %s not counted", tc.want)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

func TestListenAGIDisabledAndFailure(t *testing.T) {
	s := newTestService(t, testDir())
	if err := s.ListenAGI(context.Background(), ""); err != nil {
		t.Fatalf("empty addr: %v", err)
	}
	if err := s.ListenAGI(context.Background(), "256.0.0.1:1"); err == nil {
		t.Fatal("bad addr accepted")
	}
	// Server down: Asterisk gets FAILURE and goes on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if res := agiclient.Run(context.Background(), agiclient.Config{Addr: addr}); res.Status != agiclient.StatusFailure {
		t.Fatalf("server down: %s", res.Status)
	}
}

func TestReadAGIReply(t *testing.T) {
	tests := []struct {
		in       string
		code     int
		hangup   bool
		wantErr  bool
		wantLine string
	}{
		{"200 result=1\n", 200, false, false, "200 result=1"},
		{"HANGUP\n200 result=1\r\n", 200, true, false, "200 result=1"},
		{"HANGUP\nHANGUP\n510 Invalid or unknown command\n", 510, true, false, "510 Invalid or unknown command"},
		{"520-Invalid\nusage\n520 End of proper usage.\n", 520, false, false, "520 End of proper usage."},
		{"200\n", 200, false, false, "200"},
		{"20x result\n", 0, false, true, ""},
		{"2000 x\n", 0, false, true, ""},
		{"ok\n", 0, false, true, ""},
		{"", 0, false, true, ""},
		{"200 result=1", 0, false, true, ""},
		{strings.Repeat("2", 9000) + "\n", 0, false, true, ""},
	}
	for _, tt := range tests {
		rep, err := ReadAGIReply(newAGIReader(strings.NewReader(tt.in)))
		if (err != nil) != tt.wantErr || rep.Code != tt.code || rep.Hangup != tt.hangup || (!tt.wantErr && rep.Line != tt.wantLine) {
			t.Errorf("ReadAGIReply(%.30q) = %+v, %v", tt.in, rep, err)
		}
	}
}

func TestReadAGIEnv(t *testing.T) {
	env, err := ReadAGIEnv(newAGIReader(strings.NewReader(string(agiclient.Env(agiclient.Config{
		Addr: "127.0.0.1:4573", CallerID: "600115", Args: []string{"a", "b"}})) + "SET VARIABLE after\n")))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"agi_callerid": "600115", "agi_calleridname": "unknown",
		"agi_accountcode": "", "agi_arg_2": "b", "agi_network_script": "cid", "agi_callingpres": "0"} {
		if got, ok := env.Vars[k]; !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	_, err = ReadAGIEnv(newAGIReader(strings.NewReader("agi_network: yes\nbroken line\n\n")))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error = %v, want one naming line 2", err)
	}
}

func FuzzReadAGIEnv(f *testing.F) {
	f.Add(agiclient.Env(agiclient.Config{Addr: "h:1", CallerID: "061111111"}))
	f.Add([]byte("HANGUP\nagi_callerid: 1\n\n"))
	f.Add([]byte("agi_x:\r\n\r\n"))
	f.Add([]byte("\n"))
	f.Add([]byte("agi_a b: c\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ReadAGIEnv(bufio.NewReaderSize(strings.NewReader(string(data)), agiMaxLine+16))
		if err != nil {
			return
		}
		if len(env.Vars) > agiMaxEnvVars {
			t.Fatalf("%d variables accepted", len(env.Vars))
		}
		for k, v := range env.Vars {
			if !strings.HasPrefix(k, "agi_") || strings.ContainsAny(k+v, "\n") {
				t.Fatalf("bad variable %q=%q", k, v)
			}
		}
	})
}

func FuzzReadAGIReply(f *testing.F) {
	for _, s := range []string{"200 result=1\n", "HANGUP\n200 result=0 (x)\n", "520-a\nb\n520 c\n", "511 x\n", "xx\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ReadAGIReply(newAGIReader(strings.NewReader(string(data))))
		if err != nil {
			return
		}
		if rep.Code < 0 || rep.Code > 999 || rep.Line == "HANGUP" || strings.Contains(rep.Line, "\n") {
			t.Fatalf("bad reply %+v from %q", rep, data)
		}
	})
}

// FuzzAGIQuote checks the escaping against Asterisk's own argument parser (as modelled by
// agiclient.ParseArgs): whatever the name, SET VARIABLE gets exactly four words and the value
// comes back unchanged minus CR/LF.
func FuzzAGIQuote(f *testing.F) {
	for _, s := range []string{"Ana Anić", `Say "Hi" \ Bye`, "", `\`, `"`, "a\r\nb", "\t x \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		args := agiclient.ParseArgs("SET VARIABLE CALLERID(name) " + AGIQuote(v))
		want := strings.NewReplacer("\r", "", "\n", "").Replace(v)
		if len(args) != 4 || args[3] != want {
			t.Fatalf("AGIQuote(%q) parsed back as %q", v, args)
		}
	})
}
