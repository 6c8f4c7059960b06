package phones

import (
	"encoding/binary"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/agent/fastlane"
)

// Fast lane (agent/fastlane). A fleet's revalidations repeat the same
// request: same URL, same credentials, same headers. When the full handler
// serves a phonebook or provisioning file it leaves a ticket: the exact
// text of every input it read to decide who the phone is and which body it
// gets (request target, Authorization, Accept-Charset, Host, User-Agent,
// peer address) and the decision (the body's job key), stamped with the
// registry version the credentials were checked at. ServeFast answers a
// request only when all those inputs are byte for byte those of a ticket
// and the registry has not changed since; the answer is then the one the
// full handler would give (304, or the cached body). Everything else, and
// any doubt (Digest, a Range, a repeated header, the failed-login throttle
// holding the ticket's username from its address, a body not in the
// cache), goes to the full handler. Tokens are not throttled, so the
// throttle never stops the lane for them.

// maxTickets bounds the tickets kept; past it, they start over.
const maxTickets = 1 << 16

type ticket struct {
	key     string // the inputs (ticketKey)
	version uint64 // registry version the credentials were checked at
	spec    jobSpec
	mac     string // the phone, "" for an allow-listed address
	ua      string
	// user is the Basic username ("" without Basic): the lane declines
	// while the failed-login throttle holds it from the ticket's address.
	user string
	addr netip.Addr
	// fetchMAC, fetchKind and file record the phone's fetch (fetches.go)
	// when the lane answers.
	fetchMAC, fetchKind, file string
}

// tickets maps a hash of a ticket's key to the ticket.
type tickets struct {
	mu sync.RWMutex
	m  map[uint64]*ticket
}

// ticketKey appends the lane's inputs to b, each length-prefixed.
func ticketKey[T string | []byte](b []byte, target, auth, charset, host, ua T, ip netip.Addr) []byte {
	for _, v := range [...]T{target, auth, charset, host, ua} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	a := ip.As16()
	return append(b, a[:]...)
}

// issue records q's ticket when the lane can serve its like: plain HTTP/1.1
// GET or HEAD, no Range, credentials other than Digest.
func (t *tickets) issue(q *request, j jobSpec) {
	r := q.r
	if r.TLS != nil || r.ProtoMajor != 1 || r.ProtoMinor != 1 || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return
	}
	h := r.Header
	if len(h["Range"]) > 0 || len(h["If-Range"]) > 0 {
		return
	}
	auth := h.Get("Authorization")
	if auth != "" && !strings.HasPrefix(strings.ToLower(auth), "basic ") {
		return
	}
	ip, ok := remoteAddr(r)
	if !ok {
		return
	}
	ua := h.Get("User-Agent")
	var buf [512]byte
	key := ticketKey(buf[:0], r.RequestURI, auth, h.Get("Accept-Charset"), r.Host, ua, ip)
	if old := t.find(key); old != nil && old.version == q.id.version && old.spec == j && old.fetchMAC == q.fetchMAC {
		return // the usual case: a revalidation the lane did not take
	}
	tk := &ticket{key: string(key), version: q.id.version, spec: j, ua: ua, addr: ip,
		fetchMAC: q.fetchMAC, fetchKind: q.fetchKind, file: q.name}
	if auth != "" {
		tk.user = basicUser(auth[len("basic "):])
	}
	if q.id.phone != nil {
		tk.mac = q.id.phone.MAC
	}
	hash := fnvBytes(fnvOffset64, key)
	t.mu.Lock()
	if t.m == nil || len(t.m) >= maxTickets {
		t.m = make(map[uint64]*ticket)
	}
	t.m[hash] = tk
	t.mu.Unlock()
}

// find returns the ticket with exactly key.
func (t *tickets) find(key []byte) *ticket {
	hash := fnvBytes(fnvOffset64, key)
	t.mu.RLock()
	tk := t.m[hash]
	t.mu.RUnlock()
	if tk == nil || tk.key != string(key) {
		return nil
	}
	return tk
}

// ServeFast implements fastlane.Handler: it answers a phone request that
// matches a ticket at the current registry version, with the 304 or the
// cached body the full handler would send; otherwise ok is false.
func (s *Service) ServeFast(dst []byte, r *fastlane.Request) (head, body []byte, ok bool) {
	var in [6][]byte
	for i, name := range [...]string{"Authorization", "Accept-Charset", "Host", "User-Agent", "If-None-Match", "If-Modified-Since"} {
		v, n := r.Header(name)
		if n > 1 {
			return nil, nil, false
		}
		in[i] = v
	}
	if _, n := r.Header("Range"); n > 0 {
		return nil, nil, false
	}
	if _, n := r.Header("If-Range"); n > 0 {
		return nil, nil, false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return nil, nil, false
	}
	key := ticketKey(dst, r.Target, in[0], in[1], in[2], in[3], ap.Addr().Unmap())
	tk := s.tickets.find(key)
	if tk == nil || tk.version != s.reg.version.Load() {
		return nil, nil, false
	}
	if tk.user != "" && s.fails.any() && s.fails.blocked(tk.user, tk.addr, s.cfg.clock.Now()) {
		return nil, nil, false // the full handler answers 429
	}
	if tk.mac != "" {
		if prev, ok := s.lastUA.Load(tk.mac); !ok || prev.(string) != tk.ua {
			return nil, nil, false // the full handler notes the change
		}
	}
	j := tk.spec
	v := s.validators(j)
	if tk.fetchMAC != "" {
		s.fetches.note(tk.fetchMAC, tk.fetchKind, tk.file, tk.addr, s.cfg.clock.Now())
	}
	etag := v.etag[0]
	head = dst[:0]
	if notModifiedBy(string(in[4]), string(in[5]), etag, v.modified) {
		head = append(head, "HTTP/1.1 304 Not Modified\r\n"...)
		head = s.appendCommon(head, etag, r.Close)
		return append(head, "\r\n"...), nil, true
	}
	res, hit := s.cache.get(cacheKey(j.key, j.useGen, v.gen))
	if !hit {
		return nil, nil, false
	}
	head = append(head, "HTTP/1.1 "...)
	head = strconv.AppendInt(head, int64(res.status), 10)
	head = append(head, ' ')
	head = append(head, http.StatusText(res.status)...)
	head = append(head, "\r\n"...)
	head = s.appendCommon(head, etag, r.Close)
	ae, _ := r.Header("Accept-Encoding")
	body, gz := s.coded(res, string(ae))
	if gz {
		head = append(head, "Content-Encoding: gzip\r\n"...)
	}
	head = append(head, "Content-Length: "...)
	head = strconv.AppendInt(head, int64(len(body)), 10)
	head = append(head, "\r\nContent-Type: "...)
	head = append(head, res.contentType...)
	if v.modifiedHTTP != nil {
		head = append(head, "\r\nLast-Modified: "...)
		head = append(head, v.modifiedHTTP[0]...)
	}
	head = append(head, "\r\n\r\n"...)
	if string(r.Method) == http.MethodHead {
		body = nil
	}
	return head, body, true
}

// appendCommon appends the header fields every lane answer carries, as
// serve sets them.
func (s *Service) appendCommon(b []byte, etag string, close bool) []byte {
	b = append(b, "Cache-Control: "...)
	b = append(b, cacheControl[0]...)
	if close {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\nDate: "...)
	b = append(b, s.dates.now()[0]...)
	b = append(b, "\r\nEtag: "...)
	b = append(b, etag...)
	b = append(b, "\r\nVary: "...)
	b = append(b, vary[0]...)
	return append(b, "\r\n"...)
}
