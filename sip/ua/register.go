package ua

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// Registration defaults.
const (
	// DefaultRegisterExpires is the lifetime asked when
	// Registration.Expires is 0.
	DefaultRegisterExpires = 3600 * time.Second
	// DefaultRetryMin and DefaultRetryMax bound the wait before retrying
	// a failed registration: it starts at the minimum and doubles up to
	// the maximum while failures go on.
	DefaultRetryMin = 5 * time.Second
	DefaultRetryMax = 5 * time.Minute
	// UnregisterTimeout bounds the unregistration (Expires: 0) sent when
	// Register's context ends.
	UnregisterTimeout = 5 * time.Second
	// maxRegisterRounds bounds the REGISTER transactions of one attempt
	// (challenge, stale nonce, 423, …).
	maxRegisterRounds = 5
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
	// RetryMin and RetryMax bound the backoff after a failure (0: 5 s
	// and 5 min): the first retry waits RetryMin, each further one twice
	// the last, at most RetryMax.
	RetryMin, RetryMax time.Duration
	// OnChange is called when the registration comes up or goes down:
	// (true, nil) when a REGISTER is accepted after none or a failure;
	// (false, err) at the first failure after none or a success (err
	// wraps ErrAuthRejected, a *RegisterError or the transport's error);
	// (false, nil) once unregistered when Register's context ends. It is
	// called from Register's goroutine.
	OnChange func(registered bool, err error)
}

// ErrAuthRejected is wrapped by the error of a registration whose
// credentials the registrar refused (a second 401/407 to an answered
// challenge), and ErrNoCredentials by one challenged with no credentials
// to answer.
var (
	ErrAuthRejected  = errors.New("credentials rejected")
	ErrNoCredentials = errors.New("no credentials for the realm")
)

// RegisterError is a REGISTER answered with a final failure status.
type RegisterError struct {
	// Status and Reason are the response's.
	Status int
	Reason string
}

func (e *RegisterError) Error() string {
	return fmt.Sprintf("REGISTER answered %d %s", e.Status, e.Reason)
}

// regState is the registration's state as OnChange last told it.
type regState int

const (
	regUnknown regState = iota
	regUp
	regDown
)

// regSession is one Registration's dialog-like state: RFC 3261 section
// 10.2.4 wants the same Call-ID and an increasing CSeq across refreshes.
type regSession struct {
	a         *Agent
	reg       Registration
	log       *slog.Logger
	recipient sip.Uri
	aor       sip.Uri
	route     *sip.Uri
	callID    string
	fromTag   string
	cseq      uint32
	expires   time.Duration // asked; raised by a 423's Min-Expires

	chal       *digest.Challenge // the last challenge, answered on each request
	chalHeader string            // "Authorization" or "Proxy-Authorization"
	nc         int
	user, pass string
}

// Register keeps reg registered until ctx ends, then unregisters
// (Expires: 0, bounded by UnregisterTimeout) and returns nil. It returns
// an error at once only when reg is malformed.
func (a *Agent) Register(ctx context.Context, reg Registration) error {
	s, err := a.newRegSession(reg)
	if err != nil {
		return err
	}
	clk := a.clk
	if clk == nil {
		clk = clock.Real{}
	}
	retryMin, retryMax := reg.RetryMin, reg.RetryMax
	if retryMin <= 0 {
		retryMin = DefaultRetryMin
	}
	if retryMax < retryMin {
		retryMax = max(DefaultRetryMax, retryMin)
	}
	state := regUnknown
	bound := false // the registrar may hold our binding
	var delay time.Duration
	for {
		granted, err := s.register(ctx, s.expires)
		if ctx.Err() != nil {
			break
		}
		var wait time.Duration
		if err == nil {
			bound = true
			delay = 0
			wait = granted / 2
			s.log.Debug("registered", "granted", granted, "refresh_in", wait)
			if state != regUp {
				state = regUp
				s.log.Info("registered", "aor", reg.AOR, "registrar", reg.Registrar, "granted", granted)
				s.notify(true, nil)
			}
		} else {
			if delay == 0 {
				delay = retryMin
			} else {
				delay = min(2*delay, retryMax)
			}
			wait = delay
			s.log.Warn("registration failed", "aor", reg.AOR, "registrar", reg.Registrar, "retry_in", wait, "err", err)
			if state != regDown {
				state = regDown
				s.notify(false, err)
			}
		}
		if !waitOn(ctx, clk, wait) {
			break
		}
	}
	var unregErr error
	if bound {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), UnregisterTimeout)
		_, unregErr = s.register(uctx, 0)
		cancel()
		if unregErr != nil {
			s.log.Warn("unregistration failed", "aor", reg.AOR, "err", unregErr)
		} else {
			s.log.Info("unregistered", "aor", reg.AOR)
		}
	}
	if state == regUp {
		s.notify(false, unregErr)
	}
	return nil
}

