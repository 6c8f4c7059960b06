package phones

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// renderVersion is part of every cache key and ETag: bump it when the
// rendered output changes, so phones holding an old ETag refetch.
const renderVersion = "v1\x00"

// renderTimeout bounds one shared render.
const renderTimeout = 30 * time.Second

// jobSpec identifies a response body: enough to answer a revalidation
// without rendering anything.
type jobSpec struct {
	// key identifies the body; it must include everything the body depends on
	// other than the directory generation.
	key string
	// useGen ties the body to the directory generation (phonebooks); files
	// that do not list contacts leave it false and use modified instead.
	useGen bool
	// modified is the Last-Modified of bodies that do not use the generation.
	modified time.Time
}

// job is how to produce a body, made only when a body is needed.
type job struct {
	render func(ctx context.Context) (body []byte, contentType string, err error)
	// onError renders the answer when render fails: status and body.
	onError func(err error) (status int, body []byte, contentType string)
}

// serve answers r with the body spec names: 304 when If-None-Match (or
// If-Modified-Since) matches, the cached body when there is one, else a
// fresh render of mk's job shared by every concurrent request for the same
// key. mk is called only when a body is needed, so a revalidation builds
// no renderer.
func (s *Service) serve(w http.ResponseWriter, q *request, j jobSpec, mk func() job) {
	r := q.r
	s.tickets.issue(q, j)
	if q.fetchMAC != "" {
		s.fetches.note(q.fetchMAC, q.fetchKind, q.name, peerAddr(r), s.cfg.clock.Now())
	}
	v := s.validators(j)
	gen, modified, modifiedHTTP, etagHdr := v.gen, v.modified, v.modifiedHTTP, v.etag
	h := w.Header()
	// Canonical keys assigned directly, shared read-only slices: this is
	// the hot path of a fleet's revalidations. The Date is formatted once a
	// second instead of by net/http for every response.
	h["Etag"] = etagHdr
	h["Cache-Control"] = cacheControl
	h["Vary"] = vary
	h["Date"] = s.dates.now()
	if notModified(r, etagHdr[0], modified) {
		// RFC 9110 §15.4.5: a 304 carries ETag, Cache-Control, Vary and
		// Date; Last-Modified adds nothing next to the ETag.
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if modifiedHTTP != nil {
		h["Last-Modified"] = modifiedHTTP
	}
	key := cacheKey(j.key, j.useGen, gen)
	etag := etagHdr[0]
	res, ok := s.cache.get(key)
	if !ok {
		jb := mk()
		v, err, _ := s.sf.Do(key, func() (any, error) {
			if res, ok := s.cache.get(key); ok {
				return res, nil
			}
			// Detached from the request: the render is shared by every
			// phone waiting for this key, whichever of them hangs up.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), renderTimeout)
			defer cancel()
			body, ct, err := jb.render(ctx)
			if err != nil {
				return nil, err
			}
			res := &rendered{body: body, contentType: ct, etag: etag, modified: modified, status: http.StatusOK}
			s.cache.put(key, res)
			return res, nil
		})
		if err != nil {
			s.renderFailed(w, r, jb, err)
			return
		}
		res = v.(*rendered)
	}
	s.write(w, r, res)
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("phone request", "url", ScrubURL(r.URL), "remote", r.RemoteAddr, "cached", ok, "bytes", len(res.body))
	}
}

func (s *Service) renderFailed(w http.ResponseWriter, r *http.Request, j job, err error) {
	h := w.Header()
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "no-store")
	s.log.Error("phone request failed", "url", ScrubURL(r.URL), "error", err)
	if j.onError == nil {
		http.Error(w, "directory unavailable", http.StatusServiceUnavailable)
		return
	}
	status, body, ct := j.onError(err)
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "60")
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// validators is what a body's revalidation is checked against.
type validators struct {
	gen          uint64    // the directory generation, for bodies that list contacts
	modified     time.Time // Last-Modified
	modifiedHTTP []string  // Last-Modified as a header value; nil when unknown
	etag         []string  // {ETag}; shared, never modified
}

// validators returns j's validators. The ETag is a hash of the cache key;
// the key string itself is built only when a body is needed, not for a 304.
func (s *Service) validators(j jobSpec) validators {
	v := validators{modified: j.modified}
	if j.useGen {
		v.gen = s.dir.Generation()
		st := s.stampOf(v.gen)
		v.modified, v.modifiedHTTP = st.at, st.http
	} else if !v.modified.IsZero() {
		v.modifiedHTTP = []string{httpDate(v.modified)}
	}
	v.etag = s.etags.get(keyHash(j.key, j.useGen, v.gen))
	return v
}

// coded returns the body to send for Accept-Encoding ae: gzipped when
// accepted and the body is large enough to gain from it.
func (s *Service) coded(res *rendered, ae string) (body []byte, gzipped bool) {
	if len(res.body) >= 512 && acceptsGzip(ae) {
		return res.gzipped(&s.gzips), true
	}
	return res.body, false
}

