package phones_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

func contact(id, name string, nums ...string) *phonebook.Contact {
	c := &phonebook.Contact{ID: id, Scope: phonebook.ScopeGlobal, DisplayName: name, Source: "local"}
	for _, n := range nums {
		c.Numbers = append(c.Numbers, phonebook.Number{Type: phonebook.NumberWork, Value: n})
	}
	return c
}

func personal(id, name, owner string, nums ...string) *phonebook.Contact {
	c := contact(id, name, nums...)
	c.Scope, c.Owner = phonebook.ScopePersonal, owner
	return c
}

// env is a service over a small directory with two registered phones:
// alice's Yealink (credentials) and bob's Cisco (token only).
type env struct {
	t       testing.TB
	dir     *lab.MemDirectory
	kv      *lab.MemKV
	svc     *phones.Service
	h       http.Handler
	admin   http.Handler
	logs    *bytes.Buffer
	clk     *clock.Virtual
	aliceTk string
	bobTk   string
}

const (
	aliceMAC  = "0015654aa937"
	bobMAC    = "0002fdff2103"
	alicePass = "alice-s3cret&<pw>"
)

func newEnv(t *testing.T, opts ...phones.Option) *env { return newEnvTB(t, opts...) }

func newEnvTB(t testing.TB, opts ...phones.Option) *env {
	t.Helper()
	e := &env{t: t, kv: lab.NewMemKV(), logs: &bytes.Buffer{}, clk: clock.NewVirtual(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))}
	e.dir = lab.NewMemDirectory(
		contact("1", "Alice Martin", "1001", "+33 6 12 34 56 78"),
		contact("2", "Bob & Co <Sales>", "1002"),
		contact("3", "Zoë Müller", "1003"),
		personal("4", "Alice's Mum", "alice", "0612345600"),
		personal("5", "Bob's Secret", "bob", "0699999999"),
	)
	base := []phones.Option{
		phones.WithBaseURL("https://pbx.example.com"),
		phones.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		phones.WithClock(e.clk),
	}
	svc, err := phones.New(context.Background(), e.dir, e.kv, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.svc, e.h, e.admin = svc, svc.PhoneHandler(), svc.AdminHandler()
	e.aliceTk = e.register(`{"mac":"00:15:65:4A:A9:37","vendor":"yealink","model":"T46U","owner":"alice","username":"alice-phone","password":"` + jsonEsc(alicePass) + `"}`).Token
	e.bobTk = e.register(`{"mac":"0002FDFF2103","vendor":"cisco","model":"CP-8841","owner":"bob"}`).Token
	return e
}

func jsonEsc(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }

func (e *env) register(body string) phones.Phone {
	e.t.Helper()
	rec := e.adminDo("POST", "/api/v1/phones", body)
	if rec.Code != http.StatusCreated {
		e.t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	var p phones.Phone
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		e.t.Fatal(err)
	}
	if p.Token == "" || len(p.Token) > 32 {
		e.t.Fatalf("token %q", p.Token)
	}
	return p
}

func (e *env) adminDo(method, path, body string) *httptest.ResponseRecorder {
	req := jsonRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	e.admin.ServeHTTP(rec, req)
	return rec
}

