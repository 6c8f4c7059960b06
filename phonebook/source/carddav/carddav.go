// Package carddav syncs contacts from CardDAV address books (RFC 6352):
// the books are found from a server root through the well-known URI (RFC
// 6764), current-user-principal (RFC 5397) and addressbook-home-set (RFC
// 6352 §7.1.1), or named directly. Changes are read with the
// sync-collection REPORT (RFC 6578), its sync-token kept as delta state;
// when the server rejects the token (403/409 valid-sync-token) or has no
// sync-collection, the listing of hrefs and ETags (PROPFIND Depth 1) is
// compared with the ETags kept in the state. Cards are fetched with
// addressbook-multiget in batches and mapped from vCard 3.0 (RFC 2426) and
// 4.0 (RFC 6350).
//
// Discovery runs on github.com/emersion/go-webdav; the REPORTs are sent and
// their multistatus answers streamed by this package, one response at a
// time, so that memory stays bounded on big books.
package carddav

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "carddav" source type; register it with dirsync.WithTypes.
// The password goes to the url's server, checked by its certificate:
// changing the url or turning the check off needs it again.
var Type = dirsync.Type{Name: "carddav", Secrets: []string{"password"}, Destinations: []string{"url", "insecure_skip_verify"},
	Delta: true, New: New}

// Settings of a CardDAV source.
type Settings struct {
	// URL is the server root (discovery) or an address book's URL.
	URL string `json:"url"`
	// Username and Password are sent with HTTP Basic authentication.
	Username string `json:"username"`
	Password string `json:"password"`
	// InsecureSkipVerify accepts any TLS certificate (self-signed servers).
	InsecureSkipVerify bool `json:"insecure_skip_verify"`
	// AddressBook is an address book's path ("/dav/alice/book/") or its
	// display name or last path segment; empty: every book of the user.
	AddressBook string `json:"address_book"`
}

// batchSize is the number of hrefs per addressbook-multiget.
const batchSize = 100

// Source is a configured CardDAV account.
type Source struct {
	set Settings
	c   *client
	log *slog.Logger
}

// New validates settings and returns the source (dirsync.Type.New).
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	u, err := dirsync.CheckURL("url", s.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" && s.InsecureSkipVerify {
		return nil, dirsync.Invalid("insecure_skip_verify", "only applies to an https url")
	}
	if strings.ContainsAny(s.Username, ":\r\n") {
		return nil, dirsync.Invalid("username", "must not contain ':' or a line break (HTTP Basic authentication)")
	}
	if s.Password != "" && s.Username == "" {
		return nil, dirsync.Invalid("username", "required with a password")
	}
	if len(s.AddressBook) > 1024 || strings.ContainsAny(s.AddressBook, "\r\n\x00") {
		return nil, dirsync.Invalid("address_book", "a path or a name of at most 1024 characters on one line")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery, u.Fragment = "", ""
	hc := env.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	nhc := newHTTPClient(hc, s.InsecureSkipVerify)
	clk := env.Clock
	if clk == nil {
		clk = dirsync.RealClock{}
	}
	lg := env.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Source{set: s, log: lg, c: &client{base: u, hc: nhc, user: s.Username, pass: s.Password,
		retry: dirsync.Retry{Client: nhc, Clock: clk, Attempts: env.Attempts()}}}, nil
}

// item is what the state keeps of one card: its ETag and UID.
type item struct {
	ETag string `json:"e"`
	UID  string `json:"u,omitempty"` // empty: the href is the id
}

// bookState is the delta state of one address book.
type bookState struct {
	// Token is the last sync-token; empty when the server has no
	// sync-collection.
	Token string          `json:"t,omitempty"`
	Items map[string]item `json:"i"`
}

// state is the delta state of the source: per address book path.
type state struct {
	V     int                   `json:"v"`
	Books map[string]*bookState `json:"b"`
}

