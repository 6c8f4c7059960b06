package phones_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
)

const attacker = "198.51.100.7:5060"

// guessUntilHeld makes wrong guesses for alice-phone from addr until the
// throttle holds it there.
func (e *env) guessUntilHeld(addr string) {
	e.t.Helper()
	for i := 0; i < phones.DefaultLoginLimits.MaxFailures; i++ {
		if r := e.get("/phonebook/yealink.xml", from(addr), basic("alice-phone", fmt.Sprint("guess", i))); r.Code != http.StatusUnauthorized {
			e.t.Fatalf("guess %d: %d", i, r.Code)
		}
	}
	if r := e.get("/phonebook/yealink.xml", from(addr), basic("alice-phone", alicePass)); r.Code != http.StatusTooManyRequests {
		e.t.Fatalf("after %d guesses: %d, want 429", phones.DefaultLoginLimits.MaxFailures, r.Code)
	}
}

// TestThrottleSurvivesFlood: a flood of made-up usernames, more than the
// throttle tracks, does not release an account that is being guessed,
// whether it comes from many addresses, from the guesser's own address or
// from one IPv6 /64.
func TestThrottleSurvivesFlood(t *testing.T) {
	flood := phones.DefaultLoginLimits.MaxTracked + 1
	for _, tc := range []struct {
		name string
		addr func(i int) string
	}{
		{name: "many addresses", addr: func(i int) string { return fmt.Sprintf("10.%d.%d.%d:5060", i>>16&255, i>>8&255, i&255) }},
		{name: "the guesser's address", addr: func(int) string { return attacker }},
		{name: "one ipv6 /64", addr: func(i int) string { return fmt.Sprintf("[2001:db8:1:2::%x]:5060", i) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.guessUntilHeld(attacker)
			for i := range flood {
				r := e.get("/phonebook/yealink.xml", from(tc.addr(i)), basic(fmt.Sprint("junk", i), "x"))
				if r.Code != http.StatusUnauthorized && r.Code != http.StatusTooManyRequests {
					t.Fatalf("junk %d: %d", i, r.Code)
				}
			}
			if r := e.get("/phonebook/yealink.xml", from(attacker), basic("alice-phone", alicePass)); r.Code != http.StatusTooManyRequests {
				t.Fatalf("after %d junk logins alice-phone from the guesser: %d, want 429", flood, r.Code)
			}
			if r := e.get("/phonebook/yealink.xml", from("192.0.2.50:5060"), basic("alice-phone", alicePass)); r.Code != http.StatusOK {
				t.Errorf("alice-phone from her own address: %d", r.Code)
			}
			e.clk.Advance(phones.DefaultLoginLimits.Window)
			if r := e.get("/phonebook/yealink.xml", from(attacker), basic("alice-phone", alicePass)); r.Code != http.StatusOK {
				t.Errorf("after the window: %d", r.Code)
			}
		})
	}
}

