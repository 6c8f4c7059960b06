// Package radicale starts a throwaway Radicale CardDAV server (Debian
// package radicale) for tests: its own configuration file, storage in a
// temporary directory, htpasswd (plain) authentication with test users and
// a loopback port. It creates address books (MKCOL with the CardDAV
// resourcetype), PUTs and DELETEs vCards over HTTP, and can seed a large
// book by writing the .vcf files straight into the storage folder.
//
// Radicale's configuration: https://radicale.org/v3.html#configuration.
package radicale

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running Radicale.
type Server struct {
	// URL is the server root, http://127.0.0.1:port.
	URL string
	// Dir is the storage folder (filesystem_folder).
	Dir   string
	users map[string]string
	cmd   *exec.Cmd
	done  chan struct{}
	log   *lockedBuffer
}

// lockedBuffer is Radicale's output, written by exec's copying goroutine
// and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Options configure a server.
type Options struct {
	// Users maps user names to passwords (htpasswd, plain). Empty: one user
	// "alice" with the password "secret".
	Users map[string]string
	// LogRequests sets Radicale's log level to info, which logs each
	// request with the time Radicale took to answer it (see Requests).
	LogRequests bool
}

// Binary returns the radicale command, or an error saying it is missing.
func Binary() (string, error) {
	p, err := exec.LookPath("radicale")
	if err != nil {
		return "", fmt.Errorf("radicale is not installed (Debian package radicale): %w", err)
	}
	return p, nil
}

// Require skips t when radicale is missing, but fails it when CI=true
// (.ci/run installs it).
func Require(t testing.TB) string {
	t.Helper()
	p, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return p
}

// Start runs a Radicale for t and stops it (and removes its storage) on
// t.Cleanup. It skips without radicale unless CI=true.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin := Require(t)
	if len(o.Users) == 0 {
		o.Users = map[string]string{"alice": "secret"}
	}
	dir := t.TempDir()
	var pw strings.Builder
	for u, p := range o.Users {
		fmt.Fprintf(&pw, "%s:%s\n", u, p)
	}
	must(t, os.WriteFile(filepath.Join(dir, "users"), []byte(pw.String()), 0o600))
	addr := freePort(t)
	level := "warning"
	if o.LogRequests {
		level = "info"
	}
	conf := fmt.Sprintf(`[server]
hosts = %s
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0
[storage]
filesystem_folder = %s
[rights]
type = owner_only
[web]
type = none
[logging]
level = %s
`, addr, filepath.Join(dir, "users"), filepath.Join(dir, "col"), level)
	must(t, os.WriteFile(filepath.Join(dir, "config"), []byte(conf), 0o600))
	s := &Server{URL: "http://" + addr, Dir: filepath.Join(dir, "col"), users: o.Users, done: make(chan struct{}), log: &lockedBuffer{}}
	s.cmd = exec.Command(bin, "--config", filepath.Join(dir, "config"))
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	must(t, s.cmd.Start())
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.done:
			t.Fatalf("radicale exited at start: %s", s.log.String())
		default:
		}
		resp, err := http.Get(s.URL + "/.well-known/carddav")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("radicale did not answer on %s within 20s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback address with a port that was free.
func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	a := l.Addr().String()
	l.Close()
	return a
}

// Do sends a request as user (its configured password) and returns the
// status and body.
func (s *Server) Do(ctx context.Context, user, method, path, ctype string, body []byte) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.SetBasicAuth(user, s.users[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

func (s *Server) expect(t testing.TB, user, method, path, ctype string, body []byte, want ...int) http.Header {
	t.Helper()
	code, b, h, err := s.Do(context.Background(), user, method, path, ctype, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	for _, w := range want {
		if code == w {
			return h
		}
	}
	t.Fatalf("%s %s: HTTP %d, want %v: %s", method, path, code, want, b)
	return nil
}

// MakeAddressBook creates the address book at path (e.g. "/alice/book/")
// with MKCOL and the CardDAV resourcetype (RFC 5689 extended MKCOL).
func (s *Server) MakeAddressBook(t testing.TB, user, path, displayName string) {
	t.Helper()
	body := `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>
<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>
<D:displayname>` + xmlEscape(displayName) + `</D:displayname>
</D:prop></D:set></D:mkcol>`
	s.expect(t, user, "MKCOL", path, "application/xml; charset=utf-8", []byte(body), http.StatusCreated)
}

// Put stores a vCard at path and returns its ETag.
func (s *Server) Put(t testing.TB, user, path, card string) string {
	t.Helper()
	h := s.expect(t, user, http.MethodPut, path, "text/vcard; charset=utf-8", []byte(card), http.StatusCreated, http.StatusNoContent, http.StatusOK)
	return h.Get("ETag")
}

// Delete removes the resource at path.
func (s *Server) Delete(t testing.TB, user, path string) {
	t.Helper()
	s.expect(t, user, http.MethodDelete, path, "", nil, http.StatusOK, http.StatusNoContent)
}

// Seed writes an address book straight into the storage folder:
// collection-root/<user>/<book>/ with its .Radicale.props and one
// <name>.vcf per card (fast for thousands of cards; Radicale reads the
// folder at each request).
func (s *Server) Seed(t testing.TB, user, book, displayName string, cards func(yield func(name, card string) bool)) {
	t.Helper()
	dir := filepath.Join(s.Dir, "collection-root", user, book)
	must(t, os.MkdirAll(dir, 0o755))
	props := fmt.Sprintf(`{"tag": "VADDRESSBOOK", "D:displayname": %q}`, displayName)
	must(t, os.WriteFile(filepath.Join(dir, ".Radicale.props"), []byte(props), 0o644))
	var err error
	cards(func(name, card string) bool {
		err = os.WriteFile(filepath.Join(dir, name), []byte(card), 0o644)
		return err == nil
	})
	must(t, err)
}

// Log returns what Radicale printed.
func (s *Server) Log() string { return s.log.String() }

func xmlEscape(v string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(v)
}

// Request is one answered request as Radicale logged it (Options.LogRequests).
type Request struct {
	Method, Path, Depth string
	// Seconds is the time Radicale took from the request to its answer.
	Seconds float64
	// Status is the answer's status line ("207 Multi-Status").
	Status string
}

// requestRE matches Radicale 3's line "<METHOD> response status for
// '<path>' [with depth '<d>'] in <s> seconds: <status>"
// (radicale/app/__init__.py).
var requestRE = regexp.MustCompile(`(\w+) response status for '([^']*)'(?: with depth '([^']*)')? in ([0-9.]+) seconds: (.+)`)

// ParseRequests returns the answered requests found in Radicale's log.
func ParseRequests(log string) []Request {
	var out []Request
	for _, line := range strings.Split(log, "\n") {
		m := requestRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		sec, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			continue
		}
		out = append(out, Request{Method: m[1], Path: m[2], Depth: m[3], Seconds: sec, Status: strings.TrimSpace(m[5])})
	}
	return out
}

// Requests returns the requests Radicale answered so far, in order (empty
// unless Options.LogRequests).
func (s *Server) Requests() []Request { return ParseRequests(s.log.String()) }
