package users

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/pbxagent/pbxagent/agent/loginthrottle"
)

// Config is the users component's configuration (config key "users"). A
// zero field takes its default (DefaultConfig); docs/users.md explains
// each.
type Config struct {
	// SessionIdleTimeout ends a session not used for this long. Default 30m.
	SessionIdleTimeout time.Duration `yaml:"session_idle_timeout"`
	// SessionMaxAge ends a session this long after login, used or not.
	// Default 8h.
	SessionMaxAge time.Duration `yaml:"session_max_age"`
	// SecureCookie marks the session cookie Secure on every response, for
	// a daemon behind a proxy that terminates TLS. Without it the cookie
	// is Secure when the request itself came over TLS.
	SecureCookie bool `yaml:"secure_cookie"`
	// MaxSessionsPerUser bounds a user's sessions; a new login ends the
	// oldest beyond it. Default 10.
	MaxSessionsPerUser int `yaml:"max_sessions_per_user"`

	// Argon2Memory is argon2id's memory in KiB. Default 65536 (64 MiB).
	Argon2Memory uint32 `yaml:"argon2_memory_kib"`
	// Argon2Time is argon2id's number of passes. Default 2.
	Argon2Time uint32 `yaml:"argon2_time"`
	// Argon2Threads is argon2id's parallelism. Default 1.
	Argon2Threads uint8 `yaml:"argon2_threads"`
	// MaxConcurrentHashes bounds the password hashes computed at once
	// (each holds Argon2Memory); others wait up to HashWait, then get 503.
	// Default: the number of CPUs.
	MaxConcurrentHashes int `yaml:"max_concurrent_hashes"`
	// HashWait is how long a login waits for a hashing slot. Default 5s.
	HashWait time.Duration `yaml:"hash_wait"`

	// LoginMaxFailures, LoginWindow, LoginMaxUsersPerAddress,
	// LoginMaxAccountFailures and LoginMaxTracked are the failed-login
	// throttle's limits (loginthrottle.Limits; defaults 10, 10m, 50, 100,
	// 10000).
	LoginMaxFailures        int           `yaml:"login_max_failures"`
	LoginWindow             time.Duration `yaml:"login_window"`
	LoginMaxUsersPerAddress int           `yaml:"login_max_users_per_address"`
	LoginMaxAccountFailures int           `yaml:"login_max_account_failures"`
	LoginMaxTracked         int           `yaml:"login_max_tracked"`

	// ImportMaxRows bounds the users of one CSV import. Default 5000.
	ImportMaxRows int `yaml:"import_max_rows"`
	// ImportMaxBytes bounds the body of a CSV import. Default 4 MiB.
	ImportMaxBytes int64 `yaml:"import_max_bytes"`
}

// DefaultConfig is the configuration a zero Config takes.
func DefaultConfig() Config {
	l := loginthrottle.Default
	return Config{
		SessionIdleTimeout: 30 * time.Minute, SessionMaxAge: 8 * time.Hour, MaxSessionsPerUser: 10,
		Argon2Memory: 65536, Argon2Time: 2, Argon2Threads: 1,
		MaxConcurrentHashes: runtime.NumCPU(), HashWait: 5 * time.Second,
		LoginMaxFailures: l.MaxFailures, LoginWindow: l.Window, LoginMaxUsersPerAddress: l.MaxUsersPerAddress,
		LoginMaxAccountFailures: l.MaxAccountFailures, LoginMaxTracked: l.MaxTracked,
		ImportMaxRows: 5000, ImportMaxBytes: 4 << 20,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	def := func(v *int, dv int) {
		if *v == 0 {
			*v = dv
		}
	}
	defDur := func(v *time.Duration, dv time.Duration) {
		if *v == 0 {
			*v = dv
		}
	}
	defDur(&c.SessionIdleTimeout, d.SessionIdleTimeout)
	defDur(&c.SessionMaxAge, d.SessionMaxAge)
	defDur(&c.HashWait, d.HashWait)
	defDur(&c.LoginWindow, d.LoginWindow)
	def(&c.MaxSessionsPerUser, d.MaxSessionsPerUser)
	def(&c.MaxConcurrentHashes, d.MaxConcurrentHashes)
	def(&c.LoginMaxFailures, d.LoginMaxFailures)
	def(&c.LoginMaxUsersPerAddress, d.LoginMaxUsersPerAddress)
	def(&c.LoginMaxAccountFailures, d.LoginMaxAccountFailures)
	def(&c.LoginMaxTracked, d.LoginMaxTracked)
	def(&c.ImportMaxRows, d.ImportMaxRows)
	if c.Argon2Memory == 0 {
		c.Argon2Memory = d.Argon2Memory
	}
	if c.Argon2Time == 0 {
		c.Argon2Time = d.Argon2Time
	}
	if c.Argon2Threads == 0 {
		c.Argon2Threads = d.Argon2Threads
	}
	if c.ImportMaxBytes == 0 {
		c.ImportMaxBytes = d.ImportMaxBytes
	}
	return c
}

// Validate checks the configuration after defaults are applied; its errors
// name the config key (users.*).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(key string, format string, a ...any) {
		errs = append(errs, fmt.Errorf("config users.%s: %s", key, fmt.Sprintf(format, a...)))
	}
	if c.SessionIdleTimeout < time.Minute {
		bad("session_idle_timeout", "%s, want at least 1m", c.SessionIdleTimeout)
	}
	if c.SessionMaxAge < c.SessionIdleTimeout {
		bad("session_max_age", "%s, want at least session_idle_timeout (%s)", c.SessionMaxAge, c.SessionIdleTimeout)
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"max_sessions_per_user", c.MaxSessionsPerUser}, {"max_concurrent_hashes", c.MaxConcurrentHashes},
		{"login_max_failures", c.LoginMaxFailures}, {"login_max_users_per_address", c.LoginMaxUsersPerAddress},
		{"login_max_account_failures", c.LoginMaxAccountFailures}, {"login_max_tracked", c.LoginMaxTracked},
		{"import_max_rows", c.ImportMaxRows}} {
		if f.v < 0 {
			bad(f.key, "%d, want a positive number", f.v)
		}
	}
	if c.LoginWindow < time.Second {
		bad("login_window", "%s, want at least 1s", c.LoginWindow)
	}
	if c.HashWait < 0 {
		bad("hash_wait", "%s, want 0 or more", c.HashWait)
	}
	if c.ImportMaxBytes < 0 {
		bad("import_max_bytes", "%d, want a positive number", c.ImportMaxBytes)
	}
	if err := c.params().check(); err != nil {
		bad("argon2_memory_kib", "%v", err)
	}
	return errors.Join(errs...)
}

func (c Config) params() Params {
	return Params{Memory: c.Argon2Memory, Time: c.Argon2Time, Threads: c.Argon2Threads}
}

func (c Config) loginLimits() loginthrottle.Limits {
	return loginthrottle.Limits{MaxFailures: c.LoginMaxFailures, Window: c.LoginWindow,
		MaxUsersPerAddress: c.LoginMaxUsersPerAddress, MaxAccountFailures: c.LoginMaxAccountFailures, MaxTracked: c.LoginMaxTracked}
}
