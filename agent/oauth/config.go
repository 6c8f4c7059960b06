package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Defaults of Config and CORSConfig.
const (
	DefaultAccessTTL  = time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
	DefaultCodeTTL    = time.Minute
	DefaultLoginTTL   = 10 * time.Minute
	DefaultMaxPending = 10000
	DefaultMaxTokens  = 200000
	DefaultCORSMaxAge = 10 * time.Minute
)

// Config is the authorization server's configuration (the daemon's
// oauth.* keys). The zero value means every default.
type Config struct {
	// Issuer is the server's issuer identifier (RFC 8414 §2), an https
	// URL without query or fragment, e.g. "https://pbx.example.com"; the
	// endpoints are below it. Empty: derived from each request's Host and
	// TLS (set it when the daemon is behind a reverse proxy).
	Issuer string `yaml:"issuer"`
	// AccessTTL is an access token's lifetime. Default 1h.
	AccessTTL time.Duration `yaml:"access_ttl"`
	// RefreshTTL is a refresh token's lifetime, counted from its issue:
	// each refresh returns a new one valid this long. Default 720h (30 days).
	RefreshTTL time.Duration `yaml:"refresh_ttl"`
	// CodeTTL is an authorization code's lifetime (RFC 6749 §4.1.2: at
	// most 10 minutes). Default 1m.
	CodeTTL time.Duration `yaml:"code_ttl"`
	// LoginTTL is how long a pending authorization (the login and consent
	// pages) stays valid. Default 10m.
	LoginTTL time.Duration `yaml:"login_ttl"`
	// MaxPending caps the authorizations pending at once (pages shown,
	// not yet answered); one more is answered 503. Default 10000.
	MaxPending int `yaml:"max_pending"`
	// MaxTokens caps the live tokens kept (access and refresh, rotated
	// refresh tokens kept for reuse detection included); the token
	// endpoint answers 503 temporarily_unavailable when it is reached.
	// Each costs about 300 bytes of memory. Default 200000.
	MaxTokens int `yaml:"max_tokens"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.AccessTTL == 0 {
		c.AccessTTL = DefaultAccessTTL
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	if c.CodeTTL == 0 {
		c.CodeTTL = DefaultCodeTTL
	}
	if c.LoginTTL == 0 {
		c.LoginTTL = DefaultLoginTTL
	}
	if c.MaxPending == 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	return c
}

// Validate checks c (after WithDefaults), naming the key at fault.
func (c Config) Validate() error {
	var errs []error
	if c.Issuer != "" {
		u, err := url.Parse(c.Issuer)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("oauth.issuer: %w", err))
		case u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())):
			errs = append(errs, errors.New("oauth.issuer: must be an https URL (http only for a loopback host)"))
		case u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			errs = append(errs, errors.New("oauth.issuer: must be scheme://host[:port][/path] without query, fragment or user"))
		}
	}
	pos := func(key string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s: must not be negative", key))
		}
	}
	pos("oauth.access_ttl", c.AccessTTL)
	pos("oauth.refresh_ttl", c.RefreshTTL)
	pos("oauth.code_ttl", c.CodeTTL)
	pos("oauth.login_ttl", c.LoginTTL)
	if c.CodeTTL > 10*time.Minute {
		errs = append(errs, errors.New("oauth.code_ttl: must be at most 10m (RFC 6749 §4.1.2)"))
	}
	if c.RefreshTTL != 0 && c.AccessTTL > c.RefreshTTL {
		errs = append(errs, errors.New("oauth.access_ttl: must not exceed oauth.refresh_ttl"))
	}
	if c.MaxPending < 0 {
		errs = append(errs, errors.New("oauth.max_pending: must not be negative"))
	}
	if c.MaxTokens < 0 {
		errs = append(errs, errors.New("oauth.max_tokens: must not be negative"))
	}
	return errors.Join(errs...)
}

// CORSConfig is the CORS allow-list's configuration (the daemon's cors.*
// keys). Origins added through the API are kept in the store and added
// to these.
type CORSConfig struct {
	// Origins are the exact origins ("https://crm.example.com") whose
	// pages may call the API from a browser, with credentials. Default none.
	Origins []string `yaml:"origins"`
	// MaxAge is how long a browser may cache a preflight answer
	// (Access-Control-Max-Age). Default 10m.
	MaxAge time.Duration `yaml:"max_age"`
}

// WithDefaults returns c with zero fields set to their defaults.
func (c CORSConfig) WithDefaults() CORSConfig {
	if c.MaxAge == 0 {
		c.MaxAge = DefaultCORSMaxAge
	}
	return c
}

// Validate checks c, naming the key and entry at fault.
func (c CORSConfig) Validate() error {
	var errs []error
	for i, o := range c.Origins {
		if _, err := NormalizeOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("cors.origins[%d]: %w", i, err))
		}
	}
	if c.MaxAge < 0 {
		errs = append(errs, errors.New("cors.max_age: must not be negative"))
	}
	return errors.Join(errs...)
}
