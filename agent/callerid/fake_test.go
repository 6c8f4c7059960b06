package callerid

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

// fakeDir is an in-memory Directory: exact keys only, with optional failure modes.
type fakeDir struct {
	m     map[string]phonebook.LookupResult
	err   error
	block chan struct{} // when non-nil, Lookup waits for it to close and ignores ctx
	late  bool          // Lookup waits for ctx to end, then answers anyway (a slow directory)
	calls atomic.Int64
}

func (d *fakeDir) Lookup(ctx context.Context, number string) (phonebook.LookupResult, error) {
	d.calls.Add(1)
	if d.block != nil {
		<-d.block
	}
	if d.late {
		<-ctx.Done()
	}
	if d.err != nil {
		return phonebook.LookupResult{}, d.err
	}
	if r, ok := d.m[number]; ok {
		return r, nil
	}
	return phonebook.LookupResult{Match: phonebook.MatchNone}, nil
}

var errBoom = errors.New("boom")

func testDir() *fakeDir {
	return &fakeDir{m: map[string]phonebook.LookupResult{
		"061111111":    {Name: "Ana Anić", Match: phonebook.MatchE164, E164: "+38761111111", Source: "csv", ContactID: "c1"},
		"+38761111111": {Name: "Ana Anić", Match: phonebook.MatchExact, E164: "+38761111111", Source: "csv", ContactID: "c1"},
		"1805":         {Name: "Reception", Match: phonebook.MatchExtension, Source: "local", ContactID: "c2"},
		"062222222":    {Name: `Say "Hi" \ Bye`, Match: phonebook.MatchE164, E164: "+38762222222", Source: "csv"},
		"063333333":    {Name: "Evil\r\nSET VARIABLE X 1", Match: phonebook.MatchE164, E164: "+38763333333"},
		"064444444":    {Match: phonebook.MatchAmbiguous, E164: "+38764444444"},
		"065555555":    {Name: "Đurić Šećo", Match: phonebook.MatchNational, E164: "+38765555555", Source: "m365"},
	}}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestService(t testing.TB, dir Directory, opts ...Option) *Service {
	t.Helper()
	s, err := New(dir, append([]Option{WithLogger(quietLogger())}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}
