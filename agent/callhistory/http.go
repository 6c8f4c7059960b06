package callhistory

import (
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// exportPage is the records the export reads per page.
const exportPage = 500

// maxUserParam bounds the user parameter.
const maxUserParam = 128

// Handler serves the history API.
type Handler struct{ h *History }

// NewHandler returns the API of h.
func NewHandler(h *History) *Handler { return &Handler{h: h} }

// Routes lists GET /api/v1/calls/history and its CSV export (scope calls).
// Their literal paths take precedence over /api/v1/calls/{id} in the
// ServeMux (the more specific pattern wins), so no call id "history" is
// ever looked up.
func (x *Handler) Routes() []platform.Route {
	str := map[string]any{"type": "string"}
	tm := map[string]any{"type": "string", "format": "date-time"}
	filters := []platform.Param{
		{Name: "user", In: "query", Description: "Only this user's history. A supervisor (manage_callcenter) or an admin sees every user's " +
			"without it; a plain user sees only their own, so another user's id gives an empty list", Schema: str, Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1"},
		{Name: "since", In: "query", Description: "Calls started at or after this RFC 3339 time", Schema: tm, Example: "2026-12-01T00:00:00Z"},
		{Name: "until", In: "query", Description: "Calls started before this RFC 3339 time", Schema: tm, Example: "2026-12-08T00:00:00Z"},
		{Name: "direction", In: "query", Description: "outbound or inbound", Schema: map[string]any{"type": "string", "enum": []string{"outbound", "inbound"}}, Example: "outbound"},
		{Name: "answered", In: "query", Description: "true: only answered calls; false: only unanswered ones", Schema: map[string]any{"type": "boolean"}, Example: true},
		{Name: "q", In: "query", Description: "Part of either party's number or name (case-insensitive; a number may be written with spaces)", Schema: str, Example: "müller"},
	}
	paging := []platform.Param{
		{Name: "limit", In: "query", Description: "Calls per page, 1–1000 (default 100)", Schema: map[string]any{"type": "integer"}, Example: 100},
		{Name: "cursor", In: "query", Description: "next_cursor of the previous page", Schema: str, Example: "18a3f1c2b4d5e6f7-pbxcall-5f1c2a9e0b7d4c3a"},
	}
	errBody := platform.Body{ContentType: "application/json", Description: "a parameter is invalid (named in details)", Schema: platform.ErrorBody{}}
	return []platform.Route{
		{Method: http.MethodGet, Path: "/api/v1/calls/history", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(x.list), Op: platform.Operation{
			ID:      "listCallHistory",
			Summary: "The user's ended calls, newest first (a supervisor with manage_callcenter, or an admin, sees every user's)",
			Description: "Every call the calls engine ended: direction, both parties with their names from the phone book, start, answer " +
				"and end, seconds talked, Q.850 hangup cause and recordings. Records are kept for `calls.history_retention`. " +
				"Filters combine; pages follow next_cursor.",
			Params:    append(append([]platform.Param(nil), filters...), paging...),
			Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "a page of calls", Schema: Page{}}, 400: errBody}}},
		{Method: http.MethodGet, Path: "/api/v1/calls/history/export", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(x.export), Op: platform.Operation{
			ID:      "exportCallHistory",
			Summary: "The call history as CSV: a header row, then one call a line, newest first",
			Description: "The same filters as GET /api/v1/calls/history, every matching call (no paging). Columns: " + csvColumns() +
				"; times in RFC 3339 (UTC), duration in seconds, recordings separated by ';'. Cells a spreadsheet would run as a formula " +
				"start with a single quote.",
			Params: filters,
			Responses: map[int]platform.Body{200: {ContentType: "text/csv", Description: "the calls", Schema: map[string]any{"type": "string"},
				Example: "id,user_id,direction,from,from_name,to,to_name,device,created_at,answered_at,ended_at,duration,cause,cause_text,ended_by,recordings\r\n" +
					"pbxcall-5f1c2a9e0b7d4c3a,01JEQ7H2B3C4D5E6F7G8H9J0K1,outbound,101,,+41441234567,\"Muster AG, Reception\",PJSIP/101," +
					"2026-12-07T09:30:00Z,2026-12-07T09:30:09Z,2026-12-07T09:34:12Z,243,16,normal clearing,destination,\r\n"}, 400: errBody}}},
	}
}

func csvColumns() string { return strings.Join(csvHeader, ", ") }

// filter reads the request's filters and whose history it may read; ok
// false means an empty answer (a plain user asking for another's history,
// or a caller without a user who may not see everyone's).
func filter(r *http.Request) (f Filter, ok bool, err error) {
	q := r.URL.Query()
	if f, err = ParseFilter(q); err != nil {
		return Filter{}, false, err
	}
	u := q.Get("user")
	if len(u) > maxUserParam {
		return Filter{}, false, platform.Invalid("invalid call history filter", platform.FieldError{Field: "user", Message: "is not a user id"})
	}
	p, _ := platform.PrincipalFrom(r.Context())
	if p.Has(platform.AbilityManageCallCenter) {
		f.UserID = u
		return f, true, nil
	}
	if p.UserID == "" || (u != "" && u != p.UserID) {
		return f, false, nil
	}
	f.UserID = p.UserID
	return f, true, nil
}

func (x *Handler) list(w http.ResponseWriter, r *http.Request) {
	f, ok, err := filter(r)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	page := Page{Calls: []Record{}}
	if ok {
		if page, err = x.h.List(r.Context(), f); err != nil {
			platform.WriteErr(w, r, err)
			return
		}
	}
	platform.WriteJSON(w, http.StatusOK, page)
}

func (x *Handler) export(w http.ResponseWriter, r *http.Request) {
	f, ok, err := filter(r)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="call-history.csv"`)
	cw := newCSVWriter(w)
	if err := cw.header(); err != nil {
		return
	}
	f.Limit, f.Cursor = exportPage, ""
	for ok {
		page, err := x.h.List(r.Context(), f)
		if err == nil {
			for i := range page.Calls {
				if err = cw.write(&page.Calls[i]); err != nil {
					break
				}
			}
		}
		if err == nil {
			err = cw.flush()
		}
		if err != nil {
			// Headers are gone; end the body early so the client sees a
			// broken transfer rather than a short file that looks whole.
			panic(http.ErrAbortHandler)
		}
		if fl, canFlush := w.(http.Flusher); canFlush {
			fl.Flush()
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	_ = cw.flush()
}
