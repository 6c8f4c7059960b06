package phones

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// visible reports whether a contact may be shown to a phone of owner: every
// global contact, and personal contacts of that owner only.
func visible(c *phonebook.Contact, owner string) bool {
	switch c.Scope {
	case phonebook.ScopeGlobal:
		return true
	case phonebook.ScopePersonal:
		return owner != "" && c.Owner == owner
	}
	return false
}

// phoneCountLimit is how far a phone's search counts its matches: a
// phone's screen shows "100+" as well as "1000+", and counting stops ten
// times sooner.
const phoneCountLimit = 100

// query is the directory query for what id may see, matching text.
func (id identity) query(text string) phonebook.Query {
	q := phonebook.Query{Q: text, CountLimit: phoneCountLimit}
	if o := id.owner(); o != "" {
		q.VisibleTo = o
	} else {
		q.Scope = phonebook.ScopeGlobal
	}
	return q
}

// all returns up to limit (0: every) contacts matching q, in order, and the
// total number of matches.
func (s *Service) all(ctx context.Context, id identity, q phonebook.Query, limit int) ([]*phonebook.Contact, int, error) {
	owner := id.owner()
	var out []*phonebook.Contact
	if it, ok := s.dir.(Iterator); ok && limit == 0 {
		err := it.Iterate(ctx, q, func(c *phonebook.Contact) error {
			if visible(c, owner) {
				out = append(out, c)
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("iterate directory: %w", err)
		}
		return out, len(out), nil
	}
	total := 0
	for {
		q.Limit = phonebook.MaxLimit
		if limit > 0 {
			q.Limit = min(phonebook.MaxLimit, limit-len(out))
		}
		p, err := s.dir.Search(ctx, q)
		if err != nil {
			return nil, 0, fmt.Errorf("search directory: %w", err)
		}
		total = p.Total
		for _, c := range p.Contacts {
			if visible(c, owner) {
				out = append(out, c)
			}
		}
		if p.NextCursor == "" || (limit > 0 && len(out) >= limit) {
			return out, total, nil
		}
		q.Cursor = p.NextCursor
	}
}

// pageResult is one page of a paged format.
type pageResult struct {
	contacts []*phonebook.Contact
	total    int
	capped   bool   // total is a lower bound (the store stopped counting)
	next     string // cursor of the next page; "" on the last
}

// page returns page n (from 1) of size contacts matching q. A cursor from
// the previous page's link is used when given and valid; otherwise the
// pages before are skipped by cursor, MaxLimit at a time.
func (s *Service) page(ctx context.Context, id identity, q phonebook.Query, n, size int, cursor string) (pageResult, error) {
	if cursor != "" {
		q.Cursor, q.Limit = cursor, size
		if p, err := s.dir.Search(ctx, q); err == nil {
			return s.pageOf(p, id), nil
		}
		// A stale or foreign cursor: fall back to counting.
	}
	q.Cursor = ""
	skip := (n - 1) * size
	for skip > 0 {
		q.Limit = min(skip, phonebook.MaxLimit)
		p, err := s.dir.Search(ctx, q)
		if err != nil {
			return pageResult{}, fmt.Errorf("search directory: %w", err)
		}
		skip -= len(p.Contacts)
		if p.NextCursor == "" || len(p.Contacts) == 0 {
			return pageResult{total: p.Total, capped: p.TotalCapped}, nil
		}
		q.Cursor = p.NextCursor
	}
	q.Limit = size
	p, err := s.dir.Search(ctx, q)
	if err != nil {
		return pageResult{}, fmt.Errorf("search directory: %w", err)
	}
	return s.pageOf(p, id), nil
}

func (s *Service) pageOf(p phonebook.Page, id identity) pageResult {
	owner := id.owner()
	out := pageResult{total: p.Total, capped: p.TotalCapped, next: p.NextCursor}
	for _, c := range p.Contacts {
		if visible(c, owner) {
			out.contacts = append(out.contacts, c)
		}
	}
	return out
}

// lookup finds the contact calling from number, if id may see it.
func (s *Service) lookup(ctx context.Context, id identity, number string) (*phonebook.Contact, error) {
	res, err := s.dir.Lookup(ctx, number)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	if !res.Match.Hit() || res.ContactID == "" {
		if res.Match == phonebook.MatchNone || res.Match == phonebook.MatchAmbiguous {
			return s.personalLookup(ctx, id, number, res.E164)
		}
		return nil, nil
	}
	c, err := s.dir.Get(ctx, res.ContactID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lookup: get %s: %w", res.ContactID, err)
	}
	if !visible(c, id.owner()) {
		return nil, nil
	}
	return c, nil
}

// numberLike reports whether a search term is a phone number (at least
// three digits, otherwise only + ( ) - . / and spaces): Yealink sends the
// caller's number as the search term on incoming calls.
func numberLike(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+()-./ ", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// search returns up to limit contacts matching term; a number-like term puts
// the reverse-lookup match first, so a phone showing the first entry's name
// on an incoming call shows the right one.
func (s *Service) search(ctx context.Context, id identity, term string, limit int) ([]*phonebook.Contact, error) {
	var first *phonebook.Contact
	if numberLike(term) {
		c, err := s.lookup(ctx, id, term)
		if err != nil {
			return nil, err
		}
		first = c
	}
	cs, _, err := s.all(ctx, id, id.query(term), limit)
	if err != nil {
		return nil, err
	}
	if first == nil {
		return cs, nil
	}
	out := make([]*phonebook.Contact, 0, len(cs)+1)
	out = append(out, first)
	for _, c := range cs {
		if c.ID != first.ID {
			out = append(out, c)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// personalLookup finds the caller among the phone owner's personal
// contacts, which the directory's caller-ID lookup (global contacts only)
// does not answer: a number search, kept only when exactly one contact has a
// number equal to the caller's (same digits, or same E.164 form).
func (s *Service) personalLookup(ctx context.Context, id identity, number, e164 string) (*phonebook.Contact, error) {
	owner := id.owner()
	if owner == "" {
		return nil, nil
	}
	want := digitsOf(number)
	if want == "" {
		return nil, nil
	}
	var found *phonebook.Contact
	for _, q := range []string{e164, number} {
		if q == "" {
			continue
		}
		p, err := s.dir.Search(ctx, phonebook.Query{Q: q, Scope: phonebook.ScopePersonal, Owner: owner, Limit: 20})
		if err != nil {
			return nil, fmt.Errorf("lookup: personal search: %w", err)
		}
		for _, c := range p.Contacts {
			if !visible(c, owner) {
				continue
			}
			for _, n := range c.Numbers {
				if digitsOf(n.Value) == want || (e164 != "" && n.Normalized == e164) {
					if found != nil && found.ID != c.ID {
						return nil, nil // ambiguous: no name
					}
					found = c
				}
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, nil
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
