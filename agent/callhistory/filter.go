package callhistory

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Listing limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// maxScan bounds the records one listing reads to find its matches;
	// past it the page ends early with a cursor to go on from.
	maxScan = 50_000
	// maxQ bounds the q filter.
	maxQ = 100
)

// Filter selects records. Zero fields select everything.
type Filter struct {
	// UserID selects one user's history; "" is every user's (the
	// handler decides who may ask for what).
	UserID string
	// Since and Until bound the call's start: Since <= start < Until.
	Since, Until time.Time
	// Direction is "outbound", "inbound" or "".
	Direction string
	// Answered, when set, keeps answered (true) or unanswered (false)
	// calls.
	Answered *bool
	// Q is a substring of either party's number or name, case-folded.
	Q string
	// Limit caps the page (default 100, at most 1000).
	Limit int
	// Cursor continues a listing: the next_cursor of the previous page.
	Cursor string
}

// Page is a page of records, newest first.
type Page struct {
	Calls []Record `json:"calls" doc:"The ended calls of this page, newest first (by start)"`
	// NextCursor, when set, fetches the next (older) page.
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next (older) page; absent on the last page" example:"18a3f1c2b4d5e6f7-pbxcall-5f1c2a9e0b7d4c3a"`
}

// match reports whether r passes the filters other than time and user.
func (f *Filter) match(r *Record) bool {
	switch {
	case f.Direction != "" && r.Direction != f.Direction:
		return false
	case f.Answered != nil && r.Answered() != *f.Answered:
		return false
	case f.Q != "" && !matchQ(f.Q, r):
		return false
	}
	return true
}

// matchQ reports whether q (already folded and trimmed) is in either
// party's number or name; a q that is a number ("+41 44 123") also
// matches the numbers without its spaces, dashes, dots and brackets.
func matchQ(q string, r *Record) bool {
	for _, v := range []string{r.From, r.To, r.FromName, r.ToName} {
		if strings.Contains(strings.ToLower(v), q) {
			return true
		}
	}
	if d := numberish(q); d != "" && d != q {
		return strings.Contains(r.From, d) || strings.Contains(r.To, d)
	}
	return false
}

// numberish returns q without the separators people write in numbers
// when it holds only digits, '+', '*', '#' and such separators; else "".
func numberish(q string) string {
	var b strings.Builder
	for _, c := range q {
		switch {
		case c >= '0' && c <= '9', c == '+', c == '*', c == '#':
			b.WriteRune(c)
		case c == ' ', c == '-', c == '.', c == '(', c == ')', c == '/':
		default:
			return ""
		}
	}
	return b.String()
}

// ParseFilter reads the query parameters of GET /api/v1/calls/history
// (and its export): since, until, direction, answered, q, limit, cursor.
// The user parameter is the handler's. An invalid parameter is a 400
// naming it.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	win, bad := platform.ParseListWindow(q, MaxLimit)
	f.Since, f.Until, f.Limit = win.Since, win.Until, win.Limit
	badf := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	switch v := q.Get("direction"); v {
	case "", "outbound", "inbound":
		f.Direction = v
	default:
		badf("direction", "must be outbound or inbound")
	}
	switch v := q.Get("answered"); v {
	case "":
	case "true", "false":
		b := v == "true"
		f.Answered = &b
	default:
		badf("answered", "must be true or false")
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		if len(v) > maxQ || strings.ContainsRune(v, 0) {
			badf("q", fmt.Sprintf("must be at most %d characters", maxQ))
		}
		f.Q = strings.ToLower(v)
	}
	if v := q.Get("cursor"); v != "" {
		if !validPosition(v) {
			badf("cursor", "not a cursor from this API (next_cursor of a page)")
		}
		f.Cursor = v
	}
	if len(bad) > 0 {
		return Filter{}, platform.Invalid("invalid call history filter", bad...)
	}
	return f, nil
}
