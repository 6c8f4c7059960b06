package ua

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// Registrar defaults.
const (
	// DefaultMinExpires and DefaultMaxExpires bound a granted lifetime
	// when RegistrarConfig leaves them 0.
	DefaultMinExpires = 60 * time.Second
	DefaultMaxExpires = 3600 * time.Second
	// DefaultNonceLifetime is how long a challenge's nonce is taken; an
	// older one is answered 401 with stale=true (RFC 2617 section 3.2.1).
	DefaultNonceLifetime = 5 * time.Minute
	// DefaultMaxContacts caps a user's simultaneous bindings.
	DefaultMaxContacts = 10
	// defaultRequestedExpires is the lifetime of a contact whose REGISTER
	// says none (RFC 3261 section 10.3 step 6 leaves it to the registrar).
	defaultRequestedExpires = 3600 * time.Second
	// sweepEvery is how often the whole binding table is swept of
	// expired bindings (each user's are swept whenever it is touched).
	sweepEvery = time.Minute
)

// Registrar takes REGISTER requests from phones (agents' phones
// registered to pbxagent itself), checks them by digest against
// Password, and keeps each user's current contact until it expires.
//
// It follows RFC 3261 section 10.3: the user is the To header's
// address-of-record user part and must be the digest username; each
// Contact is bound with its expires parameter, else the Expires header,
// else 3600 s, capped by MaxExpires; a lifetime under MinExpires is
// answered 423 with Min-Expires; expires 0 removes a binding and
// "Contact: *" with "Expires: 0" removes them all; the 200 lists the
// user's current bindings with what is left of their lifetimes. Nonces are
// stateless (an HMAC of their issue time), so unknown users and failed
// attempts cost no memory.
//
// Lookup gives the contact to call. When a REGISTER's packet came from an
// address other than its Contact's host:port (the phone is behind NAT),
// Lookup returns the Contact with its host:port replaced by the packet's
// source, so that requests reach the phone through its NAT binding (what
// Asterisk's rewrite_contact does; RFC 5626 outbound is the full answer).
// See docs/sip-registration.md.
type Registrar struct {
	cfg   RegistrarConfig
	clk   clock.Clock
	log   *slog.Logger
	nonce *nonceKey

	mu        sync.Mutex
	users     map[string][]*binding
	seq       uint64
	lastSweep time.Time
}

// RegistrarConfig configures a Registrar.
type RegistrarConfig struct {
	// Realm is the digest realm ("pbxagent").
	Realm string
	// Password returns a user's SIP password; false refuses the user.
	Password func(user string) (string, bool)
	// MinExpires and MaxExpires bound the granted lifetime (423 Interval
	// Too Brief below the minimum); 0 means 60 s and 3600 s.
	MinExpires, MaxExpires time.Duration
	// NonceLifetime is how long a challenge's nonce is accepted; 0 means
	// 5 min. Older nonces get a new challenge with stale=true.
	NonceLifetime time.Duration
	// MaxContacts caps a user's bindings; a new contact beyond it
	// replaces the user's least recently refreshed one. 0 means 10.
	MaxContacts int
	// Clock tells the time of bindings' expiry and nonces' age; nil is
	// the wall clock.
	Clock clock.Clock
	// Logger logs; nil discards.
	Logger *slog.Logger
}

// binding is one contact of a user.
type binding struct {
	contact   sip.Uri   // as the phone registered it
	target    string    // what Lookup returns: contact, rewritten for NAT
	source    string    // the REGISTER's packet source, host:port
	transport string    // the REGISTER's transport ("UDP", "TCP")
	callID    string    // of the REGISTER that made or refreshed it
	cseq      uint32    // of that REGISTER
	expires   time.Time // when it lapses
	seq       uint64    // order of the last refresh, for Lookup
}

