package phones

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pbxagent/pbxagent/phonebook"
)

// MemDirectory is an in-memory directory with the phonebook store's
// contract: Search sorted by display name with cursors, VisibleTo/Scope/
// Owner filtering, word-prefix name search and digit-prefix number search,
// Lookup on exact digits, a Generation bumped by every change. Fail makes
// every read fail (to test failure answers).
type MemDirectory struct {
	mu       sync.RWMutex
	contacts []*phonebook.Contact // sorted by DisplayName, ID
	byID     map[string]*phonebook.Contact
	gen      atomic.Uint64
	// Fail, when set, is returned by every read.
	Fail atomic.Pointer[error]
	// Searches counts Search calls.
	Searches atomic.Int64
	// TotalCap, when set before use, makes Search report totals above it
	// as TotalCap with TotalCapped, as the store does past
	// phonebook.TotalCap.
	TotalCap int
	// Gate, when set before use, makes each Search send on Gate.Entered
	// and then wait for Gate.Release to be closed (to hold a render open).
	Gate *Gate
}

// Gate holds Search calls: see MemDirectory.Gate.
type Gate struct {
	Entered chan struct{}
	Release chan struct{}
}

// NewMemDirectory returns a directory holding contacts.
func NewMemDirectory(contacts ...*phonebook.Contact) *MemDirectory {
	d := &MemDirectory{byID: map[string]*phonebook.Contact{}}
	d.Put(contacts...)
	return d
}

// Put adds or replaces contacts (by ID) and bumps the generation.
func (d *MemDirectory) Put(contacts ...*phonebook.Contact) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range contacts {
		if c.DisplayName == "" {
			c.DisplayName = c.DeriveDisplayName()
		}
		if c.Scope == "" {
			c.Scope = phonebook.ScopeGlobal
		}
		d.byID[c.ID] = c
	}
	d.contacts = d.contacts[:0]
	for _, c := range d.byID {
		d.contacts = append(d.contacts, c)
	}
	sort.Slice(d.contacts, func(i, j int) bool {
		a, b := d.contacts[i], d.contacts[j]
		la, lb := strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName)
		if la != lb {
			return la < lb
		}
		return a.ID < b.ID
	})
	d.gen.Add(1)
}

// Generation changes with every Put.
func (d *MemDirectory) Generation() uint64 { return d.gen.Load() }

