package phones

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Viewer is who a directory client other than HTTP (the LDAP directory,
// agent/ldapdir) proved to be: a registered phone, by its username, or
// nobody (an allow-listed address), who sees the global contacts only.
// The phone is looked up again at every use, so a phone removed or given
// another owner after its bind sees what its record says now.
type Viewer struct {
	user string
}

// Anonymous is the viewer of an allow-listed client without credentials.
func Anonymous() Viewer { return Viewer{} }

// User is the phone's username; "" for Anonymous.
func (v Viewer) User() string { return v.user }

// Errors of BindPhone and the directory reads.
var (
	// ErrBadCredentials: the username is unknown, has no password, or the
	// password is wrong; or the viewer's phone has been removed since.
	ErrBadCredentials = errors.New("phones: bad credentials")
	// ErrThrottled: too many failed logins for this username or address.
	ErrThrottled = errors.New("phones: too many failed logins")
)

// BindPhone checks a phone's username and password from addr through the
// same failed-login throttle as HTTP Basic and Digest, and counts a
// failure.
func (s *Service) BindPhone(addr netip.Addr, user, pass string) (Viewer, error) {
	if f := s.throttled(addr, user); f != nil {
		return Viewer{}, ErrThrottled
	}
	if _, ok := s.checkUserPass(user, pass); !ok {
		s.failed(addr, user)
		return Viewer{}, ErrBadCredentials
	}
	return Viewer{user: user}, nil
}

// identityOf resolves v to the identity the HTTP phone book uses.
func (s *Service) identityOf(v Viewer) (identity, error) {
	version := s.reg.version.Load()
	if v.user == "" {
		return identity{version: version}, nil
	}
	rec, ok := s.reg.byUsername(v.user)
	if !ok {
		return identity{}, ErrBadCredentials
	}
	return identity{phone: rec, version: version}, nil
}

// Generation is the directory's generation: it changes whenever any
// contact changes.
func (s *Service) Generation() uint64 { return s.dir.Generation() }

// Owner is the user whose personal contacts v sees ("" for none).
func (s *Service) Owner(v Viewer) (string, error) {
	id, err := s.identityOf(v)
	if err != nil {
		return "", err
	}
	return id.owner(), nil
}

// ViewerPage returns one page of the contacts v may see that match text
// (the phone book's search: name words by prefix, digits by number
// prefix; "" matches all), the way the HTTP phone book pages them: its
// query, and only the contacts visible to v. limit is the page size (at
// most phonebook.MaxLimit); cursor continues a previous page.
func (s *Service) ViewerPage(ctx context.Context, v Viewer, text string, limit int, cursor string) (phonebook.Page, error) {
	id, err := s.identityOf(v)
	if err != nil {
		return phonebook.Page{}, err
	}
	q := id.query(text)
	// CountLimit 1: a directory page needs no total (Page.Total is then a
	// lower bound), and counting is most of a broad search's work.
	q.Limit, q.Cursor, q.CountLimit = limit, cursor, 1
	p, err := s.dir.Search(ctx, q)
	if err != nil {
		return phonebook.Page{}, fmt.Errorf("search directory: %w", err)
	}
	owner := id.owner()
	kept := p.Contacts[:0:0]
	for _, c := range p.Contacts {
		if visible(c, owner) {
			kept = append(kept, c)
		}
	}
	p.Contacts = kept
	return p, nil
}

// ViewerLookup finds the contact calling from number, if v may see it:
// the caller-ID lookup of the HTTP phone book (global contacts, then the
// owner's personal ones); nil when none.
func (s *Service) ViewerLookup(ctx context.Context, v Viewer, number string) (*phonebook.Contact, error) {
	id, err := s.identityOf(v)
	if err != nil {
		return nil, err
	}
	return s.lookup(ctx, id, number)
}

// ViewerGet returns the contact with id if v may see it; nil when not
// found or not visible.
func (s *Service) ViewerGet(ctx context.Context, v Viewer, contactID string) (*phonebook.Contact, error) {
	id, err := s.identityOf(v)
	if err != nil {
		return nil, err
	}
	c, err := s.dir.Get(ctx, contactID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", contactID, err)
	}
	if !visible(c, id.owner()) {
		return nil, nil
	}
	return c, nil
}
