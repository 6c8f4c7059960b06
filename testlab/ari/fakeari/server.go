// Package fakeari is an Asterisk stand-in for tests: an HTTP + WebSocket
// server speaking the ARI subset pbxagent uses, with Asterisk's auth, status
// codes and error bodies (Asterisk's res/res_ari.c ast_ari_response_error and
// res/ari/resource_channels.c; the ones observed on Asterisk 22.10.1 are
// checked by TestObservedOnRealAsterisk), a channel state machine driven by a
// clock.Clock (virtual in simulations, real in the fake-asterisk binary),
// scripted far ends (customers, agents), inbound calls into Stasis apps and
// injected failures (WebSocket drops, application replaced, restart).
//
// Every request it accepts and every event it sends is checked against the
// embedded ARI specification (testlab/ari/spec); Problems lists deviations,
// so a test can assert the traffic it produced is spec-conformant.
//
// Asynchronous work (dialing, ringing, answer, talk time, playback and
// recording durations) is scheduled on the clock: with a *clock.Virtual
// nothing happens until the test advances it, and a dial starts at the
// originate's virtual instant once the clock is advanced (even by 0 via Next).
package fakeari

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/spec"
)

// Server is the fake Asterisk. Create it with New; serve Handler() yourself
// or call Start.
type Server struct {
	clk         clock.Clock
	user        string
	pass        string
	log         *slog.Logger
	spec        *spec.Spec
	check       bool
	strict      bool
	entityID    string
	writeTO     time.Duration
	amdCtx      string
	media       func(uri string) (time.Duration, bool)
	peers       []peerRule
	defaultPeer Peer
	history     int
	noise       bool
	keepAlive   time.Duration
	noRecDir    bool
	amdBroken   bool
	tap         func(ev []byte, at time.Time) // WithEventTap
	labels      map[string]map[string]int     // context → label → priority (WithDialplanLabels)

	mu        sync.Mutex
	rng       *rand.Rand
	startup   time.Time
	seq       int
	channels  map[string]*channel
	gone      map[string]ChannelSnapshot
	goneOrder []string
	bridges   map[string]*bridge
	playbacks map[string]*playback
	recs      map[string]*recording
	stored    map[string]storedRec // stored recordings by name
	apps      map[string]*app
	sessions  map[*session]struct{}
	globals   map[string]string
	devices   map[string]string
	endpoints []string
	// presence is astdb family CustomPresence (presence.go); epStates the
	// endpoints' states set by SetEndpointState (default online).
	presence map[string]string
	epStates map[string]string
	// astdb holds DB() values and mailboxes the mailboxes (astdb.go);
	// liveDangerously lets DB() through ARI.
	astdb           map[string]string
	mailboxes       map[string]mailbox
	liveDangerously bool
	messages        []TextMessage // sent with PUT /endpoints/sendMessage
	problems        []spec.Problem
	stats           Stats
	closed          bool

	stopStart chan struct{}
	changed   chan struct{}
	closeDone chan struct{}

	wg     sync.WaitGroup // the HTTP server
	sessWG sync.WaitGroup // WebSocket handlers and watchers
	srv    *http.Server
	lsnr   net.Listener
}

