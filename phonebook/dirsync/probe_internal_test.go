package dirsync

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// deadlineSource records its test's deadline and whether it was built for
// a dry run.
type deadlineSource struct {
	left   *time.Duration
	dryRun *bool
	err    error
}

func (deadlineSource) Sync(context.Context, Request, Sink) (Result, error) { return Result{}, nil }

func (s deadlineSource) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	if d, ok := ctx.Deadline(); ok {
		*s.left = time.Until(d)
	}
	return nil, s.err
}

func (deadlineSource) Target() (string, string) { return "url", "files.example.com:443" }

// emptyStore is a Store holding nothing (a test builds no run).
type emptyStore struct{}

func (emptyStore) Bulk(context.Context, func(Batch) error) error    { return nil }
func (emptyStore) Meta(string) KV                                   { return emptyKV{} }
func (emptyStore) EraseSource(context.Context, string) (int, error) { return 0, nil }
func (emptyStore) CountSource(context.Context, string) (int, error) { return 0, nil }

type emptyKV struct{}

func (emptyKV) Get(context.Context, string) ([]byte, error)            { return nil, nil }
func (emptyKV) Put(context.Context, string, []byte) error              { return nil }
func (emptyKV) Delete(context.Context, string) error                   { return nil }
func (emptyKV) List(context.Context, func(string, []byte) error) error { return nil }

// TestSourceTestBoundedByDefault: without WithTestTimeout a test has at
// most DefaultTestTimeout (5 s), and its source is built for a dry run
// (one try a request).
func TestSourceTestBoundedByDefault(t *testing.T) {
	var left time.Duration
	var dry bool
	typ := Type{Name: "probe", New: func(_ json.RawMessage, env Env) (Source, error) {
		dry = env.DryRun
		return deadlineSource{left: &left, dryRun: &dry}, nil
	}}
	e, err := NewEngine(emptyStore{}, WithDataDir(t.TempDir()), WithTypes(typ))
	if err != nil {
		t.Fatal(err)
	}
	name := "probe"
	if _, err := e.TestInput(context.Background(), Input{Type: &name}, 10); err != nil {
		t.Fatal(err)
	}
	if left <= 0 || left > DefaultTestTimeout || DefaultTestTimeout != 5*time.Second {
		t.Errorf("a test had %s left, want at most 5 s", left)
	}
	if !dry || (Env{DryRun: true}).Attempts() != 1 || (Env{}).Attempts() != 0 {
		t.Errorf("the source was not built for a dry run of one try")
	}
}

func TestClassify(t *testing.T) {
	opErr := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://files.example.com/book.csv?token=x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
	}
	tests := []struct {
		name     string
		err      error
		timedOut bool
		cause    string // "" means returned as it is
		host     string
	}{
		{name: "refused", err: opErr(os.NewSyscallError("connect", syscall.ECONNREFUSED)), cause: CauseRefused, host: "files.example.com"},
		{name: "dns", err: opErr(&net.DNSError{Err: "no such host", Name: "files.example.com", IsNotFound: true}), cause: CauseDNS, host: "files.example.com"},
		{name: "deadline", err: opErr(context.DeadlineExceeded), timedOut: true, cause: CauseTimeout, host: "files.example.com"},
		{name: "reset", err: opErr(syscall.ECONNRESET), cause: CauseNetwork, host: "files.example.com"},
		{name: "no url in the error: the source's target", err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, cause: CauseNetwork, host: "files.example.com:443"},
		{name: "credentials pass through", err: Refused("password", "no")},
		{name: "another host: no field", err: &url.Error{Op: "Get", URL: "https://graph.example.com/v1.0/users", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
			cause: CauseRefused, host: "graph.example.com"},
		{name: "an answer passes through", err: errors.New("HTTP 500")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err, tc.timedOut, deadlineSource{}, time.Second)
			var ue *UnreachableError
			if !errors.As(got, &ue) {
				if tc.cause != "" {
					t.Fatalf("%v not classified, want %s", got, tc.cause)
				}
				if got != tc.err {
					t.Fatalf("%v changed to %v", tc.err, got)
				}
				return
			}
			wantField := "settings.url"
			if tc.host == "graph.example.com" {
				wantField = ""
			}
			if ue.Cause != tc.cause || ue.Host != tc.host || ue.Field != wantField {
				t.Errorf("%+v, want cause %s host %s", ue, tc.cause, tc.host)
			}
		})
	}
}
