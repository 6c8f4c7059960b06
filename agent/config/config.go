// Package config is pbxagent's configuration: one YAML file, every key
// overridable by an environment variable PBXAGENT_<PATH> (the YAML path in
// upper case with '_' between levels, e.g. PBXAGENT_HTTP_ADDR) and by the
// daemon's flag --<path> (e.g. --http.addr; see Keys and Config.Set). Every key is documented here, where it is declared; the
// zero configuration (Default) runs the daemon on embedded defaults.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/pbxagent/pbxagent/agent/oauth"
	"github.com/pbxagent/pbxagent/agent/users"
)

// Config is the whole daemon configuration.
type Config struct {
	// DataDir holds the Badger store, the generated admin token and the
	// secrets key. Default "./data".
	DataDir string `yaml:"data_dir"`
	// AdminToken is the bearer token of the admin API. When empty a token is
	// generated on first start and written to <data_dir>/admin.token (0600).
	// Set it through PBXAGENT_ADMIN_TOKEN rather than in a file.
	AdminToken string `yaml:"admin_token"`

	// MemoryLimitMB is the Go runtime's soft memory limit in MiB: the
	// garbage collector works harder as the heap nears it. 0 (the default)
	// leaves it off: a limit below what a large import needs makes the
	// collector thrash (measured: 1.7× the CPU for a 200 k-row import).
	// GOMEMLIMIT, when set, wins.
	MemoryLimitMB int `yaml:"memory_limit_mb"`

	Store    Store    `yaml:"store"`
	HTTP     HTTP     `yaml:"http"`
	Numbers  Numbers  `yaml:"numbers"`
	CallerID CallerID `yaml:"callerid"`
	AGI      AGI      `yaml:"agi"`
	SIP      SIP      `yaml:"sip_redirect"`
	ARI      ARI      `yaml:"ari"`
	Phones   Phones   `yaml:"phones"`
	Sync     Sync     `yaml:"sync"`
	Log      Log      `yaml:"log"`

	// Users are people who sign in to the web console (agent/users,
	// docs/users.md); validated by users.Config.Validate.
	Users users.Config `yaml:"users"`
	// OAuth is the OAuth2 authorization server for other companies' web
	// apps (agent/oauth, docs/oauth.md).
	OAuth oauth.Config `yaml:"oauth"`
	// CORS lists the web origins allowed to call the API from a browser.
	CORS oauth.CORSConfig `yaml:"cors"`
	// Audit is the audit log of every change (docs/operations.md).
	Audit Audit `yaml:"audit"`
}

// Audit configures the audit log.
type Audit struct {
	// Retention is how long entries are kept. Default 2160h (90 days).
	Retention time.Duration `yaml:"retention"`
	// PruneEvery is how often old entries are removed. Default 1h.
	PruneEvery time.Duration `yaml:"prune_every"`
}

// Store sizes the contact store's caches.
type Store struct {
	// MemoryMB is Badger's memory budget in MiB: three memtables of 1/32
	// each, a block cache of 1/4 and an index cache of 1/8. Searches on a
	// large directory read fewer blocks from disk with more: at 1 M
	// contacts a Cisco search page's p99 (handler alone) was 1.3–1.4 ms
	// with 256 and 0.9–1.3 ms with 1024. Default 256.
	MemoryMB int `yaml:"memory_mb"`
	// MaxImports bounds the CSV imports in progress at once (receiving,
	// validating or applying their file); one more is refused with 429
	// and Retry-After before its body is read. Imports apply one at a
	// time anyway (they hold the store's writer lock); each waiting one
	// holds its upload on disk and its connection. Default 1.
	MaxImports int `yaml:"max_imports"`
	// DiskReserve is the free space (bytes) below which writes are refused
	// with 507 (the disk is full) rather than risking Badger's memory-mapped
	// writes failing; negative turns the check off. Default 256 MiB.
	DiskReserve int64 `yaml:"disk_reserve"`
	// CloseTimeout bounds closing the store at stop (Badger may be stuck
	// flushing to a full disk). Default 10s.
	CloseTimeout time.Duration `yaml:"close_timeout"`
}

