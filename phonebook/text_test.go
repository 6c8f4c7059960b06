package phonebook

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		wantErr  string // substring; "" = accepted
	}{
		{name: "plain", in: "Ana Anić"},
		{name: "empty", in: ""},
		{name: "apostrophe and formula characters", in: "'=+-@"},
		{name: "CJK and emoji", in: "東京 🙂"},
		{name: "NUL", in: "A\x00B", wantErr: "U+0000 at byte 1"},
		{name: "tab", in: "\tAna", wantErr: "U+0009 at byte 0"},
		{name: "line feed", in: "Ana\n", wantErr: "U+000A"},
		{name: "carriage return", in: "A\rB", wantErr: "U+000D"},
		{name: "escape", in: "\x1b[31m", wantErr: "U+001B"},
		{name: "DEL", in: "A\x7f", wantErr: "U+007F"},
		{name: "C1 control", in: "A\u0085B", wantErr: "U+0085 at byte 1"},
		{name: "invalid UTF-8", in: "A\xffB", wantErr: "not valid UTF-8 at byte 1"},
		{name: "truncated UTF-8", in: "Ani\xc4", wantErr: "not valid UTF-8 at byte 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckText(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("CheckText(%q) = %v, want nil", tc.in, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("CheckText(%q) = %v, want an error with %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

// FuzzCheckText: CheckText accepts exactly valid UTF-8 without control
// characters, and CleanText always yields accepted text, leaving accepted
// text unchanged.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "Ana", "A\x00B", "\t", "\u0085", "\xff", "Đurić", "=SUM(1)", "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
		if got := CheckText(s) == nil; got != want {
			t.Fatalf("CheckText(%q) accepts = %v, want %v", s, got, want)
		}
		c := CleanText(s)
		if err := CheckText(c); err != nil {
			t.Fatalf("CleanText(%q) = %q: %v", s, c, err)
		}
		if want && c != s {
			t.Fatalf("CleanText changed accepted text %q to %q", s, c)
		}
	})
}

// TestWritesApplyTheTextRule: a contact with a control character in any
// text field is refused naming that field; the store keeps nothing.
func TestWritesApplyTheTextRule(t *testing.T) {
	s := openTest(t, "")
	ctx := context.Background()
	for _, tc := range []struct {
		field string
		edit  func(c *Contact)
	}{
		{field: "first_name", edit: func(c *Contact) { c.FirstName = "A\x00na" }},
		{field: "last_name", edit: func(c *Contact) { c.LastName = "Anić\n" }},
		{field: "display_name", edit: func(c *Contact) { c.DisplayName = "\x1bAna" }},
		{field: "company", edit: func(c *Contact) { c.Company = "A\u0085B" }},
		{field: "job_title", edit: func(c *Contact) { c.JobTitle = "x\ty" }},
		{field: "emails[0].address", edit: func(c *Contact) { c.Emails = []Email{{Address: "a\x00@b.c"}} }},
		{field: "emails[0].label", edit: func(c *Contact) { c.Emails = []Email{{Label: "w\x01", Address: "a@b.c"}} }},
		{field: "numbers[0].value", edit: func(c *Contact) { c.Numbers = []Number{{Type: NumberWork, Value: "061\x00111"}} }},
		{field: "custom.note", edit: func(c *Contact) { c.Custom = map[string]string{"note": "a\nb"} }},
		{field: "custom", edit: func(c *Contact) { c.Custom = map[string]string{"n\x00": "v"} }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			c := &Contact{FirstName: "Ana"}
			tc.edit(c)
			_, err := s.Create(ctx, c)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Create = %v, want a ValidationError", err)
			}
			found := false
			for _, f := range ve.Fields {
				if f.Field == tc.field && strings.Contains(f.Message, "control character") {
					found = true
				}
			}
			if !found {
				t.Fatalf("Create error %v does not name %s", err, tc.field)
			}
		})
	}
	if n, err := s.CountSource(ctx, SourceLocal); err != nil || n != 0 {
		t.Fatalf("store holds %d contacts (%v), want 0", n, err)
	}
}

// countingNumbering counts the numbers the store normalises.
type countingNumbering struct {
	testNumbering
	calls *atomic.Int64
}

func (c countingNumbering) Index(raw string) (string, []string) {
	c.calls.Add(1)
	return c.testNumbering.Index(raw)
}

// TestTooManyNumbersRefusedBeforeNormalising: a contact over MaxNumbers is
// refused by Create, Update, Bulk and Load, and IndexNumbers leaves it out,
// without a single number being normalised.
func TestTooManyNumbersRefusedBeforeNormalising(t *testing.T) {
	ctx := context.Background()
	calls := &atomic.Int64{}
	s, err := Open(ctx, Options{InMemory: true, Numbering: countingNumbering{calls: calls}, MemoryBudget: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	huge := func() *Contact {
		c := &Contact{FirstName: "Huge", Numbers: make([]Number, 20_000)}
		for i := range c.Numbers {
			c.Numbers[i] = Number{Type: NumberWork, Value: "+38761111111"}
		}
		return c
	}
	ok, err := s.Create(ctx, &Contact{FirstName: "Small", Numbers: []Number{{Type: NumberWork, Value: "061 111 111"}}})
	if err != nil {
		t.Fatal(err)
	}
	calls.Store(0)
	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{name: "Create", write: func() error { _, err := s.Create(ctx, huge()); return err }},
		{name: "Update", write: func() error { c := huge(); c.ID = ok.ID; _, err := s.Update(ctx, c); return err }},
		{name: "Bulk", write: func() error {
			_, err := s.Bulk(ctx, func(b *Batch) error { _, err := b.Put(huge()); return err })
			return err
		}},
		{name: "Load", write: func() error {
			_, err := s.Load(ctx, "src", func(l *Loader) error {
				c := huge()
				c.ExternalID = "x"
				_, err := l.Add(c)
				return err
			})
			return err
		}},
		{name: "IndexNumbers", write: func() error {
			if ix := s.IndexNumbers([]*Contact{huge()}); len(ix) != 0 {
				return errors.New("indexed the numbers of an oversized contact")
			}
			return &ValidationError{}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if n := calls.Load(); n != 0 {
				t.Fatalf("normalised %d numbers of a contact that is refused", n)
			}
		})
	}
}
