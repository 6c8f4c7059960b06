package agent

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// callsDaemon starts the ARI stand-in with peers (and the credentials the
// daemon uses) and a daemon connected to it; mut changes the daemon's
// configuration further (nil: none). It answers the stand-in and the
// daemon's base URL.
func callsDaemon(t *testing.T, mut func(*config.Config), peers ...fakeari.Option) (*fakeari.Server, string) {
	t.Helper()
	srv, url := fakeari.StartTest(t, append([]fakeari.Option{fakeari.WithAuth("asterisk", "secret")}, peers...)...)
	_, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
		if mut != nil {
			mut(c)
		}
	})
	return srv, base
}

// person is a user signed in to the daemon with the session cookie.
type person struct {
	t       *testing.T
	base    string
	cookies []*http.Cookie
	csrf    string
}

// signIn creates a user (role user, abilities, endpoints) with the admin
// token and signs them in.
func signIn(t *testing.T, base, name string, abilities, endpoints []string) person {
	t.Helper()
	adm := client{t, base, "test-admin-token"}
	ab, _ := json.Marshal(abilities)
	eps, _ := json.Marshal(endpoints)
	if abilities == nil {
		ab = []byte("[]")
	}
	if endpoints == nil {
		eps = []byte("[]")
	}
	body := `{"username":"` + name + `","role":"user","password":"correct horse battery","abilities":` + string(ab) + `,"devices":{"endpoints":` + string(eps) + `}}`
	if code, b := adm.do("POST", "/api/v1/users", "application/json", []byte(body)); code != 201 {
		t.Fatalf("create user %s: %d %s", name, code, b)
	}
	resp := post(t, base+"/api/v1/login", "application/json", `{"username":"`+name+`","password":"correct horse battery"}`, nil)
	defer resp.Body.Close()
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
		t.Fatalf("login %s: %d", name, resp.StatusCode)
	}
	return person{t: t, base: base, cookies: resp.Cookies(), csrf: login.CSRF}
}

// send sends a request as the person (session cookie and CSRF token; a
// JSON body when body is not empty) and answers the response with its
// body read.
func (p person) send(method, path, body string) (*http.Response, []byte) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.base+path, strings.NewReader(body))
	for _, c := range p.cookies {
		req.AddCookie(c)
	}
	req.Header.Set("X-CSRF-Token", p.csrf)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r, b
}

// do sends a request as the person; it answers the status and the JSON
// body decoded.
func (p person) do(method, path, body string) (int, map[string]any) {
	p.t.Helper()
	r, b := p.send(method, path, body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return r.StatusCode, out
}

// raw sends a body-less request as the person and answers the status and
// the body as it came (CSV, or JSON to decode into a type).
func (p person) raw(method, path string) (int, []byte) {
	p.t.Helper()
	r, b := p.send(method, path, "")
	return r.StatusCode, b
}

// events opens the person's events socket on topics and reads its
// welcome.
func (p person) events(ctx context.Context, topics string) *websocket.Conn {
	p.t.Helper()
	h := http.Header{"Origin": {p.base}}
	for _, c := range p.cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	ws := "ws" + strings.TrimPrefix(p.base, "http") + "/api/v1/events?topics=" + topics
	c, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		p.t.Fatalf("events socket: %v", err)
	}
	p.t.Cleanup(func() { _ = c.CloseNow() })
	if m := readFrame(ctx, p.t, c); m["op"] != "welcome" {
		p.t.Fatalf("events socket: got %v, want the welcome", m)
	}
	return c
}

// readFrame reads one JSON frame of an events socket.
func readFrame(ctx context.Context, t *testing.T, c *websocket.Conn) map[string]any {
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

// yealinkCTI starts a Yealink desk phone's remote control (the CTI fake)
// on loopback and answers it with the configuration that points the
// daemon's phones.cti settings at it.
func yealinkCTI(t *testing.T) (*lab.CTIFake, func(*config.Config)) {
	t.Helper()
	fake := lab.NewCTIFake("yealink", "admin", "phone-secret")
	phone := httptest.NewServer(fake)
	t.Cleanup(phone.Close)
	pu, _ := url.Parse(phone.URL)
	port, _ := strconv.Atoi(pu.Port())
	return fake, func(c *config.Config) {
		c.Phones.CTI.Port, c.Phones.CTI.Username, c.Phones.CTI.Password = port, "admin", "phone-secret"
	}
}
