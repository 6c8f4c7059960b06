// Package usersapi serves the users API of agent/users on a loopback
// httptest server for client and command-line tests, until the daemon
// mounts the users component itself.
//
// The server stands in for the daemon's HTTP layer: on every route but
// the public ones (login, logout), a request with the admin bearer token
// acts as the admin token's principal and any other request gets the
// daemon's 401 envelope. The service keeps its users in
// a phonebook store in a temporary directory, with cheap argon2
// parameters.
package usersapi

import (
	"context"
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// Options configure a Server.
type Options struct {
	// Token is the admin bearer token the server accepts. Required.
	Token string
	// Endpoints are what Asterisk lists for import-endpoints; nil leaves
	// the service without an ARI connection (that route answers 503).
	Endpoints []ari.Endpoint
}

// Server is a running users API.
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:port).
	URL string
	// Service is the users component behind it.
	Service *users.Service
}

// fastConfig keeps argon2 cheap in tests.
var fastConfig = users.Config{Argon2Memory: 64, Argon2Time: 1, Argon2Threads: 1}

// Start starts a users API on loopback; tb's cleanup stops it and closes
// the store.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.Token == "" {
		tb.Fatal("usersapi: no token")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
	if err != nil {
		tb.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: tb.TempDir(), Numbering: n.Numbering(), Logger: log, MemoryBudget: 32 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	uopts := []users.Option{users.WithLogger(log)}
	if opts.Endpoints != nil {
		uopts = append(uopts, users.WithEndpoints(endpoints(opts.Endpoints)))
	}
	svc, err := users.New(context.Background(), st.MetaBatch("users"), fastConfig, uopts...)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range svc.Routes() {
		h := rt.Handler
		if rt.Scope != platform.ScopePublic {
			h = asAdmin(opts.Token, h)
		}
		mux.Handle(rt.Pattern(), h)
	}
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Service: svc}
}

// asAdmin lets requests with the admin token through as the admin token's
// principal and answers 401 to the others, as the daemon does.
func asAdmin(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			platform.WriteError(w, r, http.StatusUnauthorized, platform.CodeUnauthorized, "a valid admin bearer token is required", nil)
			return
		}
		p := platform.Principal{Kind: platform.KindAdminToken}
		next.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), p)))
	})
}

type endpoints []ari.Endpoint

func (e endpoints) List(context.Context) ([]ari.Endpoint, error) { return e, nil }
