package callerid

import (
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/agiclient"
)

// agiOutLine is every line the server may ever write.
var agiOutLine = regexp.MustCompile(`^SET VARIABLE (CALLERID\(name\) "([^"\\\r\n]|\\["\\])*"|PBXAGENT_CID_MATCH [a-z0-9]+)$`)

// FuzzAGISession feeds arbitrary client bytes (environment and replies) to a whole FastAGI
// session: it must end, and only ever write well-formed SET VARIABLE lines.
func FuzzAGISession(f *testing.F) {
	env := string(agiclient.Env(agiclient.Config{Addr: "h:1", CallerID: "062222222"}))
	for _, s := range []string{
		env + "200 result=1\n200 result=1\n",
		env + "HANGUP\n200 result=1\nHANGUP\n200 result=1\n",
		env + "520-x\ny\n520 z\n510 no\n",
		strings.Replace(env, "062222222", "063333333", 1) + "200 result=1\n200 result=1\n",
		strings.Replace(env, "agi_network_script: cid", "agi_network_script: cid?number=%2B38761111111&overwrite=always", 1) + "200\n200\n",
		"HANGUP\n" + env,
		"garbage\n\n",
	} {
		f.Add([]byte(s))
	}
	s, err := New(testDir(), WithLogger(quietLogger()), WithTimeout(20*time.Millisecond))
	if err != nil {
		f.Fatal(err)
	}
	s.agiGrace = time.Millisecond
	f.Fuzz(func(t *testing.T, data []byte) {
		srv, cli := net.Pipe()
		done := make(chan struct{})
		go func() { s.ServeAGIConn(context.Background(), srv); close(done) }()
		var out bytes.Buffer
		read := make(chan struct{})
		go func() { _, _ = io.Copy(&out, cli); close(read) }()
		_ = cli.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = cli.Write(data)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("session did not end")
		}
		cli.Close()
		<-read
		for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if l != "" && !agiOutLine.MatchString(l) {
				t.Fatalf("server wrote %q", l)
			}
		}
	})
}

// discardConn is a net.Conn whose writes vanish.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error) { return len(p), nil }
func (discardConn) RemoteAddr() net.Addr        { return &net.TCPAddr{} }

// FuzzFirstLine: a connection gets a session exactly when what it sent
// starts with a complete line that begins "agi_"; and firstLine consumes
// nothing, so ReadAGIEnv then reads the block as sent.
func FuzzFirstLine(f *testing.F) {
	for _, s := range []string{"agi_network: yes\n\n", "agi_netw", "", "GET / HTTP/1.1\r\n", "\x16\x03\x01", "ag\n", "agi_\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		br := newAGIReader(strings.NewReader(in))
		_, ok, _ := firstLine(br)
		line, _, complete := strings.Cut(in, "\n")
		want := complete && strings.HasPrefix(line, "agi_") && len(line)+1 <= agiMaxLine+16 // the reader's buffer
		if ok != want {
			t.Fatalf("firstLine(%q) = %v, want %v", in, ok, want)
		}
		rest, _ := io.ReadAll(br)
		if string(rest) != in {
			t.Fatalf("firstLine consumed input: %q left of %q", rest, in)
		}
	})
}