// jsonRequest is an admin API request with a JSON body.
func jsonRequest(method, path string, body io.Reader) *http.Request {
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// get fetches target with optional request tweaks.
func (e *env) get(target string, tweak ...func(*http.Request)) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", target, nil)
	for _, f := range tweak {
		f(req)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func header(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }

func from(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr } }

func md5h(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// digest answers the challenge of a 401 for target, as a phone would.
func (e *env) digest(target, user, pass string, tweak ...func(*http.Request)) *httptest.ResponseRecorder {
	e.t.Helper()
	first := e.get(target, tweak...)
	if first.Code != 401 {
		e.t.Fatalf("no challenge: %d", first.Code)
	}
	var ch string
	for _, v := range first.Header().Values("WWW-Authenticate") {
		if strings.HasPrefix(v, "Digest ") {
			ch = v
		}
	}
	if ch == "" {
		e.t.Fatalf("no Digest challenge in %v", first.Header().Values("WWW-Authenticate"))
	}
	nonce := between(ch, `nonce="`, `"`)
	realm := between(ch, `realm="`, `"`)
	uri := target
	ha1 := md5h(user + ":" + realm + ":" + pass)
	ha2 := md5h("GET:" + uri)
	resp := md5h(ha1 + ":" + nonce + ":00000001:abcdef:auth:" + ha2)
	auth := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=00000001, cnonce="abcdef", response="%s", algorithm=MD5`, user, realm, nonce, uri, resp)
	return e.get(target, append(tweak, header("Authorization", auth))...)
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, b)
	return v
}

func parseXML(t *testing.T, body []byte) *etree.Document {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		t.Fatalf("not XML: %v\n%s", err, body)
	}
	return doc
}

func names(doc *etree.Document, path string) string {
	var out []string
	for _, e := range doc.FindElements(path) {
		out = append(out, e.Text())
	}
	return strings.Join(out, "|")
}

func TestAdminAPI(t *testing.T) {
	e := newEnv(t)
	// No secret in the stored records.
	if dump := e.kv.Dump(); strings.Contains(dump, alicePass) || strings.Contains(dump, e.aliceTk) || strings.Contains(dump, e.bobTk) {
		t.Fatal("a secret is stored in clear")
	}
	rec := e.adminDo("GET", "/api/v1/phones/00-15-65-4a-a9-37", "")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "token\"") || strings.Contains(rec.Body.String(), "s3cret") {
		t.Fatalf("get: %d %s", rec.Code, rec.Body)
	}
	var p phones.Phone
	json.Unmarshal(rec.Body.Bytes(), &p)
	if p.MAC != aliceMAC || !p.HasPassword || p.Owner != "alice" || p.Files[0] != aliceMAC+".cfg" {
		t.Fatalf("phone %+v", p)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"duplicate mac", "POST", "/api/v1/phones", `{"mac":"0015654aa937","vendor":"yealink"}`, 409, "mac"},
		{"duplicate user", "POST", "/api/v1/phones", `{"mac":"0015654aa938","vendor":"yealink","username":"alice-phone","password":"x"}`, 409, "username"},
		{"bad mac", "POST", "/api/v1/phones", `{"mac":"00:15:65","vendor":"yealink"}`, 400, "mac"},
		{"bad vendor", "POST", "/api/v1/phones", `{"mac":"0015654aa938","vendor":"nokia"}`, 400, "vendor"},
		{"user without pass", "POST", "/api/v1/phones", `{"mac":"0015654aa938","vendor":"snom","username":"u"}`, 400, "password"},
		{"unknown field", "POST", "/api/v1/phones", `{"mac":"0015654aa938","vendor":"snom","colour":"red"}`, 400, "colour"},
		{"colon in user", "POST", "/api/v1/phones", `{"mac":"0015654aa938","vendor":"snom","username":"a:b","password":"p"}`, 400, "username"},
		{"missing", "GET", "/api/v1/phones/001122334455", "", 404, ""},
		{"patch missing", "PATCH", "/api/v1/phones/001122334455", `{"model":"x"}`, 404, ""},
		{"patch bad vendor", "PATCH", "/api/v1/phones/" + aliceMAC, `{"vendor":"x"}`, 400, "vendor"},
	}
	for _, tt := range tests {
		rec := e.adminDo(tt.method, tt.path, tt.body)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.name, rec.Code, tt.status, rec.Body)
			continue
		}
		var er struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Details []struct {
					Field string `json:"field"`
				} `json:"details"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &er); err != nil || er.Error.Code == "" || (tt.field == "") != (len(er.Error.Details) == 0) || (tt.field != "" && er.Error.Details[0].Field != tt.field) {
			t.Errorf("%s: error body %s", tt.name, rec.Body)
		}
	}
	// Rotate the token: the old one stops working, the new one works.
	rec = e.adminDo("PATCH", "/api/v1/phones/"+bobMAC, `{"rotate_token":true,"owner":"bob2"}`)
	json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != 200 || p.Token == "" || p.Token == e.bobTk || p.Owner != "bob2" {
		t.Fatalf("rotate: %d %s", rec.Code, rec.Body)
	}
	if r := e.get("/phonebook/cisco.xml?token=" + e.bobTk); r.Code != 401 {
		t.Errorf("old token: %d", r.Code)
	}
	if r := e.get("/phonebook/cisco.xml?token=" + p.Token); r.Code != 200 {
		t.Errorf("new token: %d", r.Code)
	}
	// Change alice's username: the password still works under the new name.
	if rec := e.adminDo("PATCH", "/api/v1/phones/"+aliceMAC, `{"username":"alice2"}`); rec.Code != 200 {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	if r := e.get("/phonebook/yealink.xml", basic("alice2", alicePass)); r.Code != 200 {
		t.Errorf("renamed basic: %d", r.Code)
	}
	if r := e.digest("/phonebook/yealink.xml", "alice2", alicePass); r.Code != 200 {
		t.Errorf("renamed digest: %d", r.Code)
	}
	if r := e.get("/phonebook/yealink.xml", basic("alice-phone", alicePass)); r.Code != 401 {
		t.Errorf("old username: %d", r.Code)
	}
	// Registry survives a restart from the same KV.
	svc2, err := phones.New(context.Background(), e.dir, e.kv, phones.WithBaseURL("https://x"))
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/phonebook/yealink.xml", nil)
	req.SetBasicAuth("alice2", alicePass)
	svc2.PhoneHandler().ServeHTTP(rr, req)
	if rr.Code != 200 {
		t.Errorf("after restart: %d", rr.Code)
	}
	if rec := e.adminDo("DELETE", "/api/v1/phones/"+aliceMAC, ""); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
	if r := e.get("/phonebook/yealink.xml", basic("alice2", alicePass)); r.Code != 401 {
		t.Errorf("deleted phone: %d", r.Code)
	}
	for _, path := range []string{"/api/v1/phones", "/api/v1/phones/"} {
		if rec := e.adminDo("GET", path, ""); !strings.Contains(rec.Body.String(), bobMAC) || strings.Contains(rec.Body.String(), aliceMAC) {
			t.Errorf("list %s: %s", path, rec.Body)
		}
	}
	if rec := e.adminDo("POST", "/api/v1/phones/", `{"mac":"0015654aa999","vendor":"fanvil"}`); rec.Code != 201 {
		t.Errorf("create with slash: %d", rec.Code)
	}
}

func TestAuthMatrix(t *testing.T) {
	allow := phones.WithAllowList(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"))
	tests := []struct {
		name   string
		opts   []phones.Option
		target func(e *env) string
		tweak  []func(*http.Request)
		status int
		see    string // names that must be present ("" for refusals)
		hide   string
	}{
		{"basic ok", nil, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){basic("alice-phone", alicePass)}, 200, "Mum", "Secret"},
		{"basic wrong password", nil, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){basic("alice-phone", "nope")}, 401, "", ""},
		{"basic unknown user", nil, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){basic("mallory", alicePass)}, 401, "", ""},
		{"no credentials", nil, func(*env) string { return "/phonebook/yealink.xml" }, nil, 401, "", ""},
		{"token ok", nil, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.bobTk }, nil, 200, "Secret", "Mum"},
		{"token wrong", nil, func(e *env) string { return "/phonebook/yealink.xml?token=x" + e.bobTk }, nil, 401, "", ""},
		{"token empty", nil, func(e *env) string { return "/phonebook/yealink.xml?token=" }, nil, 401, "", ""},
		{"token disabled", []phones.Option{phones.WithAuth(phones.AuthBasic)}, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.bobTk }, nil, 401, "", ""},
		{"basic disabled", []phones.Option{phones.WithAuth(phones.AuthToken)}, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){basic("alice-phone", alicePass)}, 401, "", ""},
		{"token and basic disagree", nil, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.bobTk }, []func(*http.Request){basic("alice-phone", alicePass)}, 401, "", ""},
		{"token and basic agree", nil, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.aliceTk }, []func(*http.Request){basic("alice-phone", alicePass)}, 200, "Mum", "Secret"},
		{"wrong ip", []phones.Option{allow}, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.bobTk }, []func(*http.Request){from("192.0.2.7:5060")}, 403, "", ""},
		{"right ip and token", []phones.Option{allow}, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.bobTk }, []func(*http.Request){from("10.1.2.3:5060")}, 200, "Secret", "Mum"},
		{"ipv6 allowed", []phones.Option{allow}, func(e *env) string { return "/phonebook/yealink.xml?token=" + e.bobTk }, []func(*http.Request){from("[::1]:5060")}, 200, "Alice Martin", "Mum"},
		{"ip only needs AuthIP", []phones.Option{allow}, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){from("10.1.2.3:5060")}, 401, "", ""},
		{"ip mode anonymous global only", []phones.Option{allow, phones.WithAuth(phones.AuthIP | phones.AuthToken)}, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){from("10.1.2.3:5060")}, 200, "Alice Martin", "Mum"},
		{"ip mode wrong ip", []phones.Option{allow, phones.WithAuth(phones.AuthIP)}, func(*env) string { return "/phonebook/yealink.xml" }, []func(*http.Request){from("192.0.2.1:5060")}, 403, "", ""},
		{"ip mode wrong token still refused", []phones.Option{allow, phones.WithAuth(phones.AuthIP | phones.AuthToken)}, func(*env) string { return "/phonebook/yealink.xml?token=bad" }, []func(*http.Request){from("10.1.2.3:5060")}, 401, "", ""},
		{"other owner's number lookup", nil, func(e *env) string { return "/phonebook/yealink.xml?number=0699999999&token=" + e.aliceTk }, nil, 200, "", "Secret"},
		{"other owner's search", nil, func(e *env) string { return "/phonebook/yealink.xml?q=bob&token=" + e.aliceTk }, nil, 200, "Bob &amp; Co", "Secret"},
		{"other owner's number search", nil, func(e *env) string { return "/phonebook/cisco.xml?q=0699&token=" + e.aliceTk }, nil, 200, "No entries", "Secret"},
		{"own number lookup", nil, func(e *env) string { return "/phonebook/yealink.xml?number=06%2012%2034%2056%2000&token=" + e.aliceTk }, nil, 200, "Mum", ""},
		{"other phone's provisioning file", nil, func(e *env) string { return "/provisioning/" + bobMAC + ".xml?token=" + e.aliceTk }, nil, 403, "", ""},
		{"polycom seed global only", nil, func(e *env) string { return "/provisioning/000000000000-directory.xml?token=" + e.aliceTk }, nil, 200, "Alice Martin", "Mum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts...)
			for _, vendor := range []string{"", "grandstream.xml", "snom.xml", "fanvil.xml", "yealink-groups.xml", "cisco.xml?page=1&x=1"} {
				target := tt.target(e)
				if vendor != "" {
					if !strings.HasPrefix(target, "/phonebook/yealink.xml") || strings.Contains(target, "q=") || strings.Contains(target, "number=") {
						continue
					}
					target = strings.Replace(target, "yealink.xml", vendor, 1)
					if strings.Contains(vendor, "?") {
						target = strings.Replace(target, "?token", "&token", 1)
					}
				}
				rec := e.get(target, tt.tweak...)
				body := rec.Body.String()
				if rec.Code != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", target, rec.Code, tt.status, body)
				}
				if rec.Code >= 400 {
					if strings.Contains(body, "Alice") || strings.Contains(body, "Bob") || strings.Contains(body, "<") {
						t.Fatalf("refusal carries data: %q", body)
					}
					if rec.Code == 401 && tt.opts == nil && len(rec.Header().Values("WWW-Authenticate")) == 0 {
						t.Error("401 without a challenge")
					}
					continue
				}
				if tt.see != "" && !strings.Contains(body, tt.see) {
					t.Errorf("%s: %q missing:\n%s", target, tt.see, body)
				}
				if tt.hide != "" && strings.Contains(body, tt.hide) {
					t.Errorf("%s: %q visible:\n%s", target, tt.hide, body)
				}
			}
			if strings.Contains(e.logs.String(), alicePass) || strings.Contains(e.logs.String(), e.bobTk) || strings.Contains(e.logs.String(), e.aliceTk) {
				t.Errorf("secret in logs:\n%s", e.logs)
			}
		})
	}
}