// NewRegistrar returns a Registrar; put it in Config.Registrar. It panics
// when the system's random source fails (the nonce key cannot be made),
// as crypto/rand's readers never fail on supported platforms.
func NewRegistrar(cfg RegistrarConfig) *Registrar {
	if cfg.Realm == "" {
		cfg.Realm = "pbxagent"
	}
	if cfg.Password == nil {
		cfg.Password = func(string) (string, bool) { return "", false }
	}
	if cfg.MinExpires <= 0 {
		cfg.MinExpires = DefaultMinExpires
	}
	if cfg.MaxExpires <= 0 {
		cfg.MaxExpires = DefaultMaxExpires
	}
	if cfg.MaxExpires < cfg.MinExpires {
		cfg.MaxExpires = cfg.MinExpires
	}
	if cfg.NonceLifetime <= 0 {
		cfg.NonceLifetime = DefaultNonceLifetime
	}
	if cfg.MaxContacts <= 0 {
		cfg.MaxContacts = DefaultMaxContacts
	}
	r := &Registrar{cfg: cfg, clk: cfg.Clock, log: cfg.Logger, users: map[string][]*binding{}}
	if r.clk == nil {
		r.clk = clock.Real{}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	k, err := newNonceKey(cfg.Realm)
	if err != nil {
		panic(fmt.Sprintf("ua: NewRegistrar: %v", err))
	}
	r.nonce = k
	return r
}

// Lookup returns the contact URI a user registered, if it has not expired:
// the most recently registered or refreshed of the user's bindings, with
// its host:port rewritten to the REGISTER's source when they differed
// (NAT), and ";transport=tcp" added when it registered over TCP.
func (r *Registrar) Lookup(user string) (string, bool) {
	now := r.clk.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	bs := r.sweepUser(user, now)
	var best *binding
	for _, b := range bs {
		if best == nil || b.seq > best.seq {
			best = b
		}
	}
	if best == nil {
		return "", false
	}
	return best.target, true
}

// Binding is one of a user's current registrations, for status pages.
type Binding struct {
	// Contact is the URI the phone registered; Target what Lookup would
	// return for it.
	Contact, Target string
	// Source is the host:port its REGISTER came from, Transport over what.
	Source, Transport string
	// Expires is when it lapses.
	Expires time.Time
}

// Bindings returns a user's unexpired bindings, most recent first.
func (r *Registrar) Bindings(user string) []Binding {
	now := r.clk.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	bs := r.sweepUser(user, now)
	out := make([]Binding, 0, len(bs))
	for _, b := range bs {
		out = append(out, Binding{Contact: b.contact.String(), Target: b.target, Source: b.source, Transport: b.transport, Expires: b.expires})
	}
	for i := 1; i < len(out); i++ { // insertion sort by recency; a handful of entries
		for j := i; j > 0 && bs[j].seq > bs[j-1].seq; j-- {
			bs[j], bs[j-1] = bs[j-1], bs[j]
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// sweepUser drops user's expired bindings and returns the rest; r.mu held.
func (r *Registrar) sweepUser(user string, now time.Time) []*binding {
	bs := r.users[user]
	kept := bs[:0]
	for _, b := range bs {
		if now.Before(b.expires) {
			kept = append(kept, b)
		}
	}
	clear(bs[len(kept):])
	if len(kept) == 0 {
		delete(r.users, user)
		return nil
	}
	r.users[user] = kept
	return kept
}

// sweepAll drops every expired binding, at most once per sweepEvery; r.mu held.
func (r *Registrar) sweepAll(now time.Time) {
	if now.Sub(r.lastSweep) < sweepEvery {
		return
	}
	r.lastSweep = now
	for user := range r.users {
		r.sweepUser(user, now)
	}
}

// regReply is the answer the registrar decided on.
type regReply struct {
	status int
	reason string
	// headers are added to the response (WWW-Authenticate, Min-Expires).
	headers []sip.Header
}

func reply(status int, reason string, hs ...sip.Header) *regReply {
	return &regReply{status: status, reason: reason, headers: hs}
}

// serve answers a REGISTER (the Agent's server routes REGISTER here when
// Config.Registrar is set, else answers 405).
func (r *Registrar) serve(req *sip.Request, tx sip.ServerTransaction) {
	rep, list := r.handle(req)
	res := sip.NewResponseFromRequest(req, rep.status, rep.reason, nil)
	for _, h := range rep.headers {
		res.AppendHeader(h)
	}
	for _, c := range list {
		res.AppendHeader(c)
	}
	if rep.status == sip.StatusOK {
		res.AppendHeader(sip.NewHeader("Date", r.clk.Now().UTC().Format(http1123)))
	}
	if err := tx.Respond(res); err != nil {
		r.log.Warn("registrar: answering REGISTER", "call_id", callID(req), "status", rep.status, "err", err)
	}
}

// http1123 is the SIP-date format (RFC 3261 section 20.17, RFC 1123 in GMT).
const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func callID(m sip.Message) string {
	if h := m.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

// handle authenticates and applies a REGISTER; on 200 it returns the
// user's current bindings as Contact headers.
func (r *Registrar) handle(req *sip.Request) (*regReply, []sip.Header) {
	to := req.To()
	if to == nil || to.Address.User == "" {
		return reply(sip.StatusBadRequest, "To header has no user part (the address of record)"), nil
	}
	user := to.Address.User
	if rep := r.authenticate(req, user); rep != nil {
		return rep, nil
	}
	plan, rep := r.plan(req)
	if rep != nil {
		r.log.Info("registrar: REGISTER refused", "user", user, "status", rep.status, "reason", rep.reason)
		return rep, nil
	}
	return r.apply(req, user, plan)
}

// authenticate checks req's digest credentials for user (RFC 3261 section
// 22.4, RFC 2617 with qop=auth and MD5); nil means they are good.
func (r *Registrar) authenticate(req *sip.Request, user string) *regReply {
	now := r.clk.Now()
	h := req.GetHeader("Authorization")
	if h == nil {
		return r.challenge(now, false)
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		return reply(sip.StatusBadRequest, fmt.Sprintf("Authorization header: %v", err))
	}
	if cred.Username != user {
		r.log.Info("registrar: digest username is not the To user", "user", user, "username", cred.Username)
		return reply(sip.StatusForbidden, "Authorization username does not match the To user")
	}
	if cred.Realm != r.cfg.Realm {
		return r.challenge(now, false)
	}
	if a := strings.ToUpper(cred.Algorithm); a != "" && a != "MD5" {
		return r.challenge(now, false)
	}
	if cred.QOP != "" && cred.QOP != "auth" {
		return r.challenge(now, false)
	}
	stale, err := r.nonce.check(cred.Nonce, now, r.cfg.NonceLifetime)
	if err != nil {
		r.log.Info("registrar: bad nonce", "user", user, "err", err)
		return r.challenge(now, false)
	}
	password, ok := r.cfg.Password(user)
	if !ok {
		// The same answer as a wrong password: no telling which users exist.
		r.log.Info("registrar: unknown user", "user", user)
		return r.challenge(now, false)
	}
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: req.Method.String(), URI: cred.URI, Username: user, Password: password,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return reply(sip.StatusBadRequest, fmt.Sprintf("Authorization header: %v", err))
	}
	if subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cred.Response))) != 1 {
		r.log.Info("registrar: wrong digest response", "user", user)
		return r.challenge(now, false)
	}
	if stale {
		// The password was right but the nonce too old: RFC 2617 section
		// 3.2.1 says answer stale=true so the phone retries silently.
		return r.challenge(now, true)
	}
	return nil
}

// challenge is a 401 with a fresh nonce.
func (r *Registrar) challenge(now time.Time, stale bool) *regReply {
	c := digest.Challenge{Realm: r.cfg.Realm, Nonce: r.nonce.make(now), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	return reply(sip.StatusUnauthorized, "Unauthorized", sip.NewHeader("WWW-Authenticate", c.String()))
}

// contactPlan is what one Contact of a REGISTER asks.
type contactPlan struct {
	uri     sip.Uri
	expires time.Duration // 0 removes
}

// regPlan is what a REGISTER asks, checked but not applied.
type regPlan struct {
	removeAll bool // Contact: * with Expires: 0
	contacts  []contactPlan
}

// plan reads and checks a REGISTER's Contacts and lifetimes (RFC 3261
// section 10.3 steps 6 and 7) without changing anything.
func (r *Registrar) plan(req *sip.Request) (*regPlan, *regReply) {
	hdrExpires, hasHdr, err := headerDeltaSeconds(req, "Expires")
	if err != nil {
		return nil, reply(sip.StatusBadRequest, err.Error())
	}
	cs := contacts(req)
	if len(cs) != len(req.GetHeaders("Contact")) {
		return nil, reply(sip.StatusBadRequest, "Contact header: cannot parse")
	}
	p := &regPlan{}
	for _, c := range cs {
		if c.Address.Wildcard {
			if len(cs) != 1 || !hasHdr || hdrExpires != 0 {
				return nil, reply(sip.StatusBadRequest, "Contact: * needs Expires: 0 and no other Contact")
			}
			p.removeAll = true
			return p, nil
		}
	}
	for _, c := range cs {
		if c.Address.Scheme != "sip" && c.Address.Scheme != "sips" && c.Address.Scheme != "" {
			return nil, reply(sip.StatusBadRequest, fmt.Sprintf("Contact <%s>: not a sip or sips URI", c.Address.String()))
		}
		if c.Address.Host == "" {
			return nil, reply(sip.StatusBadRequest, fmt.Sprintf("Contact <%s>: no host", c.Address.String()))
		}
		e, ok, err := contactExpires(c)
		if err != nil {
			return nil, reply(sip.StatusBadRequest, err.Error())
		}
		switch {
		case ok:
		case hasHdr:
			e = hdrExpires
		default:
			e = defaultRequestedExpires
		}
		if e != 0 && e < r.cfg.MinExpires {
			return nil, reply(sip.StatusIntervalToBrief, "Interval Too Brief",
				sip.NewHeader("Min-Expires", seconds(r.cfg.MinExpires)))
		}
		e = min(e, r.cfg.MaxExpires)
		p.contacts = append(p.contacts, contactPlan{uri: *c.Address.Clone(), expires: e})
	}
	return p, nil
}

// apply carries out a checked plan for user and lists the user's bindings.
func (r *Registrar) apply(req *sip.Request, user string, p *regPlan) (*regReply, []sip.Header) {
	now := r.clk.Now()
	cid := callID(req)
	var cseq uint32
	if h := req.CSeq(); h != nil {
		cseq = h.SeqNo
	}
	source := req.Source()
	transport := strings.ToUpper(req.Transport())

	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweepAll(now)
	bs := r.sweepUser(user, now)
	// RFC 3261 section 10.3 step 7: a REGISTER of the same Call-ID whose
	// CSeq is not above a binding's is out of order; nothing is changed.
	for _, b := range bs {
		if b.callID != cid || b.cseq < cseq {
			continue
		}
		if p.removeAll || findPlan(p, b) {
			return reply(sip.StatusBadRequest, "CSeq not above the binding's (out of order REGISTER)"), nil
		}
	}
	switch {
	case p.removeAll:
		bs = nil
	default:
		for _, c := range p.contacts {
			i := findBinding(bs, c.uri)
			if c.expires == 0 {
				if i >= 0 {
					bs = append(bs[:i], bs[i+1:]...)
				}
				continue
			}
			r.seq++
			b := &binding{contact: c.uri, source: source, transport: transport, callID: cid, cseq: cseq,
				expires: now.Add(c.expires), seq: r.seq}
			b.target = natTarget(c.uri, source, transport)
			switch {
			case i >= 0:
				bs[i] = b
			case len(bs) >= r.cfg.MaxContacts:
				oldest := 0
				for j := range bs {
					if bs[j].seq < bs[oldest].seq {
						oldest = j
					}
				}
				bs[oldest] = b
			default:
				bs = append(bs, b)
			}
			r.log.Debug("registrar: bound", "user", user, "contact", c.uri.String(), "target", b.target, "expires", c.expires)
		}
	}
	if len(bs) == 0 {
		delete(r.users, user)
	} else {
		r.users[user] = bs
	}
	list := make([]sip.Header, 0, len(bs))
	for _, b := range bs {
		c := &sip.ContactHeader{Address: *b.contact.Clone(), Params: sip.NewParams()}
		c.Params.Add("expires", seconds(b.expires.Sub(now)))
		list = append(list, c)
	}
	return reply(sip.StatusOK, "OK"), list
}

func findPlan(p *regPlan, b *binding) bool {
	for _, c := range p.contacts {
		if sameContact(c.uri, b.contact) {
			return true
		}
	}
	return false
}

func findBinding(bs []*binding, u sip.Uri) int {
	for i, b := range bs {
		if sameContact(b.contact, u) {
			return i
		}
	}
	return -1
}

// sameContact compares two contact URIs the way that matters for
// bindings (RFC 3261 section 19.1.4, simplified): scheme, user, host
// (case-insensitive), port (5060 when absent) and transport parameter.
func sameContact(a, b sip.Uri) bool {
	return schemeOf(a) == schemeOf(b) && a.User == b.User && strings.EqualFold(a.Host, b.Host) &&
		portOr(a) == portOr(b) && strings.EqualFold(a.UriParams.GetOr("transport", "udp"), b.UriParams.GetOr("transport", "udp"))
}

func schemeOf(u sip.Uri) string {
	if u.Scheme == "" {
		return "sip"
	}
	return strings.ToLower(u.Scheme)
}

func portOr(u sip.Uri) int {
	switch {
	case u.Port > 0:
		return u.Port
	case schemeOf(u) == "sips":
		return 5061
	default:
		return 5060
	}
}

// natTarget is the URI to reach contact registered from source over
// transport: contact itself when its host:port is source, else contact
// with source's host:port (the NAT's public mapping); ";transport=tcp"
// is added for a TCP registration whose contact names no transport, so
// that requests ride the phone's connection.
func natTarget(contact sip.Uri, source, transport string) string {
	u := contact.Clone()
	if u.UriParams == nil {
		u.UriParams = sip.NewParams()
	}
	if host, port, err := net.SplitHostPort(source); err == nil {
		p, perr := strconv.Atoi(port)
		if perr == nil && (!sameHost(u.Host, host) || portOr(*u) != p) {
			u.Host = host
			u.Port = p
		}
	}
	if transport != "" && transport != "UDP" && !u.UriParams.Has("transport") {
		u.UriParams.Add("transport", strings.ToLower(transport))
	}
	return u.String()
}

// sameHost compares hosts, as IP addresses when both are.
func sameHost(a, b string) bool {
	a, b = strings.Trim(a, "[]"), strings.Trim(b, "[]")
	ia, errA := netip.ParseAddr(a)
	ib, errB := netip.ParseAddr(b)
	if errA == nil && errB == nil {
		return ia.Unmap() == ib.Unmap()
	}
	return strings.EqualFold(a, b)
}