// Stats counts what the fake did.
type Stats struct {
	// Requests counts REST requests (all statuses).
	Requests int
	// EventsSent counts events queued to WebSockets.
	EventsSent int
	// EventsUnheard counts events for apps with no WebSocket (lost, as on Asterisk).
	EventsUnheard int
	// Originates counts accepted originates.
	Originates int
	// Inbound counts inbound calls placed.
	Inbound int
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock (default clock.Real{}).
func WithClock(c clock.Clock) Option { return func(s *Server) { s.clk = c } }

// WithAuth sets the single ARI user (default "asterisk"/"asterisk").
func WithAuth(user, pass string) Option { return func(s *Server) { s.user, s.pass = user, pass } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithSeed seeds the random source of scripted peers (default 1).
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithContractCheck turns checking of requests and events against the
// specification on or off (default on; off saves time in benchmarks).
func WithContractCheck(on bool) Option { return func(s *Server) { s.check = on } }

// WithStrict makes requests that do not conform to the specification fail
// with 400 (Asterisk itself ignores unknown parameters); default off: they
// are recorded in Problems.
func WithStrict() Option { return func(s *Server) { s.strict = true } }

// WithWriteTimeout sets the WebSocket write timeout after which a slow
// reader is disconnected (Asterisk's websocket_write_timeout, default 100 ms
// there; 2 s here so loaded CI machines do not flap).
func WithWriteTimeout(d time.Duration) Option { return func(s *Server) { s.writeTO = d } }

// WithAMD makes `continue` into context ctx run a simulated AMD(): after the
// analysis time the channel re-enters the Stasis app it left with args
// ["amd", AMDSTATUS, AMDCAUSE], as a dialplan `AMD()` followed by
// `Stasis(app,amd,${AMDSTATUS},${AMDCAUSE})` would do (AMD() and the
// variables it sets: Asterisk apps/app_amd.c), and the variables
// AMDSTATUS/AMDCAUSE are set. MACHINE when the peer plan says so.
func WithAMD(ctx string) Option { return func(s *Server) { s.amdCtx = ctx } }

// WithMediaDuration sets how long media URIs play; ok=false makes the
// playback fail. Default: see DefaultMediaDuration.
func WithMediaDuration(f func(uri string) (time.Duration, bool)) Option {
	return func(s *Server) { s.media = f }
}

// WithEndpoints lists endpoints ("PJSIP/agent1") reported by GET /endpoints.
func WithEndpoints(eps ...string) Option {
	return func(s *Server) { s.endpoints = append(s.endpoints, eps...) }
}

// WithEntityID sets Asterisk's entity id (default "02:fa:ce:00:00:01").
func WithEntityID(id string) Option { return func(s *Server) { s.entityID = id } }

// WithNoise makes the stand-in also send events a real Asterisk sends that
// pbxagent does not ask for: ChannelConnectedLine when an outbound leg
// answers, ChannelVarset BRIDGEPEER when channels share a bridge, and
// ChannelDialplan when a channel still subscribed runs dialplan after
// continue. Code must tolerate them; tests can turn them on to prove it.
func WithNoise() Option { return func(s *Server) { s.noise = true } }

// WithKeepAlive sets how long an idle HTTP connection is kept open
// (Asterisk's http.conf session_keep_alive, default 15 s: main/http.c
// DEFAULT_SESSION_KEEP_ALIVE). A client that keeps idle connections longer
// than this sends requests on connections being closed.
func WithKeepAlive(d time.Duration) Option { return func(s *Server) { s.keepAlive = d } }

// WithoutRecordingDir makes recording fail as on an Asterisk whose
// spool/recording directory is missing: POST .../record answers 500.
func WithoutRecordingDir() Option { return func(s *Server) { s.noRecDir = true } }

// WithAMDBroken makes the AMD context of WithAMD fail as on an Asterisk
// without amd.conf (app_amd declines to load): a channel continued into it
// leaves the app and is hung up by the dialplan (cause 0) instead of
// coming back with an AMD result.
func WithAMDBroken() Option { return func(s *Server) { s.amdBroken = true } }

// WithDialplanLabels declares the priority labels of a dialplan context
// (the same in every extension of it), e.g. {"noanswer": 5}. `continue`
// with a label into a context that declares labels does what
// ast_ari_channels_continue_in_dialplan (res/ari/resource_channels.c) does:
// a numeric label is the priority itself; a label ast_findlabel_extension
// does not find answers 404 "Requested label can not be found". In a
// context without declared labels the stand-in knows no dialplan and any
// label goes to priority 1.
func WithDialplanLabels(context string, labels map[string]int) Option {
	return func(s *Server) {
		if s.labels == nil {
			s.labels = map[string]map[string]int{}
		}
		s.labels[context] = labels
	}
}

// WithHistory sets how many destroyed channels Channel() still reports (default 10000).
func WithHistory(n int) Option { return func(s *Server) { s.history = n } }

// New returns a fake Asterisk.
func New(opts ...Option) *Server {
	s := &Server{
		clk:         clock.Real{},
		user:        "asterisk",
		pass:        "asterisk",
		log:         slog.New(slog.DiscardHandler),
		spec:        spec.MustLoad(),
		check:       true,
		entityID:    "02:fa:ce:00:00:01",
		writeTO:     2 * time.Second,
		media:       DefaultMediaDuration,
		history:     10000,
		defaultPeer: Agent{AnswerAfter: time.Second},
		keepAlive:   15 * time.Second,
	}
	for _, o := range opts {
		o(s)
	}
	if s.rng == nil {
		WithSeed(1)(s)
	}
	s.reset()
	return s
}

func (s *Server) reset() {
	s.startup = s.clk.Now()
	s.channels = map[string]*channel{}
	s.gone = map[string]ChannelSnapshot{}
	s.goneOrder = nil
	s.bridges = map[string]*bridge{}
	s.playbacks = map[string]*playback{}
	s.recs = map[string]*recording{}
	s.stored = map[string]storedRec{}
	s.apps = map[string]*app{}
	if s.sessions == nil {
		s.sessions = map[*session]struct{}{}
	}
	s.globals = map[string]string{}
	// ARI device states and custom presence states live in astdb
	// (res_stasis_device_state.c, func_presencestate.c): they survive a
	// restart.
	if s.devices == nil {
		s.devices = map[string]string{}
	}
	if s.presence == nil {
		s.presence = map[string]string{}
	}
	if s.astdb == nil {
		s.astdb = map[string]string{}
	}
	if s.mailboxes == nil {
		s.mailboxes = map[string]mailbox{}
	}
}

// Handler returns the HTTP handler: /ari/... (REST and events) and
// /testlab/... (control API, see README).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ari/", s.serveARI)
	mux.HandleFunc("/testlab/", s.serveControl)
	return mux
}

// Start listens on addr ("127.0.0.1:0" for any port) and serves until
// Close or ctx ends. It returns the base URL, e.g. "http://127.0.0.1:8088".
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fakeari: listen %s: %w", addr, err)
	}
	s.lsnr = l
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: s.keepAlive}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("fakeari: serve", "err", err)
		}
	}()
	stop := make(chan struct{})
	s.mu.Lock()
	s.stopStart = stop
	s.mu.Unlock()
	// The watcher is not in wg: it may call Close, which waits for wg.
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-stop:
		}
	}()
	return "http://" + l.Addr().String(), nil
}

