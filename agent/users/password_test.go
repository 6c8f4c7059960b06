package users

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestPasswordHash(t *testing.T) {
	p := fastCfg.params()
	h, err := HashPassword("correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	if !phcRE.MatchString(h) {
		t.Fatalf("not a PHC string: %s", h)
	}
	if h2, _ := HashPassword("correct horse", p); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		name       string
		hash, pass string
		want       Params
		ok, rehash bool
		err        bool
	}{
		{name: "right", hash: h, pass: "correct horse", want: p, ok: true},
		{name: "wrong", hash: h, pass: "correct horsE", want: p},
		{name: "right, other parameters", hash: h, pass: "correct horse", want: Params{Memory: 128, Time: 1, Threads: 1}, ok: true, rehash: true},
		{name: "wrong, other parameters: no rehash", hash: h, pass: "x", want: Params{Memory: 128, Time: 1, Threads: 1}},
		{name: "argon2i refused", hash: strings.Replace(h, "argon2id", "argon2i", 1), pass: "correct horse", want: p, err: true},
		{name: "old version refused", hash: strings.Replace(h, "v=19", "v=16", 1), pass: "correct horse", want: p, err: true},
		{name: "huge memory refused", hash: strings.Replace(h, "m=64,", "m=99999999,", 1), pass: "x", want: p, err: true},
		{name: "missing parameter", hash: strings.Replace(h, ",p=1", "", 1), pass: "x", want: p, err: true},
		{name: "garbage", hash: "$2a$10$abc", pass: "x", want: p, err: true},
	} {
		ok, rehash, err := VerifyPassword(tc.hash, tc.pass, tc.want)
		if ok != tc.ok || rehash != tc.rehash || (err != nil) != tc.err {
			t.Errorf("%s: ok %v rehash %v err %v", tc.name, ok, rehash, err)
		}
	}
}

// FuzzParsePHC: parsing never panics and never accepts parameters beyond
// the bounds (a stored hash must not make a login allocate gigabytes).
func FuzzParsePHC(f *testing.F) {
	h, _ := HashPassword("x", fastCfg.params())
	for _, s := range []string{h, "$argon2id$v=19$m=1,t=1,p=1$$", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$$$$$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err == nil && (h.p.Memory > maxMemory || h.p.Time > maxTime || h.p.Threads == 0 || len(h.salt) < 8 || len(h.key) < 16) {
			t.Fatalf("accepted %+v", h.p)
		}
	})
}

func FuzzValidateUsername(f *testing.F) {
	for _, s := range []string{"ann", "Ann.Smith@example.com", "-x", "", "a b", "ümlaut", strings.Repeat("a", 65), "101", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateUsername(s) != nil {
			return
		}
		if len(s) == 0 || len(s) > MaxUsernameLen || strings.TrimLeft(usernameKey(s), "abcdefghijklmnopqrstuvwxyz0123456789._-@+") != "" {
			t.Fatalf("accepted %q", s)
		}
		if ValidateUsername(usernameKey(s)) != nil {
			t.Fatalf("%q accepted, its lower case not", s)
		}
	})
}

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"ann@example.com", "Ann <ann@example.com>", "a@b", "@b", "a@", "a b@c.d", "\"a b\"@c.d", "a@b.c\n", strings.Repeat("a", 250) + "@b.cd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateEmail(s) != nil {
			return
		}
		at := strings.LastIndexByte(s, '@')
		if len(s) > MaxEmailLen || at <= 0 || at == len(s)-1 || strings.ContainsAny(s, "<>\r\n\t ") && !strings.HasPrefix(s, "\"") {
			t.Fatalf("accepted %q", s)
		}
	})
}

// BenchmarkPasswordVerify measures one login's password check with the
// default parameters (target 50–100 ms on the deployment machine).
func BenchmarkPasswordVerify(b *testing.B) {
	p := DefaultConfig().params()
	h, err := HashPassword("correct horse battery staple", p)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, _ := VerifyPassword(h, "correct horse battery staple", p); !ok {
			b.Fatal("no match")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/login")
}

// BenchmarkSessionAuthenticate measures checking a session cookie on a
// state-changing request (cookie, hash, lookup, user, CSRF).
func BenchmarkSessionAuthenticate(b *testing.B) {
	e := newEnv(b, fastCfg)
	e.mkUser(`{"username":"ann","password":"ann's password"}`)
	cookie, csrf := e.login("ann", "ann's password")
	r := httptest.NewRequest(http.MethodPost, "/api/v1/x", nil)
	r.AddCookie(cookie)
	r.Header.Set(CSRFHeader, csrf)
	e.clk.Advance(time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := e.s.Authenticate(r); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
