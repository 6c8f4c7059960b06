package agent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestEventsSocketInDaemon: GET /api/v1/events in the daemon: the admin
// token subscribes to the dialer topic and gets the dialer's snapshot when
// a campaign is created; a person signed in with the session cookie may
// open it from the console's own origin, not from another site, and may
// not subscribe to the dialer; the daemon's stop closes the socket with
// 1001.
func TestEventsSocketInDaemon(t *testing.T) {
	_, ariURL := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	cfg := testConfig(t)
	cfg.ARI.URL, cfg.ARI.User, cfg.ARI.Pass = ariURL, "asterisk", "secret"
	d, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = d.Stop(context.Background())
		}
	})
	base := "http://" + d.HTTPAddr()
	ws := "ws://" + d.HTTPAddr() + "/api/v1/events"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	read := func(c *websocket.Conn) map[string]any {
		t.Helper()
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	adm, _, err := websocket.Dial(ctx, ws+"?topics=dialer", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + cfg.AdminToken}}})
	if err != nil {
		t.Fatal(err)
	}
	adm.SetReadLimit(1 << 22)
	if m := read(adm); m["op"] != "welcome" {
		t.Fatalf("got %v", m)
	}
	if code, b := (client{t, base, cfg.AdminToken}).do("POST", "/api/v1/campaigns", "application/json",
		[]byte(`{"id":"c1","name":"Spring","mode":"progressive","max_channels":2,"caller_id":"+38733123456","dial_string":"PJSIP/{number}@trunk","default_region":"BA","info_message":"sound:custom/info"}`)); code != 201 {
		t.Fatalf("create campaign: %d %s", code, b)
	}
	for {
		m := read(adm)
		if m["op"] == "event" && m["topic"] == "dialer" && m["type"] == "snapshot" && strings.Contains(jsonText(m["data"]), `"c1"`) {
			break
		}
	}

	if code, body := (client{t, base, cfg.AdminToken}).do("GET", "/metrics", "", nil); code != 200 ||
		!strings.Contains(string(body), "pbxagent_events_connections 1\n") || !strings.Contains(string(body), `pbxagent_events_dropped_total{reason="slow_consumer"} 0`) {
		t.Errorf("metrics: %d, no events socket figures", code)
	}

	// A bearer token as a subprotocol (browsers' WebSocket cannot send
	// Authorization); a wrong one is 401.
	proto := func(tok string) []string {
		return []string{"pbxagent.events", "pbxagent.bearer." + base64.RawURLEncoding.EncodeToString([]byte(tok))}
	}
	viaProto, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: proto(cfg.AdminToken)})
	if err != nil {
		t.Fatalf("token as a subprotocol: %v", err)
	}
	if m := read(viaProto); m["op"] != "welcome" || viaProto.Subprotocol() != "pbxagent.events" {
		t.Errorf("token as a subprotocol: %v, subprotocol %q", m, viaProto.Subprotocol())
	}
	_ = viaProto.CloseNow()
	if _, resp, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: proto("not-the-token")}); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("a wrong token as a subprotocol: %v %v", err, resp)
	}

	// A person with the session cookie.
	admc := client{t, base, cfg.AdminToken}
	if code, b := admc.do("POST", "/api/v1/users", "application/json", []byte(`{"username":"ann","role":"user","password":"correct horse battery"}`)); code != 201 {
		t.Fatalf("create user: %d %s", code, b)
	}
	resp, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"ann","password":"correct horse battery"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", err, resp)
	}
	resp.Body.Close()
	cookie := resp.Cookies()[0]
	dialCookie := func(origin string) (*websocket.Conn, *http.Response, error) {
		h := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}, "Origin": {origin}}
		return websocket.Dial(ctx, ws, &websocket.DialOptions{HTTPHeader: h})
	}
	if _, resp, err := dialCookie("https://evil.example.net"); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("cookie from another site: %v %v", err, resp)
	}
	ann, _, err := dialCookie(base)
	if err != nil {
		t.Fatalf("cookie from the console's origin: %v", err)
	}
	if m := read(ann); m["op"] != "welcome" {
		t.Fatalf("got %v", m)
	}
	if err := ann.Write(ctx, websocket.MessageText, []byte(`{"op":"subscribe","topics":["calls","dialer"],"id":"1"}`)); err != nil {
		t.Fatal(err)
	}
	if m := read(ann); m["op"] != "error" || !strings.Contains(jsonText(m["error"]), `"field":"topics[1]"`) {
		t.Errorf("a user subscribing to dialer: %v", m)
	}

	// The stop closes both sockets with 1001.
	codes := make(chan websocket.StatusCode, 2)
	for _, c := range []*websocket.Conn{adm, ann} {
		go func() {
			for {
				if _, _, err := c.Read(ctx); err != nil {
					codes <- websocket.CloseStatus(err)
					return
				}
			}
		}()
	}
	start := time.Now()
	stopped = true
	if err := d.Stop(context.Background()); err != nil {
		t.Errorf("stop: %v", err)
	}
	for range 2 {
		if code := <-codes; code != websocket.StatusGoingAway {
			t.Errorf("socket closed with %d, want 1001", code)
		}
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("stop took %s with sockets open", el)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