func TestDigest(t *testing.T) {
	e := newEnv(t)
	if r := e.digest("/phonebook/yealink.xml?q=alice", "alice-phone", alicePass); r.Code != 200 || !strings.Contains(r.Body.String(), "Alice Martin") {
		t.Fatalf("digest: %d %s", r.Code, r.Body)
	}
	if r := e.digest("/phonebook/yealink.xml", "alice-phone", "wrong"); r.Code != 401 {
		t.Fatalf("digest wrong password: %d", r.Code)
	}
	if r := e.digest("/phonebook/yealink.xml", "bob", ""); r.Code != 401 {
		t.Fatalf("digest token-only phone: %d", r.Code)
	}
	// A response for another URI is refused.
	first := e.get("/phonebook/yealink.xml")
	nonce := between(first.Header().Get("WWW-Authenticate"), `nonce="`, `"`)
	ha1 := md5h("alice-phone:pbxagent:" + alicePass)
	resp := md5h(ha1 + ":" + nonce + ":00000001:c:auth:" + md5h("GET:/phonebook/other.xml"))
	auth := fmt.Sprintf(`Digest username="alice-phone", realm="pbxagent", nonce="%s", uri="/phonebook/other.xml", qop=auth, nc=00000001, cnonce="c", response="%s"`, nonce, resp)
	if r := e.get("/phonebook/yealink.xml", header("Authorization", auth)); r.Code != 401 {
		t.Fatalf("uri mismatch: %d", r.Code)
	}
	// An expired nonce gets stale=true; a forged nonce is refused.
	resp = md5h(ha1 + ":" + nonce + ":00000001:c:auth:" + md5h("GET:/phonebook/yealink.xml"))
	auth = fmt.Sprintf(`Digest username="alice-phone", realm="pbxagent", nonce="%s", uri="/phonebook/yealink.xml", qop=auth, nc=00000001, cnonce="c", response="%s"`, nonce, resp)
	if r := e.get("/phonebook/yealink.xml", header("Authorization", auth)); r.Code != 200 {
		t.Fatalf("fresh nonce: %d", r.Code)
	}
	e.clk.Advance(11 * time.Minute)
	r := e.get("/phonebook/yealink.xml", header("Authorization", auth))
	if r.Code != 401 || !strings.Contains(r.Header().Get("WWW-Authenticate"), "stale=true") {
		t.Fatalf("stale nonce: %d %v", r.Code, r.Header())
	}
	forged := strings.Replace(auth, nonce, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1)
	if r := e.get("/phonebook/yealink.xml", header("Authorization", forged)); r.Code != 401 || strings.Contains(r.Header().Get("WWW-Authenticate"), "stale") {
		t.Fatalf("forged nonce: %d", r.Code)
	}
}

