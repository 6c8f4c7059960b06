package callhistory

import (
	"errors"
	"net/url"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// FuzzParseFilter: any query either parses into a filter whose cursor
// has a position's shape and whose limit is in range, or is a 400 naming
// a parameter; it never panics.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z", "direction=inbound&answered=false",
		"q=%2B41%2044&limit=10", "cursor=18a3f1c2b4d5e6f7-pbxcall-5f1c2a9e0b7d4c3a", "limit=-1", "cursor=%00", "answered=TRUE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := ParseFilter(q)
		if err != nil {
			var ae *platform.APIError
			if !errors.As(err, &ae) || ae.Status != 400 || len(ae.Details) == 0 || ae.Details[0].Field == "" {
				t.Fatalf("%q: %v is not a 400 naming a parameter", raw, err)
			}
			return
		}
		if flt.Cursor != "" && !validPosition(flt.Cursor) {
			t.Fatalf("%q: cursor %q accepted", raw, flt.Cursor)
		}
		if flt.Limit < 0 || flt.Limit > MaxLimit {
			t.Fatalf("%q: limit %d accepted", raw, flt.Limit)
		}
		if flt.Direction != "" && flt.Direction != "inbound" && flt.Direction != "outbound" {
			t.Fatalf("%q: direction %q accepted", raw, flt.Direction)
		}
	})
}
