package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// authzPolicy says which scope each route must need, independently of
// what the routes declare: the first rule whose path prefix (the path
// itself, or the path followed by "/") and method match a route gives its
// expected scope. A route no rule covers fails TestAuthorizationMatrix:
// whoever adds a route under a new prefix has to say here who may use it.
var authzPolicy = []struct {
	prefix  string
	methods []string // nil: every method
	scope   platform.Scope
}{
	// The daemon's own routes.
	{prefix: "/healthz", scope: platform.ScopePublic},
	{prefix: "/readyz", scope: platform.ScopePublic},
	{prefix: "/metrics", scope: platform.ScopeAdmin},
	{prefix: "/api/openapi.json", scope: platform.ScopeAdmin},
	// The web console's page and files (no data; the API calls they make
	// are authenticated).
	{prefix: "/{$}", scope: platform.ScopePublic},
	{prefix: "/public", scope: platform.ScopePublic},
	// Desk phones and the PBX: they authenticate on their own.
	{prefix: "/phonebook", scope: platform.ScopePublic},
	{prefix: "/provisioning", scope: platform.ScopePublic},
	{prefix: "/cid", scope: platform.ScopePublic},
	// Contacts: the global book in bulk is the admin's; single contacts are
	// read with contacts:read and changed with contacts:write (personal
	// ones by their owner only, which the handlers check).
	{prefix: "/api/v1/contacts/import", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/contact-imports", scope: platform.ScopeAdmin}, // the imports' progress
	{prefix: "/api/v1/contacts/export", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/contacts/template", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/contacts/{id}/local", scope: platform.ScopeAdmin}, // local edits of synced (global) contacts
	{prefix: "/api/v1/contacts", methods: []string{"GET"}, scope: platform.ScopeContactsRead},
	{prefix: "/api/v1/contacts", scope: platform.ScopeContactsWrite},
	{prefix: "/api/v1/lookup", scope: platform.ScopeContactsRead},
	{prefix: "/api/v1/sources", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/phones", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/callerid", scope: platform.ScopeAdmin}, // the caller-ID tester
	// The dialer.
	{prefix: "/api/v1/campaigns", scope: platform.ScopeDialer},
	{prefix: "/api/v1/dnc", scope: platform.ScopeDialer},
	{prefix: "/api/v1/agents", scope: platform.ScopeDialer},
	{prefix: "/api/v1/dialer", scope: platform.ScopeDialer},
	// The events socket: anyone signed in; each topic needs its own scope,
	// which the socket checks (agent/events).
	{prefix: "/api/v1/events", scope: platform.ScopeSignedIn},
	// Calls: a user acts on their own calls (the handlers answer 404 for
	// another's), an admin on all.
	// The call history: a user's own; a supervisor's (manage_callcenter)
	// or an admin's, everyone's (the handler filters).
	{prefix: "/api/v1/calls/history", methods: []string{"GET"}, scope: platform.ScopeCalls},
	{prefix: "/api/v1/calls", scope: platform.ScopeCalls},
	// Recordings: a user sees their own calls' (the handlers answer 404
	// for another's), holders of the ability recordings (admins) all, and
	// only they delete (403 otherwise).
	{prefix: "/api/v1/recordings", scope: platform.ScopeCalls},
	{prefix: "/api/v1/transfers", scope: platform.ScopeCalls}, // the calls' transfers (the handlers answer 404 for another's)
	// Chat: a user's own rooms (the handlers answer 404 for a room the
	// caller is not a member of).
	{prefix: "/api/v1/chat", scope: platform.ScopeChat},
	// Wallboards: managed by holders of manage_callcenter (admins); a
	// board's data is theirs and its token's (the handlers check which
	// board and the ability); the TV page holds no data.
	{prefix: "/api/v1/wallboards", scope: platform.ScopeWallboard},
	{prefix: "/wallboard/{$}", scope: platform.ScopePublic},
	// Users, web login, OAuth2 apps, CORS, audit.
	{prefix: "/api/v1/login", scope: platform.ScopePublic},
	{prefix: "/api/v1/logout", scope: platform.ScopePublic},
	// Presence: anyone holding presence reads it; one's own state, roster
	// and location are one's own; another user's state needs the ability
	// change_presence (the handler checks it).
	{prefix: "/api/v1/presence", scope: platform.ScopePresence},
	{prefix: "/api/v1/users/me/presence", scope: platform.ScopePresence},
	{prefix: "/api/v1/users/me/roster", scope: platform.ScopePresence},
	{prefix: "/api/v1/users/me/location", scope: platform.ScopePresence},
	{prefix: "/api/v1/users/{id}/presence", scope: platform.ScopePresence},
	// Call groups: members see their groups, holders of manage_callcenter
	// all; one joins, leaves and pauses oneself, others with
	// manage_callcenter; administrators configure groups; a group's
	// statistics need manage_callcenter, a member reads their own (the
	// handlers check the abilities and roles).
	{prefix: "/api/v1/callgroups", scope: platform.ScopeCallGroups},
	{prefix: "/api/v1/users/me/callgroups", scope: platform.ScopeCallGroups},
	// The hotel: administrators and holders of hotel_admin (and apps
	// granted hotel); configuration writes need an administrator, operating
	// rooms hotel_admin (the handlers check the role and the ability).
	{prefix: "/api/v1/hotel", scope: platform.ScopeHotel},
	{prefix: "/api/v1/users/me", scope: platform.ScopeSignedIn},
	{prefix: "/api/v1/users", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/apps", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/cors-origins", scope: platform.ScopeAdmin},
	{prefix: "/api/v1/audit", scope: platform.ScopeAdmin},
	{prefix: "/oauth", scope: platform.ScopePublic},
	{prefix: "/.well-known/oauth-authorization-server", scope: platform.ScopePublic},
}

// expectedScope is the scope authzPolicy gives a route; ok is false when
// no rule covers it.
func expectedScope(method, path string) (s platform.Scope, ok bool) {
	for _, r := range authzPolicy {
		if (path == r.prefix || strings.HasPrefix(path, r.prefix+"/")) && (r.methods == nil || slices.Contains(r.methods, method)) {
			return r.scope, true
		}
	}
	return "", false
}

// matrixPrincipal is one caller of the matrix: the headers that make the
// request theirs, and the scopes they hold (written out here, not asked of
// platform.Principal.Allows, so the matrix checks that too).
type matrixPrincipal struct {
	name   string
	header http.Header // nil: anonymous
	p      platform.Principal
	holds  []platform.Scope // beyond ScopePublic
	forged bool             // credentials that are there but wrong
}

// supervisorScopes and userScopes are what RoleScopes should give.
var (
	userScopes = []platform.Scope{platform.ScopeSignedIn, platform.ScopeContactsRead, platform.ScopeContactsWrite,
		platform.ScopeCalls, platform.ScopePresence, platform.ScopeChat, platform.ScopeCallGroups}
	supervisorScopes = append(slices.Clone(userScopes), platform.ScopeDialer)
	managerScopes    = append(slices.Clone(userScopes), platform.ScopeWallboard)
	everyScope       = append(append([]platform.Scope{platform.ScopeSignedIn}, platform.AppScopes...), platform.ScopeWallboard)
)

// matrixPrincipals are anonymous, the admin token, forged credentials,
// people signed in with each role, and OAuth2 apps holding one scope each
// (acting for an admin, for a plain user, and for themselves).
func matrixPrincipals(adminToken string) []matrixPrincipal {
	session := func(r platform.Role, ab ...platform.Ability) platform.Principal {
		return platform.Principal{Kind: platform.KindSession, UserID: "u-" + string(r), Username: string(r), Role: r, Abilities: ab}
	}
	ps := []matrixPrincipal{
		{name: "anonymous"},
		{name: "admin token", header: http.Header{"Authorization": {"Bearer " + adminToken}}, holds: everyScope},
		{name: "wrong bearer token", header: http.Header{"Authorization": {"Bearer not-the-token"}}},
		{name: "forged", forged: true},
		{name: "session user", p: session(platform.RoleUser), holds: userScopes},
		{name: "session user with the dialer ability", p: session(platform.RoleUser, platform.AbilityDialer),
			holds: supervisorScopes},
		{name: "session supervisor", p: session(platform.RoleSupervisor), holds: supervisorScopes},
		{name: "session user with manage_callcenter", p: session(platform.RoleUser, platform.AbilityManageCallCenter), holds: managerScopes},
		{name: "session user with hotel_admin", p: session(platform.RoleUser, platform.AbilityHotelAdmin), holds: append(slices.Clone(userScopes), platform.ScopeHotel)},
		{name: "wallboard token", p: platform.Principal{Kind: platform.KindWallboard, Wallboard: "w", Groups: []string{"sales"}},
			holds: []platform.Scope{platform.ScopeSignedIn, platform.ScopeWallboard}},
		{name: "session admin", p: session(platform.RoleAdmin), holds: everyScope},
	}
	for _, s := range platform.AppScopes {
		appHolds := []platform.Scope{platform.ScopeSignedIn, s}
		if s == platform.ScopeAdmin {
			appHolds = everyScope // an app granted admin (by an admin) may do what the admin may
		}
		ps = append(ps,
			matrixPrincipal{name: "app token " + string(s) + " for an admin", p: platform.Principal{
				Kind: platform.KindAppUser, UserID: "u-admin", Role: platform.RoleAdmin, AppID: "app-1", Granted: []platform.Scope{s}},
				holds: appHolds},
			matrixPrincipal{name: "client-credentials app " + string(s), p: platform.Principal{
				Kind: platform.KindApp, AppID: "app-2", Granted: []platform.Scope{s}},
				holds: appHolds},
		)
		// An app never gets more than its user holds.
		holds := []platform.Scope{platform.ScopeSignedIn}
		switch {
		case s == platform.ScopeAdmin:
			holds = userScopes // admin stands for every scope, cut down to what the user holds
		case slices.Contains(userScopes, s):
			holds = append(holds, s)
		}
		ps = append(ps, matrixPrincipal{name: "app token " + string(s) + " for a user", p: platform.Principal{
			Kind: platform.KindAppUser, UserID: "u-user", Role: platform.RoleUser, AppID: "app-1", Granted: []platform.Scope{s}},
			holds: holds})
	}
	for i := range ps {
		if ps[i].p.Kind != "" || ps[i].forged {
			ps[i].header = http.Header{"X-Test-Principal": {ps[i].name}}
		}
	}
	return ps
}

// testAuthenticator maps the X-Test-Principal header to a principal: a
// stand-in for the session and OAuth2 authenticators.
type testAuthenticator map[string]platform.Principal

var errForged = errors.New("forged test principal")

// Authenticate implements platform.Authenticator.
func (a testAuthenticator) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	name := r.Header.Get("X-Test-Principal")
	if name == "" {
		return platform.Principal{}, false, nil
	}
	p, ok := a[name]
	if !ok {
		return platform.Principal{}, false, errForged
	}
	return p, true, nil
}

