package phones_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// TestCachedCredentialsRevoked: a credential that passed once (and is now
// cached) stops working as soon as the registry changes it: password
// changed, username changed, token rotated, phone removed. Wrong
// credentials are refused before and after a right one was cached.
func TestCachedCredentialsRevoked(t *testing.T) {
	type step struct {
		name  string
		patch string // PATCH body for alice's phone; "" deletes it
	}
	for _, st := range []step{
		{"password changed", `{"password":"new-pass-1"}`},
		{"username changed", `{"username":"alice-desk"}`},
		{"token rotated", `{"rotate_token":true}`},
		{"phone removed", ""},
	} {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			tok := "/phonebook/yealink.xml?token=" + e.aliceTk
			creds := basic("alice-phone", alicePass)
			for i := 0; i < 3; i++ { // warm the cache
				if r := e.get("/phonebook/yealink.xml", creds); r.Code != 200 {
					t.Fatalf("basic %d: %d", i, r.Code)
				}
				if r := e.get(tok); r.Code != 200 {
					t.Fatalf("token %d: %d", i, r.Code)
				}
				for _, bad := range []func(*http.Request){basic("alice-phone", alicePass+"x"), basic("alice-phone", "")} {
					if r := e.get("/phonebook/yealink.xml", bad); r.Code != 401 || strings.Contains(r.Body.String(), "Alice") {
						t.Fatalf("wrong password %d: %d", i, r.Code)
					}
				}
				if r := e.get("/phonebook/yealink.xml?token=" + e.aliceTk + "x"); r.Code != 401 {
					t.Fatalf("wrong token %d: %d", i, r.Code)
				}
			}
			if st.patch == "" {
				if r := e.adminDo("DELETE", "/api/v1/phones/"+aliceMAC, ""); r.Code/100 != 2 {
					t.Fatalf("delete: %d %s", r.Code, r.Body)
				}
			} else if r := e.adminDo("PATCH", "/api/v1/phones/"+aliceMAC, st.patch); r.Code != 200 {
				t.Fatalf("patch: %d %s", r.Code, r.Body)
			}
			wantBasic, wantTok := 401, 200
			switch st.name {
			case "token rotated":
				wantBasic, wantTok = 200, 401
			case "phone removed":
				wantTok = 401
			}
			if r := e.get("/phonebook/yealink.xml", creds); r.Code != wantBasic {
				t.Errorf("old basic credentials: %d, want %d", r.Code, wantBasic)
			}
			if r := e.get(tok); r.Code != wantTok {
				t.Errorf("old token: %d, want %d", r.Code, wantTok)
			}
		})
	}
}

// TestCachedCredentialsThrottled: a Basic credential verified (and cached)
// before a burst of wrong guesses from the same address is held by the
// throttle like any other: the cache must not tell a right guess from a
// wrong one while the username is blocked.
func TestCachedCredentialsThrottled(t *testing.T) {
	e := newEnv(t)
	a := from("198.51.100.7:5060")
	if r := e.get("/phonebook/yealink.xml", a, basic("alice-phone", alicePass)); r.Code != 200 {
		t.Fatalf("first: %d", r.Code)
	}
	for i := 0; i < 10; i++ {
		if r := e.get("/phonebook/yealink.xml", a, basic("alice-phone", fmt.Sprint("guess", i))); r.Code != 401 {
			t.Fatalf("guess %d: %d", i, r.Code)
		}
	}
	if r := e.get("/phonebook/yealink.xml", a, basic("alice-phone", alicePass)); r.Code != 429 {
		t.Fatalf("cached right password while throttled: %d, want 429", r.Code)
	}
	if r := e.get("/phonebook/yealink.xml", from("198.51.100.8:5060"), basic("alice-phone", alicePass)); r.Code != 200 {
		t.Fatalf("other address: %d", r.Code)
	}
}

