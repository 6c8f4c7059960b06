package carddav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/emersion/go-webdav"
	gocarddav "github.com/emersion/go-webdav/carddav"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// propfindType asks for the resourcetype (is the URL an address book?).
const propfindType = `<?xml version="1.0" encoding="utf-8"?>` +
	`<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:current-user-principal/></D:prop></D:propfind>`

// books returns the address book paths to read: the address_book setting
// when it is a path; the URL itself when it is an address book; otherwise
// the books of the user's principal (RFC 5397 current-user-principal, RFC
// 6352 §7.1.1 addressbook-home-set), found from the URL or from the RFC
// 6764 well-known URI, all of them or the one named by address_book.
func (s *Source) books(ctx context.Context) ([]string, error) {
	if strings.HasPrefix(s.set.AddressBook, "/") {
		u, err := s.c.resolve(s.set.AddressBook)
		if err != nil {
			return nil, dirsync.Invalid("address_book", err.Error())
		}
		return []string{dirPath(u.Path)}, nil
	}
	if s.set.AddressBook == "" {
		book, err := s.isAddressBook(ctx, s.c.base.String())
		if err != nil {
			return nil, err
		}
		if book {
			return []string{dirPath(s.c.base.Path)}, nil
		}
	}
	principal, err := s.principal(ctx)
	if err != nil {
		return nil, err
	}
	cc, err := gocarddav.NewClient(s.c, s.c.base.String())
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	home, err := cc.FindAddressBookHomeSet(ctx, principal)
	if err != nil {
		return nil, fmt.Errorf("addressbook-home-set of %s: %w", principal, err)
	}
	all, err := cc.FindAddressBooks(ctx, home)
	if err != nil {
		return nil, fmt.Errorf("address books in %s: %w", home, err)
	}
	var out, names []string
	for _, b := range all {
		seg := path.Base(strings.TrimSuffix(b.Path, "/"))
		names = append(names, fmt.Sprintf("%q (%s)", b.Name, seg))
		if s.set.AddressBook == "" || b.Name == s.set.AddressBook || seg == s.set.AddressBook {
			out = append(out, dirPath(b.Path))
		}
	}
	slices.Sort(out)
	switch {
	case len(out) == 0 && s.set.AddressBook != "":
		return nil, dirsync.Invalid("address_book", fmt.Sprintf("%q is not an address book of %s; it has %s", s.set.AddressBook, principal, strings.Join(names, ", ")))
	case len(out) == 0:
		return nil, fmt.Errorf("url: the principal %s has no address book in %s", principal, home)
	}
	return out, nil
}

// isAddressBook reports whether href is a CardDAV address book collection.
func (s *Source) isAddressBook(ctx context.Context, href string) (bool, error) {
	book := false
	_, err := s.c.multistatus(ctx, "PROPFIND", href, "0", []byte(propfindType), func(r *Response) error {
		for _, st := range r.Stats {
			for _, x := range st.Prop.ResourceType.Inner {
				if x.XMLName.Space == nsCardDAV && x.XMLName.Local == "addressbook" {
					book = true
				}
			}
		}
		return nil
	})
	var ce *dirsync.CredentialsError
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, err
	}
	var se *StatusError
	if err != nil && !errors.As(err, &se) {
		return false, fmt.Errorf("url: %w", err) // transport: no point in going on
	}
	return book, nil
}

// principal finds the current user's principal from the URL, else from
// the well-known URI.
func (s *Source) principal(ctx context.Context) (string, error) {
	p, err := findPrincipal(ctx, s.c, s.c.base.String())
	if err == nil {
		return p, nil
	}
	var ce *dirsync.CredentialsError
	if errors.As(err, &ce) {
		return "", err
	}
	ctxURL, werr := s.wellKnown(ctx)
	if werr != nil {
		return "", fmt.Errorf("current-user-principal of %s: %v; well-known URI: %w", s.c.base.Redacted(), err, werr)
	}
	p, err2 := findPrincipal(ctx, s.c, ctxURL)
	if err2 != nil {
		return "", fmt.Errorf("current-user-principal of %s: %v; of %s (well-known): %w", s.c.base.Redacted(), err, ctxURL, err2)
	}
	return p, nil
}

func findPrincipal(ctx context.Context, c *client, endpoint string) (string, error) {
	wc, err := webdav.NewClient(c, endpoint)
	if err != nil {
		return "", err
	}
	p, err := wc.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("no current-user-principal")
	}
	return p, nil
}

// wellKnown follows /.well-known/carddav (RFC 6764 §5) to the context URL,
// up to 5 redirects on the same server.
func (s *Source) wellKnown(ctx context.Context) (string, error) {
	href := "/.well-known/carddav"
	for range 5 {
		resp, err := s.c.send(ctx, "PROPFIND", href, "0", []byte(propfindType))
		if err != nil {
			return "", err
		}
		drain(resp)
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			loc := resp.Header.Get("Location")
			u, err := s.c.resolve(loc)
			if err != nil {
				return "", fmt.Errorf("redirect of %s: %w", href, err)
			}
			href = u.RequestURI()
			continue
		case http.StatusMultiStatus:
			u, _ := s.c.resolve(href)
			return u.String(), nil
		}
		return "", fmt.Errorf("PROPFIND %s: HTTP %d", href, resp.StatusCode)
	}
	return "", errors.New("more than 5 redirects from /.well-known/carddav")
}

// dirPath returns p with one trailing slash (a collection's path).
func dirPath(p string) string {
	return strings.TrimSuffix(p, "/") + "/"
}

// canonHref returns an href's path, escaped one way, so that the same card
// is one key whichever way the server escaped or qualified its href.
func canonHref(href string) string {
	u, err := url.Parse(href)
	if err != nil || u.Path == "" {
		return href
	}
	return (&url.URL{Path: u.Path}).EscapedPath()
}

// samePath compares two hrefs' paths, ignoring escaping and a trailing slash.
func samePath(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return strings.TrimSuffix(ua.Path, "/") == strings.TrimSuffix(ub.Path, "/")
}
