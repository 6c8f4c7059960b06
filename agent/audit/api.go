package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// Listing limits.
const (
	defaultLimit = 100
	maxLimit     = 1000
	// maxScan bounds the entries one listing reads to find its matches;
	// past it the page ends early with a cursor to go on from.
	maxScan = 50_000
)

// Filter selects entries. Zero fields select everything.
type Filter struct {
	// Actor is a kind, user id, username or app id.
	Actor string
	// Action is a prefix: "contact." or "campaign.start".
	Action string
	// ObjectType and ObjectID select the object.
	ObjectType, ObjectID string
	// Result is "ok", "error" (any failure), an error code or an HTTP
	// status.
	Result string
	// Since and Until bound the time: Since <= time < Until.
	Since, Until time.Time
	// Limit caps the page (default 100, at most 1000).
	Limit int
	// Cursor continues a listing: the next_cursor of the previous page.
	Cursor string
}

// Page is a page of entries, newest first.
type Page struct {
	Entries []Entry `json:"entries" doc:"The entries of this page, newest first"`
	// NextCursor, when set, fetches the next (older) page.
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next (older) page; absent on the last page" example:"MDFKRVE3RzhaSzRNMk41UDZSN1M4VDlWMFc"`
}

func (f Filter) match(e *Entry) bool {
	switch {
	case f.Actor != "" && !e.Actor.matches(f.Actor):
		return false
	case f.Action != "" && !strings.HasPrefix(e.Action, f.Action):
		return false
	case f.ObjectType != "" && e.Object.Type != f.ObjectType:
		return false
	case f.ObjectID != "" && e.Object.ID != f.ObjectID:
		return false
	}
	switch f.Result {
	case "":
	case "error":
		return e.Result != ResultOK
	default:
		if e.Result != f.Result && strconv.Itoa(e.Status) != f.Result {
			return false
		}
	}
	return true
}

// List returns the entries matching f, newest first.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = defaultLimit
	}
	f.Limit = min(f.Limit, maxLimit)
	var from, to string
	if !f.Since.IsZero() {
		from = timeKey(f.Since)
	}
	if !f.Until.IsZero() {
		to = timeKey(f.Until)
	}
	if f.Cursor != "" {
		if !validKey(f.Cursor) {
			return Page{}, errBadCursor
		}
		if to == "" || f.Cursor < to {
			to = f.Cursor // exclusive: the cursor is the last entry returned
		}
	}
	page := Page{Entries: []Entry{}}
	scanned := 0
	var last string
	err := l.kv.Range(ctx, from, to, true, func(k string, v []byte) error {
		scanned++
		last = k
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("audit entry %s: %w", k, err)
		}
		if f.match(&e) {
			if len(page.Entries) == f.Limit {
				page.NextCursor = page.Entries[len(page.Entries)-1].ID
				return phonebook.ErrStopRange
			}
			page.Entries = append(page.Entries, e)
		}
		if scanned >= maxScan {
			page.NextCursor = last
			return phonebook.ErrStopRange
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("list audit entries: %w", err)
	}
	return page, nil
}

// Routes lists GET /api/v1/audit (admins only).
func (l *Log) Routes() []platform.Route {
	str := map[string]any{"type": "string"}
	tm := map[string]any{"type": "string", "format": "date-time"}
	return []platform.Route{{
		Method: http.MethodGet, Path: "/api/v1/audit", Scope: platform.ScopeAdmin,
		Handler: http.HandlerFunc(l.serveList),
		Op: platform.Operation{
			Summary: "List the audit log, newest first",
			Params: []platform.Param{
				{Name: "actor", In: "query", Description: "actor kind (admin_token, session, app_user, app, cli), user id, username or app id", Schema: str, Example: "jmueller"},
				{Name: "action", In: "query", Description: "action prefix (contact., campaign.start, import.)", Schema: str, Example: "contact."},
				{Name: "object", In: "query", Description: "object type, or type/id (contact/01J…)", Schema: str, Example: "contact/01JEQ7G8ZK4M2N5P6R7S8T9V0W"},
				{Name: "result", In: "query", Description: "ok, error, an error code or an HTTP status", Schema: str, Example: "ok"},
				{Name: "since", In: "query", Description: "RFC 3339 time, inclusive", Schema: tm, Example: "2026-12-01T00:00:00Z"},
				{Name: "until", In: "query", Description: "RFC 3339 time, exclusive", Schema: tm, Example: "2026-12-08T00:00:00Z"},
				{Name: "limit", In: "query", Description: "entries per page, 1–1000 (default 100)", Schema: map[string]any{"type": "integer"}, Example: 100},
				{Name: "cursor", In: "query", Description: "next_cursor of the previous page", Schema: str, Example: "MDFKRVE5QzNENEU1RjZHN0g4SjlLME0xTjI"},
			},
			Responses: map[int]platform.Body{
				http.StatusOK:         {ContentType: "application/json", Description: "a page of entries", Schema: Page{}},
				http.StatusBadRequest: {ContentType: "application/json", Description: "a filter is invalid", Schema: platform.ErrorBody{}},
			},
		},
	}}
}

func (l *Log) serveList(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query())
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	page, err := l.List(r.Context(), f)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, page)
}

// ParseFilter reads the query parameters of GET /api/v1/audit; an invalid
// one is a 400 naming it.
func ParseFilter(q url.Values) (Filter, error) {
	f := Filter{Actor: q.Get("actor"), Action: q.Get("action"), Result: q.Get("result"), Cursor: q.Get("cursor")}
	if o := q.Get("object"); o != "" {
		f.ObjectType, f.ObjectID, _ = strings.Cut(o, "/")
	}
	win, bad := platform.ParseListWindow(q, maxLimit)
	f.Since, f.Until, f.Limit = win.Since, win.Until, win.Limit
	if f.Cursor != "" && !validKey(f.Cursor) {
		bad = append(bad, platform.FieldError{Field: "cursor", Message: errBadCursor.Error()})
	}
	if len(bad) > 0 {
		return Filter{}, platform.Invalid("invalid audit filter", bad...)
	}
	return f, nil
}
