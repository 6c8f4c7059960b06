package phones_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/provisioning/cti"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// ctiLab starts vendor's CTI fake on loopback and an env whose commands go
// to its port.
func ctiLab(t *testing.T, vendor, user, pass string, c phones.CTIConfig) (*env, *lab.CTIFake) {
	t.Helper()
	fake := lab.NewCTIFake(vendor, user, pass)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	c.Port, _ = strconv.Atoi(u.Port())
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Second
	}
	return newEnv(t, phones.WithCTI(c)), fake
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field, Message string
		} `json:"details"`
	} `json:"error"`
}

func (e *env) cti(t *testing.T, mac, body string, wantStatus int) apiError {
	t.Helper()
	rec := e.adminDo("POST", "/api/v1/phones/"+mac+"/cti", body)
	if rec.Code != wantStatus {
		t.Fatalf("POST cti %s: %d %s, want %d", body, rec.Code, rec.Body, wantStatus)
	}
	var out apiError
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return out
}

func (e *env) phone(t *testing.T, mac string) phones.Phone {
	t.Helper()
	rec := e.adminDo("GET", "/api/v1/phones/"+mac, "")
	var p phones.Phone
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 200 {
		t.Fatalf("get %s: %d %s", mac, rec.Code, rec.Body)
	}
	return p
}

// TestCTIWithThePhonesOwnCredentials: alice's Yealink is answered at the
// address of its latest fetch with its own username and password; before
// any fetch its address is unknown (409).
func TestCTIWithThePhonesOwnCredentials(t *testing.T) {
	e, fake := ctiLab(t, "yealink", "alice-phone", alicePass, phones.CTIConfig{})
	p := e.phone(t, aliceMAC)
	if !slices.Equal(p.CTI.Capabilities, []cti.Action{cti.Answer, cti.Hangup, cti.Hold}) || p.CTI.Address != "" {
		t.Fatalf("before a fetch: %+v", p.CTI)
	}
	if out := e.cti(t, aliceMAC, `{"action":"answer"}`, 409); !strings.Contains(out.Error.Message, "address is not known") {
		t.Fatalf("no address: %+v", out)
	}
	if rec := e.get("/phonebook/yealink.xml?token="+e.aliceTk, from("127.0.0.1:5555")); rec.Code != 200 {
		t.Fatalf("fetch: %d", rec.Code)
	}
	if p := e.phone(t, aliceMAC); p.CTI.Address != "127.0.0.1" {
		t.Fatalf("after a fetch: %+v", p.CTI)
	}
	rec := e.adminDo("POST", "/api/v1/phones/"+aliceMAC+"/cti", `{"action":"answer"}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"action":"answer"`) {
		t.Fatalf("answer: %d %s", rec.Code, rec.Body)
	}
	e.cti(t, aliceMAC, `{"action":"HOLD"}`, 200)
	if got := fake.Pressed(); !slices.Equal(got, []string{"OK", "F_HOLD"}) {
		t.Fatalf("pressed %q", got)
	}
	if out := e.cti(t, aliceMAC, `{"action":"dtmf","digits":"12"}`, 409); out.Error.Message != "this device cannot send DTMF remotely" {
		t.Fatalf("dtmf on a Yealink: %+v", out)
	}
	for _, tc := range []struct {
		body, field string
	}{
		{body: `{"action":"transfer"}`, field: "action"},
		{body: `{"action":"answer","digits":"1"}`, field: "digits"},
	} {
		if out := e.cti(t, aliceMAC, tc.body, 400); len(out.Error.Details) == 0 || out.Error.Details[0].Field != tc.field {
			t.Errorf("%s: %+v", tc.body, out)
		}
	}
	e.cti(t, "0015654aa938", `{"action":"answer"}`, 404)
	if len(fake.Pressed()) != 2 || len(fake.Mistakes()) != 0 {
		t.Fatalf("refused requests reached the phone: %q %q", fake.Pressed(), fake.Mistakes())
	}
	if strings.Contains(e.logs.String(), alicePass) {
		t.Fatal("the password reached the log")
	}
}

// TestCTIFailures: the configured credentials win over the phone's; a
// phone refusing them, a phone without remote answer, a phone that is not
// there: each its status and code.
func TestCTIFailures(t *testing.T) {
	e, fake := ctiLab(t, "snom", "admin", "s3cret", phones.CTIConfig{Username: "admin", Password: "wrong"})
	e.register(`{"mac":"000413922d24","vendor":"snom"}`)
	e.register(`{"mac":"0004f2aabbcc","vendor":"polycom"}`)
	for _, mac := range []string{"000413922d24", "0004f2aabbcc"} {
		e.svc.NoteFetchForTest(mac, "127.0.0.1")
	}
	if out := e.cti(t, "000413922d24", `{"action":"dial","digits":"+38733123456"}`, 502); out.Error.Code != "phone_refused_credentials" ||
		!strings.Contains(out.Error.Message, "000413922d24") || strings.Contains(out.Error.Message, "wrong") {
		t.Fatalf("refused: %+v", out)
	}
	if out := e.cti(t, "0004f2aabbcc", `{"action":"answer"}`, 409); out.Error.Message != "this device cannot be answered remotely" {
		t.Fatalf("polycom: %+v", out)
	}
	if len(fake.Pressed()) != 0 {
		t.Fatalf("pressed %q", fake.Pressed())
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	e2 := newEnv(t, phones.WithCTI(phones.CTIConfig{Port: port, Timeout: time.Second}))
	e2.svc.NoteFetchForTest(aliceMAC, "127.0.0.1")
	if out := e2.cti(t, aliceMAC, `{"action":"hangup"}`, 504); out.Error.Code != "phone_unreachable" {
		t.Fatalf("unreachable: %+v", out)
	}
	d, err := e2.svc.CTI(aliceMAC)
	if err != nil || !d.Capabilities().Has(cti.Answer) {
		t.Fatalf("CTI driver: %v", err)
	}
	if _, err := e2.svc.CTI("0015654aa938"); err == nil {
		t.Fatal("a driver for an unknown phone")
	}
}

// TestProvisioningAllowsPBXAgent: the Yealink file served on a connection
// to 192.0.2.10 lets that address send action URIs; the same file asked
// for on another local address names that one (not a cached body).
func TestProvisioningAllowsPBXAgent(t *testing.T) {
	e := newEnv(t)
	at := func(local string) string {
		req := httptest.NewRequest("GET", "/provisioning/"+aliceMAC+".cfg", nil)
		req.SetBasicAuth("alice-phone", alicePass)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, net.Addr(&net.TCPAddr{IP: net.ParseIP(local), Port: 8080})))
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", local, rec.Code)
		}
		return rec.Body.String()
	}
	for _, local := range []string{"192.0.2.10", "198.51.100.7"} {
		body := at(local)
		for _, want := range []string{"features.action_uri.enable = 1\n", "features.action_uri_limit_ip = " + local + "\n", "features.show_action_uri_option = 0\n"} {
			if !strings.Contains(body, want) {
				t.Errorf("served on %s: lacks %q:\n%s", local, want, body)
			}
		}
	}
}
