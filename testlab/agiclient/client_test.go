package agiclient

import (
	"bufio"
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`SET VARIABLE CALLERID(name) "Ana Anić"`, []string{"SET", "VARIABLE", "CALLERID(name)", "Ana Anić"}},
		{`SET VARIABLE X ""`, []string{"SET", "VARIABLE", "X", ""}},
		{`SET  VARIABLE	X  y`, []string{"SET", "VARIABLE", "X", "y"}},
		{`SET VARIABLE X "a \"b\" \\ c"`, []string{"SET", "VARIABLE", "X", `a "b" \ c`}},
		{`a\ b c`, []string{"a b", "c"}},
		{`"ab"cd`, []string{"abcd"}},
		{`  `, nil},
		{``, nil},
	}
	for _, tt := range tests {
		if got := ParseArgs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ParseArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{`SET VARIABLE X "y"`, `"`, `\`, `a"b c"d`, "\t\"\"\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := ParseArgs(s)
		// Words never contain an unquoted, unescaped blank: re-joining simple words parses back.
		simple := true
		for _, a := range args {
			if a == "" || strings.ContainsAny(a, " \t\"\\") {
				simple = false
			}
		}
		if simple && !slices.Equal(ParseArgs(strings.Join(args, " ")), args) {
			t.Fatalf("ParseArgs(%q) = %q does not round-trip", s, args)
		}
	})
}

// fakeServer accepts one FastAGI session and runs fn on it; done closes when fn has returned.
func fakeServer(t *testing.T, fn func(br *bufio.Reader, c net.Conn)) (addr string, done <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fn(bufio.NewReader(c), c)
	}()
	t.Cleanup(func() { ln.Close(); <-fin })
	return ln.Addr().String(), fin
}

func readBlock(t *testing.T, br *bufio.Reader) []string {
	var lines []string
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Errorf("environment: %v", err)
			return lines
		}
		if l == "\n" {
			return lines
		}
		lines = append(lines, strings.TrimSuffix(l, "\n"))
	}
}

func TestRunLikeAsterisk(t *testing.T) {
	var env, replies []string
	var trailing string
	addr, done := fakeServer(t, func(br *bufio.Reader, c net.Conn) {
		env = readBlock(t, br)
		for _, cmd := range []string{`SET VARIABLE CALLERID(name) "Ana \"A\""`, "GET VARIABLE CALLERID(name)", "GET VARIABLE FOO", "BOGUS", "SET VARIABLE X"} {
			io.WriteString(c, cmd+"\n")
			for {
				l, _ := br.ReadString('\n')
				replies = append(replies, strings.TrimSuffix(l, "\n"))
				if !strings.HasPrefix(l, "520-") && !strings.HasPrefix(l, " ") {
					break
				}
			}
		}
		c.(*net.TCPConn).CloseWrite()
		trailing, _ = br.ReadString('\n')
	})
	res := Run(context.Background(), Config{Addr: addr, CallerID: "600115", Args: []string{"a"}, Vars: map[string]string{"FOO": "bar"}})
	<-done
	if res.Status != StatusSuccess {
		t.Fatalf("status %s (%v)", res.Status, res.Err)
	}
	if env[0] != "agi_network: yes" || env[1] != "agi_network_script: cid" || !slices.Contains(env, "agi_callerid: 600115") ||
		!slices.Contains(env, "agi_calleridname: unknown") || !slices.Contains(env, "agi_accountcode: ") || env[len(env)-1] != "agi_arg_1: a" {
		t.Errorf("environment = %q", env)
	}
	want := []string{"200 result=1", `200 result=1 (Ana "A")`, "200 result=1 (bar)", "510 Invalid or unknown command",
		"520-Invalid command syntax.  Proper usage follows:", " Usage: SET VARIABLE <variablename> <value>", "520 End of proper usage."}
	if !slices.Equal(replies, want) {
		t.Errorf("replies = %q, want %q", replies, want)
	}
	if trailing != "HANGUP\n" {
		t.Errorf("trailing line = %q, want HANGUP", trailing)
	}
	if res.Set["CALLERID(name)"] != `Ana "A"` {
		t.Errorf("set = %q", res.Set)
	}
}

func TestRunHangupAndDeadChannel(t *testing.T) {
	var got []string
	addr, done := fakeServer(t, func(br *bufio.Reader, c net.Conn) {
		readBlock(t, br)
		io.WriteString(c, "STREAM FILE beep \"\"\n")
		for i := 0; i < 2; i++ {
			l, _ := br.ReadString('\n')
			got = append(got, strings.TrimSuffix(l, "\n"))
		}
	})
	res := Run(context.Background(), Config{Addr: addr, HangupBeforeCommand: 1})
	<-done
	if res.Status != StatusHangup {
		t.Fatalf("status %s", res.Status)
	}
	if !slices.Equal(got, []string{"HANGUP", "511 Command Not Permitted on a dead channel or intercept routine"}) {
		t.Errorf("server read %q", got)
	}
}

func TestRunFailures(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if res := Run(context.Background(), Config{Addr: addr}); res.Status != StatusFailure || res.Err == nil {
		t.Errorf("refused: %s %v", res.Status, res.Err)
	}
	addr, _ = fakeServer(t, func(br *bufio.Reader, c net.Conn) {
		readBlock(t, br)
		io.WriteString(c, strings.Repeat("x", MaxLine+10)+"\n")
	})
	if res := Run(context.Background(), Config{Addr: addr}); res.Status != StatusFailure {
		t.Errorf("over-long command: %s", res.Status)
	}
}

func TestRunLoad(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\n" {
						break
					}
				}
				io.WriteString(c, "SET VARIABLE X 1\n")
				br.ReadString('\n')
			}()
		}
	}()
	res, err := RunLoad(context.Background(), LoadConfig{Base: Config{Addr: ln.Addr().String()}, Sessions: 50, Workers: 4, HangupShare: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sessions != 50 || res.Failures != 0 || res.Statuses[StatusSuccess]+res.Statuses[StatusHangup] != 50 || len(res.Latencies) != 50 {
		t.Fatalf("load: %s", res)
	}
	if _, err := RunLoad(context.Background(), LoadConfig{}); err == nil {
		t.Error("zero sessions accepted")
	}
}
