package platform

import (
	"strings"
	"testing"
)

func TestJSONPathAt(t *testing.T) {
	for _, tc := range []struct {
		name, data, upTo string // the path of the value that ends where upTo ends
		want             string
	}{
		{name: "top-level key", data: `{"a":1,"b":2}`, upTo: `{"a":1`, want: "a"},
		{name: "second list item", data: `{"n":[{"v":"1"},{"v":2}]}`, upTo: `{"n":[{"v":"1"},{"v":2`, want: "n[1].v"},
		{name: "map key", data: `{"custom":{"x":"1","crm":5}}`, upTo: `{"custom":{"x":"1","crm":5`, want: "custom.crm"},
		{name: "nested lists", data: `[[1,2],[3,4]]`, upTo: `[[1,2],[3`, want: "[1][0]"},
		{name: "container value", data: `{"a":{"b":[1]}}`, upTo: `{"a":{"b":[`, want: "a.b"},
		{name: "the body", data: `[1]`, upTo: `[`, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.HasPrefix(tc.data, tc.upTo) {
				t.Fatal("bad case")
			}
			if got := jsonPathAt([]byte(tc.data), int64(len(tc.upTo))); got != tc.want {
				t.Errorf("jsonPathAt = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzJSONPathAt(f *testing.F) {
	f.Add([]byte(`{"n":[{"v":"1"},{"v":2}]}`), int64(20))
	f.Add([]byte(`[[[`), int64(2))
	f.Add([]byte(`{"a":}`), int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, off int64) {
		p := jsonPathAt(data, off)
		// Without strings there are no keys: only list indices.
		if !strings.Contains(string(data), `"`) && strings.Trim(p, "[]0123456789") != "" {
			t.Fatalf("path %q of data without keys", p)
		}
	})
}
