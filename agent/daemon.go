package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pbxagent/pbxagent/agent/audit"
	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/callgroups/queuelog"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/agent/oauth"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/presence"
	"github.com/pbxagent/pbxagent/agent/recordings"
	"github.com/pbxagent/pbxagent/agent/tlsconf"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// Daemon is one running pbxagent: a store, the components built from
// the configuration (features) and one HTTP layer over their routes.
type Daemon struct {
	cfg   config.Config
	log   *slog.Logger
	store *phonebook.Store
	reg   *prometheus.Registry
	mux   *httpx.Mux
	comps []platform.Component

	// Shared between features while they are built, and used by the
	// daemon (the fast lane, tests).
	phones *phones.Service
	cid    *callerID
	ari    *ari.Conn
	dialer *dialer.Dialer
	// sipUA is pbxagent's own SIP user agent (feature_sipua.go), nil when
	// sip_ua.addr is empty: the dialer's "sip" campaigns and click-to-call
	// on SIP run over it.
	sipUA  *ua.Agent
	events *events.Hub
	// sockets is the events WebSocket: who has a client connected.
	sockets *events.Handler
	users   *users.Service
	// presence and conns: presence, and the events socket's hook to it
	// (feature_presence.go).
	presence *presence.Service
	conns    connHook
	// devs tells presence (built after users) that users' devices changed.
	devs  devicesHook
	audit *audit.Log
	recs  *recordings.Service
	// callsEng is the calls engine (feature_calls.go); the call groups'
	// telephony runs over it (callgroups_telephony.go).
	callsEng *calls.Engine
	cors     *oauth.CORS
	oauth    *oauth.Server
	sync     *dirsync.Engine
	tls      *tlsconf.Reloader
	queueLog *queuelog.Writer // feature_callgroups_stats.go; reopened by Reload
	tlsLn    net.Listener
	tlsSrv   *http.Server

	// laterCreds: credential checkers of features built after the events
	// socket (wallboard tokens, feature_wallboard.go).
	laterCreds credentialHook
	// callgroups is the ACD (feature_callgroups.go); cgJournals are
	// where its journal entries go (statistics, queue_log), set by their
	// features before it is built.
	callgroups *callgroups.ACD
	cgJournals []callgroups.Journal
	// cgStats are the call groups' statistics (feature_callgroups.go),
	// which the wallboard reads.
	cgStats callgroups.Stats
	// hotel is the hotel manager (feature_hotel.go); the PBX side and the
	// PMS link attach to it.
	hotel *manager.Manager

	// TokenPath is where a generated admin token was written ("" when the
	// token came from the configuration); TokenCreated says it is new.
	TokenPath    string
	TokenCreated bool

	httpSrv *http.Server
	lane    *fastlane.Server // in front of httpSrv
	httpLn  net.Listener

	// wrapHTTP, when set (by tests), wraps the HTTP listener Start opens.
	wrapHTTP func(net.Listener) net.Listener

	cancel    context.CancelFunc
	listening []platform.Listener // whose Listen was called, in order
	wg        sync.WaitGroup
	errMu     sync.Mutex
	errs      []error
}

