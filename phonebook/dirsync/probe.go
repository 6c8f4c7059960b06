package dirsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// DefaultTestTimeout bounds a source test (Engine.Test, Engine.TestInput):
// an administrator waits for its answer in a form.
const DefaultTestTimeout = 5 * time.Second

// WithTestTimeout bounds a source test (default DefaultTestTimeout).
func WithTestTimeout(d time.Duration) Option { return func(e *Engine) { e.testTimeout = d } }

// CredentialsError reports that the remote refused the credentials of a
// setting: it was reached, and said no.
type CredentialsError struct {
	// Field is the setting to fix ("settings.client_secret").
	Field string
	// Message is what the remote said, without the secret.
	Message string
}

// Error names the field and what the remote said.
func (e *CredentialsError) Error() string {
	return "credentials refused (" + e.Field + "): " + e.Message
}

// Refused returns a *CredentialsError for a settings key (e.g.
// "client_secret"); sources return it when the remote refuses their
// credentials.
func Refused(key, msg string) error {
	return &CredentialsError{Field: "settings." + key, Message: msg}
}

// Causes of an UnreachableError.
const (
	CauseDNS     = "dns"     // the name does not resolve
	CauseRefused = "refused" // nothing listens on the port
	CauseTimeout = "timeout" // no (complete) answer in time
	CauseTLS     = "tls"     // the TLS handshake or certificate failed
	CauseNetwork = "network" // another network error (reset, unreachable network)
)

// UnreachableError reports that a source's server could not be reached.
type UnreachableError struct {
	// Field is the setting naming the server ("settings.url", "settings.host").
	Field string
	// Host is the host (and port) tried.
	Host string
	// Cause is one of the Cause constants.
	Cause string
	// Err is the underlying error.
	Err error
}

// Error names the host, the cause and the detail.
func (e *UnreachableError) Error() string {
	what := map[string]string{
		CauseDNS:     "the name does not resolve",
		CauseRefused: "connection refused (nothing listens on that port)",
		CauseTimeout: "no answer in time",
		CauseTLS:     "TLS failed",
		CauseNetwork: "network error",
	}[e.Cause]
	return fmt.Sprintf("cannot reach %s: %s: %v", e.Host, what, e.Err)
}

// Unwrap returns the underlying error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// Targeter is implemented by sources that can say where they connect: the
// setting naming the server and its host (host:port when known). A test's
// error names it when the transport error does not.
type Targeter interface {
	Target() (field, host string)
}

// classify turns a test's transport failure into an *UnreachableError
// (credential refusals and the remote's own answers are returned as they
// are). timedOut reports that the test's deadline passed; limit is that
// deadline, for the message.
func classify(err error, timedOut bool, src Source, limit time.Duration) error {
	if err == nil {
		return nil
	}
	var ce *CredentialsError
	if errors.As(err, &ce) {
		return err
	}
	field, host := "", ""
	if t, ok := src.(Targeter); ok {
		field, host = t.Target()
		if field != "" {
			field = "settings." + field
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			if host != "" && u.Hostname() != hostname(host) {
				field = "" // another server than the setting names (Graph after the token endpoint)
			}
			host = u.Host
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Addr != nil {
		host = oe.Addr.String()
	}
	u := &UnreachableError{Field: field, Host: host, Err: err}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	var alert tls.AlertError
	var ne net.Error
	switch {
	case errors.As(err, &dnsErr):
		u.Cause = CauseDNS
		if u.Host == "" {
			u.Host = dnsErr.Name
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		u.Cause = CauseRefused
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &verify),
		errors.As(err, &header), errors.As(err, &alert):
		u.Cause = CauseTLS
	case timedOut || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		u.Cause = CauseTimeout
		u.Err = fmt.Errorf("no complete answer within %s", limit)
	case oe != nil:
		u.Cause = CauseNetwork
	default:
		return err
	}
	if u.Host == "" {
		u.Host = "the source's server"
	}
	return u
}

// hostname returns host without its port.
func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// testSource runs src's dry run bounded by the engine's test timeout, with
// transport failures classified.
func (e *Engine) testSource(ctx context.Context, src Source, n int) ([]*phonebook.Contact, error) {
	tr, ok := src.(Tester)
	if !ok {
		return nil, ErrNotTestable
	}
	limit := e.testTimeout
	if limit <= 0 {
		limit = DefaultTestTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cs, err := tr.Test(tctx, n)
	if err != nil {
		if ctx.Err() != nil { // the caller went away: not the source's fault
			return nil, ctx.Err()
		}
		return nil, classify(err, errors.Is(tctx.Err(), context.DeadlineExceeded), src, limit)
	}
	return cs, nil
}

// ErrEnough is returned by a Collector once it holds its n contacts: a
// source's Test runs its Sync into a Collector and stops there.
var ErrEnough = errors.New("enough contacts collected")

// Collector is a Sink keeping the first N upserted contacts (a dry run).
type Collector struct {
	N        int
	Contacts []*phonebook.Contact
}

// Upsert keeps c; it returns ErrEnough once N contacts are kept.
func (c *Collector) Upsert(_ context.Context, ct *phonebook.Contact) error {
	if len(c.Contacts) >= c.N {
		return ErrEnough
	}
	c.Contacts = append(c.Contacts, ct)
	if len(c.Contacts) >= c.N {
		return ErrEnough
	}
	return nil
}

// Delete ignores deletions (a dry run lists what would be written).
func (c *Collector) Delete(context.Context, string) error { return nil }