// HTTP is the API, phone and caller-ID listener.
type HTTP struct {
	// Addr is the listen address. Default "127.0.0.1:8080".
	Addr string `yaml:"addr"`
	// PublicURL is how phones reach pbxagent (used inside provisioning
	// files). Default "http://<addr>".
	PublicURL string `yaml:"public_url"`
	// MaxBodyBytes caps request bodies, CSV uploads included. Default 256 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// ShutdownTimeout bounds how long a stop lets requests in flight
	// finish (CSV imports excepted: a stop cancels them at once, and they
	// answer 503); then their connections are closed, and the store is
	// closed once their handlers have returned (at most 5 s more).
	// Default 10s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxConns bounds the connections open at once on the listener; one
	// more is answered 503 and closed, so that a flood is shed before the
	// process runs out of file descriptors. The daemon lowers it to half
	// its file-descriptor limit when that is less. 0 means that half.
	// Default 10000.
	MaxConns int `yaml:"max_conns"`
	// MaxConnsPerPeer bounds the connections open at once from one IP
	// address (a NAT in front of many phones counts as one); 0: no bound.
	// Default 512.
	MaxConnsPerPeer int `yaml:"max_conns_per_peer"`
	// WriteTimeout and WriteMinRate bound the time a response takes to
	// write, for a phone on a slow link: every write of up to 64 KiB must
	// be done within WriteTimeout plus its size at WriteMinRate bytes per
	// second, or the connection is closed. A client that stops reading is
	// cut off after about 46 s with the defaults; one that reads at 4 KB/s
	// or more gets any answer whole. WriteTimeout 0 disables the bound.
	// Defaults 30s and 4096.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	WriteMinRate int           `yaml:"write_min_rate"`
	// TLSAddr, when set, is a second listener serving HTTPS with TLSCert
	// and TLSKey (PEM files), reloaded on SIGHUP (a bad new pair keeps the
	// old one). The fast lane serves only the plain listener.
	TLSAddr string `yaml:"tls_addr"`
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
}

// Numbers configures number normalisation (docs/asterisk.md, "Number matching").
type Numbers struct {
	// DefaultRegion (ISO 3166 alpha-2, e.g. "BA", "DE", "US") is the country
	// numbers without '+' belong to. Empty: only +E.164 numbers normalise.
	DefaultRegion string `yaml:"default_region"`
	// ExtensionMaxLen: numbers up to this many digits are internal
	// extensions, matched exactly only. Default 6.
	ExtensionMaxLen int `yaml:"extension_max_len"`
	// TrunkPrefixes are outside-line prefixes the PBX adds (e.g. ["0"]).
	TrunkPrefixes []string `yaml:"trunk_prefixes"`
	// AcceptPossible also indexes numbers that are possible but not valid.
	AcceptPossible bool `yaml:"accept_possible"`
}

// CallerID configures the caller-ID front ends shared by HTTP, AGI, SIP
// and the Stasis app.
type CallerID struct {
	// Allow lists the CIDRs that may call /cid without a token. Default
	// loopback only.
	Allow []string `yaml:"allow"`
	// Token, when set, also admits /cid?token=… from anywhere.
	Token string `yaml:"token"`
	// Deadline bounds one lookup; past it the call goes on without a name.
	// Default 100ms.
	Deadline time.Duration `yaml:"deadline"`
	// Overwrite says when a found name replaces the name a call already
	// has: "weak" (default: only an empty name, "unknown" or the number
	// itself), "always" or "never".
	Overwrite string `yaml:"overwrite"`
}

// AGI is the FastAGI listener (agi://host/cid).
type AGI struct {
	// Addr is the listen address; empty disables. Default "127.0.0.1:4573".
	Addr string `yaml:"addr"`
	// MaxSessions bounds the sessions served at once; a session over it is
	// closed at once (Asterisk goes on with the name untouched) and
	// counted in pbxagent_callerid_agi_sessions_total{outcome="overload"}.
	// Only a connection that has sent its first agi_ line takes a place.
	// Default 4096.
	MaxSessions int `yaml:"max_sessions"`
	// FirstLineTimeout is how long a new connection may take to send its
	// first agi_ line (Asterisk sends the whole block at once); one that
	// does not is closed (outcome "silent") without having taken a
	// session's place. Default 200ms.
	FirstLineTimeout time.Duration `yaml:"first_line_timeout"`
	// MaxWaiting bounds the connections waiting for their first line; a
	// new one over it closes the one that has waited longest (outcome
	// "evicted"), so a flood of silent connections cannot keep Asterisk
	// out. Default 4096.
	MaxWaiting int `yaml:"max_waiting"`
}

