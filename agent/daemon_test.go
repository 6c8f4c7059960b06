package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/testlab/agiclient"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

// testDaemon starts a daemon on random loopback ports with a fresh data dir.
// testConfig is the daemon tests' configuration: a fresh data directory,
// loopback ports chosen by the kernel, region BA and a fixed admin token.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := testdaemon.Config(t, "test-admin-token")
	cfg.AGI.Addr = "127.0.0.1:0"
	return cfg
}

func testDaemon(t *testing.T, mut func(*config.Config)) (*Daemon, string) {
	t.Helper()
	cfg := testConfig(t)
	if mut != nil {
		mut(&cfg)
	}
	d := testdaemon.Start(t, New, cfg, nil)
	return d, "http://" + d.HTTPAddr()
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path, ctype string, body []byte) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// registerPhone registers a Yealink phone with mac and returns its token;
// it fails the test unless the daemon answers 201.
func (c client) registerPhone(mac string) string {
	c.t.Helper()
	code, body := c.do("POST", "/api/v1/phones", "application/json", []byte(`{"mac":"`+mac+`","vendor":"yealink"}`))
	if code != 201 {
		c.t.Fatalf("register: %d %s", code, body)
	}
	var ph struct{ Token string }
	if err := json.Unmarshal(body, &ph); err != nil {
		c.t.Fatal(err)
	}
	return ph.Token
}

func TestDaemonContactsAPI(t *testing.T) {
	_, base := testDaemon(t, nil)
	anon := client{t, base, ""}
	adm := client{t, base, "test-admin-token"}
	wrong := client{t, base, "nope"}

	if code, _ := anon.do("GET", "/healthz", "", nil); code != 200 {
		t.Fatalf("healthz = %d", code)
	}
	for _, c := range []client{anon, wrong} {
		code, body := c.do("GET", "/api/v1/contacts", "", nil)
		if code != 401 || !strings.Contains(string(body), `"code":"unauthorized"`) {
			t.Fatalf("unauthenticated: %d %s", code, body)
		}
		if code, _ := c.do("GET", "/metrics", "", nil); code != 401 {
			t.Fatalf("metrics without token: %d", code)
		}
	}
	code, body := adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Jürgen","last_name":"Müller","company":"Ankunding","numbers":[{"type":"mobile","value":"061 111-111"}]}`))
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var created api.ContactView
	_ = json.Unmarshal(body, &created)
	if created.ID == "" || created.Numbers[0].Normalized != "+38761111111" {
		t.Fatalf("created: %s", body)
	}
	code, body = adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"X","numbers":[{"type":"pager","value":"1"}],"bogus":1}`))
	if code != 400 || !strings.Contains(string(body), "bogus") {
		t.Fatalf("unknown field: %d %s", code, body)
	}
	code, body = adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"X","numbers":[{"type":"pager","value":"1"}]}`))
	if code != 400 || !strings.Contains(string(body), "numbers[0].type") {
		t.Fatalf("bad type: %d %s", code, body)
	}
	for _, q := range []string{"muller", "%2B387%2061", "ankund"} {
		code, body = adm.do("GET", "/api/v1/contacts?q="+q, "", nil)
		if code != 200 || !strings.Contains(string(body), `"total":1`) {
			t.Fatalf("search %s: %d %s", q, code, body)
		}
	}
	for _, n := range []string{"%2B38761111111", "0038761111111", "tel:%2B387-61-111-111"} {
		code, body = adm.do("GET", "/api/v1/lookup?number="+n, "", nil)
		if code != 200 || !strings.Contains(string(body), `"name":"Jürgen Müller"`) {
			t.Fatalf("lookup %s: %d %s", n, code, body)
		}
	}
	if code, body = adm.do("GET", "/api/v1/lookup?number=1805", "", nil); code != 404 || !strings.Contains(string(body), `"match":"none"`) {
		t.Fatalf("lookup miss: %d %s", code, body)
	}
	code, body = adm.do("PATCH", "/api/v1/contacts/"+created.ID, "application/merge-patch+json", []byte(`{"job_title":"CTO","last_name":"Schmidt"}`))
	if code != 200 || !strings.Contains(string(body), `"display_name":"Jürgen Schmidt"`) || !strings.Contains(string(body), `"job_title":"CTO"`) {
		t.Fatalf("patch: %d %s", code, body)
	}
	if code, _ = adm.do("DELETE", "/api/v1/contacts/"+created.ID, "", nil); code != 204 {
		t.Fatalf("delete = %d", code)
	}
	if code, body = adm.do("GET", "/api/v1/contacts/"+created.ID, "", nil); code != 404 || !strings.Contains(string(body), `"code":"not_found"`) {
		t.Fatalf("get deleted: %d %s", code, body)
	}
	code, body = adm.do("GET", "/metrics", "", nil)
	if code != 200 || !strings.Contains(string(body), "pbxagent_http_requests_total") || !strings.Contains(string(body), `pbxagent_api_lookups_total{match="none"} 1`) {
		t.Fatalf("metrics: %d", code)
	}
	for _, m := range []string{"pbxagent_caller_index_bytes ", "pbxagent_caller_index_keys "} {
		if !strings.Contains(string(body), m) {
			t.Fatalf("metrics: no %s", m)
		}
	}
}

