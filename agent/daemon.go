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
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/agent/cidapp"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/phonebook/source/sources"
	pbsync "github.com/pbxagent/pbxagent/phonebook/sync"
	"github.com/pbxagent/pbxagent/provisioning"
	pbxsip "github.com/pbxagent/pbxagent/sip"
)

// Version is the daemon's version, set at build time with
// -ldflags "-X github.com/pbxagent/pbxagent/agent.Version=…".
var Version = "dev"

// Daemon is one running pbxagent.
type Daemon struct {
	cfg      config.Config
	log      *slog.Logger
	store    *phonebook.Store
	reg      *prometheus.Registry
	router   *api.Router
	cid      *callerid.Service
	sip      *pbxsip.RedirectServer
	phones   *phones.Service
	sync     *pbsync.Engine
	ari      *ari.Conn
	cidApp   *cidapp.App
	dialer   *dialer.Dialer
	dialHTTP *dialer.Handler // its live streams end when Stop begins
	imports  *api.Imports    // its imports are cancelled when Stop begins
	spoolDir string          // where imports spool uploads
	tel      *aritel.Telephony

	// TokenPath is where a generated admin token was written ("" when the
	// token came from the configuration); TokenCreated says it is new.
	TokenPath    string
	TokenCreated bool

	httpSrv *http.Server
	lane    *fastlane.Server // in front of httpSrv
	httpLn  net.Listener
	agiLn   net.Listener
	sipPC   net.PacketConn
	sipLn   net.Listener

	// wrapHTTP, when set (by tests), wraps the HTTP listener Start opens.
	wrapHTTP func(net.Listener) net.Listener

	cancel context.CancelFunc
	wg     sync.WaitGroup
	errMu  sync.Mutex
	errs   []error
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
	d := &Daemon{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
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
		MemoryBudget: int64(cfg.Store.MemoryMB) << 20,
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if !ok {
			if d.dialer != nil {
				d.dialer.Close()
			}
			_ = d.store.Close()
		}
	}()
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_store_bytes", Help: "Size of the Badger store on disk (LSM + value log).",
	}, func() float64 { lsm, vlog := d.store.DiskSize(); return float64(lsm + vlog) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_caller_index_bytes", Help: "Memory held by the in-memory caller-ID index (0 while it is being built and lookups read the store).",
	}, func() float64 { _, b := d.store.CallerIndexSize(); return float64(b) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_caller_index_keys", Help: "Number keys in the in-memory caller-ID index.",
	}, func() float64 { k, _ := d.store.CallerIndexSize(); return float64(k) }))
	d.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "pbxagent_directory_generation", Help: "Published generation of the directory.",
	}, func() float64 { return float64(d.store.Generation()) }))

	d.router = api.NewRouter(token, cfg.HTTP.MaxBodyBytes, d.reg)
	api.NewContacts(d.store, d.reg).Register(d.router)
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", tmp, err)
	}
	// Spool files left by a process that died mid-import hold contact
	// data nobody will read: remove them.
	if n, err := api.RemoveSpoolFiles(tmp); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", tmp, err)
	} else if n > 0 {
		log.Info("removed the spool files of imports a previous run did not finish", "files", n, "dir", tmp)
	}
	d.spoolDir = tmp
	d.imports = api.NewImports(d.store, tmp, api.WithMaxImports(cfg.Store.MaxImports), api.WithImportsLogger(log.With("component", "import")),
		api.WithAfterImports(debug.FreeOSMemory))
	d.imports.Register(d.router)

	// Caller-ID front ends share one service.
	allow, err := prefixes(cfg.CallerID.Allow)
	if err != nil {
		return nil, fmt.Errorf("config callerid.allow: %w", err)
	}
	policy, err := callerid.ParseOverwritePolicy(cfg.CallerID.Overwrite)
	if err != nil {
		return nil, fmt.Errorf("config callerid.overwrite: %w", err)
	}
	cidOpts := []callerid.Option{
		callerid.WithRegisterer(d.reg), callerid.WithLogger(log.With("component", "callerid")),
		callerid.WithTimeout(cfg.CallerID.Deadline), callerid.WithHTTPAllow(allow...),
		callerid.WithOverwritePolicy(policy), callerid.WithSIPCNAM(cfg.SIP.CNAM),
		callerid.WithMaxAGISessions(cfg.AGI.MaxSessions), callerid.WithMaxAGIWaiting(cfg.AGI.MaxWaiting),
		callerid.WithAGIFirstLineTimeout(cfg.AGI.FirstLineTimeout),
	}
	if cfg.CallerID.Token != "" {
		cidOpts = append(cidOpts, callerid.WithHTTPToken(cfg.CallerID.Token))
	}
	if d.cid, err = callerid.New(d.store, cidOpts...); err != nil {
		return nil, err
	}
	d.router.MountPublic("/cid", d.cid.HTTPHandler())
	d.router.MountPublic("/cid/", d.cid.HTTPHandler())
	if cfg.SIP.Addr != "" {
		miss := pbxsip.MissNotFound
		if cfg.SIP.MissStatus == 302 {
			miss = pbxsip.MissRedirect
		}
		if d.sip, err = newSIPServer(cfg.SIP, d.cid.SIPResolver(), miss, min(cfg.CallerID.Deadline, 150*time.Millisecond),
			log.With("component", "sip")); err != nil {
			return nil, err
		}
		registerSIPMetrics(d.reg, d.sip)
	}

	// ARI: the caller-ID Stasis app.
	if cfg.ARI.URL != "" {
		d.ari, err = ari.New(cfg.ARI.URL, ari.WithApps(cfg.ARI.CallerIDApp, cfg.ARI.DialerApp), ari.WithAuth(cfg.ARI.User, cfg.ARI.Pass), ari.WithIdleTimeout(cfg.ARI.IdleTimeout),
			ari.WithLogger(log.With("component", "ari")))
		if err != nil {
			return nil, fmt.Errorf("config ari.url: %w", err)
		}
		d.cidApp = cidapp.New(d.ari, cfg.ARI.CallerIDApp, d.cid, log.With("component", "cidapp"))
		var telOpts []aritel.Option
		if cfg.ARI.AMDContext != "" {
			telOpts = append(telOpts, aritel.WithAMDContext(cfg.ARI.AMDContext))
		}
		d.tel = aritel.New(d.ari, cfg.ARI.DialerApp, append(telOpts, aritel.WithLogger(log.With("component", "dialer-ari")))...)
		// Campaigns, leads, DNC, 72-hour records and meters persist in the
		// store's "dialer" namespace; the dialer closes (flushes) it on Close.
		dlog := log.With("component", "dialer")
		d.dialer = dialer.New(d.tel, dialer.WithStore(dialer.NewKVStore(d.store.Meta("dialer"), dlog)), dialer.WithLogger(dlog))
		if err := d.dialer.Restore(ctx); err != nil {
			return nil, err
		}
		h := dialer.NewHandler(d.dialer, dialer.WithDirectory(leadDirectory{d.store}))
		d.dialHTTP = h
		for _, p := range []string{"/api/v1/campaigns/", "/api/v1/agents/", "/api/v1/dnc/", "/api/v1/dialer/"} {
			d.router.Mount(p, h)
		}
	}

	// Desk phones.
	phoneAllow, err := prefixes(cfg.Phones.Allow)
	if err != nil {
		return nil, fmt.Errorf("config phones.allow: %w", err)
	}
	auth := phones.AuthBasic | phones.AuthDigest | phones.AuthToken
	if len(phoneAllow) > 0 {
		auth |= phones.AuthIP
	}
	publicURL := cfg.HTTP.PublicURL
	if publicURL == "" {
		publicURL = "http://" + cfg.HTTP.Addr
	}
	group, known := provisioning.ParseGroupBy(cfg.Phones.GroupBy)
	if !known {
		return nil, fmt.Errorf("config phones.group_by %q: want company, department, source or personal", cfg.Phones.GroupBy)
	}
	d.phones, err = phones.New(ctx, d.store, d.store.Meta("phones"),
		phones.WithAuth(auth), phones.WithAllowList(phoneAllow...), phones.WithBaseURL(publicURL),
		phones.WithGroupBy(group), phones.WithLogger(log.With("component", "phones")),
		phones.WithRefresh(time.Duration(cfg.Phones.RefreshMinutes)*time.Minute, 10*time.Minute),
		phones.WithLoginLimits(phones.LoginLimits{MaxFailures: cfg.Phones.LoginMaxFailures, Window: cfg.Phones.LoginWindow,
			MaxUsersPerAddress: cfg.Phones.LoginMaxUsersPerAddress, MaxAccountFailures: cfg.Phones.LoginMaxAccountFailures,
			MaxTracked: cfg.Phones.LoginMaxTracked}),
		phones.WithDigestNonces(cfg.Phones.DigestMaxNonces))
	if err != nil {
		return nil, err
	}
	d.router.MountPublic("/phonebook/", d.phones.PhoneHandler())
	d.router.MountPublic("/provisioning/", d.phones.PhoneHandler())
	d.router.Mount("/api/v1/phones/", d.phones.AdminHandler())

	// Contact sync.
	d.sync, err = pbsync.NewEngine(pbsync.PhonebookStore(d.store), pbsync.WithDataDir(cfg.DataDir),
		pbsync.WithTypes(sources.All()...), pbsync.WithLogger(log.With("component", "sync")))
	if err != nil {
		return nil, err
	}
	d.router.Mount("/api/v1/sources/", d.sync.AdminHandler())
	d.router.Handle("GET /api/v1/contacts/{id}/local", d.sync.ContactsHandler())

	d.router.HandlePublic("GET /healthz", http.HandlerFunc(d.healthz))
	d.router.HandlePublic("GET /readyz", http.HandlerFunc(d.readyz))
	d.registerHTTPMetrics()
	d.router.Handle("GET /metrics", promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{}))
	d.router.Handle("GET /api/openapi.json", api.OpenAPIHandler())
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