// SIP is the SIP redirect (CNAM dip) server.
type SIP struct {
	// Addr listens on UDP and TCP; empty (the default) disables.
	Addr string `yaml:"addr"`
	// MissStatus answers a miss: 404 (default) or 302 (redirect without a name).
	MissStatus int `yaml:"miss_status"`
	// CNAM limits names to 15 printable ASCII characters, transliterated.
	CNAM bool `yaml:"cnam"`
	// TrustedProxies lists the addresses or CIDRs (e.g. the Kamailio
	// host) whose UDP requests are answered to the port their Via names
	// (RFC 3261 §18.2.2). Anyone else is answered to the source address
	// and port of the request, whatever its Via says. Default none.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// TCPMaxConns caps the TCP connections held at once; one more is
	// closed as soon as it is accepted. Default 1024.
	TCPMaxConns int `yaml:"tcp_max_conns"`
	// TCPMaxConnsPerIP caps the TCP connections held at once from one
	// address. Default 64.
	TCPMaxConnsPerIP int `yaml:"tcp_max_conns_per_ip"`
	// TCPMessageTimeout bounds the time from the first byte of a TCP
	// message to its last, and the write of one response; past it the
	// connection is closed. Default 5s.
	TCPMessageTimeout time.Duration `yaml:"tcp_message_timeout"`
	// TCPIdleTimeout closes a TCP connection that completed no message
	// for this long. Default 2m.
	TCPIdleTimeout time.Duration `yaml:"tcp_idle_timeout"`
	// UnackedPerIP is how many INVITE answers over UDP one address may
	// leave un-ACKed at once; they are retransmitted until the ACK (up to
	// 11 times in 32 s). Past it an answer is sent once. Default 64.
	UnackedPerIP int `yaml:"unacked_per_ip"`
	// LogBurst log lines of one kind per LogInterval, at most, above
	// debug; the rest are counted in one line. Defaults 10 and 1m.
	LogBurst    int           `yaml:"log_burst"`
	LogInterval time.Duration `yaml:"log_interval"`
}

