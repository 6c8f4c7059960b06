package ua

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func FuzzParseDeltaSeconds(f *testing.F) {
	for _, s := range []string{"3600", "0", " 60 ", "", "-1", "1e3", "99999999999999999999", "4294967296", "６０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDeltaSeconds("Expires header", s)
		if err != nil {
			if !strings.Contains(err.Error(), "Expires header") {
				t.Fatalf("error %q does not name the field", err)
			}
			return
		}
		if d < 0 || d > maxDeltaSeconds*time.Second || d%time.Second != 0 {
			t.Fatalf("parseDeltaSeconds(%q) = %v", s, d)
		}
		if got, err := parseDeltaSeconds("x", seconds(d)); err != nil || got != d {
			t.Fatalf("round trip of %v: %v, %v", d, got, err)
		}
	})
}

func FuzzNonce(f *testing.F) {
	k, err := newNonceKey("pbxagent")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k.make(regStart), int64(0))
	f.Add("", int64(1))
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", int64(-5))
	f.Add("not base64 at all!", int64(400))
	f.Fuzz(func(t *testing.T, s string, age int64) {
		now := regStart.Add(time.Duration(age) * time.Second)
		stale, err := k.check(s, now, DefaultNonceLifetime)
		if err != nil && stale {
			t.Fatal("a refused nonce reported stale")
		}
		// What the key makes it takes back, stale only past the lifetime.
		n := k.make(regStart)
		stale, err = k.check(n, now, DefaultNonceLifetime)
		if err != nil {
			t.Fatalf("own nonce %q refused: %v", n, err)
		}
		if want := age < 0 || time.Duration(age)*time.Second > DefaultNonceLifetime; stale != want {
			t.Fatalf("own nonce at age %ds: stale=%v, want %v", age, stale, want)
		}
	})
}

// FuzzRegistrar feeds whole REGISTER messages to the registrar: it must
// answer each with a status and never panic.
func FuzzRegistrar(f *testing.F) {
	seeds := []string{
		"REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1\r\nFrom: <sip:alice@pbx.test>;tag=1\r\nTo: <sip:alice@pbx.test>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.5>;expires=60\r\nContent-Length: 0\r\n\r\n",
		"REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bK2\r\nFrom: <sip:alice@pbx.test>;tag=1\r\nTo: <sip:alice@pbx.test>\r\nCall-ID: c\r\nCSeq: 2 REGISTER\r\nContact: *\r\nExpires: 0\r\nAuthorization: Digest username=\"alice\", realm=\"pbxagent\", nonce=\"x\", uri=\"sip:pbx.test\", response=\"0\", qop=auth, nc=00000001, cnonce=\"a\"\r\nContent-Length: 0\r\n\r\n",
		"REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK3\r\nFrom: <sip:alice@pbx.test>;tag=1\r\nTo: sip:alice@pbx.test\r\nCall-ID: c\r\nCSeq: 3 REGISTER\r\nContact: <sip:a@h>;expires=x, <sip:b@h>\r\nExpires: 99999999999\r\nContent-Length: 0\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, authenticated bool) {
		m, err := sip.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := m.(*sip.Request)
		if !ok {
			return
		}
		req.SetSource("10.0.0.5:5060")
		r := NewRegistrar(RegistrarConfig{Password: func(string) (string, bool) { return "pw", true }})
		if authenticated && req.To() != nil && req.To().Address.User != "" {
			// Answer a real challenge so the fuzzer reaches the binding code.
			rep, _ := r.handle(req)
			if rep.status == 401 {
				authorize(t, req, rep.headers[0].Value(), req.To().Address.User, "pw")
			}
		}
		rep, list := r.handle(req)
		if rep.status < 200 || rep.status > 699 || rep.reason == "" {
			t.Fatalf("answer %d %q", rep.status, rep.reason)
		}
		if rep.status != 200 && len(list) != 0 {
			t.Fatalf("a %d lists contacts", rep.status)
		}
		_, _ = r.Lookup("alice")
	})
}
