package phonebook

import (
	"context"
	"slices"
	"testing"
)

// TestLookupCandidates: an ambiguous number lists the global contacts of
// the level that decided it (bounded), never personal ones; a number that
// is not ambiguous lists none.
func TestLookupCandidates(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	for _, c := range []*Contact{
		{FirstName: "Ena", Numbers: []Number{{Type: NumberWork, Value: "+38733555666"}}},
		{FirstName: "Ivo", Numbers: []Number{{Type: NumberMobile, Value: "033 555 666"}}},
		{FirstName: "Mia", Numbers: []Number{{Type: NumberWork, Value: "+38733555666"}}},
		{FirstName: "Own", Scope: ScopePersonal, Owner: "u1", Numbers: []Number{{Type: NumberWork, Value: "+38733555666"}}},
		{FirstName: "Solo", Numbers: []Number{{Type: NumberWork, Value: "+38761111222"}}},
	} {
		if _, err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	names := func(cs []*Contact) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.FirstName)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		number string
		limit  int
		want   []string
	}{
		{number: "+38733555666", limit: 20, want: []string{"Ena", "Ivo", "Mia"}},
		{number: "033555666", limit: 20, want: []string{"Ena", "Ivo", "Mia"}},
		{number: "033555666", limit: 2},
		{number: "+38761111222", limit: 20},
		{number: "+38761999999", limit: 20},
		{number: "anonymous", limit: 20},
	} {
		if r, _ := s.Lookup(ctx, tc.number); (r.Match == MatchAmbiguous) != (tc.want != nil || tc.limit == 2) {
			t.Errorf("%s: lookup %+v", tc.number, r)
		}
		got, err := s.LookupCandidates(ctx, tc.number, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if tc.limit == 2 {
			if len(got) != 2 {
				t.Errorf("%s limit 2: %q", tc.number, names(got))
			}
			continue
		}
		if !slices.Equal(names(got), tc.want) {
			t.Errorf("%s: %q, want %q", tc.number, names(got), tc.want)
		}
	}
}