func (s *regSession) notify(up bool, err error) {
	if s.reg.OnChange != nil {
		s.reg.OnChange(up, err)
	}
}

// waitOn waits d on clk; false when ctx ended first.
func waitOn(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

func (a *Agent) newRegSession(reg Registration) (*regSession, error) {
	s := &regSession{a: a, reg: reg, log: a.log, expires: reg.Expires}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "register", "aor", reg.AOR)
	if s.expires <= 0 {
		s.expires = DefaultRegisterExpires
	}
	if err := sip.ParseUri(reg.Registrar, &s.recipient); err != nil {
		return nil, fmt.Errorf("registration: Registrar %q: %w", reg.Registrar, err)
	}
	if s.recipient.Host == "" {
		return nil, fmt.Errorf("registration: Registrar %q: no host", reg.Registrar)
	}
	// RFC 3261 section 10.2: the Request-URI has no userinfo.
	s.recipient.User, s.recipient.Password = "", ""
	if err := sip.ParseUri(reg.AOR, &s.aor); err != nil {
		return nil, fmt.Errorf("registration: AOR %q: %w", reg.AOR, err)
	}
	if s.aor.User == "" || s.aor.Host == "" {
		return nil, fmt.Errorf("registration: AOR %q: want sip:user@domain", reg.AOR)
	}
	s.aor.UriParams, s.aor.Headers = nil, nil
	if p := a.cfg.OutboundProxy; p != "" {
		var u sip.Uri
		if err := sip.ParseUri(p, &u); err != nil {
			return nil, fmt.Errorf("registration: outbound proxy %q: %w", p, err)
		}
		if u.UriParams == nil {
			u.UriParams = sip.NewParams()
		}
		if !u.UriParams.Has("lr") {
			u.UriParams.Add("lr", "")
		}
		s.route = &u
	}
	if a.client == nil {
		return nil, errors.New("registration: the Agent has no SIP client (not made by New)")
	}
	s.callID = randomToken(16)
	s.fromTag = randomToken(8)
	return s, nil
}

// randomToken is n random bytes in hex.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// contact is the Contact of our REGISTERs.
func (s *regSession) contact(expires time.Duration) *sip.ContactHeader {
	c := s.a.contact.Clone()
	if c.Params == nil {
		c.Params = sip.NewParams()
	}
	c.Params.Remove("expires")
	c.Params.Add("expires", seconds(expires))
	return c
}

// build makes the next REGISTER of the session (a new CSeq each).
func (s *regSession) build(expires time.Duration) (*sip.Request, error) {
	req := sip.NewRequest(sip.REGISTER, *s.recipient.Clone())
	from := &sip.FromHeader{Address: *s.aor.Clone(), Params: sip.NewParams()}
	from.Params.Add("tag", s.fromTag)
	to := &sip.ToHeader{Address: *s.aor.Clone(), Params: sip.NewParams()}
	cid := sip.CallIDHeader(s.callID)
	s.cseq++
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: s.cseq, MethodName: sip.REGISTER})
	if s.route != nil {
		req.AppendHeader(&sip.RouteHeader{Address: *s.route.Clone()})
	}
	req.AppendHeader(s.contact(expires))
	req.AppendHeader(sip.NewHeader("Expires", seconds(expires)))
	if ua := s.a.cfg.UserAgent; ua != "" {
		req.AppendHeader(sip.NewHeader("User-Agent", ua))
	}
	if s.chal != nil {
		s.nc++
		cred, err := digest.Digest(s.chal, digest.Options{
			Method: sip.REGISTER.String(), URI: s.recipient.String(),
			Username: s.user, Password: s.pass, Count: s.nc,
		})
		if err != nil {
			return nil, fmt.Errorf("answering the challenge of realm %q: %w", s.chal.Realm, err)
		}
		req.AppendHeader(sip.NewHeader(s.chalHeader, cred.String()))
	}
	s.a.sendFromListener(req)
	return req, nil
}