// New opens the store and builds every component; nothing listens yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	norm, err := number.New(number.Config{
		DefaultRegion: cfg.Numbers.DefaultRegion, ExtensionMaxLen: cfg.Numbers.ExtensionMaxLen,
		TrunkPrefixes: cfg.Numbers.TrunkPrefixes, AcceptPossible: cfg.Numbers.AcceptPossible,
	})
	if err != nil {
		return nil, fmt.Errorf("config numbers: %w", err)
	}
	if cfg.MemoryLimitMB > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMB) << 20)
	}
	d := &Daemon{cfg: cfg, log: httpx.Logger(log), reg: prometheus.NewRegistry()}
	log = d.log
	token, path, created, err := adminToken(cfg.AdminToken, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	d.TokenPath, d.TokenCreated = path, created
	ok := false
	if created {
		// A token nobody was told about is no use: when New fails, the
		// next start generates it again and prints where it is.
		defer func() {
			if !ok {
				_ = os.Remove(path)
			}
		}()
	}
	d.store, err = phonebook.Open(ctx, phonebook.Options{
		Dir: cfg.DataDir + "/badger", Numbering: number.Numbering{Normalizer: norm}, Logger: log.With("component", "store"),
		MemoryBudget: int64(cfg.Store.MemoryMB) << 20, DiskReserve: cfg.Store.DiskReserve, CloseTimeout: cfg.Store.CloseTimeout,
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if !ok {
			d.shutdown(context.Background(), d.comps)
			_ = d.store.Close()
		}
	}()
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_store_bytes", Help: "Size of the Badger store on disk (tables, memtable logs and value log), read from the data directory.",
	}, func() float64 { lsm, vlog := d.store.DiskSize(); return float64(lsm + vlog) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_caller_index_bytes", Help: "Memory held by the in-memory caller-ID index (0 while it is being built and lookups read the store).",
	}, func() float64 { _, b := d.store.CallerIndexSize(); return float64(b) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_caller_index_keys", Help: "Number keys in the in-memory caller-ID index.",
	}, func() float64 { k, _ := d.store.CallerIndexSize(); return float64(k) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_name_index_bytes", Help: "Memory held by the in-memory name-search index (0 while it is being built and name searches read the store).",
	}, func() float64 { _, b := d.store.NameIndexSize(); return float64(b) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_name_index_contacts", Help: "Contacts in the in-memory name-search index.",
	}, func() float64 { n, _ := d.store.NameIndexSize(); return float64(n) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_directory_generation", Help: "Published generation of the directory.",
	}, func() float64 { return float64(d.store.Generation()) }))

	if cfg.HTTP.TLSAddr != "" {
		if d.tls, err = tlsconf.New(tlsconf.Config{CertFile: cfg.HTTP.TLSCert, KeyFile: cfg.HTTP.TLSKey}); err != nil {
			return nil, fmt.Errorf("config http.tls_cert, http.tls_key: %w", err)
		}
	}
	d.mux = httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken(token)), httpx.WithMaxBody(cfg.HTTP.MaxBodyBytes),
		httpx.WithRegisterer(d.reg), httpx.WithLogger(log.With("component", "http")))
	b := &build{ctx: ctx, cfg: cfg, store: d.store, reg: d.reg, d: d}
	for _, f := range features {
		c, err := f(b)
		if err != nil {
			return nil, err
		}
		if c != nil {
			d.comps = append(d.comps, c)
			d.mux.Mount(c)
		}
	}
	d.registerHTTPMetrics()
	ok = true
	return d, nil
}

func prefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Store is the daemon's contact store.
func (d *Daemon) Store() *phonebook.Store { return d.store }

// Mux is the daemon's HTTP layer (for the route-table tests).
func (d *Daemon) Mux() *httpx.Mux { return d.mux }

// Components are the daemon's components in registration order.
func (d *Daemon) Components() []platform.Component { return slices.Clone(d.comps) }

