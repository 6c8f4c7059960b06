package ldapdir

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
)

// Directory is what the server reads; *phones.Service satisfies it, so
// a phone binds with its phone-book credentials and sees what the HTTP
// phone book shows it.
type Directory interface {
	// BindPhone checks a phone's username and password from addr.
	BindPhone(addr netip.Addr, user, pass string) (phones.Viewer, error)
	// ViewerPage is one page (in display-name order) of the contacts v
	// sees that match the phone book's search text.
	ViewerPage(ctx context.Context, v phones.Viewer, text string, limit int, cursor string) (phonebook.Page, error)
	// ViewerLookup is the caller-ID lookup for v.
	ViewerLookup(ctx context.Context, v phones.Viewer, number string) (*phonebook.Contact, error)
	// ViewerGet is one contact by id, if v sees it.
	ViewerGet(ctx context.Context, v phones.Viewer, id string) (*phonebook.Contact, error)
	// Owner is the user whose personal contacts v sees.
	Owner(v phones.Viewer) (string, error)
	// Generation changes whenever any contact changes.
	Generation() uint64
}

// driverKind is how a driver finds candidate contacts.
type driverKind uint8

const (
	// dAll walks every visible contact (within the scan budget).
	dAll driverKind = iota
	// dText runs the phone book's search for text.
	dText
	// dLookup runs the caller-ID lookup for a number.
	dLookup
	// dGet reads one contact by id.
	dGet
)

// driver is one source of candidates; a plan is a union of drivers whose
// candidates hold every contact the filter can match.
type driver struct {
	kind driverKind
	arg  string
}

// rank orders plans by selectivity: lower is narrower.
func rank(p []driver) int {
	if p == nil {
		return 0 // nothing can match
	}
	worst := 0
	for _, d := range p {
		r := 4
		switch d.kind {
		case dGet:
			r = 1
		case dLookup:
			r = 1
		case dText:
			r = 2
			if phonebook.IsNumberQuery(d.arg) {
				r = 1
			}
		}
		worst = max(worst, r)
	}
	return worst
}

var planAll = []driver{{kind: dAll}}

// plan returns drivers whose candidates include every contact f can be
// TRUE for: nil when f can match nothing, planAll when only a walk of
// everything finds them.
func plan(f *Filter) []driver {
	switch f.Op {
	case OpAnd:
		if len(f.Children) == 0 {
			return planAll // absolute true
		}
		best, bestRank := planAll, 5
		for _, c := range f.Children {
			p := plan(c)
			if r := rank(p); r < bestRank {
				best, bestRank = p, r
			}
		}
		return best
	case OpOr:
		var out []driver
		for _, c := range f.Children {
			p := plan(c)
			if rank(p) == 4 {
				return planAll
			}
			for _, d := range p {
				if !slices.Contains(out, d) {
					out = append(out, d) // (|(cn=x*)(sn=x*)) is one search
				}
			}
		}
		return out // nil for absolute false and for branches that match nothing
	case OpEquality, OpApprox:
		return planAssertion(canonical(f.Attr), f.Value, true)
	case OpSubstrings:
		if f.Initial == "" {
			return planAll
		}
		return planAssertion(canonical(f.Attr), f.Initial, len(f.Any) == 0 && f.Final == "")
	case OpPresent:
		if canonical(f.Attr) == "" {
			return nil // never present
		}
	}
	return planAll
}

// planAssertion plans a value (or value prefix) assertion on attribute a.
// whole says the assertion is the number as typed (equality, or a
// prefix without further parts), which the caller-ID lookup may also
// answer.
func planAssertion(a, v string, whole bool) []driver {
	switch {
	case a == "":
		return nil // an attribute not served is never TRUE
	case a == atUID:
		return []driver{{kind: dGet, arg: v}}
	case isNumberAttr(a):
		digits := phonebook.Digits(v)
		if digits == "" {
			return planAll
		}
		text := digits
		if strings.HasPrefix(strings.TrimSpace(v), "+") {
			text = "+" + digits
		}
		p := []driver{{kind: dText, arg: text}}
		if whole && len(digits) >= 3 {
			p = append(p, driver{kind: dLookup, arg: v})
		}
		return p
	case a == atCN || a == atSN || a == atGivenName || a == atDisplayName || a == atO:
		// The phone book's search finds name words (and company words) by
		// prefix: every contact whose value starts with v does.
		if len(phonebook.Tokens(v)) == 0 || phonebook.IsNumberQuery(v) {
			return planAll
		}
		return []driver{{kind: dText, arg: v}}
	}
	return planAll
}

// errBudget is a search that read its scan budget without finishing.
var errBudget = errors.New("scan budget spent")

// collect returns, in display-name order, the first want contacts that
// f matches among the plan's candidates, reading at most budget
// candidates in all; errBudget (with the matches so far) when the budget
// ran out first.
func collect(ctx context.Context, dir Directory, v phones.Viewer, f *Filter, p []driver, want, budget int) ([]*phonebook.Contact, error) {
	m := &matcher{}
	for _, d := range p {
		if d.kind == dLookup {
			if m.hits == nil {
				m.hits = map[string]string{}
			}
			c, err := dir.ViewerLookup(ctx, v, d.arg)
			if err != nil {
				return nil, err
			}
			if c != nil {
				m.hits[d.arg] = c.ID
			}
		}
	}
	seen := map[string]bool{}
	var out []*phonebook.Contact
	read := 0
	var spent bool
	add := func(c *phonebook.Contact) {
		if !seen[c.ID] && m.match(f, c) {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	for _, d := range p {
		switch d.kind {
		case dGet:
			c, err := dir.ViewerGet(ctx, v, d.arg)
			if err != nil {
				return nil, err
			}
			if c != nil {
				add(c)
			}
		case dLookup:
			if id, ok := m.hits[d.arg]; ok {
				c, err := dir.ViewerGet(ctx, v, id)
				if err != nil {
					return nil, err
				}
				if c != nil {
					add(c)
				}
			}
		case dText, dAll:
			text := d.arg
			mine := 0
			cursor := ""
			for {
				size := min(phonebook.MaxLimit, max(want-mine, 0)+1, budget-read+1)
				size = max(size, 1)
				if d.kind == dText && size < 50 {
					size = 50 // few calls: filters drop some candidates
				}
				pg, err := dir.ViewerPage(ctx, v, text, size, cursor)
				if err != nil {
					return nil, err
				}
				for _, c := range pg.Contacts {
					if read++; read > budget {
						spent = true
						break
					}
					before := len(out)
					add(c)
					mine += len(out) - before
				}
				if spent || pg.NextCursor == "" || mine >= want+1 {
					break
				}
				cursor = pg.NextCursor
			}
		}
		if spent {
			break
		}
	}
	if len(p) > 1 {
		slices.SortStableFunc(out, func(a, b *phonebook.Contact) int {
			return cmp.Or(cmp.Compare(phonebook.Fold(displayName(a)), phonebook.Fold(displayName(b))), cmp.Compare(a.ID, b.ID))
		})
	}
	if spent {
		return out, errBudget
	}
	return out, nil
}
