package ldapdir

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
)

// oidStartTLS is the StartTLS extended operation (RFC 4511 §4.14).
const oidStartTLS = "1.3.6.1.4.1.1466.20037"

// rcInvalidDNSyntax is a base or bind DN that does not parse.
const rcInvalidDNSyntax = 34

// flushAt is how much response data a search queues before writing it.
const flushAt = 32 << 10

// handle answers one request; false ends the connection.
func (ss *session) handle(ctx context.Context, m *Message) bool {
	switch m.Op {
	case appBindRequest:
		ss.bind(m)
	case appSearchRequest:
		return ss.search(ctx, m)
	case appUnbindRequest:
		return false
	case appAbandonRequest:
		// Searches are answered whole before the next request is read:
		// there is nothing left to abandon, and abandon has no response.
	case appModifyRequest, appAddRequest, appDelRequest, appModDNRequest, appCompareRequest:
		ss.out = appendResult(ss.out, m.ID, m.Op+1, rcUnwillingToPerform, "", "the directory is read-only", nil)
	case appExtendedRequest:
		if m.Extended.Name == oidStartTLS {
			ss.out = appendResult(ss.out, m.ID, appExtendedResp, rcUnavailable, "", "StartTLS is not offered: the directory has no TLS configuration", nil)
		} else {
			ss.out = appendResult(ss.out, m.ID, appExtendedResp, rcProtocolError, "", "extended operation "+m.Extended.Name+" is not supported", nil)
		}
	default:
		ss.disconnect(rcProtocolError, "operation "+strconv.Itoa(m.Op)+" is not a request")
		return false
	}
	return true
}

// allowed reports whether the client's address is in the allow-list.
func (ss *session) allowed() bool {
	for _, p := range ss.s.cfg.Allow {
		if p.Contains(ss.addr) {
			return true
		}
	}
	return false
}

// bind answers a bind: a phone's credentials, or anonymous from an
// allow-listed address. A failed bind leaves the connection unbound
// (RFC 4513 §4).
func (ss *session) bind(m *Message) {
	ss.s.binds.Add(1)
	b := m.Bind
	ss.bound, ss.viewer = false, phones.Anonymous()
	code, diag := rcSuccess, ""
	switch {
	case b.Version != 3 && b.Version != 2:
		code, diag = rcProtocolError, "LDAP version "+strconv.FormatInt(b.Version, 10)+" is not supported"
	case b.SASL:
		code, diag = rcAuthMethodNotSupported, "only simple bind is offered"
	case b.Name == "" && b.Simple == "":
		if ss.allowed() {
			ss.bound = true
		} else {
			code, diag = rcInsufficientAccess, "anonymous bind is not allowed from this address"
		}
	case b.Simple == "":
		code, diag = rcUnwillingToPerform, "unauthenticated bind (a name without a password) is refused"
	default:
		user, ok := ss.s.bindUser(b.Name)
		if !ok {
			code, diag = rcInvalidCredentials, ""
			break
		}
		v, err := ss.s.dir.BindPhone(ss.addr, user, b.Simple)
		switch {
		case errors.Is(err, phones.ErrThrottled):
			code, diag = rcBusy, "too many failed binds: try again later"
		case err != nil:
			code = rcInvalidCredentials
		default:
			ss.bound, ss.viewer = true, v
		}
	}
	if code != rcSuccess && code != rcBusy {
		ss.s.log.Info("ldap bind refused", "remote", ss.c.RemoteAddr().String(), "name", b.Name, "code", code)
	}
	ss.out = appendResult(ss.out, m.ID, appBindResponse, code, "", diag, nil)
}

// bindUser reads the phone's username from a bind name: the bare
// username, or cn=<user> or uid=<user> alone or followed by the base DN.
func (s *Server) bindUser(name string) (string, bool) {
	if !strings.Contains(name, "=") {
		return name, name != ""
	}
	dn, err := parseDN(name)
	if err != nil || len(dn) == 0 {
		return "", false
	}
	if dn[0].attr != "cn" && dn[0].attr != "uid" {
		return "", false
	}
	if len(dn) > 1 && !sameDN(dn[1:], s.base) {
		return "", false
	}
	// The value as sent (parseDN folds case; usernames are case-sensitive).
	first, _, _ := strings.Cut(name, ",")
	_, v, _ := strings.Cut(first, "=")
	v = strings.TrimSpace(v)
	if strings.ContainsRune(v, '\\') {
		v = dn[0].value
	}
	return v, v != ""
}

