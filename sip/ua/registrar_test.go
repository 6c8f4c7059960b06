package ua

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// rawRegister builds a REGISTER for user as a phone would send it, parsed
// by sipgo's parser; source is the packet's source address.
func rawRegister(t testing.TB, user, callID string, cseq int, transport, source string, extra ...string) *sip.Request {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER sip:pbx.test SIP/2.0\r\n")
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s%d\r\n", transport, source, callID, cseq)
	fmt.Fprintf(&b, "From: <sip:%s@pbx.test>;tag=ft%s\r\n", user, callID)
	fmt.Fprintf(&b, "To: <sip:%s@pbx.test>\r\n", user)
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d REGISTER\r\nMax-Forwards: 70\r\n", callID, cseq)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	m, err := sip.ParseMessage([]byte(b.String()))
	if err != nil {
		t.Fatalf("parse REGISTER: %v\n%s", err, b.String())
	}
	req := m.(*sip.Request)
	req.SetSource(source)
	return req
}

// authorize adds an Authorization answering chal (a WWW-Authenticate value).
func authorize(t testing.TB, req *sip.Request, chal, user, password string) {
	t.Helper()
	c, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatalf("challenge %q: %v", chal, err)
	}
	cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: req.Recipient.String(), Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	req.RemoveHeader("Authorization")
	req.AppendHeader(sip.NewHeader("Authorization", cred.String()))
}

// challengeFor gets a fresh challenge from r.
func challengeFor(t testing.TB, r *Registrar, user string) string {
	t.Helper()
	rep, _ := r.handle(rawRegister(t, user, "chal", 1, "UDP", "10.0.0.5:5060", "Contact: <sip:x@10.0.0.5>"))
	if rep.status != 401 || len(rep.headers) != 1 || rep.headers[0].Name() != "WWW-Authenticate" {
		t.Fatalf("unauthenticated REGISTER answered %d %v, want 401 with WWW-Authenticate", rep.status, rep.headers)
	}
	return rep.headers[0].Value()
}

// registerAs sends req authenticated as user/password and returns the
// answer and the Contact list.
func registerAs(t testing.TB, r *Registrar, req *sip.Request, user, password string) (*regReply, map[string]string) {
	t.Helper()
	authorize(t, req, challengeFor(t, r, user), user, password)
	rep, list := r.handle(req)
	got := map[string]string{}
	for _, h := range list {
		c := h.(*sip.ContactHeader)
		got[c.Address.String()] = c.Params.GetOr("expires", "?")
	}
	return rep, got
}