func TestRequestBodyIsCapped(t *testing.T) {
	_, base := testDaemon(t, func(c *config.Config) { c.HTTP.MaxBodyBytes = 1024 })
	adm := client{t, base, "test-admin-token"}
	big := `{"first_name":"` + strings.Repeat("a", 4096) + `"}`
	if code, body := adm.do("POST", "/api/v1/contacts", "application/json", []byte(big)); code != 413 {
		t.Fatalf("big body: %d %s", code, body)
	}
}

func TestGeneratedAdminToken(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.AGI.Addr = ""
	d, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !d.TokenCreated || d.TokenPath != filepath.Join(cfg.DataDir, AdminTokenFile) {
		t.Fatalf("token %v %q", d.TokenCreated, d.TokenPath)
	}
	st, err := os.Stat(d.TokenPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", err, st.Mode())
	}
	_ = d.store.Close()
	d2, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d2.store.Close()
	if d2.TokenCreated {
		t.Fatal("token generated twice")
	}
}

// ariDaemon starts a test daemon with ARI configured against the Asterisk
// stand-in, so that every conditional route (the dialer's) is registered.
func ariDaemon(t *testing.T) (*Daemon, string) {
	t.Helper()
	_, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	return testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
	})
}

// TestOpenAPICoversEveryRoute keeps /api/openapi.json true, with every
// optional component configured: every registered route — each route a
// mounted admin handler lists, too — is in the document with its method
// and as public (no security) exactly when it is, and every operation of
// the document is a registered route or lies in a public subtree (the
// phone and caller-ID handlers, which route on their own).
func TestOpenAPICoversEveryRoute(t *testing.T) {
	d, base := ariDaemon(t)
	code, body := client{t, base, "test-admin-token"}.do("GET", "/api/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi: %d", code)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Security *[]any `json:"security"` // [] on a public operation
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{} // "GET /api/v1/contacts/{id}" → public
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = op.Security != nil && len(*op.Security) == 0
		}
	}
	registered := map[string]bool{}
	for _, r := range d.Mux().Routes() {
		if r.Method == "" {
			t.Errorf("route %s of %s has no method", r.Path, r.Component)
			continue
		}
		// "/x/{$}" is the trailing-slash alias of "/x", documented once;
		// "{file...}" is documented as "{file}".
		key := r.Method + " " + openAPIPath(r.Path)
		registered[key] = true
		public, ok := documented[key]
		switch {
		case !ok:
			t.Errorf("route %s %s missing from the OpenAPI document", r.Method, r.Path)
		case public != (r.Scope == platform.ScopePublic):
			t.Errorf("route %s %s: scope %s, the OpenAPI document says public %v", r.Method, r.Path, r.Scope, public)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("the OpenAPI document has %s, which is not a registered route", op)
		}
	}
	// The conditional and mounted routes are all there.
	for _, want := range []string{
		"POST /api/v1/campaigns", "POST /api/v1/dnc", "POST /api/v1/agents/{id}/next", "GET /api/v1/dialer/stream",
		"GET /api/v1/phones/{mac}", "POST /api/v1/sources/{id}/sync", "GET /api/openapi.json",
	} {
		if !registered[want] {
			t.Errorf("route %s is not registered", want)
		}
	}
}

