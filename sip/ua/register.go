package ua

import (
	"context"
	"errors"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Registration is a registration of this Agent to a registrar (a
// registration-based trunk or a PBX).
type Registration struct {
	// Registrar is the registrar's URI ("sip:pbx.example.com;transport=tcp").
	Registrar string
	// AOR is the address of record registered ("sip:pbxagent@pbx.example.com").
	AOR string
	// Username and Password answer the registrar's digest challenge
	// (Config.Credentials when empty).
	Username, Password string
	// Expires is the requested lifetime; 0 means 3600 s. The registration
	// is refreshed before the granted lifetime runs out (at half of it,
	// RFC 3261 section 10.2.4 leaves the margin to the UA), retried with
	// backoff after a failure.
	Expires time.Duration
	// OnChange is called when the registration comes up or goes down.
	OnChange func(registered bool, err error)
}

// Register keeps reg registered until ctx ends, then unregisters
// (Expires: 0) and returns.
func (a *Agent) Register(ctx context.Context, reg Registration) error {
	return errors.New("ua: Register not written yet")
}

// KeepAlive sends OPTIONS to target every interval until ctx ends and
// calls onChange when the peer starts or stops answering (any final
// answer counts as alive; a timeout as down).
func (a *Agent) KeepAlive(ctx context.Context, target string, interval time.Duration, onChange func(up bool)) error {
	return errors.New("ua: KeepAlive not written yet")
}

// Registrar takes REGISTER requests from phones (agents' phones
// registered to pbxagent itself), checks them by digest against
// Password, and keeps each user's current contact until it expires.
type Registrar struct{}

// RegistrarConfig configures a Registrar.
type RegistrarConfig struct {
	// Realm is the digest realm ("pbxagent").
	Realm string
	// Password returns a user's SIP password; false refuses the user.
	Password func(user string) (string, bool)
	// MinExpires and MaxExpires bound the granted lifetime (423 Interval
	// Too Brief below the minimum); 0 means 60 s and 3600 s.
	MinExpires, MaxExpires time.Duration
}

// serve answers a REGISTER (the Agent's server routes REGISTER here when
// Config.Registrar is set, else answers 405).
func (r *Registrar) serve(req *sip.Request, tx sip.ServerTransaction) {}

// answerOptions answers an OPTIONS request with 200 and the Allow,
// Accept and Supported headers of this Agent (the Agent's server routes
// OPTIONS here).
func (a *Agent) answerOptions(req *sip.Request, tx sip.ServerTransaction) {}

// NewRegistrar returns a Registrar; put it in Config.Registrar.
func NewRegistrar(cfg RegistrarConfig) *Registrar { return &Registrar{} }

// Lookup returns the contact URI a user registered, if it has not expired.
func (r *Registrar) Lookup(user string) (string, bool) { return "", false }