func TestRevalidationGzipHead(t *testing.T) {
	e := newEnv(t)
	auth := basic("alice-phone", alicePass)
	first := e.get("/phonebook/yealink.xml", auth)
	etag, lm := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	if first.Code != 200 || etag == "" || lm == "" {
		t.Fatalf("first: %d %v", first.Code, first.Header())
	}
	searches := e.dir.Searches.Load()
	again := e.get("/phonebook/yealink.xml", auth)
	if again.Body.String() != first.Body.String() || e.dir.Searches.Load() != searches {
		t.Error("second request not served from the cache")
	}
	if r := e.get("/phonebook/yealink.xml", auth, header("If-None-Match", etag)); r.Code != 304 || r.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", r.Code)
	}
	if r := e.get("/phonebook/yealink.xml", auth, header("If-Modified-Since", lm)); r.Code != 304 {
		t.Errorf("If-Modified-Since: %d", r.Code)
	}
	// 304 never goes to unauthenticated requests.
	if r := e.get("/phonebook/yealink.xml", header("If-None-Match", etag)); r.Code != 401 {
		t.Errorf("unauthenticated revalidation: %d", r.Code)
	}
	// Other owners and other formats have other validators.
	if r := e.get("/phonebook/yealink.xml?token="+e.bobTk, header("If-None-Match", etag)); r.Code != 200 {
		t.Errorf("bob revalidated with alice's ETag: %d", r.Code)
	}
	e.clk.Advance(time.Minute)
	e.dir.Put(contact("9", "New Person", "1009"))
	r := e.get("/phonebook/yealink.xml", auth, header("If-None-Match", etag))
	if r.Code != 200 || r.Header().Get("ETag") == etag || !strings.Contains(r.Body.String(), "New Person") {
		t.Fatalf("after change: %d %s", r.Code, r.Header().Get("ETag"))
	}
	if r.Header().Get("Last-Modified") == lm {
		t.Error("Last-Modified did not move")
	}
	gz := e.get("/phonebook/yealink.xml", auth, header("Accept-Encoding", "gzip, deflate"))
	if gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != r.Body.String() {
		t.Error("gzip body differs")
	}
	if r := e.get("/phonebook/yealink.xml", auth, header("Accept-Encoding", "gzip;q=0")); r.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	req := httptest.NewRequest("HEAD", "/phonebook/yealink.xml", nil)
	req.SetBasicAuth("alice-phone", alicePass)
	head := httptest.NewRecorder()
	e.h.ServeHTTP(head, req)
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != fmt.Sprint(r.Body.Len()) {
		t.Errorf("HEAD: %d len=%d cl=%s", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}
	if r := e.get("/phonebook/yealink.xml", auth, func(r *http.Request) { r.Method = "POST" }); r.Code != 405 {
		t.Errorf("POST: %d", r.Code)
	}
}

