package csvbook_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// TestSampleFile: testlab/data/sample-contacts.csv is clean, canonical
// (export gives it back byte for byte) and its numbers are usable for
// region BA lookups and distinct.
func TestSampleFile(t *testing.T) {
	data, err := os.ReadFile("../../testlab/data/sample-contacts.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _, r, err := readAll(t, string(data))
	if err != nil || len(r.Warnings()) != 0 {
		t.Fatalf("sample: %v, warnings %v", err, r.Warnings())
	}
	if len(got) < 25 {
		t.Errorf("sample has %d contacts, want at least 25", len(got))
	}
	var out bytes.Buffer
	w := csvbook.NewWriter(&out)
	for _, c := range got {
		if err := w.Write(c); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if !bytes.Equal(out.Bytes(), data) {
		t.Errorf("sample is not canonical; export gives:\n%s", out.String())
	}
	n, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, c := range got {
		for _, num := range c.Numbers {
			v := n.Normalize(num.Value)
			if v.Kind != number.KindValid && v.Kind != number.KindExtension {
				t.Logf("%q normalises to a %s number (%s)", num.Value, v.Kind, v.NSNKey)
			}
			if v.Value() == "" && v.NSNKey == "" {
				t.Errorf("%s %s: number %q does not normalise for BA (%+v)", c.FirstName, c.LastName, num.Value, v)
			}
			for _, k := range v.IndexKeys() {
				if prev, dup := keys[k]; dup {
					t.Errorf("key %s of %q also belongs to %q", k, num.Value, prev)
				}
				keys[k] = num.Value
			}
		}
	}
}