// Start binds the HTTP listener and every component's (platform.Listener),
// then serves HTTP and runs every platform.Runner in the background until
// Stop. When a listener cannot be bound, Start closes those it opened and
// returns the error: nothing runs.
func (d *Daemon) Start(ctx context.Context) (err error) {
	ctx, d.cancel = context.WithCancel(ctx)
	defer func() {
		if err != nil {
			d.cancel()
			if d.httpLn != nil {
				_ = d.httpLn.Close()
			}
			if d.tlsLn != nil {
				_ = d.tlsLn.Close()
			}
			d.wg.Wait()
			d.unlisten(context.Background())
		}
	}()
	if d.httpLn, err = net.Listen("tcp", d.cfg.HTTP.Addr); err != nil {
		return httpListener.bindError(d.cfg.HTTP.Addr, err)
	}
	if d.wrapHTTP != nil {
		d.httpLn = d.wrapHTTP(d.httpLn)
	}
	for _, c := range d.comps {
		if l, ok := c.(platform.Listener); ok {
			// Listed first: a Listen that fails half-way (AGI bound, SIP
			// not) is shut down too.
			d.listening = append(d.listening, l)
			if err := l.Listen(ctx); err != nil {
				return fmt.Errorf("%s: %w", c.Name(), err)
			}
		}
	}
	pace := fastlane.WritePace{Timeout: d.cfg.HTTP.WriteTimeout, MinRate: d.cfg.HTTP.WriteMinRate}
	var handler http.Handler = d.mux
	if d.cors != nil {
		handler = d.cors.Wrap(handler) // outermost: preflights need no credentials
	}
	served := &inflight{next: pace.Handler(handler)} // Stop waits for its handlers
	d.httpSrv = &http.Server{
		Handler:           served,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		WriteTimeout:      pace.Timeout, // for what net/http writes outside handlers; they extend it as they write
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	// Phones' repeated requests are answered in the fast lane; everything
	// else (and every first request) goes to httpSrv.
	d.lane = fastlane.New(d.phoneLane(), d.httpSrv, fastlane.WithLogger(d.log.With("component", "http")),
		fastlane.WithLimits(d.httpLimits()), fastlane.WithWritePace(pace))
	d.goRun("http", func() error {
		if err := d.lane.Serve(d.httpLn); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	if d.tls != nil {
		if d.tlsLn, err = net.Listen("tcp", d.cfg.HTTP.TLSAddr); err != nil {
			return httpsListener.bindError(d.cfg.HTTP.TLSAddr, err)
		}
		d.tlsSrv = &http.Server{Handler: served, TLSConfig: d.tls.TLSConfig(), ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout: 120 * time.Second, WriteTimeout: pace.Timeout, ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelWarn)}
		tlsLn := d.tlsLn
		d.goRun("https", func() error {
			if err := d.tlsSrv.ServeTLS(tlsLn, "", ""); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	for _, c := range d.comps {
		if r, ok := c.(platform.Runner); ok {
			d.goRun(c.Name(), func() error { return r.Run(ctx) })
		}
	}
	region := d.cfg.Numbers.DefaultRegion
	if region == "" {
		region = "none (only +E.164 numbers normalise)"
	}
	d.log.Info("pbxagent started", "version", Version, "commit", Build().Commit, "http", d.HTTPAddr(), "agi", d.AGIAddr(),
		"sip_redirect", d.SIPAddr(), "data", d.cfg.DataDir, "region", region)
	if addr, ok := allInterfacesWithoutPublicURL(d.cfg.HTTP); ok {
		d.log.Warn("listening on all interfaces without http.public_url: provisioning files and phone books link to the "+
			"host each phone's request named; set http.public_url (--http.public_url, PBXAGENT_HTTP_PUBLIC_URL) to the URL phones must use",
			"listen", addr)
	}
	return nil
}

// allInterfacesWithoutPublicURL reports the HTTP or HTTPS listen address
// that is on every interface (0.0.0.0, ::, or no host) when no public URL
// is configured: phones may reach the daemon under several names then.
func allInterfacesWithoutPublicURL(c config.HTTP) (string, bool) {
	if c.PublicURL != "" {
		return "", false
	}
	for _, addr := range []string{c.Addr, c.TLSAddr} {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			continue
		}
		if ip, perr := netip.ParseAddr(host); host == "" || (perr == nil && ip.IsUnspecified()) {
			return addr, true
		}
	}
	return "", false
}

// unlisten shuts down the components whose Listen was called, in reverse
// order (a start that failed half-way).
func (d *Daemon) unlisten(ctx context.Context) {
	for i := len(d.listening) - 1; i >= 0; i-- {
		_ = d.listening[i].Shutdown(ctx)
	}
	d.listening = nil
}

func (d *Daemon) goRun(name string, fn func() error) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, context.Canceled) {
			d.log.Error("component stopped with an error", "component", name, "err", err)
			d.errMu.Lock()
			d.errs = append(d.errs, fmt.Errorf("%s: %w", name, err))
			d.errMu.Unlock()
		}
	}()
}

// HTTPSAddr is the address the HTTPS listener listens on ("" when off).
func (d *Daemon) HTTPSAddr() string { return addrOf(d.tlsLn) }

// Reload reloads what can change without a restart (the TLS certificate
// and key, on SIGHUP) and reopens the queue_log (log rotation). A bad new
// pair keeps the old one and is reported.
func (d *Daemon) Reload() error {
	d.reopenQueueLog()
	if d.tls == nil {
		return nil
	}
	if err := d.tls.Reload(); err != nil {
		d.log.Error("tls: the new certificate or key was not loaded; still serving the old one", "err", err)
		return err
	}
	if c := d.tls.Certificate(); c != nil && c.Leaf != nil {
		d.log.Info("tls: certificate reloaded", "not_after", c.Leaf.NotAfter)
	}
	return nil
}

// HTTPAddr is the address the HTTP server listens on.
func (d *Daemon) HTTPAddr() string { return addrOf(d.httpLn) }

// AGIAddr is the FastAGI address ("" when disabled).
func (d *Daemon) AGIAddr() string {
	if d.cid == nil {
		return ""
	}
	return addrOf(d.cid.agiLn)
}

// SIPAddr is the SIP redirect address ("" when disabled).
func (d *Daemon) SIPAddr() string {
	if d.cid == nil || d.cid.sipPC == nil {
		return ""
	}
	return d.cid.sipPC.LocalAddr().String()
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// Stop stops accepting, lets in-flight requests finish (bounded by ctx and
// http.shutdown_timeout), stops every component and closes the store.
// Requests still running at the timeout have their connections closed;
// the store is closed only once every HTTP handler has returned, and when
// one does not within a few more seconds (or ctx) Stop leaves the store
// open and says so in its error.
func (d *Daemon) Stop(ctx context.Context) error {
	// Long-lived requests (streams, imports) end first: they would hold
	// the shutdown for its whole timeout.
	dctx, dcancel := context.WithTimeout(ctx, d.cfg.HTTP.ShutdownTimeout)
	for i := len(d.comps) - 1; i >= 0; i-- {
		if dr, ok := d.comps[i].(platform.Drainer); ok {
			if err := dr.Drain(dctx); err != nil {
				d.log.Warn("component did not drain", "component", d.comps[i].Name(), "err", err)
			}
		}
	}
	dcancel()
	idle, errs := d.stopHTTP(ctx)
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	errs = append(errs, d.shutdown(ctx, d.comps)...)
	d.listening = nil
	if idle {
		if err := d.store.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	d.errMu.Lock()
	errs = append(errs, d.errs...)
	d.errMu.Unlock()
	d.log.Info("pbxagent stopped")
	return errors.Join(errs...)
}

// shutdownBudget bounds each component's Shutdown: its own budget, since
// the HTTP shutdown may have used up Stop's.
const shutdownBudget = 5 * time.Second

// shutdown calls Shutdown on every Shutdowner of comps in reverse order.
func (d *Daemon) shutdown(ctx context.Context, comps []platform.Component) []error {
	var errs []error
	for i := len(comps) - 1; i >= 0; i-- {
		s, ok := comps[i].(platform.Shutdowner)
		if !ok {
			continue
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownBudget)
		if err := s.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", comps[i].Name(), err))
		}
		cancel()
	}
	return errs
}

// Run starts the daemon and stops it when ctx ends.
func (d *Daemon) Run(ctx context.Context) error {
	if err := d.Start(ctx); err != nil {
		_ = d.store.Close()
		return err
	}
	// SIGHUP reloads the TLS certificate and key (the process keeps running).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return d.Stop(context.Background())
		case <-hup:
			_ = d.Reload()
		}
	}
}