// matrixMux is an HTTP layer over the daemon's components, built as
// New builds the daemon's (the admin token, the body cap) with the test
// authenticator after the admin token. Its routes are checked to be the
// daemon's.
func matrixMux(t *testing.T, d *Daemon, ps []matrixPrincipal) *httpx.Mux {
	t.Helper()
	auth := testAuthenticator{}
	for _, p := range ps {
		if p.p.Kind != "" {
			auth[p.name] = p.p
		}
	}
	m := httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken(d.cfg.AdminToken), auth), httpx.WithMaxBody(d.cfg.HTTP.MaxBodyBytes))
	for _, c := range d.Components() {
		m.Mount(reaching{c})
	}
	key := func(es []httpx.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Component+" "+e.Pattern()+" "+string(e.Scope))
		}
		return out
	}
	if got, want := key(m.Routes()), key(d.Mux().Routes()); !slices.Equal(got, want) {
		t.Fatalf("the matrix's mux differs from the daemon's:\n got %q\nwant %q", got, want)
	}
	return m
}

// reaching is a component whose route handlers mark the request reached
// (see reachedKey) before they serve it: the matrix tells the HTTP
// layer's refusals from a handler's own 401 or 403 (/users/me without a
// user, a phone's Digest challenge).
type reaching struct{ platform.Component }