func TestCacheBounded(t *testing.T) {
	e := newEnv(t, phones.WithCache(3, 1<<20))
	for i := 0; i < 10; i++ {
		e.get(fmt.Sprintf("/phonebook/yealink.xml?q=a%d&token=%s", i, e.aliceTk))
	}
	before := e.dir.Searches.Load()
	e.get("/phonebook/yealink.xml?q=a0&token=" + e.aliceTk) // evicted long ago
	if e.dir.Searches.Load() == before {
		t.Error("entry 0 still cached in a 3-entry cache")
	}
	before = e.dir.Searches.Load()
	e.get("/phonebook/yealink.xml?q=a9&token=" + e.aliceTk) // recent
	if e.dir.Searches.Load() != before {
		t.Error("recent entry evicted")
	}
}

func TestYealinkSearchForms(t *testing.T) {
	e := newEnv(t)
	q := "&token=" + e.aliceTk
	tests := []struct {
		target, want string
	}{
		{"/phonebook/yealink.xml?q=%23SEARCH" + q, "Alice Martin|Alice's Mum|Bob & Co <Sales>|Zoë Müller"},
		{"/phonebook/yealink.xml?term=" + q, "Alice Martin|Alice's Mum|Bob & Co <Sales>|Zoë Müller"},
		{"/phonebook/yealink.xml?q=zo" + q, "Zoë Müller"},
		{"/phonebook/yealink.xml?q=1002" + q, "Bob & Co <Sales>"},
		{"/phonebook/yealink.xml?q=100" + q, "Alice Martin|Bob & Co <Sales>|Zoë Müller"},
		{"/phonebook/yealink.xml?number=1003" + q, "Zoë Müller"},
		{"/phonebook/yealink.xml?number=555" + q, ""},
		{"/phonebook/yealink.xml?q=nobody" + q, ""},
		// A number-like term puts the exact match first.
		{"/phonebook/yealink.xml?q=%2B33612345678" + q, "Alice Martin"},
	}
	for _, tt := range tests {
		r := e.get(tt.target)
		if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/xml; charset=utf-8") {
			t.Fatalf("%s: %d %s", tt.target, r.Code, r.Header().Get("Content-Type"))
		}
		doc := parseXML(t, r.Body.Bytes())
		if doc.Root().Tag != "YealinkIPPhoneDirectory" {
			t.Fatalf("root %s", doc.Root().Tag)
		}
		if got := names(doc, "//DirectoryEntry/Name"); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.target, got, tt.want)
		}
	}
	r := e.get("/phonebook/yealink-groups.xml?token=" + e.aliceTk)
	doc := parseXML(t, r.Body.Bytes())
	if doc.Root().Tag != "YealinkIPPhoneBook" || len(doc.FindElements("//Menu")) != 1 || doc.FindElement("//Menu").SelectAttrValue("Name", "") != "Other" {
		t.Errorf("groups:\n%s", r.Body)
	}
	if r := e.get("/phonebook/yealink.xml?page=0" + q); r.Code != 400 || !strings.Contains(r.Body.String(), "page") {
		t.Errorf("page=0: %d %s", r.Code, r.Body)
	}
	if r := e.get("/phonebook/nokia.xml?token=" + e.aliceTk); r.Code != 404 {
		t.Errorf("unknown vendor: %d", r.Code)
	}
}

func TestDirectoryFailure(t *testing.T) {
	e := newEnv(t)
	boom := errors.New("badger: disk on fire")
	e.dir.Fail.Store(&boom)
	tk := "token=" + e.aliceTk
	tests := []struct {
		target string
		status int
		root   string
	}{
		{"/phonebook/yealink.xml?" + tk, 503, "YealinkIPPhoneDirectory"},
		{"/phonebook/yealink.xml?q=al&" + tk, 200, "YealinkIPPhoneDirectory"},
		{"/phonebook/cisco.xml?" + tk, 200, "CiscoIPPhoneText"},
		{"/phonebook/snom.xml?q=x&" + tk, 200, "SnomIPPhoneMenu"},
		{"/phonebook/grandstream.xml?" + tk, 503, "AddressBook"},
		{"/provisioning/000000000000-directory.xml?" + tk, 503, "directory"},
	}
	for _, tt := range tests {
		r := e.get(tt.target)
		if r.Code != tt.status {
			t.Errorf("%s: %d, want %d", tt.target, r.Code, tt.status)
			continue
		}
		if doc := parseXML(t, r.Body.Bytes()); doc.Root().Tag != tt.root {
			t.Errorf("%s: root %s", tt.target, doc.Root().Tag)
		}
		if strings.Contains(r.Body.String(), "disk on fire") {
			t.Errorf("%s: internal error leaked", tt.target)
		}
	}
	e.dir.Fail.Store(nil)
	if r := e.get("/phonebook/yealink.xml?" + tk); r.Code != 200 || !strings.Contains(r.Body.String(), "Alice") {
		t.Errorf("failure was cached: %d", r.Code)
	}
}