// TestThrottleLimits: the per-address and per-account limits, each with
// small values, and what they leave alone.
func TestThrottleLimits(t *testing.T) {
	lim := phones.LoginLimits{MaxFailures: 3, Window: time.Minute, MaxUsersPerAddress: 5, MaxAccountFailures: 8, MaxTracked: 50}
	t.Run("per address", func(t *testing.T) {
		e := newEnv(t, phones.WithLoginLimits(lim))
		for i := range lim.MaxUsersPerAddress {
			if r := e.get("/phonebook/yealink.xml", from(attacker), basic(fmt.Sprint("junk", i), "x")); r.Code != http.StatusUnauthorized {
				t.Fatalf("junk %d: %d", i, r.Code)
			}
		}
		// Any username from that address is held now, a right password too;
		// other addresses and tokens are not.
		if r := e.get("/phonebook/yealink.xml", from(attacker), basic("alice-phone", alicePass)); r.Code != http.StatusTooManyRequests {
			t.Errorf("alice-phone from the held address: %d, want 429", r.Code)
		}
		if r := e.get("/phonebook/yealink.xml", from("198.51.100.8:5060"), basic("alice-phone", alicePass)); r.Code != http.StatusOK {
			t.Errorf("alice-phone from another address: %d", r.Code)
		}
		if r := e.get("/phonebook/yealink.xml?token="+e.aliceTk, from(attacker)); r.Code != http.StatusOK {
			t.Errorf("token from the held address: %d", r.Code)
		}
		e.clk.Advance(lim.Window)
		if r := e.get("/phonebook/yealink.xml", from(attacker), basic("alice-phone", alicePass)); r.Code != http.StatusOK {
			t.Errorf("after the window: %d", r.Code)
		}
	})
	t.Run("per account", func(t *testing.T) {
		e := newEnv(t, phones.WithLoginLimits(lim))
		bot := func(i int) func(*http.Request) { return from(fmt.Sprintf("203.0.113.%d:5060", i)) }
		for i := range lim.MaxAccountFailures {
			if r := e.get("/phonebook/yealink.xml", bot(i), basic("alice-phone", "guess")); r.Code != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i, r.Code)
			}
		}
		// Every address that failed for alice-phone is held after one
		// failure; one that did not (the phone itself) is not.
		if r := e.get("/phonebook/yealink.xml", bot(0), basic("alice-phone", alicePass)); r.Code != http.StatusTooManyRequests {
			t.Errorf("a guessing address after the account limit: %d, want 429", r.Code)
		}
		if r := e.get("/phonebook/yealink.xml", bot(200), basic("alice-phone", "guess")); r.Code != http.StatusUnauthorized {
			t.Fatalf("a new address: %d", r.Code)
		}
		if r := e.get("/phonebook/yealink.xml", bot(200), basic("alice-phone", alicePass)); r.Code != http.StatusTooManyRequests {
			t.Errorf("a new address after its first failure: %d, want 429", r.Code)
		}
		if r := e.get("/phonebook/yealink.xml", from("192.0.2.50:5060"), basic("alice-phone", alicePass)); r.Code != http.StatusOK {
			t.Errorf("alice-phone from her own address: %d", r.Code)
		}
	})
}

// TestLoginLimitsValidated: a negative or too short limit is refused.
func TestLoginLimitsValidated(t *testing.T) {
	for _, lim := range []phones.LoginLimits{{MaxFailures: -1}, {Window: time.Millisecond}, {MaxTracked: -5}} {
		if _, err := phones.New(t.Context(), nil, newEnv(t).kv, phones.WithLoginLimits(lim)); err == nil {
			t.Errorf("%+v accepted", lim)
		}
	}
}

// TestFastLaneThrottle: the lane declines a Basic request only while the
// throttle holds its username from its address; a failure elsewhere, a
// token, or the end of the window leave the lane answering.
func TestFastLaneThrottle(t *testing.T) {
	e := newEnv(t)
	const other = "10.9.9.9:40000"
	basicHdr := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice-phone:"+alicePass))
	aliceReq := rawGet("GET", "/phonebook/yealink.xml", basicHdr)
	tokReq := rawGet("GET", "/phonebook/yealink.xml?token="+e.bobTk)
	for _, tc := range []struct{ head, addr string }{{aliceReq, laneAddr}, {aliceReq, other}, {tokReq, laneAddr}} {
		if r := e.full(tc.head, tc.addr); r.StatusCode != http.StatusOK {
			t.Fatalf("full handler: %d", r.StatusCode)
		}
	}
	lane := func(what, head, addr string, want bool) {
		t.Helper()
		if r := e.lane(head, addr); (r != nil) != want {
			t.Errorf("%s: lane answered %v, want %v", what, r != nil, want)
		}
	}
	// A failed login of someone else, from elsewhere.
	if r := e.full(rawGet("GET", "/phonebook/yealink.xml", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("mallory:x"))), attacker); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("mallory: %d", r.StatusCode)
	}
	lane("after another user's failure", aliceReq, laneAddr, true)
	lane("token after another user's failure", tokReq, laneAddr, true)

	// alice-phone held from laneAddr: declined there (the handler says
	// 429), answered from the other address and for the token.
	wrong := rawGet("GET", "/phonebook/yealink.xml", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("alice-phone:wrong")))
	for range phones.DefaultLoginLimits.MaxFailures {
		if r := e.full(wrong, laneAddr); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.StatusCode)
		}
	}
	lane("held username from its address", aliceReq, laneAddr, false)
	if r := e.full(aliceReq, laneAddr); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("held username through the handler: %d", r.StatusCode)
	}
	lane("held username from another address", aliceReq, other, true)
	lane("token from the held address", tokReq, laneAddr, true)

	// The hold ends with its window, and so does the lane's refusal.
	e.clk.Advance(phones.DefaultLoginLimits.Window - time.Second)
	lane("just before the window ends", aliceReq, laneAddr, false)
	e.clk.Advance(time.Second)
	lane("after the window", aliceReq, laneAddr, true)
}