func (it item) id(href string) string {
	if it.UID != "" {
		return it.UID
	}
	return href
}

// Sync implements dirsync.Source: a full run fetches every card; a delta
// run reads each book's changes since its sync-token (or compares ETags).
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	var old state
	if len(req.State) > 0 {
		if err := json.Unmarshal(req.State, &old); err != nil || old.V != 1 {
			if !req.Full {
				return dirsync.Result{}, fmt.Errorf("carddav: unreadable delta state: %w", dirsync.ErrResync)
			}
			old = state{}
		}
	} else if !req.Full {
		return dirsync.Result{}, fmt.Errorf("carddav: no delta state: %w", dirsync.ErrResync)
	}
	books, err := s.books(ctx)
	if err != nil {
		return dirsync.Result{}, fmt.Errorf("carddav: %w", err)
	}
	out := state{V: 1, Books: map[string]*bookState{}}
	for _, b := range books {
		var st *bookState
		if req.Full {
			st, err = s.full(ctx, b, sink)
		} else {
			st, err = s.delta(ctx, b, old.Books[b], sink)
		}
		if err != nil {
			return dirsync.Result{}, fmt.Errorf("carddav %s: %w", b, err)
		}
		out.Books[b] = st
	}
	if !req.Full { // books no longer read: their cards go
		for b, st := range old.Books {
			if _, ok := out.Books[b]; ok {
				continue
			}
			for href, it := range st.Items {
				if err := sink.Delete(ctx, it.id(href)); err != nil {
					return dirsync.Result{}, err
				}
			}
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return dirsync.Result{}, fmt.Errorf("carddav: state: %w", err)
	}
	return dirsync.Result{State: raw}, nil
}

// full lists a book and fetches every card.
func (s *Source) full(ctx context.Context, book string, sink dirsync.Sink) (*bookState, error) {
	tok, list, err := s.list(ctx, book)
	if err != nil {
		return nil, err
	}
	st := &bookState{Token: tok, Items: make(map[string]item, len(list))}
	hrefs := make([]string, 0, len(list))
	for h := range list {
		hrefs = append(hrefs, h)
	}
	return st, s.fetch(ctx, book, hrefs, st, nil, sink)
}

// delta reads a book's changes since old: sync-collection from its token,
// or the ETag comparison when there is none or the server rejects it.
func (s *Source) delta(ctx context.Context, book string, old *bookState, sink dirsync.Sink) (*bookState, error) {
	if old == nil {
		old = &bookState{Items: map[string]item{}}
	}
	if old.Token != "" {
		st, err := s.syncChanges(ctx, book, old, sink)
		if err == nil {
			return st, nil
		}
		var se *StatusError
		if !errors.As(err, &se) || !invalidToken(se) {
			return nil, err
		}
		// RFC 6578 §3.2: the token is no longer valid; compare ETags.
		s.log.Info("carddav: sync-token rejected, comparing ETags", "book", book, "status", se.Code)
	}
	return s.compare(ctx, book, old, sink)
}

// invalidToken reports a rejected sync-token (RFC 6578 §3.2: 403 or 409
// with the valid-sync-token precondition).
func invalidToken(se *StatusError) bool {
	return (se.Code == http.StatusForbidden || se.Code == http.StatusConflict) && se.DAV.Has("valid-sync-token")
}

