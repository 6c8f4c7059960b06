package phones

import (
	"net/netip"
	"time"

	"github.com/pbxagent/pbxagent/agent/loginthrottle"
)

// LoginLimits bounds password guessing against Basic and Digest (tokens,
// 128 random bits, are not worth guessing and are not held). Its fields
// and defaults are those of loginthrottle.Limits: MaxFailures, Window,
// MaxUsersPerAddress, MaxAccountFailures, MaxTracked. A zero field takes
// its default. docs/phones.md explains each limit.
type LoginLimits loginthrottle.Limits

// DefaultLoginLimits are the limits used when WithLoginLimits is not given.
var DefaultLoginLimits = LoginLimits(loginthrottle.Default)

// WithLoginLimits sets the failed-login limits; zero fields keep their
// defaults (DefaultLoginLimits).
func WithLoginLimits(l LoginLimits) Option { return func(c *config) { c.login = l } }

// withDefaults fills zero fields and checks the rest.
func (l LoginLimits) withDefaults() (LoginLimits, error) {
	d, err := loginthrottle.Limits(l).WithDefaults("login limits")
	return LoginLimits(d), err
}

// failures is the failed-login throttle (loginthrottle.Throttle).
type failures struct{ t *loginthrottle.Throttle }

func newFailures(lim LoginLimits) *failures {
	return &failures{t: loginthrottle.New(loginthrottle.Limits(lim))}
}

// blocked reports whether user is held from addr at now.
func (f *failures) blocked(user string, addr netip.Addr, now time.Time) bool {
	return f.t.Blocked(user, addr, now)
}

// any reports whether any failure is being tracked.
func (f *failures) any() bool { return f.t.Any() }

// fail counts one failure for user from addr.
func (f *failures) fail(user string, addr netip.Addr, now time.Time) { f.t.Fail(user, addr, now) }
