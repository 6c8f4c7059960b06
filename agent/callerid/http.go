package callerid

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxNumberLen bounds the number parameter of every front end.
const maxNumberLen = 64

// HTTPHandler returns the handler for Asterisk's CURL() path; mount it at /cid and /cid/.
//
//	GET /cid?number=N  or  GET /cid/N
//
// Parameters: number (a leading '+' left unencoded, which form decoding makes
// a space, is read as '+'); pres (presentation, e.g. agi_callingpres or CALLERPRES()); format=hash for
// `name=…&match=…&source=…` (read it with CURL hashcompat); cnam=1 for the 15-character ASCII form;
// token (or header X-Pbxagent-Token) when the client is not on the allow-list.
//
// A lookup always answers 200, text/plain; charset=utf-8, with the name only and an empty body on a
// miss, a skip, a timeout or an error, so a dialplan never shows an error page as a name. Header
// X-Pbxagent-Match carries the match kind. Bad input (number longer than 64 bytes, control
// characters, invalid UTF-8) answers 400, a client that is neither allowed nor holds the token 403,
// any method but GET/HEAD 405 — all with an empty body.
func (s *Service) HTTPHandler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = textPlain
	h["Cache-Control"] = noStore
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h["Allow"] = allowGetHead
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !s.httpAllowed(r, q) {
		s.log.Warn("caller-id HTTP request refused", "remote", r.RemoteAddr)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	number, ok := q["number"]
	var n string
	if ok {
		n = number[0]
	} else if i := strings.Index(r.URL.Path, "/cid/"); i >= 0 {
		n = r.URL.Path[i+len("/cid/"):]
	}
	n = restorePlus(n)
	if len(n) > maxNumberLen || !utf8.ValidString(n) || hasControl(n) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	pres := PresentationUnknown
	if p := q.Get("pres"); p != "" {
		pres = ParsePresentation(p)
	}
	res, hit := s.Resolve(r.Context(), ProtoHTTP, n, pres)
	name := ""
	if hit {
		name = s.DisplayName(res.Name)
		if !s.cnam && isTrue(q.Get("cnam")) {
			name = CNAM(res.Name)
		}
	}
	h["X-Pbxagent-Match"] = []string{string(res.Match)}
	var body string
	if q.Get("format") == "hash" {
		body = "name=" + hashEscape(name) + "&match=" + hashEscape(string(res.Match)) +
			"&source=" + hashEscape(res.Source)
	} else {
		body = name
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet && body != "" {
		_, _ = w.Write([]byte(body))
	}
}

var (
	textPlain    = []string{"text/plain; charset=utf-8"}
	noStore      = []string{"no-store"}
	allowGetHead = []string{"GET, HEAD"}
)

// httpAllowed checks the tokens first (from any address), then the
// allow-list. Every token the request carries (each token= value, each
// X-Pbxagent-Token field) must be the right one: a request whose
// credentials disagree is refused, even from an allowed address, so a
// wrong guess never rides along with a right credential.
func (s *Service) httpAllowed(r *http.Request, q url.Values) bool {
	var presented, good int
	for _, t := range append(q["token"], r.Header.Values("X-Pbxagent-Token")...) {
		if t == "" {
			continue
		}
		presented++
		if s.token != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1 {
			good++
		}
	}
	if presented > 0 {
		return good == presented
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// hashEscape percent-encodes a value for CURL's hashcompat, which URI-decodes keys and values;
// spaces become %20 (not '+', which only hashcompat=legacy turns into a space).
func hashEscape(v string) string {
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

// restorePlus turns a leading space before a digit back into the '+' it
// was: a dialplan that writes ${CALLERID(num)} into the URL unencoded sends
// number=+38761…, and form decoding makes that '+' a space. A number never
// starts with a space, so the rule costs nothing; the path form
// (/cid/+38761…) keeps its '+' already and gets the same rule for a %20.
func restorePlus(n string) string {
	if len(n) >= 2 && n[0] == ' ' {
		if t := strings.TrimLeft(n, " "); t != "" && t[0] >= '0' && t[0] <= '9' && len(n)-len(t) == 1 {
			return "+" + t
		}
	}
	return n
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
