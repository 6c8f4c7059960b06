package callertest

import (
	"context"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

func TestFixture(t *testing.T) {
	ctx := context.Background()
	f, err := Open(ctx, "", 2000)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := 0; i < 50; i++ {
		for _, n := range []string{f.Known(i), f.KnownNational(i)} {
			if r, err := f.Store.Lookup(ctx, n); err != nil || !r.Match.Hit() || r.Name == "" {
				t.Fatalf("known %s: %+v %v", n, r, err)
			}
		}
		if r, err := f.Store.Lookup(ctx, f.Unknown(i)); err != nil || r.Match != phonebook.MatchNone {
			t.Fatalf("unknown %s: %+v %v", f.Unknown(i), r, err)
		}
	}
	if r, _ := f.Store.Lookup(ctx, "1805"); r.Name != "Reception" || r.Match != phonebook.MatchExtension {
		t.Fatalf("extension: %+v", r)
	}
	if len(f.Mix(100)) != 100 {
		t.Fatal("mix size")
	}
}

func TestFixtureNamed(t *testing.T) {
	ctx := context.Background()
	f, err := Open(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, n := range []string{"061111111", "+38761111111", "061 111-111"} {
		if r, _ := f.Store.Lookup(ctx, n); r.Name != "Ana Anić" {
			t.Errorf("%s: %+v", n, r)
		}
	}
}