// search answers a search request.
func (ss *session) search(ctx context.Context, m *Message) bool {
	ss.s.searches.Add(1)
	req := m.Search
	done := func(code int, matched, diag string, ctrls []byte) bool {
		ss.out = appendResult(ss.out, m.ID, appSearchDone, code, matched, diag, ctrls)
		return true
	}
	var paged *pagedRequest
	for _, c := range m.Controls {
		if c.Type == oidPaged {
			p, err := decodePaged(c.Value)
			if err != nil {
				return done(rcProtocolError, "", "paged results control: "+err.Error(), nil)
			}
			paged = &p
			continue
		}
		if c.Critical {
			return done(rcUnavailableCritical, "", "control "+c.Type+" is not supported", nil)
		}
	}
	viewer := ss.viewer
	if !ss.bound {
		if !ss.allowed() {
			return done(rcInsufficientAccess, "", "bind with a phone's credentials first", nil)
		}
		viewer = phones.Anonymous()
	}
	dn, err := parseDN(req.BaseDN)
	if err != nil {
		return done(rcInvalidDNSyntax, "", "base DN does not parse", nil)
	}
	sel := selectAttrs(req.Attributes)
	base := ss.s.cfg.BaseDN
	switch above, isUnder := under(dn, ss.s.base); {
	case len(dn) == 0 && req.Scope == scopeBase:
		ss.out = appendAttrEntry(ss.out, m.ID, "", [][2][]string{
			{{"objectClass"}, {"top"}},
			{{"namingContexts"}, {base}},
			{{"supportedLDAPVersion"}, {"3"}},
			{{"supportedControl"}, {oidPaged}},
		}, req.TypesOnly)
		return done(rcSuccess, "", "", nil)
	case isUnder && len(above) == 0:
		if req.Scope == scopeBase {
			ss.out = appendAttrEntry(ss.out, m.ID, base, [][2][]string{
				{{"objectClass"}, {"top", "organizationalUnit"}},
			}, req.TypesOnly)
			return done(rcSuccess, "", "", nil)
		}
		return ss.contacts(ctx, m, viewer, plan(req.Filter), sel, paged)
	case isUnder && len(above) == 1 && above[0].attr == "uid":
		if req.Scope == scopeOneLevel {
			return done(rcSuccess, "", "", nil)
		}
		first, _, _ := strings.Cut(req.BaseDN, ",")
		_, id, _ := strings.Cut(first, "=")
		c, err := ss.s.dir.ViewerGet(ctx, viewer, strings.ToUpper(strings.TrimSpace(id))) // ids are ULIDs
		if err != nil {
			return ss.failed(m, err)
		}
		if c == nil {
			return done(rcNoSuchObject, base, "", nil)
		}
		if (&matcher{}).match(req.Filter, c) {
			ss.out = appendEntry(ss.out, m.ID, base, c, sel, req.TypesOnly)
		}
		return done(rcSuccess, "", "", nil)
	case len(dn) < len(ss.s.base) && req.Scope == scopeSubtree:
		if _, ok := under(ss.s.base, dn); ok {
			return ss.contacts(ctx, m, viewer, plan(req.Filter), sel, paged)
		}
	}
	return done(rcNoSuchObject, "", "no such entry: the directory is "+base, nil)
}

// failed answers a search the directory could not serve.
func (ss *session) failed(m *Message, err error) bool {
	if errors.Is(err, phones.ErrBadCredentials) {
		ss.out = appendResult(ss.out, m.ID, appSearchDone, rcInsufficientAccess, "", "the phone bound is no longer registered", nil)
		return true
	}
	ss.s.log.Warn("ldap search failed", "remote", ss.c.RemoteAddr().String(), "err", err)
	ss.out = appendResult(ss.out, m.ID, appSearchDone, rcOperationsError, "", "directory unavailable", nil)
	return true
}