func TestRegistrarBindings(t *testing.T) {
	v := clock.NewVirtual(regStart)
	r := NewRegistrar(RegistrarConfig{Password: passwords(map[string]string{"alice": "pw"}), Clock: v,
		MinExpires: 60 * time.Second, MaxExpires: 3600 * time.Second, MaxContacts: 2})
	const (
		desk   = "sip:alice@10.0.0.5:5060"
		mobile = "sip:alice@10.0.0.6:5060"
		soft   = "sip:alice@10.0.0.7:5060"
	)
	steps := []struct {
		name       string
		at         time.Duration // since regStart
		callID     string
		cseq       int
		source     string
		headers    []string
		wantStatus int
		wantList   map[string]string // contact → expires, on 200
		wantLookup string            // "" means none
		wantMinExp string            // Min-Expires on 423
	}{
		{name: "first contact, Expires header", callID: "d", cseq: 1, source: "10.0.0.5:5060",
			headers: []string{"Contact: <" + desk + ">", "Expires: 600"}, wantStatus: 200,
			wantList: map[string]string{desk: "600"}, wantLookup: desk},
		{name: "second contact, expires parameter wins over the header", at: 10 * time.Second, callID: "m", cseq: 1, source: "10.0.0.6:5060",
			headers: []string{"Contact: <" + mobile + ">;expires=300", "Expires: 900"}, wantStatus: 200,
			wantList: map[string]string{desk: "590", mobile: "300"}, wantLookup: mobile},
		{name: "expires=0 removes one", at: 20 * time.Second, callID: "m", cseq: 2, source: "10.0.0.6:5060",
			headers: []string{"Contact: <" + mobile + ">;expires=0"}, wantStatus: 200,
			wantList: map[string]string{desk: "580"}, wantLookup: desk},
		{name: "below MinExpires is 423", at: 30 * time.Second, callID: "d", cseq: 2, source: "10.0.0.5:5060",
			headers: []string{"Contact: <" + desk + ">", "Expires: 30"}, wantStatus: 423, wantMinExp: "60", wantLookup: desk},
		{name: "above MaxExpires is capped", at: 40 * time.Second, callID: "d", cseq: 3, source: "10.0.0.5:5060",
			headers: []string{"Contact: <" + desk + ">;expires=99999"}, wantStatus: 200,
			wantList: map[string]string{desk: "3600"}, wantLookup: desk},
		{name: "no Expires anywhere is 3600", at: 45 * time.Second, callID: "m", cseq: 3, source: "10.0.0.6:5060",
			headers: []string{"Contact: <" + mobile + ">"}, wantStatus: 200,
			wantList: map[string]string{desk: "3595", mobile: "3600"}, wantLookup: mobile},
		{name: "a contact beyond MaxContacts replaces the least recent", at: 50 * time.Second, callID: "s", cseq: 1, source: "10.0.0.7:5060",
			headers: []string{"Contact: <" + soft + ">", "Expires: 120"}, wantStatus: 200,
			wantList: map[string]string{mobile: "3595", soft: "120"}, wantLookup: soft},
		{name: "same Call-ID, CSeq not above is out of order", at: 55 * time.Second, callID: "s", cseq: 1, source: "10.0.0.7:5060",
			headers: []string{"Contact: <" + soft + ">", "Expires: 0"}, wantStatus: 400, wantLookup: soft},
		{name: "bad Expires header", at: 56 * time.Second, callID: "s", cseq: 5, source: "10.0.0.7:5060",
			headers: []string{"Contact: <" + soft + ">", "Expires: soon"}, wantStatus: 400, wantLookup: soft},
		{name: "binding expires; a REGISTER without Contact lists the bindings", at: 171 * time.Second, callID: "d", cseq: 4, source: "10.0.0.5:5060",
			wantStatus: 200, wantList: map[string]string{mobile: "3474"}, wantLookup: mobile},
		{name: "star without Expires 0 is refused", at: 180 * time.Second, callID: "d", cseq: 5, source: "10.0.0.5:5060",
			headers: []string{"Contact: *", "Expires: 60"}, wantStatus: 400, wantLookup: mobile},
		{name: "star with another contact is refused", at: 181 * time.Second, callID: "d", cseq: 6, source: "10.0.0.5:5060",
			headers: []string{"Contact: *", "Contact: <" + desk + ">", "Expires: 0"}, wantStatus: 400, wantLookup: mobile},
		{name: "star with Expires 0 removes all", at: 190 * time.Second, callID: "d", cseq: 7, source: "10.0.0.5:5060",
			headers: []string{"Contact: *", "Expires: 0"}, wantStatus: 200, wantList: map[string]string{}},
	}
	for _, st := range steps {
		v.AdvanceTo(regStart.Add(st.at))
		req := rawRegister(t, "alice", st.callID, st.cseq, "UDP", st.source, st.headers...)
		rep, list := registerAs(t, r, req, "alice", "pw")
		if rep.status != st.wantStatus {
			t.Fatalf("%s: answered %d %s, want %d", st.name, rep.status, rep.reason, st.wantStatus)
		}
		if st.wantStatus == 200 && fmt.Sprint(list) != fmt.Sprint(st.wantList) {
			t.Fatalf("%s: 200 lists %v, want %v", st.name, list, st.wantList)
		}
		if st.wantMinExp != "" {
			if len(rep.headers) != 1 || rep.headers[0].Name() != "Min-Expires" || rep.headers[0].Value() != st.wantMinExp {
				t.Fatalf("%s: headers %v, want Min-Expires: %s", st.name, rep.headers, st.wantMinExp)
			}
		}
		got, ok := r.Lookup("alice")
		if ok != (st.wantLookup != "") || got != st.wantLookup {
			t.Fatalf("%s: Lookup = %q, %v; want %q", st.name, got, ok, st.wantLookup)
		}
	}
	if n := len(r.users); n != 0 {
		t.Fatalf("%d users left in the table after removing all", n)
	}
}