func (d *MemDirectory) failed() error {
	if p := d.Fail.Load(); p != nil {
		return *p
	}
	return nil
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func matches(c *phonebook.Contact, q *phonebook.Query) bool {
	switch {
	case q.VisibleTo != "":
		if c.Scope == phonebook.ScopePersonal && c.Owner != q.VisibleTo {
			return false
		}
	default:
		if q.Scope != "" && c.Scope != q.Scope {
			return false
		}
		if q.Owner != "" && c.Owner != q.Owner {
			return false
		}
	}
	if q.Source != "" && c.Source != q.Source {
		return false
	}
	text := strings.TrimSpace(q.Q)
	if text == "" {
		return true
	}
	if dg := digits(text); dg != "" && strings.Trim(text, "0123456789+-(). ") == "" {
		for _, n := range c.Numbers {
			if strings.HasPrefix(digits(n.Value), dg) {
				return true
			}
		}
		return false
	}
	words := strings.Fields(strings.ToLower(c.DisplayName + " " + c.Company))
	for _, t := range strings.Fields(strings.ToLower(text)) {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Search returns one page; the cursor is the offset of the next match.
func (d *MemDirectory) Search(ctx context.Context, q phonebook.Query) (phonebook.Page, error) {
	d.Searches.Add(1)
	if g := d.Gate; g != nil {
		select {
		case g.Entered <- struct{}{}:
		default:
		}
		select {
		case <-g.Release:
		case <-ctx.Done():
			return phonebook.Page{}, ctx.Err()
		}
	}
	if err := d.failed(); err != nil {
		return phonebook.Page{}, err
	}
	if q.Limit == 0 {
		q.Limit = phonebook.DefaultLimit
	}
	if q.Limit < 0 || q.Limit > phonebook.MaxLimit {
		return phonebook.Page{}, fmt.Errorf("limit: must be 1–%d", phonebook.MaxLimit)
	}
	start := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.Cursor, "off:"))
		if err != nil || !strings.HasPrefix(q.Cursor, "off:") || n < 0 {
			return phonebook.Page{}, errors.New("cursor: not a cursor from a previous page")
		}
		start = n
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var page phonebook.Page
	idx := 0
	for _, c := range d.contacts {
		if !matches(c, &q) {
			continue
		}
		if idx >= start && len(page.Contacts) < q.Limit {
			page.Contacts = append(page.Contacts, c.Clone())
		}
		idx++
	}
	page.Total = idx
	if d.TotalCap > 0 && idx > d.TotalCap {
		page.Total, page.TotalCapped = d.TotalCap, true
	}
	if end := start + len(page.Contacts); end < idx {
		page.NextCursor = "off:" + strconv.Itoa(end)
	}
	return page, nil
}

// Lookup matches the calling number's digits exactly against stored
// numbers of global contacts (like the store, personal contacts do not
// answer caller-ID lookups).
func (d *MemDirectory) Lookup(ctx context.Context, number string) (phonebook.LookupResult, error) {
	if err := d.failed(); err != nil {
		return phonebook.LookupResult{}, err
	}
	dg := digits(number)
	if dg == "" {
		return phonebook.LookupResult{Match: phonebook.MatchSkipped}, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var hit *phonebook.Contact
	for _, c := range d.contacts {
		if c.Scope != phonebook.ScopeGlobal {
			continue
		}
		for _, n := range c.Numbers {
			if digits(n.Value) == dg {
				if hit != nil && hit.ID != c.ID {
					return phonebook.LookupResult{Match: phonebook.MatchAmbiguous}, nil
				}
				hit = c
			}
		}
	}
	if hit == nil {
		return phonebook.LookupResult{Match: phonebook.MatchNone}, nil
	}
	return phonebook.LookupResult{Name: hit.DisplayName, ContactID: hit.ID, Match: phonebook.MatchExact, Source: hit.Source}, nil
}

// Get returns a contact by id or phonebook.ErrNotFound.
func (d *MemDirectory) Get(ctx context.Context, id string) (*phonebook.Contact, error) {
	if err := d.failed(); err != nil {
		return nil, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.byID[id]
	if !ok {
		return nil, fmt.Errorf("contact %s: %w", id, phonebook.ErrNotFound)
	}
	return c.Clone(), nil
}

// MemKV is an in-memory KV namespace with the store's contract.
type MemKV struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemKV returns an empty namespace.
func NewMemKV() *MemKV { return &MemKV{m: map[string][]byte{}} }

// Get returns the value or phonebook.ErrNotFound.
func (k *MemKV) Get(ctx context.Context, key string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", key, phonebook.ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

// Put stores a copy of val.
func (k *MemKV) Put(ctx context.Context, key string, val []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[key] = append([]byte(nil), val...)
	return nil
}

// Delete removes key; absent keys are not an error.
func (k *MemKV) Delete(ctx context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
	return nil
}

// List calls fn for every key in key order.
func (k *MemKV) List(ctx context.Context, fn func(key string, val []byte) error) error {
	k.mu.Lock()
	keys := make([]string, 0, len(k.m))
	for key := range k.m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	vals := make([][]byte, len(keys))
	for i, key := range keys {
		vals[i] = append([]byte(nil), k.m[key]...)
	}
	k.mu.Unlock()
	for i, key := range keys {
		if err := fn(key, vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// Dump returns every stored value concatenated, for tests that check no
// secret is stored in clear.
func (k *MemKV) Dump() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var b strings.Builder
	for key, v := range k.m {
		b.WriteString(key)
		b.Write(v)
	}
	return b.String()
}
