package phonebook

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

func TestMetaRange(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	kv := s.MetaRange("audit")
	for i := 0; i < 10; i++ {
		if err := kv.Put(ctx, fmt.Sprintf("k%02d", i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Meta("auditx").Put(ctx, "k05", []byte("other namespace")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		from, to string
		reverse  bool
		stop     int
		want     []string
	}{
		{name: "all", want: []string{"k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09"}},
		{name: "range", from: "k03", to: "k06", want: []string{"k03", "k04", "k05"}},
		{name: "reverse range", from: "k03", to: "k06", reverse: true, want: []string{"k05", "k04", "k03"}},
		{name: "reverse open end", from: "k07", reverse: true, want: []string{"k09", "k08", "k07"}},
		{name: "reverse between keys", from: "k015", to: "k035", reverse: true, want: []string{"k03", "k02"}},
		{name: "reverse stop", reverse: true, stop: 2, want: []string{"k09", "k08"}},
		{name: "empty", from: "k05", to: "k05"},
	} {
		var got []string
		err := kv.Range(ctx, tc.from, tc.to, tc.reverse, func(k string, v []byte) error {
			got = append(got, k)
			if tc.stop > 0 && len(got) == tc.stop {
				return ErrStopRange
			}
			return nil
		})
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
}