func TestRegistrarAuth(t *testing.T) {
	tests := []struct {
		name       string
		user       string // To user
		authUser   string // digest username ("" = user)
		password   string
		advance    time.Duration // between challenge and answer
		mutate     func(string) string
		wantStatus int
		wantStale  bool
	}{
		{name: "good", user: "alice", password: "pw", wantStatus: 200},
		{name: "wrong password", user: "alice", password: "nope", wantStatus: 401},
		{name: "unknown user", user: "mallory", password: "pw", wantStatus: 401},
		{name: "digest username is not the To user", user: "alice", authUser: "bob", password: "pw-bob", wantStatus: 403},
		{name: "stale nonce, right password", user: "alice", password: "pw", advance: 6 * time.Minute, wantStatus: 401, wantStale: true},
		{name: "stale nonce, wrong password", user: "alice", password: "nope", advance: 6 * time.Minute, wantStatus: 401},
		{name: "nonce from the future", user: "alice", password: "pw", advance: -time.Minute, wantStatus: 401, wantStale: true},
		{name: "forged nonce", user: "alice", password: "pw", wantStatus: 401,
			mutate: func(a string) string {
				i := strings.Index(a, `nonce="`) + len(`nonce="`)
				j := i + strings.IndexByte(a[i:], '"')
				return a[:i] + strings.Repeat("A", j-i) + a[j:]
			}},
		{name: "other realm", user: "alice", password: "pw", wantStatus: 401,
			mutate: func(a string) string { return strings.Replace(a, `realm="pbxagent"`, `realm="evil"`, 1) }},
		{name: "garbled Authorization", user: "alice", password: "pw", wantStatus: 400,
			mutate: func(a string) string { return `Digest username="alice", nc=zz` }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := clock.NewVirtual(regStart)
			r := NewRegistrar(RegistrarConfig{Realm: "pbxagent", Clock: v,
				Password: passwords(map[string]string{"alice": "pw", "bob": "pw-bob"})})
			chal := challengeFor(t, r, tc.user)
			for _, want := range []string{`realm="pbxagent"`, `qop="auth"`, `algorithm=MD5`} {
				if !strings.Contains(chal, want) {
					t.Fatalf("challenge %q lacks %s", chal, want)
				}
			}
			v.Advance(max(tc.advance, 0))
			if tc.advance < 0 {
				// A nonce issued after now (the clock stepped back).
				chal = strings.Replace(chal, nonceOf(t, chal), r.nonce.make(regStart.Add(-tc.advance)), 1)
			}
			req := rawRegister(t, tc.user, "c1", 2, "UDP", "10.0.0.5:5060", "Contact: <sip:"+tc.user+"@10.0.0.5>", "Expires: 600")
			authUser := tc.authUser
			if authUser == "" {
				authUser = tc.user
			}
			authorize(t, req, chal, authUser, tc.password)
			if tc.mutate != nil {
				h := req.GetHeader("Authorization").Value()
				req.RemoveHeader("Authorization")
				req.AppendHeader(sip.NewHeader("Authorization", tc.mutate(h)))
			}
			rep, _ := r.handle(req)
			if rep.status != tc.wantStatus {
				t.Fatalf("answered %d %s, want %d", rep.status, rep.reason, tc.wantStatus)
			}
			if rep.status == 401 {
				c, err := digest.ParseChallenge(rep.headers[0].Value())
				if err != nil {
					t.Fatal(err)
				}
				if c.Stale != tc.wantStale {
					t.Fatalf("stale=%v, want %v", c.Stale, tc.wantStale)
				}
				if c.Nonce == nonceOf(t, chal) {
					t.Fatal("the new challenge reuses the refused nonce")
				}
			}
			_, bound := r.Lookup(tc.user)
			if bound != (tc.wantStatus == 200) {
				t.Fatalf("Lookup found a binding: %v, want %v", bound, tc.wantStatus == 200)
			}
		})
	}
}

