package cti

import (
	"strings"
	"testing"
)

// FuzzParseCiscoResponse: any answer parses without panic; a parsed
// answer is either an error with a number or a response with items, and
// classifies to a known kind.
func FuzzParseCiscoResponse(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0" encoding="utf-8"?><CiscoIPPhoneResponse><ResponseItem URL="Key:Soft1" Data="Success" Status="0"/></CiscoIPPhoneResponse>`,
		`<CiscoIPPhoneResponse><ResponseItem URL="Dial:1" Data="URI not found" Status="6"/></CiscoIPPhoneResponse>`,
		`<CiscoIPPhoneError Number="4"/>`, `<CiscoIPPhoneError Number="1">parse</CiscoIPPhoneError>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><CiscoIPPhoneError Number="3"/>`,
		`<html>401</html>`, ``, `<CiscoIPPhoneResponse/>`, `<CiscoIPPhoneResponse><ResponseItem Status="x"/>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseCiscoResponse(b)
		if err != nil {
			if r != nil {
				t.Fatal("response with an error")
			}
			return
		}
		if (r.ErrorNumber == 0) == (len(r.Items) == 0) {
			t.Fatalf("neither or both: %+v", r)
		}
		k, detail := r.Kind()
		switch k {
		case "":
			if r.ErrorNumber != 0 {
				t.Fatal("an error classified as success")
			}
		case KindRefused, KindRejected:
			if detail == "" {
				t.Fatal("failure without detail")
			}
		default:
			t.Fatalf("kind %q", k)
		}
	})
}

// TestCiscoExecuteEscapes: a URI with XML specials stays well formed.
func TestCiscoExecuteEscapes(t *testing.T) {
	got := CiscoExecute(`Dial:1"<&>`)
	if !strings.Contains(got, `URL="Dial:1&#34;&lt;&amp;&gt;"`) {
		t.Fatalf("%s", got)
	}
}

// FuzzParseDigest: any WWW-Authenticate parses without panic; an accepted
// challenge has a nonce and MD5 (or no algorithm).
func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{`Digest realm="phone", nonce="abc", qop="auth,auth-int", opaque="x"`, `Basic realm="x"`,
		`Digest nonce="a,b", algorithm=SHA-256`, `Digest realm="a", nonce=""`, `digest nonce=n`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, ok := parseDigest(h)
		if ok && (c.nonce == "" || c.algorithm != "" && !strings.EqualFold(c.algorithm, "MD5")) {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// FuzzGrandstreamCheck: any answer classifies without panic, as success
// only for "response":"success".
func FuzzGrandstreamCheck(f *testing.F) {
	for _, s := range []string{`{"response":"success", "body": true}`, `{"response":"error", "body": "unauthorized"}`, `{}`, `<html>`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, detail := grandstream{}.check(b)
		if k == "" && !strings.Contains(string(b), "success") {
			t.Fatalf("success without success: %q", b)
		}
		if k != "" && (k != KindRejected || detail == "") {
			t.Fatalf("kind %q detail %q", k, detail)
		}
	})
}
