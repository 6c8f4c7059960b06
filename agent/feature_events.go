package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// eventsFeature is the event hub every feature publishes to and its
// WebSocket, GET /api/v1/events (docs/events.md).
type eventsFeature struct {
	hub *events.Hub
	h   *events.Handler
}

func newEvents(b *build) (platform.Component, error) {
	// The hub hands an event only to the connections it is for, by each
	// one's principal as last read; a change of a user, a session or a
	// token makes it read them again.
	users, oauth := b.d.users, b.d.oauth
	hub, err := events.NewHub(b.cfg.Events, events.WithPrincipalVersion(func() uint64 {
		var v uint64
		if users != nil {
			v += users.Version()
		}
		if oauth != nil {
			v += oauth.Version()
		}
		return v
	}))
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	opts := []events.HandlerOption{events.WithPingInterval(b.cfg.Events.PingInterval), events.WithLogger(b.logger("events"))}
	if u := b.d.users; u != nil {
		// Roles and abilities are read again at each delivery: a user who
		// loses an ability stops getting its events at once.
		opts = append(opts, events.WithPrincipals(func(ctx context.Context, p platform.Principal) (platform.Principal, error) {
			if p.UserID == "" {
				return p, nil // the admin token, a client-credentials app
			}
			cur, err := u.Current(ctx, p.UserID)
			if err != nil {
				return p, err
			}
			p.Role, p.Abilities = cur.Role, cur.Abilities
			return p, nil
		}))
	}
	// Sessions and access tokens are asked about at each batch and ping:
	// a socket ends (4001) once its session or token has.
	var creds credentialCheckers
	if u := b.d.users; u != nil {
		creds = append(creds, u)
	}
	if o := b.d.oauth; o != nil {
		creds = append(creds, o)
	}
	creds = append(creds, &b.d.laterCreds)
	opts = append(opts, events.WithCredentials(creds), events.WithConnectHook(b.d.conns.fire))
	if c := b.d.cors; c != nil {
		opts = append(opts, events.WithAllowedOrigins(c.Allowed))
	}
	b.d.events = hub
	b.d.mux.AddAuthenticator(protocolBearer{b.d.mux})
	h := events.NewHandler(hub, opts...)
	b.d.sockets = h
	b.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_events_connections", Help: "Events WebSockets (GET /api/v1/events) open now.",
	}, func() float64 { return float64(h.Conns()) }))
	b.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_events_window_bytes", Help: "Size of the events kept for clients that resume (events.ring_size, events.ring_age).",
	}, func() float64 { _, n := hub.Held(); return float64(n) }))
	for _, r := range events.DropReasons {
		b.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "pbxagent_events_dropped_total", Help: "Events WebSockets the server ended, by reason.", ConstLabels: prometheus.Labels{"reason": r},
		}, func() float64 { return float64(h.Drops(r)) }))
	}
	return &eventsFeature{hub: hub, h: h}, nil
}

// Name implements platform.Component.
func (*eventsFeature) Name() string { return "events" }

// Routes implements platform.Router.
func (f *eventsFeature) Routes() []platform.Route {
	return []platform.Route{{Method: http.MethodGet, Path: "/api/v1/events", Scope: platform.ScopeSignedIn, Handler: f.h, Op: eventsOp}}
}

// Drain closes every socket with 1001 "server stopping": they would hold
// the HTTP shutdown for its whole timeout.
func (f *eventsFeature) Drain(ctx context.Context) error { return f.h.Close(ctx) }

// Shutdown makes sure no socket is left (one opened while draining).
func (f *eventsFeature) Shutdown(ctx context.Context) error { return f.h.Close(ctx) }

// credentialCheckers asks each issuer of credentials in turn: each
// answers only for the principals it issues.
type credentialCheckers []platform.CredentialChecker

// CheckCredential implements platform.CredentialChecker.
func (cs credentialCheckers) CheckCredential(ctx context.Context, p platform.Principal) error {
	for _, c := range cs {
		if err := c.CheckCredential(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// protocolBearer authenticates an upgrade of GET /api/v1/events that
// carries its bearer token as a subprotocol (a browser's WebSocket cannot
// send Authorization): it hands the token to the mux's authenticators in
// the Authorization header. A token none of them knows is wrong (401).
type protocolBearer struct {
	mux interface {
		Authenticate(r *http.Request) (platform.Principal, bool, error)
	}
}

// Authenticate implements platform.Authenticator.
func (a protocolBearer) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	if r.URL.Path != "/api/v1/events" || r.Header.Get("Authorization") != "" {
		return platform.Principal{}, false, nil
	}
	tok, ok := events.ProtocolToken(r.Header)
	if !ok {
		return platform.Principal{}, false, nil
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+tok)
	p, ok, err := a.mux.Authenticate(r2)
	switch {
	case err != nil:
		return platform.Principal{}, false, err
	case !ok:
		return platform.Principal{}, false, errors.New("events: the token in the subprotocol is not valid")
	}
	return p, true, nil
}

// eventsOp documents GET /api/v1/events.
var eventsOp = platform.Operation{
	Summary: "Live events (WebSocket): calls, presence, chat, call groups, hotel, dialer",
	Description: "A WebSocket (send `Upgrade: websocket`): authenticate with a bearer token (in `Authorization`, or from a browser as the subprotocol " +
		"`pbxagent.bearer.<base64url token>` beside `pbxagent.events`), or with the session cookie from a page " +
		"of this server or of an allowed CORS origin (`Origin` is checked). The server sends a `welcome` message, then events " +
		"`{\"op\":\"event\",\"seq\",\"time\",\"topic\",\"type\",\"data\"}` of the topics subscribed to " +
		"(`{\"op\":\"subscribe\",\"topics\":[...]}`, each topic needing its scope) that the caller may see. " +
		"Reconnect with `since` (the last `seq` received) to get every event missed within the window " +
		"(`events.ring_size`, `events.ring_age`); outside it the server sends `resync_required`. " +
		"Close codes: 1001 server stopping, 4001 session ended (signed out, expired, token revoked), 4003 account disabled, 4008 slow consumer. See docs/events.md.",
	Params: []platform.Param{
		{Name: "since", In: "query", Description: "Resume after this sequence number (the last `seq` received)",
			Schema: map[string]any{"type": "integer", "minimum": 0}, Example: 1765098000000042},
		{Name: "topics", In: "query", Description: "Topics to subscribe to at once, comma-separated (calls, presence, chat, callgroups, hotel, dialer)",
			Example: "calls,presence"},
	},
	Responses: map[int]platform.Body{
		101: {Description: "switching to the WebSocket protocol"},
		400: {Description: "a bad `since` or an unknown topic"},
		403: {Description: "a topic without its scope, or the session cookie from a foreign origin"},
		426: {Description: "not a WebSocket request"},
		503: {Description: "the server is stopping"},
	},
}

// publishEvery bounds how often a feature's snapshot is published on its topic.
const publishEvery = 200 * time.Millisecond