// syncChanges runs sync-collection from old's token and applies it.
func (s *Source) syncChanges(ctx context.Context, book string, old *bookState, sink dirsync.Sink) (*bookState, error) {
	st := &bookState{Items: old.Items}
	var changed, deleted []string
	tok, err := s.syncCollection(ctx, book, old.Token, func(href, etag string, gone bool) error {
		if gone {
			deleted = append(deleted, href)
		} else if it, ok := old.Items[href]; !ok || it.ETag != etag || etag == "" {
			changed = append(changed, href)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.Token = tok
	for _, h := range deleted {
		if it, ok := st.Items[h]; ok {
			if err := sink.Delete(ctx, it.id(h)); err != nil {
				return nil, err
			}
			delete(st.Items, h)
		}
	}
	return st, s.fetch(ctx, book, changed, st, old.Items, sink)
}

// compare lists the book and fetches what is new or has another ETag, and
// deletes what is gone.
func (s *Source) compare(ctx context.Context, book string, old *bookState, sink dirsync.Sink) (*bookState, error) {
	tok, list, err := s.list(ctx, book)
	if err != nil {
		return nil, err
	}
	st := &bookState{Token: tok, Items: make(map[string]item, len(list))}
	var changed []string
	for h, etag := range list {
		if it, ok := old.Items[h]; ok && it.ETag == etag && etag != "" {
			st.Items[h] = it
		} else {
			changed = append(changed, h)
		}
	}
	for h, it := range old.Items {
		if _, ok := list[h]; !ok {
			if err := sink.Delete(ctx, it.id(h)); err != nil {
				return nil, err
			}
		}
	}
	return st, s.fetch(ctx, book, changed, st, old.Items, sink)
}

// list returns a book's hrefs and ETags and a fresh sync-token: from
// sync-collection with an empty token, else (no sync-collection) from
// PROPFIND Depth 1 without a token.
func (s *Source) list(ctx context.Context, book string) (string, map[string]string, error) {
	list := map[string]string{}
	tok, err := s.syncCollection(ctx, book, "", func(href, etag string, gone bool) error {
		if !gone {
			list[href] = etag
		} else {
			delete(list, href)
		}
		return nil
	})
	if err == nil {
		return tok, list, nil
	}
	if !errors.Is(err, errNoSync) {
		return "", nil, err
	}
	s.log.Info("carddav: no sync-collection, listing ETags with PROPFIND", "book", book, "err", err)
	clear(list)
	_, err = s.c.multistatus(ctx, "PROPFIND", book, "1", []byte(propfindETag), func(r *Response) error {
		etag, _, coll, ok := r.OK()
		if ok && !coll && !samePath(r.Href, book) {
			list[canonHref(r.Href)] = etag
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return "", list, nil
}

const propfindETag = `<?xml version="1.0" encoding="utf-8"?>` +
	`<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getetag/></D:prop></D:propfind>`

// maxSyncRounds bounds the follow-ups of truncated (507) sync answers.
const maxSyncRounds = 100_000

// syncCollection runs the sync-collection REPORT from token (RFC 6578
// §3.2), following truncated answers (a 507 for the collection, §3.6) with
// the token they return. each gets every member: its ETag, or gone for a
// 404 (removed). It returns errNoSync when the server does not support the
// report on the book.
func (s *Source) syncCollection(ctx context.Context, book, token string, each func(href, etag string, gone bool) error) (string, error) {
	for range maxSyncRounds {
		truncated := false
		body := `<?xml version="1.0" encoding="utf-8"?>` +
			`<D:sync-collection xmlns:D="DAV:"><D:sync-token>` + xmlText(token) + `</D:sync-token>` +
			`<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`
		tok, err := s.c.multistatus(ctx, "REPORT", book, "0", []byte(body), func(r *Response) error {
			if samePath(r.Href, book) {
				if r.Code() == http.StatusInsufficientStorage {
					truncated = true
				}
				return nil
			}
			switch c := r.Code(); {
			case c == http.StatusNotFound:
				return each(canonHref(r.Href), "", true)
			case c != 0 && (c < 200 || c > 299):
				return fmt.Errorf("sync-collection: %s: status %d", r.Href, c)
			}
			etag, _, coll, ok := r.OK()
			if !ok || coll {
				return nil
			}
			return each(canonHref(r.Href), etag, false)
		})
		if err != nil {
			var se *StatusError
			if errors.As(err, &se) && !invalidToken(se) && token == "" &&
				(se.Code == http.StatusForbidden || se.Code == http.StatusBadRequest || se.Code == http.StatusNotImplemented ||
					se.Code == http.StatusMethodNotAllowed || se.Code == http.StatusUnsupportedMediaType) {
				return "", fmt.Errorf("%w: %w", errNoSync, err)
			}
			return "", err
		}
		if tok == "" {
			return "", fmt.Errorf("sync-collection of %s: the answer has no sync-token", book)
		}
		if !truncated {
			return tok, nil
		}
		if tok == token {
			return "", fmt.Errorf("sync-collection of %s: truncated answer without progress", book)
		}
		token = tok
	}
	return "", fmt.Errorf("sync-collection of %s: more than %d truncated answers", book, maxSyncRounds)
}

// fetch reads the cards at hrefs with addressbook-multiget in batches,
// upserts them and records them in st. A card whose UID changed since old
// deletes the old id; a card gone in between (404) is skipped.
func (s *Source) fetch(ctx context.Context, book string, hrefs []string, st *bookState, old map[string]item, sink dirsync.Sink) error {
	for i := 0; i < len(hrefs); i += batchSize {
		batch := hrefs[i:min(i+batchSize, len(hrefs))]
		if err := s.multiget(ctx, book, batch, func(href, etag string, c *phonebook.Contact) error {
			it := item{ETag: etag}
			if c.ExternalID != href {
				it.UID = c.ExternalID
			}
			if prev, ok := old[href]; ok && prev.id(href) != c.ExternalID {
				if err := sink.Delete(ctx, prev.id(href)); err != nil {
					return err
				}
			}
			if st.Items == nil {
				st.Items = map[string]item{}
			}
			st.Items[href] = it
			return sink.Upsert(ctx, c)
		}); err != nil {
			return err
		}
	}
	return nil
}

// multiget fetches the cards at hrefs (RFC 6352 §8.7) and maps each.
func (s *Source) multiget(ctx context.Context, book string, hrefs []string, each func(href, etag string, c *phonebook.Contact) error) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">` +
		`<D:prop><D:getetag/><C:address-data/></D:prop>`)
	for _, h := range hrefs {
		b.WriteString("<D:href>" + xmlText(h) + "</D:href>")
	}
	b.WriteString(`</C:addressbook-multiget>`)
	_, err := s.c.multistatus(ctx, "REPORT", book, "1", []byte(b.String()), func(r *Response) error {
		if r.Code() == http.StatusNotFound {
			return nil // removed since it was listed; the next run sees it gone
		}
		etag, data, _, ok := r.OK()
		if !ok {
			return fmt.Errorf("addressbook-multiget: %s: no address-data (status %q)", r.Href, r.Status)
		}
		href := canonHref(r.Href)
		c, err := ParseCard(href, data)
		if err != nil {
			return err
		}
		return each(href, etag, c)
	})
	return err
}

// xmlText escapes v for XML character data.
func xmlText(v string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(v)
}

// Test returns the first n cards as they would be written (a dry run;
// nothing is imported).
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	n = max(n, 1)
	books, err := s.books(ctx)
	if err != nil {
		return nil, fmt.Errorf("carddav: %w", err)
	}
	var out []*phonebook.Contact
	for _, b := range books {
		_, list, err := s.list(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("carddav %s: %w", b, err)
		}
		var hrefs []string
		for h := range list {
			if len(hrefs) == n-len(out) {
				break
			}
			hrefs = append(hrefs, h)
		}
		if len(hrefs) == 0 {
			continue
		}
		if err := s.multiget(ctx, b, hrefs, func(_, _ string, c *phonebook.Contact) error {
			out = append(out, c)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("carddav %s: %w", b, err)
		}
		if len(out) >= n {
			break
		}
	}
	return out, nil
}

// Target names where the source connects: the url's host
// (dirsync.Targeter).
func (s *Source) Target() (field, host string) { return "url", s.c.base.Host }

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)
