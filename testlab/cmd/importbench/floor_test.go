package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/testlab/gen"
)

func TestFloor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csvbook.NewWriter(f)
	numbers := 0
	if err := gen.Contacts(500, 1, func(c *phonebook.Contact) error {
		numbers += len(c.Numbers)
		return w.Write(c)
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := floor(path, "BA")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 500 || res.Numbers != numbers || numbers == 0 {
		t.Fatalf("rows %d numbers %d, want 500 and %d", res.Rows, res.Numbers, numbers)
	}
	if res.FloorSeconds != max(res.ParseSeconds, res.NormalizeSeconds) || res.NormalizeCPUus <= 0 || res.Cores < 1 {
		t.Fatalf("figures %+v", res)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Ana,,Anić,,,work:061 111 111\n\"Open,,Quote\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := floor(bad, "BA"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad file: err %v, want one naming line 2", err)
	}
}
