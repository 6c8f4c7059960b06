package users

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

var _ KV = phonebook.BatchKV(nil)

// fastCfg keeps argon2 cheap in tests (the benchmark uses the defaults).
var fastCfg = Config{Argon2Memory: 64, Argon2Time: 1, Argon2Threads: 1}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openBook(t testing.TB, dir string) *phonebook.Store {
	t.Helper()
	n, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, InMemory: dir == "", Numbering: n.Numbering(),
		Logger: quiet(), MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

type env struct {
	t   testing.TB
	st  *phonebook.Store
	s   *Service
	clk *clock.Virtual
	mux http.Handler
}

func newEnv(t testing.TB, cfg Config, opts ...Option) *env {
	t.Helper()
	e := &env{t: t, st: openBook(t, t.TempDir()), clk: clock.NewVirtual(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))}
	e.start(cfg, opts...)
	return e
}

// start (re)opens the service on the env's store.
func (e *env) start(cfg Config, opts ...Option) {
	e.t.Helper()
	s, err := New(context.Background(), e.st.MetaBatch("users"), cfg, append([]Option{WithLogger(quiet()), WithClock(e.clk)}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.s = s
	e.mux = testMux(s)
}

// testAs is the header the test middleware reads a principal from; a
// stand-in for the daemon's other authenticators (admin token, OAuth2).
const testAs = "X-Test-As"

// testMux mounts the routes behind a tiny stand-in of the daemon's HTTP
// layer: a principal from X-Test-As (admin: the admin token; user:ID: an
// app token acting for the user) or from the session cookie, then the
// route's scope.
func testMux(s *Service) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Pattern(), guard(s, rt))
	}
	return mux
}

func guard(s *Service, rt platform.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p platform.Principal
		switch as := r.Header.Get(testAs); {
		case as == "admin":
			p = platform.Principal{Kind: platform.KindAdminToken}
		case strings.HasPrefix(as, "app:"):
			rec, _ := s.user(strings.TrimPrefix(as, "app:"))
			p = platform.Principal{Kind: platform.KindAppUser, UserID: rec.ID, Username: rec.Username, Role: rec.Role,
				Granted: platform.AppScopes}
		default:
			sp, ok, err := s.Authenticate(r)
			if err != nil {
				platform.WriteErr(w, r, err)
				return
			}
			if ok {
				p = sp
			}
		}
		if !p.Allows(rt.Scope) {
			if p.Kind == "" {
				platform.WriteError(w, r, 401, platform.CodeUnauthorized, "sign in", nil)
			} else {
				platform.WriteError(w, r, 403, platform.CodeForbidden, "not allowed", nil)
			}
			return
		}
		rt.Handler.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), p)))
	})
}

// req is one request of a test.
type req struct {
	method, path, body, ctype string
	as                        string // X-Test-As
	cookie                    *http.Cookie
	csrf                      string
	addr                      string
}

func (e *env) do(q req) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.body))
	if q.body != "" || q.ctype != "" {
		ct := q.ctype
		if ct == "" {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
	}
	if q.as != "" {
		r.Header.Set(testAs, q.as)
	}
	if q.cookie != nil {
		r.AddCookie(q.cookie)
	}
	if q.csrf != "" {
		r.Header.Set(CSRFHeader, q.csrf)
	}
	if q.addr != "" {
		r.RemoteAddr = q.addr
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

// mkUser creates a user through the API as admin.
func (e *env) mkUser(body string) User {
	e.t.Helper()
	w := e.do(req{method: "POST", path: "/api/v1/users", body: body, as: "admin"})
	if w.Code != http.StatusCreated {
		e.t.Fatalf("create user: %d %s", w.Code, w.Body)
	}
	var u User
	decode(e.t, w, &u)
	return u
}

// login signs in and returns the cookie and the CSRF token.
func (e *env) login(user, pass string) (*http.Cookie, string) {
	e.t.Helper()
	w := e.do(req{method: "POST", path: "/api/v1/login", body: `{"username":"` + user + `","password":"` + pass + `"}`, addr: "192.0.2.10:40000"})
	if w.Code != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", user, w.Code, w.Body)
	}
	var lr LoginResponse
	decode(e.t, w, &lr)
	for _, c := range w.Result().Cookies() {
		if c.Name == CookieName {
			return c, lr.CSRFToken
		}
	}
	e.t.Fatal("login set no session cookie")
	return nil, ""
}

func decode(t testing.TB, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
}

// errBody decodes an error envelope.
func errBody(t testing.TB, w *httptest.ResponseRecorder) platform.ErrorDetail {
	t.Helper()
	var b platform.ErrorBody
	decode(t, w, &b)
	return b.Error
}

func loginReqHTTP() *http.Request {
	r := httptest.NewRequest("POST", "/", nil)
	r.RemoteAddr = "192.0.2.99:1"
	return r
}

type fakeEndpoints []ari.Endpoint

func (f fakeEndpoints) List(context.Context) ([]ari.Endpoint, error) { return f, nil }
