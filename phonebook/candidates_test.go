package phonebook

import (
	"context"
	"testing"
)

// An ambiguous number lists the global contacts that share it (capped,
// with the total), never a personal one; a hit or a miss lists none.
func TestLookupCandidates(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, "")
	mk := func(name string, scope Scope, owner, num string) string {
		t.Helper()
		c, err := s.Create(ctx, &Contact{FirstName: name, Scope: scope, Owner: owner, Numbers: []Number{{Type: NumberWork, Value: num}}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	a := mk("Ana", ScopeGlobal, "", "+38733111111")
	b := mk("Bob", ScopeGlobal, "", "033 111 111")
	c := mk("Cid", ScopeGlobal, "", "+38733111111")
	mk("Private", ScopePersonal, "u1", "+38733111111")
	mk("Dora", ScopeGlobal, "", "+38733999999")
	if err := s.WaitCallerIndex(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, number string
		max          int
		match        MatchKind
		want         []Candidate
		total        int
	}{
		{name: "ambiguous, all listed", number: "+38733111111", max: 10, match: MatchAmbiguous, total: 3,
			want: []Candidate{{ContactID: a, Name: "Ana", Source: SourceLocal}, {ContactID: b, Name: "Bob", Source: SourceLocal}, {ContactID: c, Name: "Cid", Source: SourceLocal}}},
		{name: "ambiguous, capped", number: "+38733111111", max: 2, match: MatchAmbiguous, total: 3,
			want: []Candidate{{ContactID: a, Name: "Ana", Source: SourceLocal}, {ContactID: b, Name: "Bob", Source: SourceLocal}}},
		{name: "hit", number: "+38733999999", max: 10, match: MatchExact},
		{name: "miss", number: "+38733000000", max: 10, match: MatchNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, cands, total, err := s.LookupCandidates(ctx, tc.number, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if res.Match != tc.match || total != tc.total || len(cands) != len(tc.want) {
				t.Fatalf("match %s, %d of %d candidates %+v; want %s, %d of %d", res.Match, len(cands), total, cands, tc.match, len(tc.want), tc.total)
			}
			for i := range cands {
				if cands[i] != tc.want[i] {
					t.Errorf("candidate %d = %+v, want %+v", i, cands[i], tc.want[i])
				}
			}
		})
	}
}