func nonceOf(t testing.TB, chal string) string {
	t.Helper()
	c, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatal(err)
	}
	return c.Nonce
}

// TestRegistrarFailedAuthKeepsNoState: challenges and failed attempts for
// many unknown users leave nothing behind (the nonce is stateless).
func TestRegistrarFailedAuthKeepsNoState(t *testing.T) {
	r := NewRegistrar(RegistrarConfig{Password: passwords(map[string]string{"alice": "pw"})})
	for i := range 2000 {
		user := fmt.Sprintf("u%d", i)
		req := rawRegister(t, user, "c", 2, "UDP", "10.0.0.5:5060", "Contact: <sip:x@10.0.0.5>")
		authorize(t, req, challengeFor(t, r, user), user, "guess")
		if rep, _ := r.handle(req); rep.status != 401 {
			t.Fatalf("user %s answered %d", user, rep.status)
		}
	}
	if n := len(r.users); n != 0 {
		t.Fatalf("%d users in the table after only failed attempts", n)
	}
}

func TestRegistrarNATTarget(t *testing.T) {
	tests := []struct {
		name      string
		contact   string
		source    string
		transport string
		want      string
	}{
		{name: "contact is the source", contact: "sip:101@10.0.0.5:5062", source: "10.0.0.5:5062", transport: "UDP",
			want: "sip:101@10.0.0.5:5062"},
		{name: "default port", contact: "sip:101@10.0.0.5", source: "10.0.0.5:5060", transport: "UDP",
			want: "sip:101@10.0.0.5"},
		{name: "private contact behind NAT", contact: "sip:101@192.168.1.10:5060;ob", source: "203.0.113.7:40123", transport: "UDP",
			want: "sip:101@203.0.113.7:40123;ob"},
		{name: "same host, NAT changed the port", contact: "sip:101@203.0.113.7:5060", source: "203.0.113.7:1024", transport: "UDP",
			want: "sip:101@203.0.113.7:1024"},
		{name: "TCP rides the phone's connection", contact: "sip:101@192.168.1.10:5060", source: "203.0.113.7:50000", transport: "TCP",
			want: "sip:101@203.0.113.7:50000;transport=tcp"},
		{name: "TCP contact keeps its transport", contact: "sip:101@192.168.1.10:5060;transport=TCP", source: "203.0.113.7:50000", transport: "TCP",
			want: "sip:101@203.0.113.7:50000;transport=TCP"},
		{name: "IPv6", contact: "sip:101@[2001:db8::5]:5060", source: "[2001:db8::5]:5060", transport: "UDP",
			want: "sip:101@[2001:db8::5]:5060"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var u sip.Uri
			if err := sip.ParseUri(tc.contact, &u); err != nil {
				t.Fatal(err)
			}
			if got := natTarget(u, tc.source, tc.transport); got != tc.want {
				t.Fatalf("natTarget = %q, want %q", got, tc.want)
			}
		})
	}
	// And through a REGISTER over TCP from behind a NAT.
	r := NewRegistrar(RegistrarConfig{Password: passwords(map[string]string{"101": "pw"})})
	req := rawRegister(t, "101", "c", 2, "TCP", "203.0.113.7:50000", "Contact: <sip:101@192.168.1.10:5060>")
	if rep, _ := registerAs(t, r, req, "101", "pw"); rep.status != 200 {
		t.Fatalf("answered %d %s", rep.status, rep.reason)
	}
	if got, _ := r.Lookup("101"); got != "sip:101@203.0.113.7:50000;transport=tcp" {
		t.Fatalf("Lookup = %q", got)
	}
	bs := r.Bindings("101")
	if len(bs) != 1 || bs[0].Contact != "sip:101@192.168.1.10:5060" || bs[0].Source != "203.0.113.7:50000" || bs[0].Transport != "TCP" {
		t.Fatalf("Bindings = %+v", bs)
	}
}
