package agent

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// TestDaemonBareLFRequest: a request whose lines end in a bare LF is
// answered (by net/http, to which the fast lane hands it) at once, not
// held until the read-header timeout (10 s) and closed unanswered.
func TestDaemonBareLFRequest(t *testing.T) {
	d, _ := testDaemon(t, nil)
	c, br := rawConn(t, d.HTTPAddr())
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /healthz HTTP/1.1\nHost: x\n\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
}
