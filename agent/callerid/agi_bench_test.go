package callerid

import (
	"bufio"
	"context"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/agiclient"
)

// BenchmarkReadAGIEnv is the cost of reading one Asterisk agi_* block.
func BenchmarkReadAGIEnv(b *testing.B) {
	env := string(agiclient.Env(agiclient.Config{Addr: "127.0.0.1:4573", CallerID: "061111111"}))
	r := strings.NewReader(env)
	br := bufio.NewReaderSize(r, agiMaxLine+16)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Reset(env)
		br.Reset(r)
		if _, err := ReadAGIEnv(br); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAGISessionInMemory is the server's whole session logic over an in-memory directory,
// without sockets (replies pre-loaded).
func BenchmarkAGISessionInMemory(b *testing.B) {
	s := newTestService(b, testDir())
	in := string(agiclient.Env(agiclient.Config{Addr: "127.0.0.1:4573", CallerID: "061111111"})) + "200 result=1\n200 result=1\n"
	r := strings.NewReader(in)
	br := bufio.NewReaderSize(r, agiMaxLine+16)
	c := &discardConn{}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Reset(in)
		br.Reset(r)
		if out := s.agiSession(ctx, c, br); out != "ok" {
			b.Fatal(out)
		}
	}
}
