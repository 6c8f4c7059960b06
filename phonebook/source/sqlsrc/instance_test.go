package sqlsrc_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/sqlsrc"
	"github.com/pbxagent/pbxagent/testlab/sqlbrowser"
)

// browser starts a fake SQL Server Browser on 127.0.0.1:1434, the port
// go-mssqldb always asks; it skips when the port cannot be bound (not root,
// or taken), failing instead under CI=true.
func browser(t *testing.T, instances ...sqlbrowser.Instance) *sqlbrowser.Responder {
	t.Helper()
	r, err := sqlbrowser.Listen("127.0.0.1:1434", instances...)
	if err != nil {
		msg := "cannot bind the SQL Server Browser port 127.0.0.1:1434/udp (go-mssqldb has it fixed): " + err.Error()
		if errors.Is(err, syscall.EACCES) {
			msg += " (run as root)"
		}
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// tdsListener accepts one TCP connection and reports the type of the first
// TDS packet it reads (0x12: PRELOGIN, [MS-TDS] 2.2.3.1.1), then hangs up.
func tdsListener(t *testing.T) (port int, first <-chan byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan byte, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		hdr := make([]byte, 8) // type, status, length, SPID, packet id, window
		if _, err := io.ReadFull(c, hdr); err == nil && int(binary.BigEndian.Uint16(hdr[2:4])) >= 8 {
			ch <- hdr[0]
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).Port, ch
}

func mssqlSource(t *testing.T, extra map[string]any) dirsync.Source {
	t.Helper()
	s := map[string]any{"driver": "sqlserver", "user": "ro", "password": "pw", "database": "crm",
		"query": "SELECT ${MAP} FROM people", "map": map[string]any{"id": "id", "display_name": "name"}, "timeout_seconds": 5}
	for k, v := range extra {
		s[k] = v
	}
	raw, _ := json.Marshal(s)
	src, err := sqlsrc.New(raw, dirsync.Env{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.(dirsync.Closer).Close() })
	return src
}

// A named instance with no port: go-mssqldb asks the SQL Server Browser on
// UDP 1434 (CLNT_UCAST_EX) and connects to the TCP port the answer names.
func TestNamedInstanceThroughBrowser(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra map[string]any
	}{
		{name: `host\instance`, extra: map[string]any{"host": `127.0.0.1\SQLEXPRESS`}},
		{name: "instance setting", extra: map[string]any{"host": "127.0.0.1", "instance": "SQLEXPRESS"}},
		{name: "instance case", extra: map[string]any{"host": `127.0.0.1\sqlexpress`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port, first := tdsListener(t)
			b := browser(t, sqlbrowser.Instance{Server: "DB1", Name: "OTHER", Version: "16.0.1000.6", TCPPort: 1},
				sqlbrowser.Instance{Server: "DB1", Name: "SQLEXPRESS", Version: "16.0.1000.6", TCPPort: port})
			src := mssqlSource(t, tc.extra)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := src.(dirsync.Tester).Test(ctx, 1)
			if err == nil {
				t.Fatal("the fake server hung up; the test cannot succeed")
			}
			select {
			case typ := <-first:
				if typ != 0x12 {
					t.Fatalf("first TDS packet type 0x%02x, want PRELOGIN 0x12", typ)
				}
			default:
				t.Fatalf("no TDS connection reached the port the browser named: %v", err)
			}
			reqs := b.Requests()
			if len(reqs) == 0 || reqs[0].Type != sqlbrowser.ClntUcastEx {
				t.Fatalf("browser requests %+v, want CLNT_UCAST_EX", reqs)
			}
		})
	}
}

// An instance the browser does not know fails with an error naming the
// instance, the host and the SQL Server Browser.
func TestNamedInstanceUnknown(t *testing.T) {
	browser(t, sqlbrowser.Instance{Server: "DB1", Name: "OTHER", Version: "16.0.1000.6", TCPPort: 1})
	src := mssqlSource(t, map[string]any{"host": `127.0.0.1\PBX`})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := src.(dirsync.Tester).Test(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "PBX") || !strings.Contains(err.Error(), "127.0.0.1") ||
		!strings.Contains(err.Error(), "SQL Server Browser") {
		t.Fatalf("want an error naming the instance, the host and the browser, got %v", err)
	}
}

func TestInstanceSettings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   map[string]any
		field string
	}{
		{name: "ok host", set: map[string]any{"driver": "sqlserver", "host": `10.0.0.5\SQLEXPRESS`}},
		{name: "ok field", set: map[string]any{"driver": "sqlserver", "host": "10.0.0.5", "instance": "PBX_2"}},
		{name: "ok with port", set: map[string]any{"driver": "sqlserver", "host": `10.0.0.5\PBX`, "port": 50123}},
		{name: "twice", set: map[string]any{"driver": "sqlserver", "host": `10.0.0.5\A`, "instance": "A"}, field: "settings.instance"},
		{name: "empty instance", set: map[string]any{"driver": "sqlserver", "host": `10.0.0.5\`}, field: "settings.host"},
		{name: "empty host", set: map[string]any{"driver": "sqlserver", "host": `\PBX`}, field: "settings.host"},
		{name: "two slashes", set: map[string]any{"driver": "sqlserver", "host": `h\a\b`}, field: "settings.host"},
		{name: "semicolon", set: map[string]any{"driver": "sqlserver", "host": "h", "instance": "a;b"}, field: "settings.instance"},
		{name: "too long", set: map[string]any{"driver": "sqlserver", "host": "h", "instance": strings.Repeat("A", 33)}, field: "settings.instance"},
		{name: "mysql instance", set: map[string]any{"driver": "mysql", "host": `h\PBX`}, field: "settings.host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set["query"], tc.set["map"] = "SELECT ${MAP} FROM t", map[string]any{"id": "id", "display_name": "n"}
			raw, _ := json.Marshal(tc.set)
			_, err := sqlsrc.New(raw, dirsync.Env{})
			var fe *dirsync.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatal(err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Fatalf("want a field error on %s, got %v", tc.field, err)
			}
		})
	}
}