func TestCiscoCharset(t *testing.T) {
	e := newEnv(t)
	r := e.get("/phonebook/cisco.xml?token="+e.bobTk, header("Accept-Charset", "iso-8859-1, utf-8;q=0.8"))
	if ct := r.Header().Get("Content-Type"); ct != "text/xml; charset=iso-8859-1" {
		t.Fatalf("content type %q", ct)
	}
	if !bytes.HasPrefix(r.Body.Bytes(), []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`)) || !bytes.Contains(r.Body.Bytes(), []byte("Zo\xeb M\xfcller")) {
		t.Fatalf("body %q", r.Body)
	}
	r = e.get("/phonebook/cisco.xml?token="+e.bobTk, header("Accept-Charset", "utf-8"))
	if ct := r.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" || !strings.Contains(r.Body.String(), "Zoë Müller") {
		t.Fatalf("utf-8: %q", ct)
	}
}

func TestProvisioningFiles(t *testing.T) {
	e := newEnv(t)
	e.register(`{"mac":"c074ad2bd859","vendor":"grandstream","owner":"alice","username":"gs","password":"gs-pass"}`)
	gsTok := e.register(`{"mac":"c074ad2bd85a","vendor":"grandstream"}`).Token
	snTok := e.register(`{"mac":"000413741767","vendor":"snom","username":"sn","password":"sn-pass"}`).Token
	fvTok := e.register(`{"mac":"0c383e07e16c","vendor":"fanvil"}`).Token
	plTok := e.register(`{"mac":"0004f2aabbcc","vendor":"polycom","owner":"alice"}`).Token

	r := e.get("/provisioning/"+aliceMAC+".cfg", basic("alice-phone", alicePass))
	body := r.Body.String()
	for _, want := range []string{
		"remote_phonebook.data.1.url = https://pbx.example.com/phonebook/yealink.xml?token=" + url.QueryEscape(e.aliceTk) + "&q=#SEARCH\n",
		"remote_phonebook.data.1.username = alice-phone\n",
		"remote_phonebook.data.1.password = " + alicePass + "\n",
		"features.remote_phonebook.enable = 1\n",
		"features.remote_phonebook.flash_time = 3",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("yealink cfg lacks %q:\n%s", want, body)
		}
	}
	if r.Header().Get("ETag") == "" {
		t.Error("no ETag on provisioning file")
	}
	// The phone follows its configuration: the URL with the typed text for
	// #SEARCH, with the configured credentials (V84+) or without (older).
	cfgURL := between(body, "remote_phonebook.data.1.url = ", "\n")
	u, _ := url.Parse(strings.Replace(cfgURL, "#SEARCH", "zo", 1))
	for _, tweak := range [][]func(*http.Request){{basic("alice-phone", alicePass)}, nil} {
		r := e.get(u.RequestURI(), tweak...)
		if got := names(parseXML(t, r.Body.Bytes()), "//Name"); r.Code != 200 || got != "Zoë Müller" {
			t.Errorf("configured URL %s: %d %q", u.RequestURI(), r.Code, got)
		}
	}
	// Cisco enterprise: the token goes in directoryURL.
	r = e.get("/provisioning/SEP0002FDFF2103.cnf.xml?token=" + e.bobTk)
	doc := parseXML(t, r.Body.Bytes())
	dirURL := doc.FindElement("//directoryURL").Text()
	if dirURL != "https://pbx.example.com/phonebook/cisco-menu.xml?token="+url.QueryEscape(e.bobTk) {
		t.Errorf("directoryURL %q", dirURL)
	}
	// Following the chain menu → input → directory works with that token.
	u, _ = url.Parse(dirURL)
	menu := parseXML(t, e.get(u.RequestURI()).Body.Bytes())
	input, _ := url.Parse(menu.FindElement("//MenuItem/URL").Text())
	in := parseXML(t, e.get(input.RequestURI()).Body.Bytes())
	dir, _ := url.Parse(in.FindElement("/CiscoIPPhoneInput/URL").Text())
	res := e.get(dir.RequestURI() + "&" + in.FindElement("//QueryStringParam").Text() + "=zo")
	if got := names(parseXML(t, res.Body.Bytes()), "//DirectoryEntry/Name"); got != "Zoë Müller" {
		t.Errorf("cisco chain result %q", got)
	}
	// Grandstream with credentials, then with a token in the path.
	r = e.get("/provisioning/cfgc074ad2bd859.xml", basic("gs", "gs-pass"))
	doc = parseXML(t, r.Body.Bytes())
	if p := doc.FindElement("//P331").Text(); p != "pbx.example.com/phonebook/grandstream" || doc.FindElement("//P6714").Text() != "gs-pass" {
		t.Errorf("grandstream cfg:\n%s", r.Body)
	}
	r = e.get("/provisioning/cfgc074ad2bd85a.xml?token=" + gsTok)
	p331 := parseXML(t, r.Body.Bytes()).FindElement("//P331").Text()
	book := e.get(strings.TrimPrefix(p331, "pbx.example.com") + "/phonebook.xml")
	if book.Code != 200 || parseXML(t, book.Body.Bytes()).Root().Tag != "AddressBook" {
		t.Errorf("grandstream path token %s: %d", p331, book.Code)
	}
	if strings.Contains(e.logs.String(), gsTok) {
		t.Error("path token logged")
	}
	// Snom, Fanvil, Polycom.
	r = e.get("/provisioning/000413741767.xml", basic("sn", "sn-pass"))
	if doc := parseXML(t, r.Body.Bytes()); doc.FindElement("//dkey_directory").Text() != "url https://pbx.example.com/phonebook/snom-search.xml?token="+url.QueryEscape(snTok) ||
		strings.Contains(r.Body.String(), "sn-pass") {
		t.Errorf("snom:\n%s", r.Body)
	}
	r = e.get("/provisioning/0c383e07e16c.cfg?token=" + fvTok)
	if doc := parseXML(t, r.Body.Bytes()); doc.FindElement("//xmlContact/Addr").Text() != "https://pbx.example.com/phonebook/fanvil.xml?token="+url.QueryEscape(fvTok)+"&q=" {
		t.Errorf("fanvil:\n%s", r.Body)
	}
	r = e.get("/provisioning/0004f2aabbcc.cfg?token=" + plTok)
	if doc := parseXML(t, r.Body.Bytes()); doc.Root().Tag != "APPLICATION" || doc.Root().SelectAttrValue("CONFIG_FILES", "") != "0004f2aabbcc-phonebook.cfg" {
		t.Errorf("polycom master:\n%s", r.Body)
	}
	r = e.get("/provisioning/0004f2aabbcc-phonebook.cfg?token=" + plTok)
	if doc := parseXML(t, r.Body.Bytes()); doc.FindElement("//mb").SelectAttrValue("mb.main.home", "") != "https://pbx.example.com/phonebook/polycom.html?token="+url.QueryEscape(plTok) {
		t.Errorf("polycom settings:\n%s", r.Body)
	}
	r = e.get("/provisioning/0004f2aabbcc-directory.xml?token=" + plTok)
	if doc := parseXML(t, r.Body.Bytes()); !strings.Contains(names(doc, "//lb"), "Mum") || strings.Contains(r.Body.String(), "Secret") {
		t.Errorf("polycom directory:\n%s", r.Body)
	}
	// Wrong vendor for the file form, unknown MAC, unknown name.
	for _, target := range []string{"/provisioning/" + aliceMAC + "-directory.xml?token=" + e.aliceTk, "/provisioning/001122334455.cfg?token=" + e.aliceTk, "/provisioning/boot.txt?token=" + e.aliceTk} {
		if r := e.get(target); r.Code != 404 && r.Code != 403 {
			t.Errorf("%s: %d", target, r.Code)
		}
	}
}

func TestScrubURL(t *testing.T) {
	for in, want := range map[string]string{
		"/phonebook/yealink.xml?token=abc&q=x":         "/phonebook/yealink.xml?token=REDACTED&q=x",
		"/phonebook/tok/abc/grandstream/phonebook.xml": "/phonebook/tok/REDACTED/grandstream/phonebook.xml",
		"https://u:pw@h/p?Password=1&TOKEN=2":          "https://u:REDACTED@h/p?Password=REDACTED&TOKEN=REDACTED",
		"/phonebook/cisco.xml?page=2":                  "/phonebook/cisco.xml?page=2",
	} {
		u, _ := url.Parse(in)
		if got := phones.ScrubURL(u); got != want {
			t.Errorf("ScrubURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOptionsValidated(t *testing.T) {
	ctx := context.Background()
	for name, opts := range map[string][]phones.Option{
		"no auth":          {phones.WithAuth(0)},
		"ip without list":  {phones.WithAuth(phones.AuthIP)},
		"bad base":         {phones.WithBaseURL("pbx.example.com")},
		"bad group":        {phones.WithGroupBy("colour")},
		"short secret key": {phones.WithSecretKey([]byte("short"))},
		"search limit":     {phones.WithSearchLimit(0)},
		"refresh":          {phones.WithRefresh(time.Second, 0)},
		"cache":            {phones.WithCache(0, 1)},
	} {
		if _, err := phones.New(ctx, lab.NewMemDirectory(), lab.NewMemKV(), opts...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A configured key must be the one that sealed the secrets.
	kv := lab.NewMemKV()
	key := bytes.Repeat([]byte{7}, 32)
	svc, err := phones.New(ctx, lab.NewMemDirectory(), kv, phones.WithSecretKey(key))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	svc.AdminHandler().ServeHTTP(rec, jsonRequest("POST", "/api/v1/phones", strings.NewReader(`{"mac":"0015654aa937","vendor":"yealink","username":"u","password":"p"}`)))
	if rec.Code != 201 {
		t.Fatal(rec.Body)
	}
	if _, err := kv.Get(ctx, "meta/seal-key"); err == nil {
		t.Error("configured key was written to the KV")
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func decode(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestSnomConfigWithoutTokens(t *testing.T) {
	e := newEnv(t, phones.WithAuth(phones.AuthBasic|phones.AuthDigest))
	e.register(`{"mac":"000413741767","vendor":"snom","username":"sn","password":"p@ss word"}`)
	r := e.get("/provisioning/000413741767.xml", basic("sn", "p@ss word"))
	doc := parseXML(t, r.Body.Bytes())
	if got := doc.FindElement("//dkey_directory").Text(); got != "url https://sn:p%40ss%20word@pbx.example.com/phonebook/snom-search.xml" {
		t.Errorf("dkey_directory %q", got)
	}
	u, err := url.Parse(doc.FindElement("//setting-files/file").SelectAttrValue("url", ""))
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	if r := e.get(u.Path, basic(u.User.Username(), pass)); r.Code != 200 || parseXML(t, r.Body.Bytes()).Root().Tag != "tbook" {
		t.Errorf("tbook with the URL's credentials: %d", r.Code)
	}
}

// TestFleetRefreshRendersOnce: phones asking for the same book while it is
// being rendered share that one render; later ones hit the cache.
func TestFleetRefreshRendersOnce(t *testing.T) {
	e := newEnv(t)
	gate := &lab.Gate{Entered: make(chan struct{}, 1), Release: make(chan struct{})}
	e.dir.Gate = gate
	const phonesN = 40
	results := make(chan int, phonesN)
	for i := 0; i < phonesN; i++ {
		go func() { results <- e.get("/phonebook/grandstream.xml?token=" + e.aliceTk).Code }()
	}
	<-gate.Entered // one render is under way and holds the directory
	before := e.dir.Searches.Load()
	close(gate.Release)
	for i := 0; i < phonesN; i++ {
		if code := <-results; code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	// The whole book fits in one Search page: one render, one Search.
	if n := e.dir.Searches.Load(); n != 1 || before != 1 {
		t.Errorf("%d searches for %d phones (1 at release), want 1", n, phonesN)
	}
}

// TestRevalidationWithoutDirectory: a 304 needs no directory read, so a
// refresh storm of unchanged phones costs nothing even when the store is
// slow or failing.
func TestRevalidationWithoutDirectory(t *testing.T) {
	e := newEnv(t)
	etag := e.get("/phonebook/yealink.xml?token=" + e.aliceTk).Header().Get("ETag")
	boom := errors.New("down")
	e.dir.Fail.Store(&boom)
	before := e.dir.Searches.Load()
	if r := e.get("/phonebook/yealink.xml?token="+e.aliceTk, header("If-None-Match", etag)); r.Code != 304 {
		t.Fatalf("status %d", r.Code)
	}
	if e.dir.Searches.Load() != before {
		t.Error("revalidation read the directory")
	}
}

func TestPasswordGuessingThrottled(t *testing.T) {
	e := newEnv(t)
	a, b := from("198.51.100.7:5060"), from("198.51.100.8:5060")
	for i := 0; i < 10; i++ {
		if r := e.get("/phonebook/yealink.xml", a, basic("alice-phone", fmt.Sprint("guess", i))); r.Code != 401 {
			t.Fatalf("guess %d: %d", i, r.Code)
		}
	}
	r := e.get("/phonebook/yealink.xml", a, basic("alice-phone", alicePass))
	if r.Code != 429 || r.Header().Get("Retry-After") == "" || strings.Contains(r.Body.String(), "Alice") {
		t.Fatalf("after 10 failures: %d %v", r.Code, r.Header())
	}
	// Digest for the same user from there is held too; other addresses and
	// other users are not.
	if r := e.digest("/phonebook/yealink.xml", "alice-phone", alicePass, a); r.Code != 429 {
		t.Fatalf("digest from the same address: %d", r.Code)
	}
	if r := e.get("/phonebook/yealink.xml", b, basic("alice-phone", alicePass)); r.Code != 200 {
		t.Errorf("other address: %d", r.Code)
	}
	if r := e.get("/phonebook/yealink.xml?token="+e.aliceTk, a); r.Code != 200 {
		t.Errorf("token from the same address: %d", r.Code)
	}
	e.clk.Advance(10 * time.Minute)
	if r := e.get("/phonebook/yealink.xml", a, basic("alice-phone", alicePass)); r.Code != 200 {
		t.Errorf("after the window: %d", r.Code)
	}
}

func TestRangeResume(t *testing.T) {
	e := newEnv(t)
	full := e.get("/phonebook/yealink.xml?token=" + e.aliceTk)
	r := e.get("/phonebook/yealink.xml?token="+e.aliceTk, header("Range", "bytes=100-"))
	if r.Code != 206 || r.Body.String() != full.Body.String()[100:] || r.Header().Get("Content-Range") == "" {
		t.Fatalf("range: %d %q", r.Code, r.Header().Get("Content-Range"))
	}
	// If-Range with a weak validator must not give a partial body.
	r = e.get("/phonebook/yealink.xml?token="+e.aliceTk, header("Range", "bytes=100-"), header("If-Range", full.Header().Get("ETag")))
	if r.Code != 200 || r.Body.String() != full.Body.String() {
		t.Fatalf("if-range: %d", r.Code)
	}
}

// TestDigestChallengeNotWarned: the 401 that asks a phone for Digest
// credentials (its first request, or an expired nonce) is a normal step,
// logged at debug; a wrong password is a refusal, logged as a warning.
func TestDigestChallengeNotWarned(t *testing.T) {
	e := newEnv(t)
	if r := e.digest("/phonebook/yealink.xml?q=alice", "alice-phone", alicePass); r.Code != 200 {
		t.Fatalf("digest: %d %s", r.Code, r.Body)
	}
	logs := e.logs.String()
	if strings.Contains(logs, "level=WARN") || !strings.Contains(logs, `level=DEBUG msg="phone asked for credentials"`) {
		t.Fatalf("challenge step logged as a refusal (or not at all):\n%s", logs)
	}
	e.logs.Reset()
	if r := e.digest("/phonebook/yealink.xml", "alice-phone", "wrong"); r.Code != 401 {
		t.Fatalf("wrong password: %d", r.Code)
	}
	if n := strings.Count(e.logs.String(), `level=WARN msg="phone request refused"`); n != 1 {
		t.Fatalf("wrong password: %d warnings, want 1:\n%s", n, e.logs.String())
	}
}

// TestLinksWithoutBaseURL: without a base URL the links in a provisioning
// file name the scheme and host the phone's request used, or (an HTTP/1.0
// request without Host) the address the connection reached.
func TestLinksWithoutBaseURL(t *testing.T) {
	e := newEnv(t, phones.WithBaseURL(""))
	for name, tc := range map[string]struct {
		tweak func(*http.Request)
		want  string
	}{
		"host": {tweak: func(r *http.Request) { r.Host = "pbx.example.com:8080" }, want: "http://pbx.example.com:8080/phonebook/"},
		"tls":  {tweak: func(r *http.Request) { r.Host, r.TLS = "pbx.example.com", &tls.ConnectionState{} }, want: "https://pbx.example.com/phonebook/"},
		"no host": {tweak: func(r *http.Request) {
			r.Host = ""
			*r = *r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 8080}))
		}, want: "http://192.0.2.10:8080/phonebook/"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.get("/provisioning/"+aliceMAC+".cfg", basic("alice-phone", alicePass), tc.tweak)
			if r.Code != 200 || !strings.Contains(r.Body.String(), "remote_phonebook.data.1.url = "+tc.want) {
				t.Errorf("%d, want links to %s:\n%s", r.Code, tc.want, r.Body)
			}
		})
	}
}
