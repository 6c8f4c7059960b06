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
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/agent/callgroups/stats"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/agent/chat"
	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/oauth"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/agent/recordings"
	"github.com/pbxagent/pbxagent/agent/sources"
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
	// Events is the events socket, GET /api/v1/events (agent/events,
	// docs/events.md).
	Events Events `yaml:"events"`
	// Recordings are the calls' recordings (agent/recordings,
	// docs/calls.md).
	Recordings Recordings `yaml:"recordings"`
	// Calls configures the users' calls beyond the ARI connection
	// (docs/calls.md).
	Calls Calls `yaml:"calls"`
	// Chat is the users' chat (agent/chat, docs/chat.md).
	Chat Chat `yaml:"chat"`
	// CallGroups configures the call groups (agent/callgroups,
	// docs/callgroups.md).
	CallGroups CallGroups `yaml:"callgroups"`
	// Hotel is the hotel manager (agent/hotel, docs/hotel.md).
	Hotel Hotel `yaml:"hotel"`
	// SIPUA is pbxagent's own SIP user agent (sip/ua, docs/sip-ua.md).
	SIPUA SIPUA `yaml:"sip_ua"`
	// LDAP is the LDAP directory served to desk phones (docs/phones.md).
	LDAP LDAP `yaml:"ldap"`
	// Cluster shares the directory with other nodes through NATS
	// JetStream (phonebook/replica, docs/cluster.md).
	Cluster Cluster `yaml:"cluster"`
}

// CallGroups configures the call groups: their day, their statistics and
// queue_log (stats.Config).
type CallGroups struct {
	// TimeZone is the IANA zone whose midnight starts the call groups'
	// day (calls taken today, the strategies' counters, the daily
	// statistics); empty: the system's local zone.
	TimeZone     string `yaml:"time_zone"`
	stats.Config `yaml:",inline"`
}

// Validate checks the time zone and the statistics' settings.
func (c CallGroups) Validate() error {
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			return fmt.Errorf("config callgroups.time_zone %q: not a known time zone", c.TimeZone)
		}
	}
	return c.Config.Validate()
}

// Calls configures the users' calls.
type Calls struct {
	// HistoryRetention is how long the call history keeps a call, counted
	// from its start; 0 keeps it forever. Default 8760h (365 days).
	HistoryRetention time.Duration `yaml:"history_retention"`
	// Backend places the Console's click-to-calls: "ari" (default,
	// through ari.calls_app) or "sip" (pbxagent's own SIP user agent,
	// sip_ua.*; no Asterisk needed). See calls_backend.go.
	Backend string `yaml:"backend"`
	// Config is how the calls the dialplan sends to the calls engine ring
	// (calls.Config: ring_strategy, ring_timeout, …); validated by it.
	calls.Config `yaml:",inline"`
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
	// each, a block cache of 1/4 and an index cache of 1/8; a cache of
	// the contact records name searches read, 1/8; and, while a replacing
	// import runs, the old records it reads ahead, 1/4. Searches on a
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
	// files and phone books). Default: each request's scheme and Host, the
	// address the phone reached the daemon at.
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

// The feature sections are defined, and validated, by their features'
// packages; the loader only places them in the tree.
type (
	// CallerID is callerid.Config.
	CallerID = callerid.Config
	// AGI is callerid.AGIConfig.
	AGI = callerid.AGIConfig
	// SIP is callerid.SIPConfig.
	SIP = callerid.SIPConfig
	// ARI is aritel.ConnConfig.
	ARI = aritel.ConnConfig
	// Phones is phones.Config.
	Phones = phones.Config
	// Sync is sources.SchedulerConfig.
	Sync = sources.SchedulerConfig
	// Events is events.Config.
	Events = events.Config
	// Recordings is recordings.Config.
	Recordings = recordings.Config
	// Chat is chat.Config.
	Chat = chat.Config
)

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
		DataDir:    "./data",
		Store:      Store{MemoryMB: 256, MaxImports: 1, DiskReserve: 256 << 20, CloseTimeout: 10 * time.Second},
		Users:      users.DefaultConfig(),
		OAuth:      oauth.Config{}.WithDefaults(),
		CORS:       oauth.CORSConfig{}.WithDefaults(),
		Events:     events.DefaultConfig(),
		Recordings: recordings.DefaultConfig(),
		Chat:       chat.DefaultConfig(),
		CallGroups: CallGroups{Config: stats.DefaultConfig()},
		Hotel:      DefaultHotel(),
		LDAP:       DefaultLDAP(),
		Cluster:    DefaultCluster(),
		Audit:      Audit{Retention: 90 * 24 * time.Hour, PruneEvery: time.Hour},
		Calls:      Calls{HistoryRetention: 365 * 24 * time.Hour, Backend: CallsBackendARI, Config: calls.DefaultConfig()},
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
		ARI: ARI{CallerIDApp: "pbxagent-cid", DialerApp: "pbxagent-dialer", CallsApp: "pbxagent-calls", CallsDial: "PJSIP/{to}", CallsParkTimeout: 45 * time.Second, IdleTimeout: 10 * time.Second},
		Phones: Phones{GroupBy: "company", RefreshMinutes: 60, LoginMaxFailures: 10, LoginWindow: 10 * time.Minute,
			LoginMaxUsersPerAddress: 50, LoginMaxAccountFailures: 100, LoginMaxTracked: 10000, DigestMaxNonces: 65536,
			BookMax: phones.DefaultBookLimits(), CTI: phones.CTIConfig{Timeout: 5 * time.Second}},
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
			return cfg, fmt.Errorf("config %s: %w", path, yamlError(b, err))
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
	if c.Store.CloseTimeout <= 0 {
		return errors.New("config store.close_timeout: must be positive")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		return fmt.Errorf("config http.addr %q: %w", c.HTTP.Addr, err)
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
	if (c.HTTP.TLSAddr != "") != (c.HTTP.TLSCert != "" && c.HTTP.TLSKey != "") {
		return errors.New("config http.tls_addr, http.tls_cert, http.tls_key: set all three for HTTPS, or none")
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
	if c.Audit.Retention < time.Hour || c.Audit.PruneEvery < time.Minute {
		return fmt.Errorf("config audit.retention (%s, at least 1h) / audit.prune_every (%s, at least 1m): too short", c.Audit.Retention, c.Audit.PruneEvery)
	}
	if c.Calls.HistoryRetention < 0 {
		return fmt.Errorf("config calls.history_retention (%s): must not be negative (0 keeps the history forever)", c.Calls.HistoryRetention)
	}
	if err := c.Calls.validateBackend(c.SIPUA); err != nil {
		return fmt.Errorf("config %w", err)
	}
	// Every feature's section is validated by the feature's own package.
	for _, v := range []interface{ Validate() error }{c.CallerID, c.AGI, c.SIP, c.ARI, c.Phones, c.Sync, c.Users, c.OAuth, c.CORS, c.Events, c.Calls, c.Recordings, c.Chat, c.CallGroups, c.Hotel, c.SIPUA, c.LDAP, c.Cluster} {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("config %w", err)
		}
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
		opts := strings.Split(t.Field(i).Tag.Get("yaml"), ",")
		tag := opts[0]
		if tag == "" && slices.Contains(opts[1:], "inline") && v.Field(i).Kind() == reflect.Struct {
			// An inlined section's keys are its parent's.
			if err := walk(v.Field(i), envPrefix, pathPrefix, fn); err != nil {
				return err
			}
			continue
		}
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