// sendFromListener makes a UDP request leave from the socket the Agent
// listens on, as its INVITEs do: the registrar or peer then sees the
// Contact's port as the source, and a NAT maps the port that takes calls.
func (a *Agent) sendFromListener(req *sip.Request) {
	if !strings.EqualFold(req.Transport(), "UDP") {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.udpLaddr.IP != nil {
		a.udpLaddr.Copy(&req.Laddr)
	}
}

// register sends one REGISTER asking expires (0 unregisters) and follows
// challenges and 423 until a 2xx or a failure; it returns the granted
// lifetime.
func (s *regSession) register(ctx context.Context, expires time.Duration) (time.Duration, error) {
	answered := false // the last request answered the current challenge
	for range maxRegisterRounds {
		req, err := s.build(expires)
		if err != nil {
			return 0, err
		}
		res, err := s.a.client.Do(ctx, req)
		if err != nil {
			return 0, fmt.Errorf("REGISTER to %s: %w", s.reg.Registrar, err)
		}
		switch {
		case res.IsSuccess():
			if expires == 0 {
				return 0, nil
			}
			granted, err := s.granted(res, expires)
			if err != nil {
				return 0, fmt.Errorf("REGISTER to %s: %w", s.reg.Registrar, err)
			}
			return granted, nil
		case res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired:
			chal, hdr, err := challengeOf(res)
			if err != nil {
				return 0, fmt.Errorf("REGISTER to %s: %w", s.reg.Registrar, err)
			}
			if answered && s.chal != nil && !chal.Stale {
				return 0, fmt.Errorf("REGISTER to %s as %q: %d %s: %w", s.reg.Registrar, s.user, res.StatusCode, res.Reason, ErrAuthRejected)
			}
			if err := s.credentials(chal.Realm); err != nil {
				return 0, fmt.Errorf("REGISTER to %s: %d %s (realm %q): %w", s.reg.Registrar, res.StatusCode, res.Reason, chal.Realm, err)
			}
			s.chal, s.chalHeader, s.nc = chal, hdr, 0
			answered = true
		case res.StatusCode == sip.StatusIntervalToBrief && expires != 0:
			minExp, ok, err := headerDeltaSeconds(res, "Min-Expires")
			if err != nil || !ok || minExp <= expires {
				return 0, fmt.Errorf("REGISTER to %s: 423 with no usable Min-Expires (asked %v): %v", s.reg.Registrar, expires, err)
			}
			s.log.Info("registrar wants a longer lifetime", "asked", expires, "min_expires", minExp)
			expires = minExp
			s.expires = minExp
		default:
			return 0, fmt.Errorf("REGISTER to %s: %w", s.reg.Registrar, &RegisterError{Status: res.StatusCode, Reason: res.Reason})
		}
	}
	return 0, fmt.Errorf("REGISTER to %s: no success after %d rounds", s.reg.Registrar, maxRegisterRounds)
}

// credentials picks the user and password for realm.
func (s *regSession) credentials(realm string) error {
	if s.reg.Username != "" {
		s.user, s.pass = s.reg.Username, s.reg.Password
		return nil
	}
	if f := s.a.cfg.Credentials; f != nil {
		if u, p, ok := f(realm); ok {
			s.user, s.pass = u, p
			return nil
		}
	}
	return ErrNoCredentials
}

// challengeOf parses a 401's WWW-Authenticate or a 407's
// Proxy-Authenticate; hdr is the header that answers it.
func challengeOf(res *sip.Response) (chal *digest.Challenge, hdr string, err error) {
	name, hdr := "WWW-Authenticate", "Authorization"
	if res.StatusCode == sip.StatusProxyAuthRequired {
		name, hdr = "Proxy-Authenticate", "Proxy-Authorization"
	}
	var last error
	for _, h := range res.GetHeaders(name) {
		if !digest.IsDigest(h.Value()) {
			continue
		}
		c, err := digest.ParseChallenge(h.Value())
		if err != nil {
			last = fmt.Errorf("%s header: %w", name, err)
			continue
		}
		c.Algorithm = strings.ToUpper(c.Algorithm)
		if !digest.CanDigest(c) {
			last = fmt.Errorf("%s header: algorithm %q / qop %q not supported", name, c.Algorithm, strings.Join(c.QOP, ","))
			continue
		}
		return c, hdr, nil
	}
	if last == nil {
		last = fmt.Errorf("%d without a Digest %s header", res.StatusCode, name)
	}
	return nil, "", last
}

// granted reads the lifetime a 2xx granted (RFC 3261 section 10.2.4):
// the expires parameter of our Contact in the answer, else the Expires
// header, else what was asked.
func (s *regSession) granted(res *sip.Response, asked time.Duration) (time.Duration, error) {
	ours := s.a.contact.Address
	for _, c := range contacts(res) {
		if c.Address.Wildcard || !sameContact(c.Address, ours) {
			continue
		}
		if d, ok, err := contactExpires(c); err != nil {
			return 0, err
		} else if ok {
			return checkGranted(d)
		}
	}
	if d, ok, err := headerDeltaSeconds(res, "Expires"); err != nil {
		return 0, err
	} else if ok {
		return checkGranted(d)
	}
	return asked, nil
}

func checkGranted(d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, errors.New("the 200 granted no lifetime (expires 0)")
	}
	return d, nil
}