func (d *Daemon) healthz(w http.ResponseWriter, r *http.Request) {
	api.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": Version, "generation": d.store.Generation()})
}

// Store is the daemon's contact store.
func (d *Daemon) Store() *phonebook.Store { return d.store }

// Router is the daemon's HTTP router (for the OpenAPI coverage test).
func (d *Daemon) Router() *api.Router { return d.router }

// Start binds every listener and serves in the background until Stop.
func (d *Daemon) Start(ctx context.Context) (err error) {
	ctx, d.cancel = context.WithCancel(ctx)
	defer func() {
		if err != nil {
			d.cancel()
			d.closeListeners()
		}
	}()
	if d.httpLn, err = net.Listen("tcp", d.cfg.HTTP.Addr); err != nil {
		return fmt.Errorf("http listen %s: %w", d.cfg.HTTP.Addr, err)
	}
	if d.wrapHTTP != nil {
		d.httpLn = d.wrapHTTP(d.httpLn)
	}
	if d.cfg.AGI.Addr != "" {
		if d.agiLn, err = net.Listen("tcp", d.cfg.AGI.Addr); err != nil {
			return fmt.Errorf("agi listen %s: %w", d.cfg.AGI.Addr, err)
		}
	}
	if d.sip != nil {
		if d.sipPC, err = net.ListenPacket("udp", d.cfg.SIP.Addr); err != nil {
			return fmt.Errorf("sip listen udp %s: %w", d.cfg.SIP.Addr, err)
		}
		// TCP on the port UDP got (they differ only when the port was 0).
		if d.sipLn, err = net.Listen("tcp", d.sipPC.LocalAddr().String()); err != nil {
			return fmt.Errorf("sip listen tcp %s: %w", d.sipPC.LocalAddr(), err)
		}
	}
	pace := fastlane.WritePace{Timeout: d.cfg.HTTP.WriteTimeout, MinRate: d.cfg.HTTP.WriteMinRate}
	d.httpSrv = &http.Server{
		Handler:           &inflight{next: pace.Handler(d.router)}, // Stop waits for its handlers
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
	if d.agiLn != nil {
		d.goRun("agi", func() error { return d.cid.ServeAGI(ctx, d.agiLn) })
	}
	if d.sip != nil {
		d.goRun("sip", func() error { return d.sip.Serve(ctx, d.sipPC, d.sipLn) })
	}
	if d.ari != nil {
		if err := d.ari.Start(); err != nil {
			return fmt.Errorf("ari: %w", err)
		}
		d.goRun("ari-cid", func() error { return d.cidApp.Run(ctx) })
		d.goRun("dialer-ari", func() error { return d.tel.Run(ctx, d.dialer.HandleEvent) })
		d.dialer.Start(ctx)
	}
	if !d.cfg.Sync.Disabled {
		d.goRun("sync", func() error { return d.sync.Run(ctx) })
	}
	d.goRun("settle", func() error {
		// Open's work (rolling back a bulk operation a dead process left,
		// upgrading the schema) and the caller index build allocate
		// hundreds of MB that are garbage once the index is ready; an idle
		// daemon would run no collection to return them to the OS.
		if err := d.store.WaitCallerIndex(ctx); err != nil {
			return nil // stopping
		}
		debug.FreeOSMemory()
		return nil
	})
	d.log.Info("pbxagent started", "version", Version, "http", d.HTTPAddr(), "agi", addrOf(d.agiLn),
		"sip_redirect", d.SIPAddr(), "data", d.cfg.DataDir)
	return nil
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

// HTTPAddr is the address the HTTP server listens on.
func (d *Daemon) HTTPAddr() string { return addrOf(d.httpLn) }

// AGIAddr is the FastAGI address ("" when disabled).
func (d *Daemon) AGIAddr() string { return addrOf(d.agiLn) }

// SIPAddr is the SIP redirect address ("" when disabled).
func (d *Daemon) SIPAddr() string {
	if d.sipPC == nil {
		return ""
	}
	return d.sipPC.LocalAddr().String()
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

func (d *Daemon) closeListeners() {
	for _, c := range []interface{ Close() error }{d.httpLn, d.agiLn, d.sipLn} {
		if c != nil && !isNilListener(c) {
			_ = c.Close()
		}
	}
	if d.sipPC != nil {
		_ = d.sipPC.Close()
	}
}

func isNilListener(c interface{ Close() error }) bool {
	ln, ok := c.(net.Listener)
	return ok && ln == nil
}

// Stop stops accepting, lets in-flight requests finish (bounded by ctx and
// http.shutdown_timeout), stops every component and closes the store.
// Requests still running at the timeout have their connections closed;
// the store is closed only once every HTTP handler has returned, and when
// one does not within a few more seconds (or ctx) Stop leaves the store
// open and says so in its error.
func (d *Daemon) Stop(ctx context.Context) error {
	if d.dialHTTP != nil {
		d.dialHTTP.EndStreams() // they would hold the shutdown for its whole timeout
	}
	// Imports are atomic: cancelled, they lose nothing, and their clients
	// are told at once instead of after the shutdown timeout.
	ictx, icancel := context.WithTimeout(ctx, d.cfg.HTTP.ShutdownTimeout)
	if err := d.imports.Stop(ictx); err != nil {
		d.log.Warn("imports did not end when cancelled", "err", err)
	}
	icancel()
	idle, errs := d.stopHTTP(ctx)
	if d.cancel != nil {
		d.cancel()
	}
	if d.dialer != nil {
		d.dialer.Close()
	}
	d.wg.Wait()
	if d.tel != nil {
		// No dialer leg or bridge outlives the process (issue: agents' phones
		// left off-hook on dead legs, bridges orphaned).
		// Its own short budget: the HTTP shutdown may have used up ctx's.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := d.tel.Release(rctx); err != nil {
			d.log.Warn("dialer: releasing calls at stop", "err", err)
		}
		cancel()
	}
	if d.ari != nil {
		_ = d.ari.Close()
	}
	if idle {
		if err := d.store.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	// An import whose handler is still running (the store was left open)
	// would leave its spool file behind when the process exits.
	if n, err := api.RemoveSpoolFiles(d.spoolDir); err != nil {
		errs = append(errs, err)
	} else if n > 0 {
		d.log.Warn("removed the spool files of imports still running at stop", "files", n)
	}
	d.errMu.Lock()
	errs = append(errs, d.errs...)
	d.errMu.Unlock()
	d.log.Info("pbxagent stopped")
	return errors.Join(errs...)
}

// Run starts the daemon and stops it when ctx ends.
func (d *Daemon) Run(ctx context.Context) error {
	if err := d.Start(ctx); err != nil {
		_ = d.store.Close()
		return err
	}
	<-ctx.Done()
	return d.Stop(context.Background())
}

// leadDirectory turns a directory search into dialer leads: every number of
// every global contact the query finds.
type leadDirectory struct{ store *phonebook.Store }

// Leads implements dialer.Directory.
func (l leadDirectory) Leads(ctx context.Context, query string) ([]dialer.LeadInput, error) {
	var out []dialer.LeadInput
	err := l.store.Iterate(ctx, phonebook.Query{Q: query, Scope: phonebook.ScopeGlobal}, func(c *phonebook.Contact) error {
		for _, n := range c.Numbers {
			if n.Type == phonebook.NumberFax {
				continue
			}
			v := n.Normalized
			if v == "" {
				v = n.Value
			}
			out = append(out, dialer.LeadInput{Number: v, Name: c.DisplayName, Fields: map[string]string{"contact_id": c.ID, "number_type": string(n.Type)}})
		}
		return nil
	})
	return out, err
}

// phoneLane is the fast lane's handler: the phone service's ServeFast for
// the phone routes, counted in the router's metrics as if routed there.
func (d *Daemon) phoneLane() fastlane.Handler {
	book, prov := d.router.Observer("/phonebook/"), d.router.Observer("/provisioning/")
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
