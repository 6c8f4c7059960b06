// Package callertest builds caller-ID fixtures for tests and benchmarks: a real Badger phone
// book filled with generated contacts (testlab/gen) and call mixes of known, unknown, anonymous
// and extension numbers.
package callertest

import (
	"context"
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

// Extensions are internal numbers added to every fixture, with their names.
var Extensions = map[string]string{"1805": "Reception", "1806": "Helpdesk", "200": "Ana Anić"}

// Named are outside numbers with fixed names added to every fixture (the SIPp scenarios expect
// 061111111 → "Ana Anić"); the generator never hands them out below 1.6 M contacts.
var Named = map[string]string{"061111111": "Ana Anić"}

// Fixture is an open generated directory.
type Fixture struct {
	// Store is the phone book; close it when done.
	Store *phonebook.Store
	// Numbers is how many distinct numbers the directory holds.
	Numbers int
	// Contacts is how many contacts were generated.
	Contacts int
}

// Open builds an on-disk store in dir (or in memory when dir is "") with the given number of
// generated contacts (about two numbers each: 500 000 contacts ≈ 1 M numbers) plus Extensions,
// region BA.
func Open(ctx context.Context, dir string, contacts int) (*Fixture, error) {
	nz, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		return nil, fmt.Errorf("callertest numbering: %w", err)
	}
	opts := phonebook.Options{Numbering: nz.Numbering(), Dir: dir, InMemory: dir == ""}
	s, err := phonebook.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("callertest open: %w", err)
	}
	f := &Fixture{Store: s, Contacts: contacts}
	_, err = s.Bulk(ctx, func(b *phonebook.Batch) error {
		if err := gen.Contacts(contacts, 1, func(c *phonebook.Contact) error {
			f.Numbers += len(c.Numbers)
			_, err := b.Put(c)
			return err
		}); err != nil {
			return err
		}
		for ext, name := range all(Extensions, Named) {
			first, last, _ := strings.Cut(name, " ")
			c := &phonebook.Contact{Scope: phonebook.ScopeGlobal, Source: phonebook.SourceCSV, FirstName: first, LastName: last,
				Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: ext}}}
			if _, err := b.Put(c); err != nil {
				return err
			}
			f.Numbers++
		}
		return nil
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("callertest import: %w", err)
	}
	return f, nil
}

// Close closes the store.
func (f *Fixture) Close() error { return f.Store.Close() }

// Known returns the k-th known number in E.164 form (k wraps around the generated numbers).
func (f *Fixture) Known(k int) string {
	_, e := gen.Number(k % (f.Numbers - len(Extensions) - len(Named)))
	return e
}

// KnownNational returns the k-th known number as a BA national number without separators
// (e.g. 061123456), or E.164 when it is foreign.
func (f *Fixture) KnownNational(k int) string {
	e := f.Known(k)
	if strings.HasPrefix(e, "+387") {
		return "0" + e[4:]
	}
	return e
}

// Unknown returns the k-th number that is valid but not in the directory.
func (f *Fixture) Unknown(k int) string {
	_, e := gen.Number(f.Numbers + k%1_000_000)
	return e
}

// Mix returns n caller numbers: 60 % known (half E.164, half national), 25 % unknown, 5 %
// anonymous, 10 % extensions — our own benchmark mix, so that every lookup path (hit, miss,
// skipped, extension) is exercised.
func (f *Fixture) Mix(n int) []string {
	exts := []string{"1805", "1806", "200", "1999"}
	out := make([]string, n)
	for i := range out {
		switch r := (i * 7919) % 100; {
		case r < 30:
			out[i] = f.Known(i * 13)
		case r < 60:
			out[i] = f.KnownNational(i * 13)
		case r < 85:
			out[i] = f.Unknown(i)
		case r < 90:
			out[i] = "anonymous"
		default:
			out[i] = exts[i%len(exts)]
		}
	}
	return out
}

// Reopen opens a store Open built earlier in dir with the same number of contacts.
func Reopen(ctx context.Context, dir string, contacts int) (*Fixture, error) {
	nz, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		return nil, fmt.Errorf("callertest numbering: %w", err)
	}
	s, err := phonebook.Open(ctx, phonebook.Options{Numbering: nz.Numbering(), Dir: dir})
	if err != nil {
		return nil, fmt.Errorf("callertest reopen: %w", err)
	}
	f := &Fixture{Store: s, Contacts: contacts}
	if err := gen.Contacts(contacts, 1, func(c *phonebook.Contact) error {
		f.Numbers += len(c.Numbers)
		return nil
	}); err != nil {
		s.Close()
		return nil, err
	}
	f.Numbers += len(Extensions) + len(Named)
	return f, nil
}

func all(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