// ARI connects to Asterisk's REST Interface.
type ARI struct {
	// URL of Asterisk's HTTP server, e.g. "http://127.0.0.1:8088"; empty
	// disables ARI.
	URL string `yaml:"url"`
	// User and Pass are an ari.conf user.
	User string `yaml:"user"`
	Pass string `yaml:"pass"`
	// CallerIDApp is the Stasis application for caller-ID lookups.
	// Default "pbxagent-cid".
	CallerIDApp string `yaml:"callerid_app"`
	// DialerApp is the Stasis application the dialer originates customer
	// and agent legs into. Default "pbxagent-dialer".
	DialerApp string `yaml:"dialer_app"`
	// AMDContext, when set, is a dialplan context running AMD() that the
	// dialer sends answered customer legs through for machine detection.
	AMDContext string `yaml:"amd_context"`
	// IdleTimeout is how long an idle HTTP connection to Asterisk is kept
	// for the next request. Keep it below Asterisk's http.conf
	// session_keep_alive (15 s by default), or requests race Asterisk
	// closing the connection. Default 10s.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// Phones configures the desk-phone endpoints (/phonebook, /provisioning).
type Phones struct {
	// Allow lists CIDRs that may fetch the global phonebook without phone
	// credentials. Default none: every phone authenticates.
	Allow []string `yaml:"allow"`
	// GroupBy groups the Yealink grouped book: "company", "department",
	// "source" or "personal". Default "company".
	GroupBy string `yaml:"group_by"`
	// RefreshMinutes is how often provisioned phones reload the book. Default 60.
	RefreshMinutes int `yaml:"refresh_minutes"`
	// LoginMaxFailures wrong passwords for one username from one address
	// within LoginWindow hold it there (429). Default 10.
	LoginMaxFailures int `yaml:"login_max_failures"`
	// LoginWindow is how long failed logins count. Default 10m.
	LoginWindow time.Duration `yaml:"login_window"`
	// LoginMaxUsersPerAddress distinct usernames failing from one address
	// (IPv6: its /64) within LoginWindow hold that address. Default 50.
	LoginMaxUsersPerAddress int `yaml:"login_max_users_per_address"`
	// LoginMaxAccountFailures failures for one username from all addresses
	// within LoginWindow leave each failing address one try. Default 100.
	LoginMaxAccountFailures int `yaml:"login_max_account_failures"`
	// LoginMaxTracked bounds each failed-login table. Default 10000.
	LoginMaxTracked int `yaml:"login_max_tracked"`
	// DigestMaxNonces bounds the Digest nonce-count table. Default 65536.
	DigestMaxNonces int `yaml:"digest_max_nonces"`
}

// Sync configures the contact sync scheduler.
type Sync struct {
	// Disabled stops the scheduler (manual triggers still run).
	Disabled bool `yaml:"disabled"`
}

// Log configures logging.
type Log struct {
	// Level: debug, info (default), warn or error. Callers' numbers and names
	// are logged at debug only.
	Level string `yaml:"level"`
	// Format: text (default) or json.
	Format string `yaml:"format"`
}

// Default returns the embedded defaults.
func Default() Config {
	return Config{
		DataDir: "./data",
		Store:   Store{MemoryMB: 256, MaxImports: 1, DiskReserve: 256 << 20, CloseTimeout: 10 * time.Second},
		Users:   users.DefaultConfig(),
		OAuth:   oauth.Config{}.WithDefaults(),
		CORS:    oauth.CORSConfig{}.WithDefaults(),
		Audit:   Audit{Retention: 90 * 24 * time.Hour, PruneEvery: time.Hour},
		HTTP: HTTP{Addr: "127.0.0.1:8080", MaxBodyBytes: 256 << 20, ShutdownTimeout: 10 * time.Second,
			MaxConns: 10000, MaxConnsPerPeer: 512, WriteTimeout: 30 * time.Second, WriteMinRate: 4096},
		Numbers: Numbers{ExtensionMaxLen: 6},
		CallerID: CallerID{
			Allow:    []string{"127.0.0.0/8", "::1/128"},
			Deadline: 100 * time.Millisecond,
		},
		AGI: AGI{Addr: "127.0.0.1:4573", MaxSessions: 4096, FirstLineTimeout: 200 * time.Millisecond, MaxWaiting: 4096},
		SIP: SIP{MissStatus: 404, TCPMaxConns: 1024, TCPMaxConnsPerIP: 64, TCPMessageTimeout: 5 * time.Second,
			TCPIdleTimeout: 2 * time.Minute, UnackedPerIP: 64, LogBurst: 10, LogInterval: time.Minute},
		ARI: ARI{CallerIDApp: "pbxagent-cid", DialerApp: "pbxagent-dialer", IdleTimeout: 10 * time.Second},
		Phones: Phones{GroupBy: "company", RefreshMinutes: 60, LoginMaxFailures: 10, LoginWindow: 10 * time.Minute,
			LoginMaxUsersPerAddress: 50, LoginMaxAccountFailures: 100, LoginMaxTracked: 10000, DigestMaxNonces: 65536},
		Log: Log{Level: "info", Format: "text"},
	}
}

// Load reads the YAML file at path (none when empty) over the defaults,
// then applies PBXAGENT_* variables from environ (os.Environ() form).
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Validate checks the configuration and names the first bad key.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("config data_dir: must not be empty")
	}
	if c.Store.MemoryMB < 32 {
		return fmt.Errorf("config store.memory_mb: %d, want at least 32", c.Store.MemoryMB)
	}
	if c.Store.MaxImports < 1 {
		return fmt.Errorf("config store.max_imports: %d, want at least 1", c.Store.MaxImports)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		return fmt.Errorf("config http.addr %q: %w", c.HTTP.Addr, err)
	}
	for _, a := range []struct{ key, v string }{{"agi.addr", c.AGI.Addr}, {"sip_redirect.addr", c.SIP.Addr}} {
		if a.v == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.v); err != nil {
			return fmt.Errorf("config %s %q: %w", a.key, a.v, err)
		}
	}
	for _, l := range []struct {
		key  string
		list []string
	}{{"callerid.allow", c.CallerID.Allow}, {"phones.allow", c.Phones.Allow}} {
		for _, s := range l.list {
			if _, err := netip.ParsePrefix(s); err != nil {
				return fmt.Errorf("config %s: %q is not a CIDR", l.key, s)
			}
		}
	}
	if c.SIP.MissStatus != 404 && c.SIP.MissStatus != 302 {
		return fmt.Errorf("config sip_redirect.miss_status: %d, want 404 or 302", c.SIP.MissStatus)
	}
	for _, s := range c.SIP.TrustedProxies {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err != nil {
			return fmt.Errorf("config sip_redirect.trusted_proxies: %q is neither an address nor a CIDR", s)
		}
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"sip_redirect.tcp_max_conns", c.SIP.TCPMaxConns}, {"sip_redirect.tcp_max_conns_per_ip", c.SIP.TCPMaxConnsPerIP},
		{"sip_redirect.unacked_per_ip", c.SIP.UnackedPerIP}, {"sip_redirect.log_burst", c.SIP.LogBurst}} {
		if n.v < 1 {
			return fmt.Errorf("config %s: %d, want at least 1", n.key, n.v)
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"sip_redirect.tcp_message_timeout", c.SIP.TCPMessageTimeout}, {"sip_redirect.tcp_idle_timeout", c.SIP.TCPIdleTimeout},
		{"sip_redirect.log_interval", c.SIP.LogInterval}} {
		if d.v <= 0 {
			return fmt.Errorf("config %s: %v, want a positive duration", d.key, d.v)
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("config log.format %q: want text or json", c.Log.Format)
	}
	switch c.CallerID.Overwrite {
	case "", "weak", "always", "never":
	default:
		return fmt.Errorf("config callerid.overwrite %q: want weak, always or never", c.CallerID.Overwrite)
	}
	if c.CallerID.Deadline <= 0 {
		return errors.New("config callerid.deadline: must be positive")
	}
	if c.ARI.IdleTimeout <= 0 {
		return errors.New("config ari.idle_timeout: must be positive (and below Asterisk's http.conf session_keep_alive, 15s by default)")
	}
	for _, l := range []struct {
		key string
		v   int
	}{{"phones.login_max_failures", c.Phones.LoginMaxFailures}, {"phones.login_max_users_per_address", c.Phones.LoginMaxUsersPerAddress},
		{"phones.login_max_account_failures", c.Phones.LoginMaxAccountFailures}, {"phones.login_max_tracked", c.Phones.LoginMaxTracked},
		{"phones.digest_max_nonces", c.Phones.DigestMaxNonces}} {
		if l.v < 1 {
			return fmt.Errorf("config %s: %d, want at least 1", l.key, l.v)
		}
	}
	if c.Phones.LoginWindow < time.Second {
		return fmt.Errorf("config phones.login_window: %s, want at least 1s", c.Phones.LoginWindow)
	}
	for _, n := range []struct {
		key string
		v   int64
	}{
		{"http.max_conns", int64(c.HTTP.MaxConns)}, {"http.max_conns_per_peer", int64(c.HTTP.MaxConnsPerPeer)},
		{"http.write_timeout", int64(c.HTTP.WriteTimeout)}, {"http.write_min_rate", int64(c.HTTP.WriteMinRate)},
	} {
		if n.v < 0 {
			return fmt.Errorf("config %s: must not be negative", n.key)
		}
	}
	for _, n := range []struct {
		key string
		v   int64
	}{
		{"agi.max_sessions", int64(c.AGI.MaxSessions)}, {"agi.first_line_timeout", int64(c.AGI.FirstLineTimeout)},
		{"agi.max_waiting", int64(c.AGI.MaxWaiting)},
	} {
		if n.v <= 0 {
			return fmt.Errorf("config %s: must be positive", n.key)
		}
	}
	if err := c.Users.Validate(); err != nil {
		return fmt.Errorf("config %w", err)
	}
	if err := c.OAuth.Validate(); err != nil {
		return fmt.Errorf("config %w", err)
	}
	if err := c.CORS.Validate(); err != nil {
		return fmt.Errorf("config %w", err)
	}
	if c.Audit.Retention < time.Hour || c.Audit.PruneEvery < time.Minute {
		return fmt.Errorf("config audit.retention (%s, at least 1h) / audit.prune_every (%s, at least 1m): too short", c.Audit.Retention, c.Audit.PruneEvery)
	}
	if c.Store.CloseTimeout <= 0 {
		return errors.New("config store.close_timeout: must be positive")
	}
	if (c.HTTP.TLSAddr != "") != (c.HTTP.TLSCert != "" && c.HTTP.TLSKey != "") {
		return errors.New("config http.tls_addr, http.tls_cert, http.tls_key: set all three for HTTPS, or none")
	}
	return nil
}

