package phonebook

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenWithEmptyLogFiles: a process killed right after Badger created a
// memtable or value-log file leaves it empty; the store still opens, with
// its contacts, and the empty files are gone.
func TestOpenWithEmptyLogFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	c, err := s.Create(ctx, &Contact{FirstName: "Ana", LastName: "Kovač", Source: SourceLocal,
		Numbers: []Number{{Type: NumberWork, Value: "+38761111111"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"00077.mem", "00078.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s = openTest(t, dir)
	got, err := s.Get(ctx, c.ID)
	if err != nil || got.LastName != "Kovač" {
		t.Fatalf("after reopening: %v, %v", got, err)
	}
	for _, name := range []string{"00077.mem", "00078.mem", "000099.vlog"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Size() == 0 {
			t.Errorf("%s is still there, empty", name)
		}
	}
	mustVerify(t, s)
}
