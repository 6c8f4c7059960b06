package phones

import (
	"crypto/subtle"
	"encoding/base64"
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

// authenticate checks the request against the allow-list and every
// credential it carries; all carried credentials must be valid and name the
// same phone. token is the token from the URL (query or path), if any.
func (s *Service) authenticate(r *http.Request, token string) (identity, *authFailure) {
	if !s.allowed(r) {
		return identity{}, &authFailure{status: http.StatusForbidden, reason: "address not in allow-list"}
	}
	var found *record
	agree := func(rec *record) bool {
		if found != nil && found != rec && found.MAC != rec.MAC {
			return false
		}
		found = rec
		return true
	}
	version := s.reg.version.Load()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Basic") && s.cfg.auth&AuthBasic != 0:
			key := credKey{credBasic, h}
			if hit, ok := s.creds.get(key, version); ok {
				// Verified before at this registry version; the throttle
				// still applies, as it does before a full check.
				if s.fails.any() {
					if f := s.throttled(r, hit.user); f != nil {
						return identity{}, f
					}
				}
				agree(hit.rec)
				break
			}
			user := basicUser(rest)
			if f := s.throttled(r, user); f != nil {
				return identity{}, f
			}
			rec, _, ok := s.checkBasic(rest)
			if !ok {
				s.failed(r, user)
				return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "bad basic credentials", user: user}
			}
			s.creds.put(key, credHit{rec: rec, user: user}, version, s.reg.version.Load())
			agree(rec)
		case strings.EqualFold(scheme, "Digest") && s.cfg.auth&AuthDigest != 0:
			user := parseAuthParams(rest)["username"]
			if f := s.throttled(r, user); f != nil {
				return identity{}, f
			}
			rec, f := s.checkDigest(r, rest)
			if f != nil {
				if !f.stale {
					s.failed(r, user)
				}
				return identity{}, f
			}
			agree(rec)
		default:
			return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "unsupported authorization scheme"}
		}
	}
	if token != "" {
		if s.cfg.auth&AuthToken == 0 {
			return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "token authentication disabled"}
		}
		key := credKey{credToken, token}
		hit, ok := s.creds.get(key, version)
		if !ok {
			rec, ok := s.reg.byTokenValue(token)
			if !ok {
				return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "unknown token"}
			}
			hit = credHit{rec: rec}
			s.creds.put(key, hit, version, s.reg.version.Load())
		}
		if !agree(hit.rec) {
			return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "token and credentials name different phones"}
		}
	}
	if found != nil {
		return identity{phone: found, version: version}, nil
	}
	if s.cfg.auth&AuthIP != 0 && len(s.cfg.allow) > 0 {
		return identity{version: version}, nil
	}
	return identity{}, &authFailure{status: http.StatusUnauthorized, reason: "no credentials"}
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
	rec, ok := s.reg.byUsername(user)
	if !ok || !rec.hasPassword() {
		// Spend the same work as a real check.
		checkPass(make([]byte, 16), make([]byte, 32), pass)
		return nil, user, false
	}
	return rec, user, checkPass(rec.PassSalt, rec.PassHash, pass)
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
	valid, fresh := s.keys.checkNonce(p["nonce"], s.cfg.clock.Now(), s.cfg.nonceTTL)
	if !valid {
		return fail("digest nonce not ours")
	}
	rec, ok := s.reg.byUsername(user)
	if !ok || rec.HA1 == "" {
		return fail("digest unknown user")
	}
	ha2 := md5hex(r.Method + ":" + p["uri"])
	var want string
	switch p["qop"] {
	case "auth":
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
		return nil, &authFailure{status: http.StatusUnauthorized, reason: "digest nonce expired", user: user, stale: true}
	}
	return rec, nil
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
	s.log.Warn("phone request refused",
		"remote", r.RemoteAddr, "url", ScrubURL(r.URL), "status", f.status, "reason", f.reason, "user", f.user,
		"user_agent", r.UserAgent())
	switch f.status {
	case http.StatusUnauthorized:
		s.challenge(w, f.stale)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(failureWindow.Seconds())))
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

func hostOf(r *http.Request) string {
	if a, ok := remoteAddr(r); ok {
		return a.String()
	}
	return r.RemoteAddr
}

// throttled refuses a username that failed too often from this address.
func (s *Service) throttled(r *http.Request, user string) *authFailure {
	if s.fails.blocked(failureKey(user, hostOf(r)), s.cfg.clock.Now()) {
		return &authFailure{status: http.StatusTooManyRequests, reason: "too many failed logins", user: user}
	}
	return nil
}

func (s *Service) failed(r *http.Request, user string) {
	s.fails.fail(failureKey(user, hostOf(r)), s.cfg.clock.Now())
}
