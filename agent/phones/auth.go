package phones

import (
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// identity is who a phone request proved to be: a registered phone, or
// nobody (an allow-listed address under AuthIP), which sees global contacts.
type identity struct {
	phone *record
	// version is the registry version the credentials were checked at.
	version uint64
}

// owner returns the user whose personal contacts the requester may see.
func (id identity) owner() string {
	if id.phone == nil {
		return ""
	}
	return id.phone.Owner
}

// authFailure is a refused request: its status and, for the log, why.
type authFailure struct {
	status int
	reason string
	user   string
	stale  bool
	// challenge: the request is a normal step of HTTP authentication,
	// not a refusal (no credentials yet, or a Digest nonce that expired):
	// the 401 asks for credentials, and is logged at debug.
	challenge bool
}

// remoteAddr returns the request's peer address.
func remoteAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func (s *Service) allowed(r *http.Request) bool {
	if len(s.cfg.allow) == 0 {
		return true
	}
	a, ok := remoteAddr(r)
	if !ok {
		return false
	}
	for _, p := range s.cfg.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// urlTokens are the tokens a request carries in its URL (path and query):
// the first, and the first that differs from it. A phone has one token, so
// two different values can never both name it.
type urlTokens struct {
	first, other string
	n            int // distinct values: 0, 1 or 2 (more count as 2)
}

// add notes one token value; an empty one is no credential.
func (t *urlTokens) add(v string) {
	switch {
	case v == "":
	case t.n == 0:
		t.first, t.n = v, 1
	case t.n == 1 && v != t.first:
		t.other, t.n = v, 2
	}
}

// merge adds u's values.
func (t *urlTokens) merge(u urlTokens) {
	if u.n > 0 {
		t.add(u.first)
	}
	if u.n > 1 {
		t.add(u.other)
	}
}

// authenticate checks the request against the allow-list and every
// credential it carries (each Authorization header field, each URL token);
// all must be valid and name the same phone. A refused request with more
// than one credential counts a failed login for the username it names.
func (s *Service) authenticate(r *http.Request, toks urlTokens) (identity, *authFailure) {
	if !s.allowed(r) {
		return identity{}, &authFailure{status: http.StatusForbidden, reason: "address not in allow-list"}
	}
	addr := peerAddr(r)
	version := s.reg.version.Load()
	auths := r.Header["Authorization"]
	several := len(auths)+toks.n > 1
	var found *record
	// disagree refuses the request, counting a failure for the phone the
	// request named first when it carried several credentials.
	disagree := func(reason string) (identity, *authFailure) {
		user := ""
		if found != nil {
			user = found.Username
		}
		if several {
			s.failed(addr, user)
		}
		return identity{}, &authFailure{status: http.StatusUnauthorized, reason: reason, user: user}
	}
	for _, h := range auths {
		rec, f := s.checkAuthorization(r, h, addr, version)
		if f != nil {
			return identity{}, f
		}
		if found != nil && found.MAC != rec.MAC {
			return disagree("credentials name different phones")
		}
		found = rec
	}
	if toks.n > 0 && s.cfg.auth&AuthToken == 0 {
		return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "token authentication disabled"}
	}
	var recs [2]*record
	for i := range toks.n {
		tok := toks.first
		if i == 1 {
			tok = toks.other
		}
		recs[i], _ = s.tokenRecord(tok, version)
	}
	for i := range toks.n {
		switch {
		case recs[i] == nil:
			if found == nil && recs[1-i] != nil {
				found = recs[1-i] // the failure counts for the phone named
			}
			return disagree("unknown token")
		case found != nil && found.MAC != recs[i].MAC:
			return disagree("token and credentials name different phones")
		}
		found = recs[i]
	}
	if found != nil {
		return identity{phone: found, version: version}, nil
	}
	if s.cfg.auth&AuthIP != 0 && len(s.cfg.allow) > 0 {
		return identity{version: version}, nil
	}
	return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "no credentials", challenge: true}
}