// phoneLane is the fast lane's handler: the phone service's ServeFast for
// the phone routes, counted in the router's metrics as if routed there.
func (d *Daemon) phoneLane() fastlane.Handler {
	book, prov := d.mux.Observer(phones.PhonebookPattern), d.mux.Observer(phones.ProvisioningPattern)
	served := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pbxagent_http_fast_lane_requests_total",
		Help: "Phone requests answered in the HTTP fast lane (also counted in pbxagent_http_requests_total).",
	})
	d.reg.MustRegister(served)
	return fastlane.HandlerFunc(func(dst []byte, r *fastlane.Request) ([]byte, []byte, bool) {
		var obs func(int, time.Duration)
		switch p := r.Path(); {
		case bytes.HasPrefix(p, []byte("/phonebook/")):
			obs = book
		case bytes.HasPrefix(p, []byte("/provisioning/")):
			obs = prov
		default:
			return nil, nil, false
		}
		start := time.Now()
		head, body, ok := d.phones.ServeFast(dst, r)
		if ok {
			served.Inc()
		}
		if ok && obs != nil && len(head) > 12 {
			code, _ := strconv.Atoi(string(head[9:12])) // "HTTP/1.1 304 …"
			obs(code, time.Since(start))
		}
		return head, body, ok
	})
}