// applyEnv sets fields from PBXAGENT_<PATH> variables.
func applyEnv(cfg *Config, environ []string) error {
	vars := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "PBXAGENT_") {
			vars[k] = v
		}
	}
	if len(vars) == 0 {
		return nil
	}
	return walk(reflect.ValueOf(cfg).Elem(), "PBXAGENT", "", func(name, _ string, f reflect.Value) error {
		v, ok := vars[name]
		if !ok {
			return nil
		}
		if err := setString(f, v); err != nil {
			return fmt.Errorf("config %s=%q: %w", name, v, err)
		}
		return nil
	})
}

// EnvNames lists every environment variable the configuration reads.
func EnvNames() []string {
	var out []string
	for _, k := range Keys() {
		out = append(out, k.Env)
	}
	return out
}

// Key is one configuration key.
type Key struct {
	// Path is the YAML path ("http.addr"); the daemon's flag of the key is
	// "--" and the path.
	Path string
	// Env is the environment variable that overrides it (PBXAGENT_HTTP_ADDR).
	Env string
}

// Keys lists every configuration key, in declaration order.
func Keys() []Key {
	var out []Key
	cfg := Default()
	_ = walk(reflect.ValueOf(&cfg).Elem(), "PBXAGENT", "", func(env, path string, _ reflect.Value) error {
		out = append(out, Key{Path: path, Env: env})
		return nil
	})
	return out
}