// tokenRecord returns the phone whose token is tok.
func (s *Service) tokenRecord(tok string, version uint64) (*record, bool) {
	key := credKey{credToken, tok}
	if hit, ok := s.creds.get(key, version); ok {
		return hit.rec, true
	}
	rec, ok := s.reg.byTokenValue(tok)
	if !ok {
		return nil, false
	}
	s.creds.put(key, credHit{rec: rec}, version, s.reg.version.Load())
	return rec, true
}

// checkAuthorization checks one Authorization header field h, through the
// failed-login throttle, and counts a wrong password.
func (s *Service) checkAuthorization(r *http.Request, h string, addr netip.Addr, version uint64) (*record, *authFailure) {
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Basic") && s.cfg.auth&AuthBasic != 0:
		key := credKey{credBasic, h}
		if hit, ok := s.creds.get(key, version); ok {
			// Verified before at this registry version; the throttle
			// still applies, as it does before a full check.
			if s.fails.any() {
				if f := s.throttled(addr, hit.user); f != nil {
					return nil, f
				}
			}
			return hit.rec, nil
		}
		user := basicUser(rest)
		if f := s.throttled(addr, user); f != nil {
			return nil, f
		}
		rec, _, ok := s.checkBasic(rest)
		if !ok {
			s.failed(addr, user)
			return nil, &authFailure{status: http.StatusUnauthorized, reason: "bad basic credentials", user: user}
		}
		s.creds.put(key, credHit{rec: rec, user: user}, version, s.reg.version.Load())
		return rec, nil
	case strings.EqualFold(scheme, "Digest") && s.cfg.auth&AuthDigest != 0:
		user := parseAuthParams(rest)["username"]
		if f := s.throttled(addr, user); f != nil {
			return nil, f
		}
		rec, f := s.checkDigest(r, rest)
		if f != nil {
			if !f.stale {
				s.failed(addr, user)
			}
			return nil, f
		}
		return rec, nil
	default:
		return nil, &authFailure{status: http.StatusUnauthorized, reason: "unsupported authorization scheme"}
	}
}

func (s *Service) checkBasic(b64 string) (*record, string, bool) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, "", false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, "", false
	}
	rec, ok := s.checkUserPass(user, pass)
	return rec, user, ok
}

// checkUserPass checks a phone's username and password (HTTP Basic, LDAP
// simple bind), spending the same work on an unknown user as on a known one.
func (s *Service) checkUserPass(user, pass string) (*record, bool) {
	rec, ok := s.reg.byUsername(user)
	if !ok || !rec.hasPassword() {
		// Spend the same work as a real check.
		checkPass(make([]byte, 16), make([]byte, 32), pass)
		return nil, false
	}
	return rec, checkPass(rec.PassSalt, rec.PassHash, pass)
}

// parseAuthParams splits a Digest credentials list: k=v or k="v", commas.
func parseAuthParams(s string) map[string]string {
	out := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t,")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(s[i])
					continue
				}
				if s[i] == '"' {
					break
				}
				b.WriteByte(s[i])
			}
			val = b.String()
			if i < len(s) {
				i++
			}
			s = s[i:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		out[key] = val
	}
	return out
}