func (s *Service) write(w http.ResponseWriter, r *http.Request, res *rendered) {
	h := w.Header()
	h.Set("Content-Type", res.contentType)
	body, gz := s.coded(res, r.Header.Get("Accept-Encoding"))
	if gz {
		h.Set("Content-Encoding", "gzip")
	} else if r.Header.Get("Range") != "" && res.status == http.StatusOK {
		// Resumed downloads of large books (FusionPBX honours Range for
		// phones, fusionpbx app/provision/index.php): ServeContent answers the byte range; an
		// If-Range with our weak validator yields the whole body.
		http.ServeContent(w, r, "", res.modified, bytes.NewReader(body))
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

var (
	cacheControl = []string{"private, no-cache"}
	vary         = []string{"Accept-Encoding, Accept-Charset"}
)

// httpDate formats t for Last-Modified.
func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// cacheKey is the render cache key of a job key: the render version, the
// job key and, for bodies that list contacts, the directory generation.
func cacheKey(jobKey string, useGen bool, gen uint64) string {
	if !useGen {
		return renderVersion + jobKey
	}
	return renderVersion + jobKey + "|g" + strconv.FormatUint(gen, 10)
}

// keyHash is the 64-bit FNV-1a of cacheKey(jobKey, useGen, gen), computed
// without building that string.
func keyHash(jobKey string, useGen bool, gen uint64) uint64 {
	h := fnvString(fnvOffset64, renderVersion)
	h = fnvString(h, jobKey)
	if useGen {
		var b [24]byte
		h = fnvString(h, "|g")
		h = fnvBytes(h, strconv.AppendUint(b[:0], gen, 10))
	}
	return h
}

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

// etagOf is the weak validator for a key hash (so of the bytes served,
// whatever their content coding).
func etagOf(h uint64) string { return `W/"` + strconv.FormatUint(h, 36) + `"` }

// etagCache keeps the ETag header values of recent key hashes, so that a
// revalidation allocates no header: a small direct-mapped table of
// immutable entries, read without locks.
type etagCache struct {
	slots [256]atomic.Pointer[etagEntry]
}

type etagEntry struct {
	hash uint64
	hdr  []string // {etag}; shared, never modified
}

// get returns the header value slice holding the ETag of hash h.
func (c *etagCache) get(h uint64) []string {
	slot := &c.slots[h%uint64(len(c.slots))]
	if e := slot.Load(); e != nil && e.hash == h {
		return e.hdr
	}
	e := &etagEntry{hash: h, hdr: []string{etagOf(h)}}
	slot.Store(e)
	return e.hdr
}

// dateCache is the HTTP Date header value of the current second.
type dateCache struct {
	cur atomic.Pointer[dateStamp]
}

type dateStamp struct {
	sec int64
	hdr []string // {date}; shared, never modified
}

// now returns the Date header value for the current time.
func (c *dateCache) now() []string {
	t := time.Now()
	sec := t.Unix()
	if d := c.cur.Load(); d != nil && d.sec == sec {
		return d.hdr
	}
	d := &dateStamp{sec: sec, hdr: []string{t.UTC().Format(http.TimeFormat)}}
	c.cur.Store(d)
	return d.hdr
}

// notModified applies If-None-Match (weak comparison), else If-Modified-Since.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	return notModifiedBy(r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since"), etag, modified)
}

// notModifiedBy is notModified given the two header values.
func notModifiedBy(inm, ims string, etag string, modified time.Time) bool {
	if inm != "" {
		want := strings.TrimPrefix(etag, "W/")
		for inm != "" {
			var t string
			t, inm, _ = strings.Cut(inm, ",")
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == want {
				return true
			}
		}
		return false
	}
	if ims != "" && !modified.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !modified.Truncate(time.Second).After(t)
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding allows gzip (q > 0).
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, "gzip") && name != "*" {
			continue
		}
		params = strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if strings.HasPrefix(params, "q=") {
			if q, err := strconv.ParseFloat(params[2:], 64); err == nil && q == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// ScrubURL renders u for a log with secrets replaced: the token, password
// and pass query parameters, a /phonebook/tok/{token}/ path segment and any
// userinfo password.
func ScrubURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "REDACTED")
		}
	}
	if strings.HasPrefix(c.Path, tokPrefix) {
		rest := strings.TrimPrefix(c.Path, tokPrefix)
		if _, after, ok := strings.Cut(rest, "/"); ok {
			c.Path = tokPrefix + "REDACTED/" + after
		} else {
			c.Path = tokPrefix + "REDACTED"
		}
		c.RawPath = ""
	}
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
			switch strings.ToLower(k) {
			case "token", "password", "pass", "passwd", "pwd", "secret":
				parts[i] = k + "=REDACTED"
			}
		}
		c.RawQuery = strings.Join(parts, "&")
	}
	return c.String()
}
