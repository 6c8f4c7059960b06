package ari

import (
	"bytes"
	"fmt"
	"time"
)

// TimeLayout is the layout Asterisk uses for every timestamp it sends
// (AST_ISO8601_FORMAT "%FT%T.%q%z": milliseconds, offset without colon).
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// Time is a timestamp in ARI's layout. It also accepts RFC 3339, and an empty
// string as the zero time.
type Time struct{ time.Time }

// MarshalJSON writes t in TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.Time.Format(TimeLayout) + `"`), nil
}

// UnmarshalJSON reads a timestamp in TimeLayout (or RFC 3339).
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("ari time: not a string: %.40s", b)
	}
	s := string(b[1 : len(b)-1])
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{TimeLayout, "2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("ari time: cannot parse %q with layout %s", s, TimeLayout)
}