// TestQueryParsing: the phone endpoints read their parameters as
// url.ParseQuery would (first value wins, escapes, q before term, pairs
// with ';' or bad escapes ignored).
func TestQueryParsing(t *testing.T) {
	e := newEnv(t)
	tk := e.aliceTk
	for _, c := range []struct {
		name, query string
		code        int
		want        string // a name the body must contain ("" for none)
		wantNot     string
	}{
		{"plain", "q=Alice&token=" + tk, 200, "Alice Martin", "Zo"},
		{"escaped key and value", "%71=Zo%C3%AB&%74oken=" + tk, 200, "Zoë Müller", "Alice Martin"},
		{"plus is space", "q=Alice+Martin&token=" + tk, 200, "Alice Martin", "Zo"},
		{"first value wins", "q=Alice&q=Zo&token=" + tk, 200, "Alice Martin", "Zo"},
		{"q before term", "term=Zo&q=Alice&token=" + tk, 200, "Alice Martin", "Zo"},
		{"term alone", "term=Zo&token=" + tk, 200, "Zoë", "Alice Martin"},
		{"bad escape dropped, later pair counts", "q=%zz&q=Zo&token=" + tk, 200, "Zoë", "Alice Martin"},
		{"semicolon pair dropped", "q=Alice;x&token=" + tk, 200, "Alice Martin", ""},
		{"token with semicolon ignored", "token=" + tk + ";x", 401, "", "Alice"},
		{"empty pairs", "&&q=Zo&&token=" + tk + "&", 200, "Zoë", "Alice Martin"},
		{"bad page", "page=0&token=" + tk, 400, "", "Alice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.get("/phonebook/yealink.xml?" + c.query)
			if r.Code != c.code {
				t.Fatalf("%d, want %d: %s", r.Code, c.code, r.Body)
			}
			body := r.Body.String()
			if c.want != "" && !strings.Contains(body, c.want) {
				t.Errorf("body lacks %q: %s", c.want, body)
			}
			if c.wantNot != "" && strings.Contains(body, c.wantNot) {
				t.Errorf("body has %q: %s", c.wantNot, body)
			}
		})
	}
}

// TestCiscoCappedTotal: when the directory reports a total as a lower
// bound (TotalCapped), the Cisco prompt shows it as "N+"; exact totals are
// shown as they are, and the last page shows the exact count.
func TestCiscoCappedTotal(t *testing.T) {
	var cs []*phonebook.Contact
	for i := 0; i < 70; i++ {
		cs = append(cs, contact(fmt.Sprint(100+i), fmt.Sprintf("Person %03d", i), fmt.Sprintf("2%03d", i)))
	}
	for _, c := range []struct {
		name   string
		cap    int
		query  string
		prompt string
	}{
		{"exact", 0, "q=Person", "1-32 of 70"},
		{"capped first page", 40, "q=Person", "1-32 of 40+"},
		{"capped second page", 40, "q=Person&page=2", "33-64 of 64+"},
		{"capped last page is exact", 40, "q=Person&page=3", "65-70 of 70"},
		{"below the cap", 100, "q=Person&page=2", "33-64 of 70"},
		{"few matches", 40, "q=Person+06", "1-10 of 10"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := lab.NewMemDirectory(cs...)
			dir.TotalCap = c.cap
			svc, err := phones.New(context.Background(), dir, lab.NewMemKV(), phones.WithLogger(discardLog()))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			svc.AdminHandler().ServeHTTP(rec, jsonRequest("POST", "/api/v1/phones", strings.NewReader(`{"mac":"0002fdff2103","vendor":"cisco"}`)))
			var p phones.Phone
			if err := decode(rec.Body.Bytes(), &p); err != nil || p.Token == "" {
				t.Fatalf("register: %d %s", rec.Code, rec.Body)
			}
			rec = httptest.NewRecorder()
			svc.PhoneHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/phonebook/cisco.xml?"+c.query+"&token="+p.Token, nil))
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			doc := parseXML(t, rec.Body.Bytes())
			if got := doc.FindElement("/CiscoIPPhoneDirectory/Prompt").Text(); got != c.prompt {
				t.Errorf("prompt %q, want %q", got, c.prompt)
			}
		})
	}
}