// openAPIPath is the OpenAPI form of a ServeMux path.
func openAPIPath(p string) string {
	p = strings.TrimSuffix(p, "/{$}")
	if p == "" {
		p = "/" // the console's "/{$}"
	}
	return strings.ReplaceAll(p, "...}", "}")
}

// TestDaemonUnmatchedRequests: unknown paths and wrong methods, under
// /api/ and in the mounted admin subtrees, get the JSON error shape with
// the right status — 401 first without the admin token — and are counted
// under the route label "unmatched"; the OpenAPI document needs the token;
// the public phone and caller-ID routes are as they were.
func TestDaemonUnmatchedRequests(t *testing.T) {
	_, base := ariDaemon(t)
	const tok = "test-admin-token"
	cases := []struct {
		name, method, path, token string
		status                    int
		code, allow               string // error code ("" for a route's own answer); Allow header
		unmatched                 bool   // counted under route="unmatched"
	}{
		{"openapi", "GET", "/api/openapi.json", tok, 200, "", "", false},
		{"openapi without token", "GET", "/api/openapi.json", "", 401, "unauthorized", "", false},
		{"unknown api path", "GET", "/api/v1/nope", tok, 404, "not_found", "", true},
		{"unknown api path without token", "GET", "/api/v1/nope", "", 401, "unauthorized", "", true},
		{"unknown path", "GET", "/nope", tok, 404, "not_found", "", true},
		{"wrong method", "DELETE", "/api/v1/contacts", tok, 405, "method_not_allowed", "GET, HEAD, POST", true},
		{"wrong method without token", "DELETE", "/api/v1/contacts", "", 401, "unauthorized", "", true},
		{"unknown path in the phones subtree", "GET", "/api/v1/phones/0015654aa937/x", tok, 404, "not_found", "", true},
		{"wrong method in the phones subtree", "PUT", "/api/v1/phones/0015654aa937", tok, 405, "method_not_allowed", "DELETE, GET, HEAD, PATCH", true},
		{"wrong method in the sources subtree", "PUT", "/api/v1/sources/abc", tok, 405, "method_not_allowed", "DELETE, GET, HEAD, PATCH", true},
		{"unknown path in the campaigns subtree", "GET", "/api/v1/campaigns/c1/bogus", tok, 404, "not_found", "", true},
		{"wrong method on dnc", "PUT", "/api/v1/dnc", tok, 405, "method_not_allowed", "GET, HEAD, POST", true},
		{"wrong method on healthz", "POST", "/healthz", "", 405, "method_not_allowed", "GET, HEAD", true},
		{"caller-ID stays public", "GET", "/cid?number=061111111", "", 200, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.code != "" {
				var e platform.ErrorBody
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != tc.code || e.Error.Message == "" {
					t.Errorf("body %s (%v), want the error shape with code %s", body, err, tc.code)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
			}
		})
	}
	// Every unmatched request above was counted, under one label.
	want := map[int]int{}
	for _, tc := range cases {
		if tc.unmatched {
			want[tc.status]++
		}
	}
	_, metrics := client{t, base, tok}.do("GET", "/metrics", "", nil)
	for status, n := range want {
		line := `pbxagent_http_requests_total{code="` + strconv.Itoa(status) + `",route="unmatched"} ` + strconv.Itoa(n)
		if !strings.Contains(string(metrics), line) {
			t.Errorf("metrics: no %q", line)
		}
	}
}