// Close drops every WebSocket, stops the HTTP server (if started) and
// stops all pending timers.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		done := s.closeDone
		s.mu.Unlock()
		<-done // a concurrent Close finishes the shutdown
		return nil
	}
	s.closed = true
	s.closeDone = make(chan struct{})
	defer close(s.closeDone)
	s.dropSessionsLocked()
	for _, c := range s.channels {
		c.stopTimers()
	}
	for _, p := range s.playbacks {
		if p.timer != nil {
			p.timer.Stop()
		}
	}
	for _, r := range s.recs {
		if r.timer != nil {
			r.timer.Stop()
		}
	}
	stop := s.stopStart
	s.mu.Unlock()
	var err error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.srv.Shutdown(ctx)
		cancel()
	}
	if stop != nil {
		close(stop)
	}
	s.wg.Wait()
	s.sessWG.Wait()
	return err
}

// Problems returns every way the traffic so far departed from the ARI
// specification (requests received and events sent).
func (s *Server) Problems() []spec.Problem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]spec.Problem(nil), s.problems...)
}

// Stats returns counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// now returns the clock time (called with s.mu held or not).
func (s *Server) now() time.Time { return s.clk.Now() }

// after runs f with s.mu held once d has elapsed on the clock.
func (s *Server) after(d time.Duration, f func()) clock.Timer {
	return s.clk.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		f()
		s.changedLocked()
	})
}
