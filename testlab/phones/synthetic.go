package phones

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Synthetic is a read-only directory of N global contacts computed on
// demand: contact i is "Person %07d" with number +4930%07d, so any size (a
// million) costs no memory and searches are O(page). It measures the phone
// layer, not a store.
type Synthetic struct{ N int }

func (s Synthetic) contact(i int) *phonebook.Contact {
	return &phonebook.Contact{
		ID: fmt.Sprintf("s%07d", i), Scope: phonebook.ScopeGlobal, Source: "synthetic",
		FirstName: "Person", LastName: fmt.Sprintf("%07d", i), DisplayName: fmt.Sprintf("Person %07d", i),
		Company: "Synthetic & Co", Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: fmt.Sprintf("+4930%07d", i)}},
	}
}

// Generation is constant: the directory never changes.
func (s Synthetic) Generation() uint64 { return 1 }

// span returns the index range matching text: words must prefix "person"
// or the 7-digit serial.
func (s Synthetic) span(text string) (lo, hi int) {
	lo, hi = 0, s.N
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if strings.HasPrefix("person", w) {
			continue
		}
		if len(w) > 7 || strings.Trim(w, "0123456789") != "" {
			return 0, 0
		}
		v, _ := strconv.Atoi(w)
		scale := 1
		for k := len(w); k < 7; k++ {
			scale *= 10
		}
		lo, hi = max(lo, v*scale), min(hi, (v+1)*scale)
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// Search pages through the matching range; the cursor is an index.
func (s Synthetic) Search(ctx context.Context, q phonebook.Query) (phonebook.Page, error) {
	if q.Limit == 0 {
		q.Limit = phonebook.DefaultLimit
	}
	if q.Scope == phonebook.ScopePersonal {
		return phonebook.Page{}, nil
	}
	lo, hi := s.span(q.Q)
	start := lo
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil {
			return phonebook.Page{}, fmt.Errorf("cursor: %w", err)
		}
		start = max(n, lo)
	}
	end := min(start+q.Limit, hi)
	p := phonebook.Page{Total: hi - lo}
	for i := start; i < end; i++ {
		p.Contacts = append(p.Contacts, s.contact(i))
	}
	if end < hi {
		p.NextCursor = strconv.Itoa(end)
	}
	return p, nil
}

// Lookup finds +4930NNNNNNN.
func (s Synthetic) Lookup(ctx context.Context, number string) (phonebook.LookupResult, error) {
	d := digits(number)
	if !strings.HasPrefix(d, "4930") || len(d) != 11 {
		return phonebook.LookupResult{Match: phonebook.MatchNone}, nil
	}
	i, _ := strconv.Atoi(d[4:])
	if i >= s.N {
		return phonebook.LookupResult{Match: phonebook.MatchNone}, nil
	}
	c := s.contact(i)
	return phonebook.LookupResult{Name: c.DisplayName, ContactID: c.ID, Match: phonebook.MatchE164}, nil
}

// Get returns contact sNNNNNNN.
func (s Synthetic) Get(ctx context.Context, id string) (*phonebook.Contact, error) {
	i, err := strconv.Atoi(strings.TrimPrefix(id, "s"))
	if err != nil || i < 0 || i >= s.N {
		return nil, fmt.Errorf("contact %s: %w", id, phonebook.ErrNotFound)
	}
	return s.contact(i), nil
}
