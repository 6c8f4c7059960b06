package phonebook

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func syncRound(t *testing.T, s *Store, contacts ...*Contact) {
	t.Helper()
	if _, err := s.Bulk(context.Background(), func(b *Batch) error {
		for _, c := range contacts {
			if _, _, err := b.UpsertFromSource(c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestLocalEditsSurviveSync(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	src := func(first, last, title, num string) *Contact {
		return &Contact{Source: "m365", ExternalID: "u-1", FirstName: first, LastName: last, JobTitle: title,
			Numbers: []Number{{Type: NumberWork, Value: num}}}
	}
	syncRound(t, s, src("Ana", "Kovač", "Engineer", "+38733111222"), &Contact{Source: "m365", ExternalID: "u-2", FirstName: "Bo", Numbers: []Number{{Type: NumberWork, Value: "+38733111333"}}})
	id := ""
	if p, _ := s.Search(ctx, Query{Q: "kovac"}); p.Total == 1 {
		id = p.Contacts[0].ID
	} else {
		t.Fatalf("synced contact not found: %d", p.Total)
	}
	// Local edit of one field.
	c, _ := s.Get(ctx, id)
	c.JobTitle = "Head of Engineering"
	if _, err := s.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	fields, deleted, err := s.LocalFields(ctx, id)
	if err != nil || !slices.Equal(fields, []string{"job_title"}) || deleted {
		t.Fatalf("local fields = %v %v %v", fields, deleted, err)
	}
	// The source changes the title and the last name; only the last name lands.
	syncRound(t, s, src("Ana", "Horvat", "Senior Engineer", "+38733111222"))
	c, _ = s.Get(ctx, id)
	if c.JobTitle != "Head of Engineering" || c.LastName != "Horvat" || c.DisplayName != "Ana Horvat" {
		t.Fatalf("after sync: %+v", c)
	}
	// Local delete of the other contact stays through a sync.
	p, _ := s.Search(ctx, Query{Q: "bo"})
	boID := p.Contacts[0].ID
	if err := s.Delete(ctx, boID); err != nil {
		t.Fatal(err)
	}
	syncRound(t, s, &Contact{Source: "m365", ExternalID: "u-2", FirstName: "Bo", LastName: "New", Numbers: []Number{{Type: NumberWork, Value: "+38733111333"}}})
	if _, err := s.Get(ctx, boID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("locally deleted contact came back: %v", err)
	}
	if r, _ := s.Lookup(ctx, "+38733111333"); r.Match != MatchNone {
		t.Fatalf("locally deleted number answers: %+v", r)
	}
	mustVerify(t, s)
	// Revert brings the source's version back, for both.
	if c, err := s.RevertToSource(ctx, id); err != nil || c.JobTitle != "Senior Engineer" {
		t.Fatalf("revert: %v %+v", err, c)
	}
	if c, err := s.RevertToSource(ctx, boID); err != nil || c.LastName != "New" {
		t.Fatalf("revert delete: %v %+v", err, c)
	}
	if fields, _, _ := s.LocalFields(ctx, id); len(fields) != 0 {
		t.Fatalf("fields after revert: %v", fields)
	}
	// Unchanged source data is not rewritten.
	st, err := s.Bulk(ctx, func(b *Batch) error {
		_, changed, err := b.UpsertFromSource(src("Ana", "Horvat", "Senior Engineer", "+38733111222"))
		if changed {
			t.Error("identical upsert reported a change")
		}
		return err
	})
	if err != nil || st.Unchanged != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	// Deleting at the source removes the contact, overlay and mapping.
	if _, err := s.Bulk(ctx, func(b *Batch) error {
		_, err := b.DeleteFromSource("m365", "u-1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountSource(ctx, "m365"); err != nil || n != 1 {
		t.Fatalf("m365 contacts = %d %v", n, err)
	}
	mustVerify(t, s)
	if n, err := s.EraseSource(ctx, "m365"); err != nil || n != 1 {
		t.Fatalf("erase = %d %v", n, err)
	}
	if r := mustVerify(t, s); r.Contacts != 0 {
		t.Fatalf("contacts after erase = %d", r.Contacts)
	}
}