// TestDaemonCallerIDOverARI runs the whole daemon against the Asterisk
// stand-in: a contact created through the API names an inbound call.
func TestDaemonCallerIDOverARI(t *testing.T) {
	fake, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	_, base := testDaemon(t, func(c *config.Config) {
		c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret"
	})
	adm := client{t, base, "test-admin-token"}
	if code, body := adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Ana","last_name":"Đurić","numbers":[{"type":"mobile","value":"061 111-111"}]}`)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	// With ARI configured the dialer's API is mounted behind the admin token.
	if code, _ := (client{t, base, ""}).do("GET", "/api/v1/campaigns", "", nil); code != 401 {
		t.Fatalf("campaigns without token: %d", code)
	}
	if code, body := adm.do("GET", "/api/v1/campaigns", "", nil); code != 200 {
		t.Fatalf("campaigns: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fake.AwaitApp(ctx, "pbxagent-cid"); err != nil {
		t.Fatalf("the daemon never registered its Stasis app: %v", err)
	}
	id, err := fake.PlaceInbound(fakeari.InboundCall{App: "pbxagent-cid", Caller: "0038761111111"})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := fake.AwaitChannel(ctx, id, func(c fakeari.ChannelSnapshot) bool { return !c.InStasis })
	if err != nil {
		t.Fatalf("the channel was never continued: %v", err)
	}
	if snap.Variables["CALLERID(name)"] != "Ana Đurić" {
		t.Fatalf("channel after the app: %+v", snap)
	}
}

// TestDaemonSyncSourceEndToEnd: a custom-contacts source created through the
// admin API syncs into the directory, and a local edit survives the next run.
func TestDaemonSyncSourceEndToEnd(t *testing.T) {
	svc := contactsvc.New(contactsvc.Options{ClientID: "pbx", ClientSecret: "s3cret"})
	svc.Put(contactsvc.Contact{ID: "42", FirstName: "Mirza", LastName: "Hodžić", Type: "customer", Phones: []contactsvc.Phone{{Label: "mobile", Number: "+38762123456"}}})
	srv := httptest.NewServer(svc)
	defer srv.Close()
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	code, body := adm.do("POST", "/api/v1/sources", "application/json", []byte(`{"type":"custom","name":"crm","enabled":true,"settings":{"url":"`+srv.URL+`","client_id":"pbx","client_secret":"s3cret"}}`))
	if code != 201 {
		t.Fatalf("create source: %d %s", code, body)
	}
	if strings.Contains(string(body), "s3cret") {
		t.Fatal("the source's secret came back from the API")
	}
	var src struct{ ID string }
	_ = json.Unmarshal(body, &src)
	// Enabling a source runs a full sync at once; wait for its status.
	waitSynced := func(runs int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body := adm.do("GET", "/api/v1/sources/"+src.ID, "", nil)
			var v struct {
				Status struct {
					Running bool
					Runs    []struct{ Result string }
				}
			}
			_ = json.Unmarshal(body, &v)
			if !v.Status.Running && len(v.Status.Runs) >= runs {
				if v.Status.Runs[0].Result != "ok" {
					t.Fatalf("sync run: %s", body)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no finished sync run: %s", body)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitSynced(1)
	code, body = adm.do("GET", "/api/v1/lookup?number=%2B38762123456", "", nil)
	if code != 200 || !strings.Contains(string(body), "Mirza Hodžić") || !strings.Contains(string(body), `"source":"crm"`) {
		t.Fatalf("lookup after sync: %d %s", code, body)
	}
	var hit struct {
		ContactID string `json:"contact_id"`
	}
	_ = json.Unmarshal(body, &hit)
	if code, body = adm.do("PATCH", "/api/v1/contacts/"+hit.ContactID, "application/json", []byte(`{"job_title":"Dispatcher"}`)); code != 200 {
		t.Fatalf("local edit: %d %s", code, body)
	}
	if code, body = adm.do("POST", "/api/v1/sources/"+src.ID+"/sync?wait=1", "", nil); code >= 300 {
		t.Fatalf("second sync: %d %s", code, body)
	}
	waitSynced(2)
	code, body = adm.do("GET", "/api/v1/contacts/"+hit.ContactID, "", nil)
	if code != 200 || !strings.Contains(string(body), `"job_title":"Dispatcher"`) || !strings.Contains(string(body), `"local_fields":["job_title"]`) {
		t.Fatalf("after the second sync: %d %s", code, body)
	}
}

// TestDaemonAllFrontEnds starts the daemon with the SIP redirect and
// FastAGI listeners on random ports and checks that each answers.
func TestDaemonAllFrontEnds(t *testing.T) {
	d, base := testDaemon(t, func(c *config.Config) { c.SIP.Addr = "127.0.0.1:0"; c.CallerID.Deadline = time.Second })
	if d.AGIAddr() == "" || d.SIPAddr() == "" {
		t.Fatalf("listeners: agi %q sip %q", d.AGIAddr(), d.SIPAddr())
	}
	adm := client{t, base, "test-admin-token"}
	if code, body := adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Đurić","last_name":"Šećo","numbers":[{"type":"work","value":"033 222 444"}]}`)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	code, body := client{t, base, ""}.do("GET", "/cid?number=%2B38733222444", "", nil)
	if code != 200 || string(body) != "Đurić Šećo" {
		t.Fatalf("/cid: %d %q", code, body)
	}
	res := agiclient.Run(context.Background(), agiclient.Config{Addr: d.AGIAddr(), CallerID: "033222444"})
	if res.Status != agiclient.StatusSuccess || res.Set["CALLERID(name)"] != "Đurić Šećo" {
		t.Fatalf("agi: %+v", res)
	}
	conn, err := net.Dial("udp", d.SIPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	invite := "INVITE sip:100@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + conn.LocalAddr().String() + ";branch=z9hG4bK-daemon-1\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:033222444@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\n" +
		"Call-ID: daemon-test-1\r\nCSeq: 1 INVITE\r\nContact: <sip:033222444@" + conn.LocalAddr().String() + ">\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(invite)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no 302: %v", err)
		}
		msg := string(buf[:n])
		if strings.HasPrefix(msg, "SIP/2.0 1") {
			continue
		}
		if !strings.HasPrefix(msg, "SIP/2.0 302") || !strings.Contains(msg, `"Đurić Šećo"`) {
			t.Fatalf("answer: %s", msg)
		}
		return
	}
}

// TestDaemonPhoneFastLane: a phone's repeated revalidations over one
// keep-alive connection are answered in the fast lane (the lane's counter
// moves) and counted in the route's metrics like any other request.
func TestDaemonPhoneFastLane(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	token := adm.registerPhone("0015654aa937")
	// The first fetch goes to net/http (which keeps its connection); the
	// revalidations come later on a connection of their own, as a phone's
	// do, kept alive between them.
	url := base + "/phonebook/yealink.xml?token=" + token
	first := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := first.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" {
		t.Fatalf("first fetch: %d %q", resp.StatusCode, etag)
	}
	phone := &http.Client{Transport: &http.Transport{}}
	defer phone.CloseIdleConnections()
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("If-None-Match", etag)
		resp, err := phone.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 304 || resp.Header.Get("ETag") != etag {
			t.Fatalf("revalidation %d: %d %q", i, resp.StatusCode, resp.Header.Get("ETag"))
		}
	}
	code, body := adm.do("GET", "/metrics", "", nil)
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		"pbxagent_http_fast_lane_requests_total 3",
		`pbxagent_http_requests_total{code="304",route="GET /phonebook/{file...}"} 3`,
		`pbxagent_http_requests_total{code="200",route="GET /phonebook/{file...}"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics: no %q", want)
		}
	}
}

// TestMetricsDocumented: every pbxagent_ metric the daemon exports is in
// docs/api.md's table.
func TestMetricsDocumented(t *testing.T) {
	d, base := testDaemon(t, nil)
	// Touch the labelled families so they are exported.
	client{t, base, "test-admin-token"}.do("GET", "/api/v1/lookup?number=061111111", "", nil)
	client{t, base, ""}.do("GET", "/cid?number=061111111", "", nil)
	doc, err := os.ReadFile(filepath.Join("..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	fams, err := d.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fams {
		if name := f.GetName(); strings.HasPrefix(name, "pbxagent_") {
			n++
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("metric %s is not in docs/api.md", name)
			}
		}
	}
	if n < 8 {
		t.Errorf("only %d pbxagent_ metric families exported", n)
	}
}
