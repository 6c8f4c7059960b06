package gen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/pbxagent/pbxagent/phonebook"
)

func TestNumbersValidAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for k := 0; k < 20000; k++ {
		w, e := Number(k * 299) // spread over all spaces and indexes
		if seen[e] {
			t.Fatalf("Number(%d) = %s repeats", k*299, e)
		}
		seen[e] = true
		for _, s := range []string{w, e} {
			p, err := phonenumbers.Parse(s, "BA")
			if err != nil || !phonenumbers.IsValidNumber(p) || phonenumbers.Format(p, phonenumbers.E164) != e {
				t.Fatalf("Number(%d): %q does not parse (BA) to valid %s: %v", k*299, s, e, err)
			}
		}
	}
	first := map[string]bool{}
	for k := 0; k < 100_000; k++ {
		_, e := Number(k)
		first[e] = true
	}
	for k := 0; k < 1000; k++ {
		w, e := Unused(k)
		if first[e] {
			t.Fatalf("Unused(%d) = %s was handed out", k, e)
		}
		p, err := phonenumbers.Parse(w, "BA")
		if err != nil || !phonenumbers.IsValidNumber(p) {
			t.Fatalf("Unused(%d) = %q invalid", k, w)
		}
	}
}

func TestContactsDeterministicUnique(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteCSV(&a, 2000, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(&b, 2000, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same seed, different output")
	}
	var c bytes.Buffer
	if err := WriteCSV(&c, 2000, 2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("different seeds, same output")
	}
	seen := map[string]bool{}
	rows := 0
	err := Contacts(5000, 7, func(c *phonebook.Contact) error {
		rows++
		if len(c.Numbers) < 1 || len(c.Numbers) > 3 || c.FirstName == "" {
			t.Fatalf("bad contact %+v", c)
		}
		for _, n := range c.Numbers {
			if seen[n.Value] {
				t.Fatalf("number %q repeats", n.Value)
			}
			seen[n.Value] = true
		}
		return nil
	})
	if err != nil || rows != 5000 {
		t.Fatalf("Contacts: %d rows, %v", rows, err)
	}
	if err := Contacts(Capacity, 1, func(*phonebook.Contact) error { return nil }); err == nil {
		t.Fatal("no error beyond capacity")
	}
}

// TestWriteCopyText: one line per contact, six tab-separated fields, the
// contact's numbers in the array literal, in the CSV's order.
func TestWriteCopyText(t *testing.T) {
	var b strings.Builder
	if err := WriteCopyText(&b, 50, 3); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	i := 0
	err := Contacts(50, 3, func(c *phonebook.Contact) error {
		f := strings.Split(lines[i], "\t")
		if len(f) != 6 || f[0] != c.FirstName || f[2] != c.LastName {
			t.Fatalf("line %d: %q for %s %s", i+1, lines[i], c.FirstName, c.LastName)
		}
		if n := strings.Count(f[5], `"`) / 2; n != len(c.Numbers) {
			t.Errorf("line %d: %d numbers, want %d", i+1, n, len(c.Numbers))
		}
		i++
		return nil
	})
	if err != nil || i != len(lines) {
		t.Fatalf("%d contacts for %d lines: %v", i, len(lines), err)
	}
}
