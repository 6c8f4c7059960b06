package cti

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/provisioning"
)

// Driver controls one phone. Each method is one bounded HTTP request to
// the phone; an action outside Capabilities fails with an *Error of kind
// KindUnsupported before any request.
type Driver interface {
	// Capabilities is the set of actions this phone's driver can do.
	Capabilities() Caps
	// Answer answers the ringing call.
	Answer(ctx context.Context) error
	// Hangup ends the current call.
	Hangup(ctx context.Context) error
	// Hold puts the current call on hold.
	Hold(ctx context.Context) error
	// DTMF sends digits (0-9, *, #) in the current call.
	DTMF(ctx context.Context, digits string) error
	// Dial calls number from the phone.
	Dial(ctx context.Context, number string) error
}

// Target is what a driver needs to reach one phone.
type Target struct {
	// MAC names the phone in errors.
	MAC string
	// Vendor selects the driver.
	Vendor provisioning.Vendor
	// Host is the phone's IP address, with a port when not the scheme's
	// default ("192.0.2.41", "192.0.2.41:8080", "[2001:db8::1]:80").
	Host string
	// HTTPS talks https to the phone instead of http.
	HTTPS bool
	// Username and Password are the credentials the phone's web server
	// accepts (HTTP Basic; Grandstream's passcode is Password).
	Username, Password string
}

// DefaultTimeout bounds one command, connection included.
const DefaultTimeout = 5 * time.Second

// maxBody bounds what is read of a phone's answer.
const maxBody = 64 << 10

// Option configures New.
type Option func(*phone)

// WithClient sets the HTTP client (its Timeout still applies; default: a
// client of its own that follows no redirect).
func WithClient(c *http.Client) Option { return func(p *phone) { p.client = c } }

// WithTimeout bounds each command (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(p *phone) { p.timeout = d } }

// vendor is one vendor's request forms and answer rules.
type vendor interface {
	caps() Caps
	// request builds the request of action a (arg: digits or number,
	// already checked) against base ("http://host").
	request(ctx context.Context, base string, t Target, a Action, arg string) (*http.Request, error)
	// check reads a 2xx answer: nil when the phone did it, else the kind
	// (KindRefused or KindRejected) and a detail.
	check(body []byte) (Kind, string)
}

var vendors = map[provisioning.Vendor]vendor{
	provisioning.Yealink: yealink{}, provisioning.Fanvil: fanvil{}, provisioning.Snom: snom{},
	provisioning.Cisco: cisco{}, provisioning.Grandstream: grandstream{}, provisioning.Polycom: polycom{},
}

// CapabilitiesOf is the set of actions pbxagent can drive on phones of
// vendor v (none for an unknown vendor).
func CapabilitiesOf(v provisioning.Vendor) Caps {
	if d, ok := vendors[v]; ok {
		return d.caps()
	}
	return 0
}