type reachedKey struct{}

// Routes implements platform.Router.
func (c reaching) Routes() []platform.Route {
	r, ok := c.Component.(platform.Router)
	if !ok {
		return nil
	}
	rs := r.Routes()
	for i := range rs {
		h := rs[i].Handler
		rs[i].Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if reached, ok := r.Context().Value(reachedKey{}).(*bool); ok {
				*reached = true
			}
			h.ServeHTTP(w, r)
		})
	}
	return rs
}

// wildcard matches a path wildcard of a ServeMux pattern.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// matrixPath fills a route's path wildcards with placeholders: the path of
// a request the route, and no other, matches.
func matrixPath(path string) string {
	return wildcard.ReplaceAllStringFunc(path, func(w string) string {
		if w == "{$}" {
			return ""
		}
		return "zz-matrix-placeholder"
	})
}

// firstStatus records the status of a response and cancels the request's
// context once it is written: a stream (the dialer's) ends there, and
// nothing the handler does later matters to the matrix.
type firstStatus struct {
	*httptest.ResponseRecorder
	once   sync.Once
	cancel context.CancelFunc
}

func (w *firstStatus) WriteHeader(code int) {
	w.ResponseRecorder.WriteHeader(code)
	w.once.Do(w.cancel)
}

func (w *firstStatus) Write(b []byte) (int, error) {
	w.once.Do(w.cancel) // Write without WriteHeader: 200
	return w.ResponseRecorder.Write(b)
}