// contacts answers a search over the contact entries: up to the size
// limit, a page at a time with the paged results control.
func (ss *session) contacts(ctx context.Context, m *Message, v phones.Viewer, p []driver, sel selection, paged *pagedRequest) bool {
	req := m.Search
	limit := ss.s.cfg.SizeLimit
	if req.SizeLimit > 0 && req.SizeLimit < int64(limit) {
		limit = int(req.SizeLimit)
	}
	offset, pageSize := 0, limit
	var key uint64
	if paged != nil {
		key = searchKey(req, v)
		if len(paged.cookie) > 0 {
			off, ok := readCookie(paged.cookie, key)
			if !ok {
				ss.out = appendResult(ss.out, m.ID, appSearchDone, rcUnwillingToPerform, "", "paged results cookie is not from this search", nil)
				return true
			}
			offset = off
		}
		if paged.size == 0 {
			// The client abandons the paged search (RFC 2696 §3).
			ss.out = appendResult(ss.out, m.ID, appSearchDone, rcSuccess, "", "", pagedControl(nil))
			return true
		}
		pageSize = int(min(paged.size, int64(limit)))
	}
	end := min(offset+pageSize, limit)
	var found []*phonebook.Contact
	var err error
	if p != nil && offset < limit {
		found, err = ss.s.matches(ctx, v, req.Filter, p, end+1)
		if err != nil && !errors.Is(err, errBudget) {
			return ss.failed(m, err)
		}
	}
	for i := offset; i < end && i < len(found); i++ {
		ss.out = appendEntry(ss.out, m.ID, ss.s.cfg.BaseDN, found[i], sel, req.TypesOnly)
		if len(ss.out) > flushAt {
			if ss.flush() != nil {
				return false
			}
		}
	}
	code, diag := rcSuccess, ""
	more := len(found) > end
	var ctrls []byte
	switch {
	case errors.Is(err, errBudget):
		code, diag = rcAdminLimitExceeded, "the filter reads more of the directory than a search may: search by name or number"
		if paged != nil {
			ctrls = pagedControl(nil)
		}
	case more && end == limit:
		code = rcSizeLimitExceeded
		if paged != nil {
			ctrls = pagedControl(nil)
		}
	case paged != nil && more:
		ctrls = pagedControl(makeCookie(end, key))
	case paged != nil:
		ctrls = pagedControl(nil)
	}
	ss.out = appendResult(ss.out, m.ID, appSearchDone, code, "", diag, ctrls)
	return true
}

// searchKey identifies a search for its paged results cookies: the
// request's base, scope, filter, attributes and the viewer.
func searchKey(req *SearchRequest, v phones.Viewer) uint64 {
	h := fnv.New64a()
	h.Write([]byte(req.BaseDN + "\x00" + strconv.FormatInt(req.Scope, 10) + "\x00" + req.Filter.String() + "\x00" + v.User() + "\x00" + strconv.FormatInt(req.SizeLimit, 10)))
	for _, a := range req.Attributes {
		h.Write([]byte("\x00" + a))
	}
	return h.Sum64()
}

// makeCookie is the paged results cookie of the page starting at offset:
// the offset and the search's key. Pages are recomputed from the start,
// in the same order; a cookie is only good for the search it came from.
func makeCookie(offset int, key uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, uint64(offset))
	binary.BigEndian.PutUint64(b[8:], key)
	return b
}

// readCookie checks a cookie against the search's key.
func readCookie(b []byte, key uint64) (int, bool) {
	if len(b) != 16 || binary.BigEndian.Uint64(b[8:]) != key {
		return 0, false
	}
	off := binary.BigEndian.Uint64(b)
	if off > 1<<31 {
		return 0, false
	}
	return int(off), true
}

// matches returns the first want contacts v sees that f matches, from the
// result cache when the same search ran at the directory's current
// generation.
func (s *Server) matches(ctx context.Context, v phones.Viewer, f *Filter, p []driver, want int) ([]*phonebook.Contact, error) {
	owner, err := s.dir.Owner(v)
	if err != nil {
		return nil, err
	}
	gen := s.dir.Generation()
	k := cacheKey{owner: owner, anonymous: v.User() == "", filter: f.String(), want: want}
	if c, ok := s.cache.get(gen, k); ok {
		if c.spent {
			return c.found, errBudget
		}
		return c.found, nil
	}
	found, err := collect(ctx, s.dir, v, f, p, want, s.cfg.ScanBudget)
	if err != nil && !errors.Is(err, errBudget) {
		return nil, err
	}
	s.cache.put(gen, k, cached{found: found, spent: err != nil})
	return found, err
}
