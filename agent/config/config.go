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
}

// Numbers configures number normalisation (notes/callerid.md §3.3).
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
}

// SIP is the SIP redirect (CNAM dip) server.
type SIP struct {
	// Addr listens on UDP and TCP; empty (the default) disables.
	Addr string `yaml:"addr"`
	// MissStatus answers a miss: 404 (default) or 302 (redirect without a name).
	MissStatus int `yaml:"miss_status"`
	// CNAM limits names to 15 printable ASCII characters, transliterated.
	CNAM bool `yaml:"cnam"`
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
		Store:   Store{MemoryMB: 256, MaxImports: 1},
		HTTP:    HTTP{Addr: "127.0.0.1:8080", MaxBodyBytes: 256 << 20, ShutdownTimeout: 10 * time.Second},
		Numbers: Numbers{ExtensionMaxLen: 6},
		CallerID: CallerID{
			Allow:    []string{"127.0.0.0/8", "::1/128"},
			Deadline: 100 * time.Millisecond,
		},
		AGI:    AGI{Addr: "127.0.0.1:4573"},
		SIP:    SIP{MissStatus: 404},
		ARI:    ARI{CallerIDApp: "pbxagent-cid", DialerApp: "pbxagent-dialer"},
		Phones: Phones{GroupBy: "company", RefreshMinutes: 60},
		Log:    Log{Level: "info", Format: "text"},
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