// checkDigest verifies RFC 7616 Digest with MD5, qop "auth" or none.
func (s *Service) checkDigest(r *http.Request, params string) (*record, *authFailure) {
	p := parseAuthParams(params)
	user := p["username"]
	fail := func(reason string) (*record, *authFailure) {
		return nil, &authFailure{status: http.StatusUnauthorized, reason: reason, user: user}
	}
	if p["realm"] != s.cfg.realm {
		return fail("digest realm mismatch")
	}
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return fail("digest algorithm not supported")
	}
	if uri := p["uri"]; uri != r.RequestURI && uri != r.URL.RequestURI() {
		return fail("digest uri does not match the request")
	}
	issued, valid, fresh := s.keys.checkNonce(p["nonce"], s.cfg.clock.Now(), s.cfg.nonceTTL)
	if !valid {
		return fail("digest nonce not ours")
	}
	rec, ok := s.reg.byUsername(user)
	if !ok || rec.HA1 == "" {
		return fail("digest unknown user")
	}
	ha2 := md5hex(r.Method + ":" + p["uri"])
	var want string
	var nc uint32 = 1 // without qop a nonce serves once
	switch p["qop"] {
	case "auth":
		n, ok := parseNonceCount(p["nc"])
		if !ok {
			return fail("digest nc is not 8 hex digits above 0")
		}
		nc = n
		want = md5hex(rec.HA1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	case "":
		want = md5hex(rec.HA1 + ":" + p["nonce"] + ":" + ha2)
	default:
		return fail("digest qop not supported")
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(p["response"]))) != 1 {
		return fail("bad digest response")
	}
	if !fresh {
		return nil, &authFailure{status: http.StatusUnauthorized, reason: "digest nonce expired", user: user, stale: true, challenge: true}
	}
	if !s.nonces.use(p["nonce"], user, nc, issued, s.cfg.clock.Now()) {
		// A replay, or a count out of order: the phone takes a new nonce.
		return nil, &authFailure{status: http.StatusUnauthorized, reason: "digest nonce count not above the last one", user: user, stale: true}
	}
	return rec, nil
}

// parseNonceCount reads a Digest nc: exactly 8 hex digits (RFC 7616
// nc-value), not zero.
func parseNonceCount(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint32(n), true
}

// challenge sets WWW-Authenticate for the enabled schemes, Digest first.
func (s *Service) challenge(w http.ResponseWriter, stale bool) {
	if s.cfg.auth&AuthDigest != 0 {
		v := `Digest realm="` + s.cfg.realm + `", qop="auth", algorithm=MD5, nonce="` + s.keys.newNonce(s.cfg.clock.Now()) + `"`
		if stale {
			v += ", stale=true"
		}
		w.Header().Add("WWW-Authenticate", v)
	}
	if s.cfg.auth&AuthBasic != 0 {
		w.Header().Add("WWW-Authenticate", `Basic realm="`+s.cfg.realm+`", charset="UTF-8"`)
	}
}

// refuse answers a refused phone request: status, challenge, no data.
func (s *Service) refuse(w http.ResponseWriter, r *http.Request, f *authFailure) {
	level, msg := slog.LevelWarn, "phone request refused"
	if f.challenge {
		level, msg = slog.LevelDebug, "phone asked for credentials"
	}
	s.log.Log(r.Context(), level, msg,
		"remote", r.RemoteAddr, "url", ScrubURL(r.URL), "status", f.status, "reason", f.reason, "user", f.user,
		"user_agent", r.UserAgent())
	switch f.status {
	case http.StatusUnauthorized:
		s.challenge(w, f.stale)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(s.cfg.login.Window.Seconds())))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(f.status)
	if r.Method != http.MethodHead {
		w.Write([]byte(http.StatusText(f.status) + "\n"))
	}
}

// basicUser returns the username of Basic credentials ("" if unreadable).
func basicUser(b64 string) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return ""
	}
	user, _, _ := strings.Cut(string(raw), ":")
	return user
}

// peerAddr is the request's peer address as the throttle keys it (the
// zero address when RemoteAddr does not parse).
func peerAddr(r *http.Request) netip.Addr {
	a, _ := remoteAddr(r)
	return a
}

// throttled refuses a username held by the failed-login throttle from addr.
func (s *Service) throttled(addr netip.Addr, user string) *authFailure {
	if s.fails.blocked(user, addr, s.cfg.clock.Now()) {
		return &authFailure{status: http.StatusTooManyRequests, reason: "too many failed logins", user: user}
	}
	return nil
}

// failed counts a failed login for user from addr.
func (s *Service) failed(addr netip.Addr, user string) {
	s.fails.fail(user, addr, s.cfg.clock.Now())
}
