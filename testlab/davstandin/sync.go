package davstandin

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// tokenPrefix starts the stand-in's sync-tokens; the revision follows.
const tokenPrefix = "urn:x-pbxagent-standin:sync:"

// maxBody bounds a REPORT's body.
const maxBody = 16 << 20

type readCloser struct{ io.Reader }

func (readCloser) Close() error { return nil }

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("body over %d bytes", maxBody)
	}
	return b, nil
}

// syncRequest is the RFC 6578 §6.1 sync-collection element (the props
// asked for are ignored: the answer carries getetag).
type syncRequest struct {
	XMLName xml.Name `xml:"DAV: sync-collection"`
	Token   string   `xml:"DAV: sync-token"`
	Level   string   `xml:"DAV: sync-level"`
}

// isSyncCollection reports whether a REPORT body's root element is
// DAV:sync-collection.
func isSyncCollection(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		t, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := t.(xml.StartElement); ok {
			return se.Name.Space == "DAV:" && se.Name.Local == "sync-collection"
		}
	}
}

// serveSync answers sync-collection on the book: every member for an
// empty token, else the members changed since the token's revision (the
// current ETag, or 404 for a removed one), read from the change log.
func (b *backend) serveSync(w http.ResponseWriter, p string, body []byte) {
	var req syncRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		http.Error(w, "sync-collection: "+err.Error(), http.StatusBadRequest)
		return
	}
	if strings.TrimSuffix(p, "/") != strings.TrimSuffix(b.book, "/") {
		http.Error(w, "sync-collection: not an address book", http.StatusForbidden)
		return
	}
	if lv := strings.TrimSpace(req.Level); lv != "1" {
		http.Error(w, "sync-collection: sync-level must be 1", http.StatusBadRequest)
		return
	}
	tok := strings.TrimSpace(req.Token)
	b.mu.Lock()
	defer b.mu.Unlock()
	rev := len(b.log)
	type member struct {
		href string
		o    *object
	}
	var ms []member
	if tok == "" {
		ms = make([]member, 0, len(b.objs))
		for h, o := range b.objs {
			ms = append(ms, member{h, o})
		}
	} else {
		from, err := strconv.Atoi(strings.TrimPrefix(tok, tokenPrefix))
		if !strings.HasPrefix(tok, tokenPrefix) || err != nil || from < 0 || from > rev {
			w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>`)
			return
		}
		seen := map[string]bool{}
		for _, h := range b.log[from:] {
			if !seen[h] {
				seen[h] = true
				ms = append(ms, member{h, b.objs[h]})
			}
		}
	}
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusMultiStatus)
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString(`<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">`)
	for _, m := range ms {
		_, _ = bw.WriteString(`<D:response><D:href>` + escape(m.href) + `</D:href>`)
		if m.o == nil {
			_, _ = bw.WriteString(`<D:status>HTTP/1.1 404 Not Found</D:status></D:response>`)
			continue
		}
		_, _ = bw.WriteString(`<D:propstat><D:prop><D:getetag>"` + m.o.etag + `"</D:getetag></D:prop>` +
			`<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`)
	}
	_, _ = bw.WriteString(`<D:sync-token>` + tokenPrefix + strconv.Itoa(rev) + `</D:sync-token></D:multistatus>`)
	_ = bw.Flush()
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
