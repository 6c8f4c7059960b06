package phonebook

import (
	"context"
	"errors"
	"testing"
)

// TestWritesIfCheck: UpdateIf, DeleteIf and RevertToSourceIf write only
// when their check passes, and give the check the contact as stored.
func TestWritesIfCheck(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	refuse := errors.New("refused")
	ownedBy := func(owner string) Check {
		return func(cur *Contact) error {
			if cur.Owner != owner {
				return refuse
			}
			return nil
		}
	}
	c, err := s.Create(ctx, &Contact{Scope: ScopePersonal, Owner: "u1", FirstName: "Ann", Numbers: []Number{{Type: NumberWork, Value: "+38733111222"}}})
	if err != nil {
		t.Fatal(err)
	}
	syncRound(t, s, &Contact{Source: "m365", ExternalID: "x-1", FirstName: "Synced", Numbers: []Number{{Type: NumberWork, Value: "+38733111333"}}})
	p, err := s.Search(ctx, Query{Source: "m365"})
	if err != nil || len(p.Contacts) != 1 {
		t.Fatalf("synced contact: %v %v", p, err)
	}
	synced := p.Contacts[0]
	if err := s.Delete(ctx, synced.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		check Check
		write func(Check) error
		want  error
		// changed reports whether the write happened.
		changed func() bool
	}{
		{name: "update refused", check: ownedBy("u2"), want: refuse,
			write: func(ch Check) error {
				_, err := s.UpdateIf(ctx, &Contact{ID: c.ID, Scope: ScopePersonal, Owner: "u2", FirstName: "Stolen"}, ch)
				return err
			},
			changed: func() bool { g, _ := s.Get(ctx, c.ID); return g.FirstName == "Stolen" }},
		{name: "delete refused", check: ownedBy("u2"), want: refuse,
			write:   func(ch Check) error { return s.DeleteIf(ctx, c.ID, ch) },
			changed: func() bool { _, err := s.Get(ctx, c.ID); return errors.Is(err, ErrNotFound) }},
		{name: "revert of a local delete refused", check: ownedBy("u2"), want: refuse,
			write:   func(ch Check) error { _, err := s.RevertToSourceIf(ctx, synced.ID, ch); return err },
			changed: func() bool { _, err := s.Get(ctx, synced.ID); return err == nil }},
		{name: "revert of an unsynced contact refused", check: ownedBy("u2"), want: refuse,
			write:   func(ch Check) error { _, err := s.RevertToSourceIf(ctx, c.ID, ch); return err },
			changed: func() bool { return false }},
		{name: "revert of a local delete allowed", check: ownedBy(""),
			write:   func(ch Check) error { _, err := s.RevertToSourceIf(ctx, synced.ID, ch); return err },
			changed: func() bool { _, err := s.Get(ctx, synced.ID); return err == nil }},
		{name: "update allowed", check: ownedBy("u1"),
			write: func(ch Check) error {
				_, err := s.UpdateIf(ctx, &Contact{ID: c.ID, Scope: ScopePersonal, Owner: "u1", FirstName: "Annie"}, ch)
				return err
			},
			changed: func() bool { g, _ := s.Get(ctx, c.ID); return g.FirstName == "Annie" }},
		{name: "delete allowed", check: ownedBy("u1"),
			write:   func(ch Check) error { return s.DeleteIf(ctx, c.ID, ch) },
			changed: func() bool { _, err := s.Get(ctx, c.ID); return errors.Is(err, ErrNotFound) }},
	}
	for _, tc := range tests {
		err := tc.write(tc.check)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		if changed := tc.changed(); changed != (tc.want == nil) {
			t.Fatalf("%s: changed %v", tc.name, changed)
		}
	}
}
