package ari_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// closingServer answers ARI-like requests, but drops the second request
// that arrives on a connection (closes it with no response), the way
// Asterisk closes an idle keep-alive connection just as a request arrives.
// applyDropped says whether the dropped request took effect first.
type closingServer struct {
	applyDropped bool

	mu       sync.Mutex
	channels map[string]bool
	seen     map[string]int // "METHOD path" -> requests received
}

type connKey struct{}

func (s *closingServer) handler(w http.ResponseWriter, r *http.Request) {
	n := r.Context().Value(connKey{}).(*int)
	*n++
	s.mu.Lock()
	s.seen[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	drop := *n == 2
	if drop && !s.applyDropped {
		hijackClose(w)
		return
	}
	status, body := s.apply(r)
	if drop {
		hijackClose(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if body != nil {
		_ = json.NewEncoder(w).Encode(body)
	}
}

func hijackClose(w http.ResponseWriter) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = c.Close()
	}
}

// apply is a tiny Asterisk: channels that can be originated once, read,
// hung up once, continued while they exist.
func (s *closingServer) apply(r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	const pre = "/ari/channels/"
	switch {
	case r.URL.Path == "/ari/asterisk/info":
		return 200, map[string]any{}
	case len(r.URL.Path) > len(pre) && r.URL.Path[:len(pre)] == pre:
		id := r.URL.Path[len(pre):]
		sub := ""
		for i := range len(id) {
			if id[i] == '/' {
				id, sub = id[:i], id[i:]
				break
			}
		}
		ch := map[string]any{"id": id, "name": "Local/1@customers-0001;1", "state": "Down"}
		switch {
		case r.Method == http.MethodPost && sub == "":
			if s.channels[id] {
				return 409, map[string]string{"message": "Channel with given unique ID already exists"}
			}
			s.channels[id] = true
			return 200, ch
		case r.Method == http.MethodGet && sub == "":
			if !s.channels[id] {
				return 404, map[string]string{"message": "Channel not found"}
			}
			return 200, ch
		case r.Method == http.MethodDelete && sub == "":
			if !s.channels[id] {
				return 404, map[string]string{"message": "Channel not found"}
			}
			delete(s.channels, id)
			return 204, nil
		case sub == "/continue":
			if !s.channels[id] {
				return 404, map[string]string{"message": "Channel not found"}
			}
			delete(s.channels, id) // it left the app
			return 204, nil
		case sub == "/dtmf":
			return 204, nil
		}
	}
	return 404, map[string]string{"message": "Resource not found"}
}

func (s *closingServer) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}

func startClosing(t *testing.T, applyDropped bool, preset ...string) (*closingServer, *ari.Conn) {
	t.Helper()
	s := &closingServer{applyDropped: applyDropped, channels: map[string]bool{}, seen: map[string]int{}}
	for _, id := range preset {
		s.channels[id] = true
	}
	hs := &http.Server{Handler: http.HandlerFunc(s.handler),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, new(int))
		}}
	url, stop := serveLoopback(t, hs)
	t.Cleanup(stop)
	c, err := ari.New(url)
	if err != nil {
		t.Fatal(err)
	}
	// The first request opens the connection the second one reuses.
	if _, err := c.Asterisk().Info(context.Background()); err != nil {
		t.Fatalf("first request: %v", err)
	}
	return s, c
}

func TestRetryOnReusedConnectionClosed(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		applied bool     // the dropped request took effect before the close
		preset  []string // channels that exist before the request
		do      func(c *ari.Conn) error
		key     string // the request counted
		sent    int    // how many times it reached the server
		wantErr func(error) bool
	}{
		{name: "originate not applied is sent again", do: func(c *ari.Conn) error {
			ch, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "Local/1@customers", ChannelID: "cust-1", App: "app"})
			if err == nil && ch.ID != "cust-1" {
				return errors.New("wrong channel returned: " + ch.ID)
			}
			return err
		}, key: "POST /ari/channels/cust-1", sent: 2},
		{name: "originate applied: the repeat's 409 reads the channel back", applied: true, do: func(c *ari.Conn) error {
			ch, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: "Local/1@customers", ChannelID: "cust-2", App: "app"})
			if err == nil && ch.ID != "cust-2" {
				return errors.New("wrong channel returned: " + ch.ID)
			}
			return err
		}, key: "POST /ari/channels/cust-2", sent: 2},
		{name: "hangup applied: the repeat's 404 means done", applied: true, preset: []string{"cust-3"}, do: func(c *ari.Conn) error {
			return c.Channels().Hangup(ctx, "cust-3", ari.ReasonNormal)
		}, key: "DELETE /ari/channels/cust-3", sent: 2},
		{name: "continue applied: the repeat's 404 means it left", applied: true, preset: []string{"cust-4"}, do: func(c *ari.Conn) error {
			return c.Channels().Continue(ctx, "cust-4", ari.DialplanTarget{Context: "amd", Extension: "s", Priority: 1})
		}, key: "POST /ari/channels/cust-4/continue", sent: 2},
		{name: "dtmf is not repeated and says it may have been applied", preset: []string{"cust-5"}, do: func(c *ari.Conn) error {
			return c.Channels().SendDTMF(ctx, "cust-5", "1", ari.DTMFOptions{})
		}, key: "POST /ari/channels/cust-5/dtmf", sent: 1, wantErr: ari.IsNoResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := startClosing(t, tt.applied, tt.preset...)
			err := tt.do(c)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("request failed: %v", err)
			case tt.wantErr != nil && (err == nil || !tt.wantErr(err)):
				t.Fatalf("err = %v, want a no-response error", err)
			}
			if got := s.count(tt.key); got != tt.sent {
				t.Errorf("%s reached the server %d times, want %d", tt.key, got, tt.sent)
			}
		})
	}
}

func TestIdleConnectionsClosedBeforeAsteriskDoes(t *testing.T) {
	if ari.DefaultIdleTimeout >= 15*time.Second {
		t.Fatalf("DefaultIdleTimeout %v must stay below Asterisk's session_keep_alive (15 s)", ari.DefaultIdleTimeout)
	}
	closed := make(chan struct{}, 4)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("{}")) }),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed {
				closed <- struct{}{}
			}
		}}
	url, stop := serveLoopback(t, hs)
	t.Cleanup(stop)
	c, err := ari.New(url, ari.WithIdleTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Asterisk().Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed: // the client closed its idle connection; the server (no idle timeout) never would
	case <-time.After(10 * time.Second):
		t.Fatal("the client kept its idle connection open")
	}
}