// serve sends req to h and returns the response, once the handler wrote
// its status and returned, and whether it reached the route's handler; a
// handler still running after a deadline fails the test.
func serve(t *testing.T, h http.Handler, req *http.Request) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	reached := new(bool)
	ctx, cancel := context.WithCancel(context.WithValue(req.Context(), reachedKey{}, reached))
	defer cancel()
	w := &firstStatus{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, req.WithContext(ctx))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Errorf("%s %s: the handler wrote no status in 10 s", req.Method, req.URL.Path)
	}
	return w.ResponseRecorder, *reached
}

// TestAuthorizationMatrix sends every route of the daemon (every optional
// feature on: ARI pointing at the fake ARI, so the dialer's routes are
// there) a request from every principal, and checks the answer against
// authzPolicy: anonymous callers and wrong credentials get 401 on every
// route that is not public, a principal without the scope the policy gives
// the route gets 403 (both from the HTTP layer: the route's handler is
// not reached), and one with it gets past authorization: the handler is
// reached and answers (the placeholder ids and empty bodies give 400, 404,
// 415...). The routes come from the daemon's mux: a route added later is
// in the matrix without an edit here, and fails it until authzPolicy says
// who may use it.
func TestAuthorizationMatrix(t *testing.T) {
	d, _ := ariDaemon(t)
	ps := matrixPrincipals(d.cfg.AdminToken)
	mux := matrixMux(t, d, ps)

	// Every pattern on a plain ServeMux: the placeholder path of a route
	// must reach that route.
	patterns := http.NewServeMux()
	for _, r := range d.Mux().Routes() {
		patterns.Handle(r.Pattern(), http.NotFoundHandler())
	}

	routes := d.Mux().Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes: is a feature off?", len(routes))
	}
	for _, rt := range routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			want, ok := expectedScope(rt.Method, rt.Path)
			if !ok {
				t.Errorf("route %s of %s (scope %s) is in no rule of authzPolicy: add one saying who may use it", rt.Pattern(), rt.Component, rt.Scope)
				want = rt.Scope // still sent by every principal below
			} else if rt.Scope != want {
				t.Errorf("route %s of %s needs scope %s, the policy says %s", rt.Pattern(), rt.Component, rt.Scope, want)
			}
			path := matrixPath(rt.Path)
			probe := httptest.NewRequest(rt.Method, path, nil)
			if _, pat := patterns.Handler(probe); pat != rt.Pattern() {
				t.Fatalf("placeholder path %s reaches %q, not %q", path, pat, rt.Pattern())
			}
			for _, p := range ps {
				req := httptest.NewRequest(rt.Method, path, http.NoBody)
				req.RemoteAddr = "127.0.0.1:40000" // on the caller-ID allow-list
				for k, v := range p.header {
					req.Header[k] = v
				}
				resp, reached := serve(t, mux, req)
				code := resp.Code
				switch {
				case want == platform.ScopePublic:
					// The route answers on its own, whoever asks.
					if !reached {
						t.Errorf("%s on public %s: %d %s from the HTTP layer", p.name, rt.Pattern(), code, resp.Body)
					}
				case p.header == nil || p.forged || len(p.holds) == 0:
					if reached || code != http.StatusUnauthorized || errorCode(resp) != platform.CodeUnauthorized || !isMuxUnauthorized(resp) {
						t.Errorf("%s on %s (%s): %d %s (handler reached: %v), want the HTTP layer's 401", p.name, rt.Pattern(), want, code, resp.Body, reached)
					}
				case !slices.Contains(p.holds, want):
					if reached || code != http.StatusForbidden || errorCode(resp) != platform.CodeForbidden {
						t.Errorf("%s on %s (%s): %d %s (handler reached: %v), want the HTTP layer's 403", p.name, rt.Pattern(), want, code, resp.Body, reached)
					}
				default:
					// Past authorization: the handler answers (400, 404,
					// 415 for the placeholders and empty bodies; its own
					// 401 or 403 too, /users/me without a user).
					if !reached || code == 0 {
						t.Errorf("%s on %s (%s): %d %s, the handler was not reached", p.name, rt.Pattern(), want, code, resp.Body)
					}
				}
			}
		})
	}
}

// isMuxUnauthorized reports whether resp is the HTTP layer's 401 for want
// of credentials (a public route's own 401, a phone's Digest challenge,
// is not).
func isMuxUnauthorized(resp *httptest.ResponseRecorder) bool {
	return resp.Code == http.StatusUnauthorized && strings.HasPrefix(resp.Header().Get("WWW-Authenticate"), "Bearer ")
}

// errorCode is the code of an error envelope ("" when the body is not one).
func errorCode(resp *httptest.ResponseRecorder) string {
	var b platform.ErrorBody
	if json.Unmarshal(resp.Body.Bytes(), &b) != nil {
		return ""
	}
	return b.Error.Code
}
