// Package xandikos starts a throwaway Xandikos CardDAV/CalDAV server
// (Debian package xandikos) for benchmarks: its store in a temporary
// directory, created with --defaults (the principal /user/ with the
// address book /user/contacts/addressbook/), on a loopback port.
// Xandikos keeps each collection in a git repository and answers
// sync-collection (RFC 6578) with a diff of two git trees; it has no
// authentication of its own (it is meant to run behind a proxy that does
// it), so the credentials a client sends are ignored.
//
// Xandikos: https://www.xandikos.org/ and
// https://github.com/jelmer/xandikos (README: storage in git, RFC 6578).
package xandikos

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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Book is the address book --defaults creates.
const Book = "/user/contacts/addressbook/"

// Server is a running Xandikos.
type Server struct {
	// URL is the server root, http://127.0.0.1:port.
	URL string
	// Dir is the store's root directory.
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *lockedBuffer
}

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

// Require returns the xandikos and git commands, or skips tb saying what
// is missing; it fails tb instead when CI=true.
func Require(tb testing.TB) (string, string) {
	tb.Helper()
	var paths []string
	for _, name := range []string{"xandikos", "git"} {
		p, err := exec.LookPath(name)
		if err != nil {
			msg := fmt.Sprintf("%s is not installed (Debian package %s): %v", name, name, err)
			if os.Getenv("CI") == "true" {
				tb.Fatalf("CI=true: %s", msg)
			}
			tb.Skipf("skipping: %s", msg)
		}
		paths = append(paths, p)
	}
	return paths[0], paths[1]
}

// Start runs a Xandikos for tb, stopped on tb.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, _ := Require(tb)
	dir := tb.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), Dir: dir, done: make(chan struct{}), log: &lockedBuffer{}}
	s.cmd = exec.Command(bin, "-d", dir, "--defaults", "-l", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	tb.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.done:
			tb.Fatalf("xandikos exited at start: %s", s.log.String())
		default:
		}
		code, err := s.Do(context.Background(), "PROPFIND", Book, "", nil)
		if err == nil && code == http.StatusMultiStatus {
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatalf("xandikos did not serve %s within 20s: %v (HTTP %d): %s", Book, err, code, s.log.String())
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
}

// Do sends a request (Depth 0 for PROPFIND) and returns the status.
func (s *Server) Do(ctx context.Context, method, path, ctype string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if method == "PROPFIND" {
		req.Header.Set("Depth", "0")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Put stores a vCard at path over HTTP (one git commit in Xandikos).
func (s *Server) Put(tb testing.TB, path, card string) {
	tb.Helper()
	code, err := s.Do(context.Background(), http.MethodPut, path, "text/vcard; charset=utf-8", []byte(card))
	if err != nil || (code != http.StatusCreated && code != http.StatusNoContent && code != http.StatusOK) {
		tb.Fatalf("PUT %s: HTTP %d, %v", path, code, err)
	}
}

// Seed writes cards into the address book's git work tree and commits
// them with git (one commit; fast for thousands of cards). Xandikos
// serves the new commit from the next request on.
func (s *Server) Seed(tb testing.TB, cards func(yield func(name, card string) bool)) {
	tb.Helper()
	_, git := Require(tb)
	repo := filepath.Join(s.Dir, filepath.FromSlash(strings.Trim(Book, "/")))
	var err error
	cards(func(name, card string) bool {
		err = os.WriteFile(filepath.Join(repo, name), []byte(card), 0o644)
		return err == nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, args := range [][]string{{"add", "-A"}, {"-c", "user.name=seed", "-c", "user.email=seed@example.invalid", "commit", "-q", "-m", "seed"}} {
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

// Log returns what Xandikos printed.
func (s *Server) Log() string { return s.log.String() }

// Delete removes the resource at path over HTTP.
func (s *Server) Delete(tb testing.TB, path string) {
	tb.Helper()
	code, err := s.Do(context.Background(), http.MethodDelete, path, "", nil)
	if err != nil || (code != http.StatusNoContent && code != http.StatusOK) {
		tb.Fatalf("DELETE %s: HTTP %d, %v", path, code, err)
	}
}
