package phones

import (
	"context"
	"fmt"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/provisioning"
)

// DefaultBookMax is the default cap of each vendor's full phone book: at
// 2000 contacts a Grandstream book is about 0.7 MB (100 000 contacts made
// 36 MB), which phones download and parse in seconds.
const DefaultBookMax = 2000

// BookLimits caps the contacts of each vendor's full phone-book download
// (the YAML section phones.book_max). A book with more contacts holds the
// first ones in display order and says so where its format allows
// (provisioning.NoteCapped); searches (?q=, ?number=) are not capped by it,
// so the phones' search URLs still find every contact. Cisco and Polycom
// books are paged and need no cap.
type BookLimits struct {
	// Yealink caps yealink.xml and yealink-groups.xml.
	Yealink int `yaml:"yealink"`
	// Grandstream caps grandstream.xml (phonebook.xml).
	Grandstream int `yaml:"grandstream"`
	// Fanvil caps fanvil.xml without a search.
	Fanvil int `yaml:"fanvil"`
	// Snom caps snom.xml (the tbook) without a search.
	Snom int `yaml:"snom"`
}

// DefaultBookLimits returns DefaultBookMax for every vendor.
func DefaultBookLimits() BookLimits {
	return BookLimits{Yealink: DefaultBookMax, Grandstream: DefaultBookMax, Fanvil: DefaultBookMax, Snom: DefaultBookMax}
}

// Validate checks every cap is between 1 and 1 000 000; errors name the
// phones.book_max key.
func (l BookLimits) Validate() error {
	for _, v := range []struct {
		key string
		n   int
	}{{"yealink", l.Yealink}, {"grandstream", l.Grandstream}, {"fanvil", l.Fanvil}, {"snom", l.Snom}} {
		if v.n < 1 || v.n > 1_000_000 {
			return fmt.Errorf("phones.book_max.%s: %d, want 1 to 1000000", v.key, v.n)
		}
	}
	return nil
}

// WithBookLimits sets the per-vendor caps of full books (default
// DefaultBookLimits).
func WithBookLimits(l BookLimits) Option { return func(c *config) { c.bookMax = l } }

// cappedBookJob renders a full-book format capped at max contacts; a search
// or a lookup in the same format is rendered as bookJob does, uncapped.
func (s *Service) cappedBookJob(q *request, vendor string, max, failStatus int, build func([]*phonebook.Contact) *etree.Document) job {
	if q.term != "" || q.number != "" {
		return s.bookJob(q, 0, failStatus, build)
	}
	return job{
		render: func(ctx context.Context) ([]byte, string, error) {
			cs, total, err := s.firstN(ctx, q.id, max)
			if err != nil {
				return nil, "", err
			}
			doc := build(cs)
			if total > len(cs) {
				shown := provisioning.NoteCapped(doc, provisioning.CappedNote(len(cs), total))
				s.log.Warn("phones: book capped; phones find the other contacts by searching",
					"vendor", vendor, "contacts", len(cs), "total", total, "key", "phones.book_max."+vendor, "note_on_phone", shown)
			}
			return marshal(doc, q.charset)
		},
		onError: emptyOn(failStatus, func() *etree.Document { return build(nil) }, q.charset)}
}

// firstN returns the first n contacts of the book id may see, in display
// order, and how many it may see in all.
func (s *Service) firstN(ctx context.Context, id identity, n int) ([]*phonebook.Contact, int, error) {
	if it, ok := s.dir.(Iterator); ok {
		owner := id.owner()
		var out []*phonebook.Contact
		total := 0
		err := it.Iterate(ctx, id.query(""), func(c *phonebook.Contact) error {
			if visible(c, owner) {
				if total < n {
					out = append(out, c)
				}
				total++
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("iterate directory: %w", err)
		}
		return out, total, nil
	}
	cs, total, err := s.all(ctx, id, id.query(""), n)
	if len(cs) > n {
		cs = cs[:n]
	}
	return cs, max(total, len(cs)), err
}
