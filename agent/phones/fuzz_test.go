package phones_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAuthorization: any Authorization header and token is refused (never a
// 200 and never contact data) unless it is a valid credential, and never
// panics the handler.
func FuzzAuthorization(f *testing.F) {
	for _, s := range []string{
		`Digest username="alice-phone", realm="pbxagent", nonce="x", uri="/phonebook/yealink.xml", response="00"`,
		`Digest username="a\"b", realm=pbxagent, nonce=, uri=, qop=auth-int`,
		`Basic YWxpY2UtcGhvbmU6d3Jvbmc=`, `Basic !!!`, `Bearer x`, `Digest`, `Digest ,,,=,"`,
	} {
		f.Add(s, "")
	}
	f.Add("", "tok")
	e := newEnvTB(f)
	f.Fuzz(func(t *testing.T, auth, token string) {
		req := httptest.NewRequest("GET", "/phonebook/yealink.xml", nil)
		if token != "" {
			q := req.URL.Query()
			q.Set("token", token)
			req.URL.RawQuery = q.Encode()
		}
		if auth != "" {
			req.Header["Authorization"] = []string{auth}
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK || strings.Contains(rec.Body.String(), "Alice") {
			t.Fatalf("accepted %q token %q: %d", auth, token, rec.Code)
		}
	})
}

// FuzzPhonePaths: any path and query answers without panic, with a known
// status, and refuses without credentials.
func FuzzPhonePaths(f *testing.F) {
	for _, s := range []string{"/phonebook/yealink.xml?q=%23SEARCH", "/phonebook/tok/x/grandstream/phonebook.xml",
		"/provisioning/SEP0015654AA937.cnf.xml", "/phonebook/cisco.xml?page=99999999999", "/phonebook/tok//", "/provisioning/../x"} {
		f.Add(s)
	}
	e := newEnvTB(f)
	f.Fuzz(func(t *testing.T, target string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		req, err := http.NewRequest("GET", "http://pbx"+target, nil)
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:5060"
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		switch rec.Code {
		case 400, 401, 403, 404:
		default:
			t.Fatalf("%s: %d", target, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "Alice") {
			t.Fatalf("%s leaked data", target)
		}
		// With a valid token: any status but 5xx.
		q := req.URL.Query()
		q.Set("token", e.aliceTk)
		req.URL.RawQuery = q.Encode()
		req.RequestURI = req.URL.RequestURI()
		rec = httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s with token: %d", target, rec.Code)
		}
	})
}
