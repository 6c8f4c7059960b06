package phones_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
)

// digestAuth is alice's Digest Authorization for GET target under nonce,
// with nonce count nc ("" for no qop).
func digestAuth(target, nonce, nc string) string {
	ha1 := md5h("alice-phone:pbxagent:" + alicePass)
	ha2 := md5h("GET:" + target)
	if nc == "" {
		return fmt.Sprintf(`Digest username="alice-phone", realm="pbxagent", nonce="%s", uri="%s", response="%s"`, nonce, target, md5h(ha1+":"+nonce+":"+ha2))
	}
	resp := md5h(ha1 + ":" + nonce + ":" + nc + ":c0ffee:auth:" + ha2)
	return fmt.Sprintf(`Digest username="alice-phone", realm="pbxagent", nonce="%s", uri="%s", qop=auth, nc=%s, cnonce="c0ffee", response="%s"`, nonce, target, nc, resp)
}

// challengeNonce returns the nonce of a fresh Digest challenge.
func (e *env) challengeNonce() string {
	e.t.Helper()
	r := e.get("/phonebook/yealink.xml")
	for _, v := range r.Header().Values("WWW-Authenticate") {
		if strings.HasPrefix(v, "Digest ") {
			return between(v, `nonce="`, `"`)
		}
	}
	e.t.Fatalf("no Digest challenge: %d %v", r.Code, r.Header())
	return ""
}

// TestDigestReplay: a Digest request is accepted once; replaying it, or
// any nonce count not above the last accepted one for its nonce, is
// answered 401 stale=true (the phone takes a new nonce) and is not a failed
// login; increasing counts, with gaps, are accepted; a nonce without qop
// serves once. Expiry and forgery are refused as before.
func TestDigestReplay(t *testing.T) {
	const target = "/phonebook/yealink.xml"
	e := newEnv(t)
	n1, n2 := e.challengeNonce(), e.challengeNonce()
	if n1 == n2 {
		t.Errorf("two challenges gave the same nonce %q", n1)
	}
	for i, step := range []struct {
		name, nonce, nc string
		status          int
	}{
		{name: "first use", nonce: n1, nc: "00000001", status: 200},
		{name: "replay", nonce: n1, nc: "00000001", status: 401},
		{name: "next count", nonce: n1, nc: "00000002", status: 200},
		{name: "replay of the next count", nonce: n1, nc: "00000002", status: 401},
		{name: "an older count", nonce: n1, nc: "00000001", status: 401},
		{name: "a gap", nonce: n1, nc: "0000000a", status: 200},
		{name: "upper-case hex above", nonce: n1, nc: "0000000B", status: 200},
		{name: "another nonce starts over", nonce: n2, nc: "00000001", status: 200},
		{name: "the first nonce still counts", nonce: n1, nc: "00000003", status: 401},
		{name: "zero", nonce: n2, nc: "00000000", status: 401},
		{name: "not 8 digits", nonce: n2, nc: "5", status: 401},
		{name: "no qop, first use", nonce: e.challengeNonce(), nc: "", status: 200},
	} {
		r := e.get(target, header("Authorization", digestAuth(target, step.nonce, step.nc)))
		if r.Code != step.status {
			t.Fatalf("%d %s: %d, want %d", i, step.name, r.Code, step.status)
		}
		stale := strings.Contains(strings.Join(r.Header().Values("WWW-Authenticate"), " "), "stale=true")
		wantStale := step.status == 401 && step.name != "zero" && step.name != "not 8 digits"
		if stale != wantStale {
			t.Errorf("%s: stale=%v, want %v", step.name, stale, wantStale)
		}
	}
	n3 := e.challengeNonce()
	if r := e.get(target, header("Authorization", digestAuth(target, n3, ""))); r.Code != 200 {
		t.Fatalf("no qop: %d", r.Code)
	}
	if r := e.get(target, header("Authorization", digestAuth(target, n3, ""))); r.Code != 401 {
		t.Errorf("no qop, second use: %d, want 401", r.Code)
	}
	// Replays are no failed logins: alice-phone is not held.
	for range phones.DefaultLoginLimits.MaxFailures {
		e.get(target, header("Authorization", digestAuth(target, n1, "00000001")))
	}
	if r := e.get(target, basic("alice-phone", alicePass)); r.Code != 200 {
		t.Errorf("after replays: %d", r.Code)
	}
	// Expiry still wins.
	e.clk.Advance(11 * time.Minute)
	r := e.get(target, header("Authorization", digestAuth(target, n1, "000000ff")))
	if r.Code != 401 || !strings.Contains(r.Header().Get("WWW-Authenticate"), "stale=true") {
		t.Errorf("expired nonce: %d %v", r.Code, r.Header())
	}
}

// TestDigestNonceTableBounded: with a table of 2 nonces, a third pushes the
// oldest out; the pushed-out nonce is then stale (never accepted again at a
// count it already had, nor at a new one), and the newer ones keep
// counting.
func TestDigestNonceTableBounded(t *testing.T) {
	const target = "/phonebook/yealink.xml"
	e := newEnv(t, phones.WithDigestNonces(2))
	var nonces []string
	for i := range 3 {
		nonces = append(nonces, e.challengeNonce())
		e.clk.Advance(time.Second)
		if r := e.get(target, header("Authorization", digestAuth(target, nonces[i], "00000001"))); r.Code != 200 {
			t.Fatalf("nonce %d: %d", i, r.Code)
		}
	}
	for _, nc := range []string{"00000001", "00000002"} {
		if r := e.get(target, header("Authorization", digestAuth(target, nonces[0], nc))); r.Code != 401 {
			t.Errorf("pushed-out nonce at %s: %d, want 401", nc, r.Code)
		}
	}
	for i := 1; i < 3; i++ {
		if r := e.get(target, header("Authorization", digestAuth(target, nonces[i], "00000001"))); r.Code != 401 {
			t.Errorf("nonce %d replayed: %d", i, r.Code)
		}
		if r := e.get(target, header("Authorization", digestAuth(target, nonces[i], "00000002"))); r.Code != 200 {
			t.Errorf("nonce %d next count: %d", i, r.Code)
		}
	}
	if _, err := phones.New(t.Context(), nil, e.kv, phones.WithDigestNonces(-1)); err == nil {
		t.Error("negative nonce table size accepted")
	}
}
