// Package davstandin is OUR STAND-IN for a CardDAV server, not a real
// product: github.com/emersion/go-webdav's carddav.Handler over an
// in-memory address book, with a sync-collection REPORT (RFC 6578) added
// in front of it, answered from a change log in time proportional to the
// changes since the token (go-webdav v0.6.0's handler has no
// sync-collection). It serves one user and one book, with HTTP Basic
// authentication, on a loopback httptest server.
//
// It exists to measure the CardDAV source against a server whose
// sync-collection does not cost a pass over the whole book (Radicale's
// does), so that the client's own share of a delta round shows. Servers
// users run (Radicale, Nextcloud, …) are tested in testlab/radicale and
// the source's tests.
package davstandin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	gocarddav "github.com/emersion/go-webdav/carddav"
)

// Server is a running stand-in.
type Server struct {
	// URL is the server root, http://127.0.0.1:port.
	URL string
	// Book is the address book's path, /<user>/contacts/book/.
	Book string

	user, pass string
	be         *backend
	hs         *httptest.Server
}

// Options configure a stand-in.
type Options struct {
	// User and Password of the one account (default alice / secret).
	User, Password string
}

// Start runs a stand-in for tb on a loopback port, closed on tb.Cleanup.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	if o.User == "" {
		o.User, o.Password = "alice", "secret"
	}
	home := "/" + o.User + "/contacts/"
	be := &backend{principal: "/" + o.User + "/", home: home, book: home + "book/",
		objs: map[string]*object{}}
	s := &Server{Book: be.book, user: o.User, pass: o.Password, be: be}
	h := &gocarddav.Handler{Backend: be}
	s.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="stand-in"`)
			http.Error(w, "credentials required", http.StatusUnauthorized)
			return
		}
		if r.Method == "REPORT" {
			body, err := readBody(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if isSyncCollection(body) {
				be.serveSync(w, r.URL.Path, body)
				return
			}
			r.Body = readCloser{bytes.NewReader(body)}
		}
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(s.hs.Close)
	s.URL = s.hs.URL
	return s
}

// Seed stores cards (name → vCard text) in the book without HTTP; each is
// one change in the log.
func (s *Server) Seed(tb testing.TB, cards func(yield func(name, card string) bool)) {
	tb.Helper()
	var err error
	cards(func(name, text string) bool {
		var c vcard.Card
		if c, err = vcard.NewDecoder(strings.NewReader(text)).Decode(); err != nil {
			err = fmt.Errorf("card %s: %w", name, err)
			return false
		}
		s.be.put(s.Book+name, c)
		return true
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// Do sends a request as the user and returns the status.
func (s *Server) Do(ctx context.Context, method, path, ctype, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.SetBasicAuth(s.user, s.pass)
	resp, err := s.hs.Client().Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Put stores a vCard at path over HTTP (go-webdav's PUT).
func (s *Server) Put(tb testing.TB, path, card string) {
	tb.Helper()
	code, err := s.Do(context.Background(), http.MethodPut, path, "text/vcard; charset=utf-8", card)
	if err != nil || code != http.StatusCreated {
		tb.Fatalf("PUT %s: HTTP %d, %v", path, code, err)
	}
}

// Delete removes the card at path over HTTP.
func (s *Server) Delete(tb testing.TB, path string) {
	tb.Helper()
	code, err := s.Do(context.Background(), http.MethodDelete, path, "", "")
	if err != nil || code != http.StatusNoContent {
		tb.Fatalf("DELETE %s: HTTP %d, %v", path, code, err)
	}
}

// object is one stored card.
type object struct {
	card vcard.Card
	etag string
	mod  time.Time
	size int64
}

// backend is the in-memory gocarddav.Backend of one user and one book,
// with the change log that sync-collection reads.
type backend struct {
	principal, home, book string

	mu   sync.Mutex
	objs map[string]*object
	// log holds the path changed by revision i+1: a token names a
	// revision, the changes since it are log[rev:].
	log []string
}

func (b *backend) put(p string, c vcard.Card) *object {
	var buf bytes.Buffer
	_ = vcard.NewEncoder(&buf).Encode(c)
	sum := sha256.Sum256(buf.Bytes())
	o := &object{card: c, etag: hex.EncodeToString(sum[:16]), mod: time.Unix(1e9, 0).UTC(), size: int64(buf.Len())}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objs[p] = o
	b.log = append(b.log, p)
	return o
}

func (b *backend) ao(p string, o *object) gocarddav.AddressObject {
	return gocarddav.AddressObject{Path: p, ModTime: o.mod, ContentLength: o.size, ETag: o.etag, Card: o.card}
}

// CurrentUserPrincipal implements webdav.UserPrincipalBackend.
func (b *backend) CurrentUserPrincipal(context.Context) (string, error) { return b.principal, nil }

// AddressBookHomeSetPath implements gocarddav.Backend.
func (b *backend) AddressBookHomeSetPath(context.Context) (string, error) { return b.home, nil }

func (b *backend) addressBook() gocarddav.AddressBook {
	return gocarddav.AddressBook{Path: b.book, Name: "Company", Description: "stand-in book",
		SupportedAddressData: []gocarddav.AddressDataType{{ContentType: vcard.MIMEType, Version: "3.0"}, {ContentType: vcard.MIMEType, Version: "4.0"}}}
}

// ListAddressBooks implements gocarddav.Backend.
func (b *backend) ListAddressBooks(context.Context) ([]gocarddav.AddressBook, error) {
	return []gocarddav.AddressBook{b.addressBook()}, nil
}

// GetAddressBook implements gocarddav.Backend.
func (b *backend) GetAddressBook(_ context.Context, p string) (*gocarddav.AddressBook, error) {
	if strings.TrimSuffix(p, "/") != strings.TrimSuffix(b.book, "/") {
		return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no address book %s", p))
	}
	ab := b.addressBook()
	return &ab, nil
}

// CreateAddressBook implements gocarddav.Backend: refused (one book).
func (b *backend) CreateAddressBook(context.Context, *gocarddav.AddressBook) error {
	return webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf("the stand-in has one address book"))
}

// DeleteAddressBook implements gocarddav.Backend: refused (one book).
func (b *backend) DeleteAddressBook(context.Context, string) error {
	return webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf("the stand-in has one address book"))
}

// GetAddressObject implements gocarddav.Backend.
func (b *backend) GetAddressObject(_ context.Context, p string, _ *gocarddav.AddressDataRequest) (*gocarddav.AddressObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objs[p]
	if !ok {
		return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no card %s", p))
	}
	ao := b.ao(p, o)
	return &ao, nil
}

// ListAddressObjects implements gocarddav.Backend.
func (b *backend) ListAddressObjects(context.Context, string, *gocarddav.AddressDataRequest) ([]gocarddav.AddressObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]gocarddav.AddressObject, 0, len(b.objs))
	for p, o := range b.objs {
		out = append(out, b.ao(p, o))
	}
	return out, nil
}

// QueryAddressObjects implements gocarddav.Backend (go-webdav's filter).
func (b *backend) QueryAddressObjects(ctx context.Context, p string, q *gocarddav.AddressBookQuery) ([]gocarddav.AddressObject, error) {
	all, err := b.ListAddressObjects(ctx, p, &q.DataRequest)
	if err != nil {
		return nil, err
	}
	return gocarddav.Filter(q, all)
}

// PutAddressObject implements gocarddav.Backend.
func (b *backend) PutAddressObject(_ context.Context, p string, c vcard.Card, _ *gocarddav.PutAddressObjectOptions) (*gocarddav.AddressObject, error) {
	if !strings.HasPrefix(p, b.book) || strings.Contains(p[len(b.book):], "/") {
		return nil, webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf("%s is not a card of %s", p, b.book))
	}
	ao := b.ao(p, b.put(p, c))
	return &ao, nil
}

// DeleteAddressObject implements gocarddav.Backend.
func (b *backend) DeleteAddressObject(_ context.Context, p string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.objs[p]; !ok {
		return webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no card %s", p))
	}
	delete(b.objs, p)
	b.log = append(b.log, p)
	return nil
}

var _ gocarddav.Backend = (*backend)(nil)
