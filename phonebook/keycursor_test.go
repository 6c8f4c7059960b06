package phonebook

import (
	"errors"
	"fmt"
	"testing"
)

// TestKeyCursor: keys asked in increasing order are found whether the
// cursor steps to them or seeks past a long gap, missing ones are
// ErrNotFound, and keys under another prefix are never returned.
func TestKeyCursor(t *testing.T) {
	s := openTest(t, "")
	const ts = 1 << 40 // above anything the store wrote at Open
	w := s.db.NewTransactionAt(ts, true)
	stored := map[string]bool{}
	for i := 0; i < 200; i += 2 { // t/000, t/002, … t/198
		k := fmt.Sprintf("t/%03d", i)
		stored[k] = true
		if err := w.Set([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Set([]byte("u/001"), []byte("other")); err != nil {
		t.Fatal(err)
	}
	if err := w.CommitAt(ts, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ask  []string
	}{
		{name: "every key, stepping", ask: []string{"t/000", "t/002", "t/004", "t/006"}},
		{name: "missing keys between stored ones", ask: []string{"t/001", "t/002", "t/003", "t/050"}},
		{name: "gaps longer than the steps: seeks", ask: []string{"t/010", "t/100", "t/101", "t/198"}},
		{name: "past the prefix's last key", ask: []string{"t/150", "t/199", "t/200", "t/999"}},
		{name: "first key missing, then found", ask: []string{"t/", "t/000"}},
		{name: "a key under another prefix", ask: []string{"t/190", "u/001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := s.db.NewTransactionAt(ts, false)
			defer read.Discard()
			c := newKeyCursor(read, []byte("t/"))
			defer c.close()
			for _, k := range tc.ask {
				item, err := c.seek([]byte(k))
				switch {
				case stored[k] && err != nil:
					t.Fatalf("%s: %v, want its value", k, err)
				case stored[k]:
					v, err := item.ValueCopy(nil)
					if err != nil || string(v) != "v"+k {
						t.Fatalf("%s: value %q, %v; want %q", k, v, err, "v"+k)
					}
				case !errors.Is(err, ErrNotFound):
					t.Fatalf("%s: %v, want ErrNotFound", k, err)
				}
			}
		})
	}
}