// New returns the driver of t's vendor bound to t. It fails only for a
// vendor with no driver; a missing or bad Host shows on each command as
// KindNoAddress.
func New(t Target, opts ...Option) (Driver, error) {
	v, ok := vendors[t.Vendor]
	if !ok {
		return nil, fmt.Errorf("cti: no driver for vendor %q", t.Vendor)
	}
	p := &phone{t: t, v: v, timeout: DefaultTimeout}
	for _, o := range opts {
		o(p)
	}
	if p.client == nil {
		p.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return p, nil
}

// phone is the Driver: the vendor's forms applied to one target.
type phone struct {
	t       Target
	v       vendor
	client  *http.Client
	timeout time.Duration
}

func (p *phone) Capabilities() Caps                       { return p.v.caps() }
func (p *phone) Answer(ctx context.Context) error         { return p.do(ctx, Answer, "") }
func (p *phone) Hangup(ctx context.Context) error         { return p.do(ctx, Hangup, "") }
func (p *phone) Hold(ctx context.Context) error           { return p.do(ctx, Hold, "") }
func (p *phone) DTMF(ctx context.Context, d string) error { return p.do(ctx, DTMF, d) }
func (p *phone) Dial(ctx context.Context, n string) error { return p.do(ctx, Dial, n) }

func (p *phone) fail(a Action, k Kind, status int, detail string, err error) error {
	return &Error{MAC: p.t.MAC, Vendor: p.t.Vendor, Action: a, Kind: k, Status: status, Detail: detail, Err: err}
}

// checkHost accepts an IP address with an optional port, nothing else.
func checkHost(h string) error {
	if h == "" {
		return errors.New("the phone has not fetched a file since the daemon started")
	}
	if _, err := netip.ParseAddr(h); err == nil {
		if strings.Contains(h, ":") { // bare IPv6
			return errors.New("an IPv6 address needs brackets")
		}
		return nil
	}
	if _, err := netip.ParseAddrPort(h); err == nil {
		return nil
	}
	return fmt.Errorf("%q is not an IP address with an optional port", h)
}

func (p *phone) do(ctx context.Context, a Action, arg string) error {
	if !p.v.caps().Has(a) {
		return p.fail(a, KindUnsupported, 0, fmt.Sprintf("%s phones can do %s", p.t.Vendor, orNone(p.v.caps())), nil)
	}
	switch a {
	case DTMF, Dial:
		if err := checkDigits(arg, a == Dial); err != nil {
			return p.fail(a, KindInvalid, 0, err.Error(), nil)
		}
	}
	if err := checkHost(p.t.Host); err != nil {
		return p.fail(a, KindNoAddress, 0, err.Error(), nil)
	}
	scheme := "http"
	if p.t.HTTPS {
		scheme = "https"
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := p.v.request(ctx, scheme+"://"+p.t.Host, p.t, a, arg)
	if err != nil {
		return p.fail(a, KindInvalid, 0, causeOnly(err).Error(), nil)
	}
	req.Header.Set("User-Agent", "pbxagent-cti")
	resp, err := p.client.Do(req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && p.t.Username != "" {
		// A phone asking for Digest (Cisco MPP's Remote Credential, Snom
		// with its authentication scheme on) gets one more request.
		if ch, ok := parseDigest(resp.Header.Get("WWW-Authenticate")); ok {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			if req, err = p.v.request(ctx, scheme+"://"+p.t.Host, p.t, a, arg); err != nil {
				return p.fail(a, KindInvalid, 0, causeOnly(err).Error(), nil)
			}
			req.Header.Set("User-Agent", "pbxagent-cti")
			ch.authorize(req, p.t.Username, p.t.Password)
			resp, err = p.client.Do(req)
		}
	}
	if err != nil {
		err = causeOnly(err)
		detail := err.Error()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			detail = fmt.Sprintf("no answer within %s", p.timeout)
		}
		return p.fail(a, KindUnreachable, 0, detail, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return p.fail(a, KindUnreachable, resp.StatusCode, "reading the answer: "+err.Error(), err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return p.fail(a, KindRefused, resp.StatusCode, "", nil)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return p.fail(a, KindRejected, resp.StatusCode, snippet(body), nil)
	}
	if k, detail := p.v.check(body); k != "" {
		return p.fail(a, k, resp.StatusCode, detail, nil)
	}
	return nil
}

// causeOnly drops the URL of a *url.Error: it may carry a passcode
// (Grandstream).
func causeOnly(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func orNone(c Caps) string {
	if c == 0 {
		return "nothing remotely"
	}
	return "only " + strings.ReplaceAll(c.String(), ",", ", ")
}

// snippet is the start of a body for an error message, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// keyGET is the form shared by the key-press vendors: GET path?name=value
// with HTTP Basic when a username is set.
func keyGET(ctx context.Context, base, path string, q url.Values, t Target) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if t.Username != "" {
		req.SetBasicAuth(t.Username, t.Password)
	}
	return req, nil
}
