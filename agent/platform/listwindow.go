package platform

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// ListWindow is the time window and the page size of a list request:
// the query parameters since and until (RFC 3339) and limit.
type ListWindow struct {
	Since, Until time.Time
	// Limit is 0 when the request gave none.
	Limit int
}

// ParseListWindow reads since, until and limit (1 to maxLimit) from q.
// Each invalid parameter is a FieldError naming it (until also when it is
// not after since); the window holds the valid ones.
func ParseListWindow(q url.Values, maxLimit int) (ListWindow, []FieldError) {
	var w ListWindow
	var bad []FieldError
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &w.Since}, {"until", &w.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad = append(bad, FieldError{Field: p.name, Message: "must be an RFC 3339 time (2026-01-02T15:04:05Z)"})
				continue
			}
			*p.t = t
		}
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && !w.Since.Before(w.Until) {
		bad = append(bad, FieldError{Field: "until", Message: "must be after since"})
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			bad = append(bad, FieldError{Field: "limit", Message: fmt.Sprintf("must be an integer from 1 to %d", maxLimit)})
		}
		w.Limit = n
	}
	return w, bad
}