// Set parses value into the key at path ("callerid.deadline", "100ms"):
// the form of the key's environment variable (lists comma-separated).
func (c *Config) Set(path, value string) error {
	found := false
	err := walk(reflect.ValueOf(c).Elem(), "PBXAGENT", "", func(_, p string, f reflect.Value) error {
		if p != path {
			return nil
		}
		found = true
		if err := setString(f, value); err != nil {
			return fmt.Errorf("config %s=%q: %w", path, value, err)
		}
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("config %s: no such key", path)
	}
	return err
}

// walk calls fn for every leaf key under v with its environment variable
// name and YAML path.
func walk(v reflect.Value, envPrefix, pathPrefix string, fn func(env, path string, f reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		env := envPrefix + "_" + strings.ToUpper(tag)
		path := tag
		if pathPrefix != "" {
			path = pathPrefix + "." + tag
		}
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(time.Duration(0)) {
			if err := walk(f, env, path, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(env, path, f); err != nil {
			return err
		}
	}
	return nil
}

// setString parses s into the field f (string, bool, int, duration or a
// comma-separated list of strings).
func setString(f reflect.Value, s string) error {
	switch {
	case f.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(s)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		f.SetInt(n)
	case f.Kind() == reflect.Uint8 || f.Kind() == reflect.Uint32:
		n, err := strconv.ParseUint(s, 10, f.Type().Bits())
		if err != nil {
			return err
		}
		f.SetUint(n)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		var list []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
		f.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}
