package recordings

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pbxagent/pbxagent/agent/audit"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
)

// Viewer says whose recordings a request may see: one user's (the
// recordings of their own calls), or all (holders of the ability
// recordings; admins and the admin token hold every ability).
type Viewer struct {
	UserID string
	All    bool
}

func (v Viewer) sees(r Recording) bool { return v.All || (v.UserID != "" && r.UserID == v.UserID) }

// viewer is whose recordings the request may see.
func viewer(r *http.Request) Viewer {
	p, _ := platform.PrincipalFrom(r.Context())
	return Viewer{UserID: p.UserID, All: p.Has(platform.AbilityRecordings)}
}

func resp(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

var (
	nameParam = platform.Param{Name: "name", In: "path", Required: true, Description: "The recording's name", Example: "pbxcall-5f1c2a9e0b7d4c3a-1"}
	errBody   = resp("error", platform.ErrorBody{})
)

// Routes implements platform.Router: /api/v1/recordings, scope calls; a
// user sees the recordings of their own calls, a holder of the ability
// recordings (admins) every recording and deletes them.
func (s *Service) Routes() []platform.Route {
	str := map[string]any{"type": "string"}
	tm := map[string]any{"type": "string", "format": "date-time"}
	return []platform.Route{
		{Method: http.MethodGet, Path: "/api/v1/recordings", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(s.serveList), Op: platform.Operation{
			ID:      "listRecordings",
			Summary: "Recordings of calls, newest first: the user's own calls' (every call's with the ability recordings)",
			Params: []platform.Param{
				{Name: "user", In: "query", Description: "only the recordings of this user's calls (a user without the ability recordings sees only their own: another id gives an empty list)", Schema: str, Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1"},
				{Name: "call", In: "query", Description: "only the recordings of this call", Schema: str, Example: "pbxcall-5f1c2a9e0b7d4c3a"},
				{Name: "since", In: "query", Description: "RFC 3339 time: recordings started at or after it", Schema: tm, Example: "2026-12-01T00:00:00Z"},
				{Name: "until", In: "query", Description: "RFC 3339 time: recordings started before it", Schema: tm, Example: "2026-12-08T00:00:00Z"},
				{Name: "limit", In: "query", Description: "recordings per page, 1–1000 (default 100)", Schema: map[string]any{"type": "integer"}, Example: 100},
				{Name: "cursor", In: "query", Description: "next_cursor of the previous page", Schema: str, Example: "188f0a3c2b1d4e5f/pbxcall-5f1c2a9e0b7d4c3a-1"},
			},
			Responses: map[int]platform.Body{200: resp("a page of recordings", Page{}), 400: errBody}}},
		{Method: http.MethodGet, Path: "/api/v1/recordings/{name}", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(s.serveGet), Op: platform.Operation{
			ID:        "getRecording",
			Summary:   "One recording's metadata",
			Params:    []platform.Param{nameParam},
			Responses: map[int]platform.Body{200: resp("the recording", Recording{}), 404: errBody}}},
		{Method: http.MethodGet, Path: "/api/v1/recordings/{name}/file", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(s.serveFile), Op: platform.Operation{
			ID:      "downloadRecording",
			Summary: "Download a recording's audio file",
			Description: "Streams the file from Asterisk (`audio/wav` for the calls' recordings) as an attachment named " +
				"`<name>.<format>`. Each download is recorded in the audit log (`recording.download`). 409 while the " +
				"recording is in progress.",
			Params: []platform.Param{nameParam},
			Responses: map[int]platform.Body{200: {ContentType: "audio/wav", Description: "the audio file", Schema: map[string]any{"type": "string", "format": "binary"}, Example: "RIFF…WAVEfmt …data… (8 kHz 16-bit mono PCM)"},
				404: errBody, 409: errBody, 502: errBody}}},
		{Method: http.MethodDelete, Path: "/api/v1/recordings/{name}", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(s.serveDelete), Op: platform.Operation{
			ID:      "deleteRecording",
			Summary: "Delete a recording (its file in Asterisk and its metadata)",
			Description: "Needs the ability recordings (admins hold it): 403 for a user who may only see the recording. " +
				"409 while the recording is in progress.",
			Params:    []platform.Param{nameParam},
			Responses: map[int]platform.Body{204: {Description: "deleted"}, 403: errBody, 404: errBody, 409: errBody, 502: errBody}}},
	}
}

// writeErr maps the service's errors to the API's.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *ari.Error
	switch {
	case errors.Is(err, ErrNotFound):
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such recording", nil)
	case errors.Is(err, ErrInProgress):
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, err.Error(), nil)
	case errors.As(err, &ae), errors.Is(err, ari.ErrNoResponse):
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusBadGateway, Code: "bad_gateway", Message: "Asterisk refused the request", Err: err})
	default:
		platform.WriteErr(w, r, err)
	}
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	f, err := ParseFilter(r.URL.Query())
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	v := viewer(r)
	if !v.All {
		if v.UserID == "" || (f.UserID != "" && f.UserID != v.UserID) {
			platform.WriteJSON(w, http.StatusOK, Page{Recordings: []Recording{}})
			return
		}
		f.UserID = v.UserID
	}
	page, err := s.List(r.Context(), f)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, page)
}

// ParseFilter reads the query parameters of GET /api/v1/recordings; an
// invalid one is a 400 naming it.
func ParseFilter(q url.Values) (Filter, error) {
	f := Filter{UserID: q.Get("user"), CallID: q.Get("call"), Cursor: q.Get("cursor")}
	win, bad := platform.ParseListWindow(q, maxLimit)
	f.Since, f.Until, f.Limit = win.Since, win.Until, win.Limit
	if f.Cursor != "" && !validCursor(f.Cursor) {
		bad = append(bad, platform.FieldError{Field: "cursor", Message: errBadCursor.Error()})
	}
	if len(bad) > 0 {
		return Filter{}, platform.Invalid("invalid filter", bad...)
	}
	return f, nil
}

func (s *Service) serveGet(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Get(r.Context(), viewer(r), r.PathValue("name"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, rec)
}

func (s *Service) serveDelete(w http.ResponseWriter, r *http.Request) {
	v := viewer(r)
	if _, err := s.Get(r.Context(), v, r.PathValue("name")); err != nil {
		writeErr(w, r, err)
		return
	}
	if !v.All {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "deleting a recording needs the ability recordings", nil)
		return
	}
	if err := s.Delete(r.Context(), v, r.PathValue("name")); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fileWriter sets the download's headers at its first byte, so that an
// error before it can still be answered as JSON.
type fileWriter struct {
	w       http.ResponseWriter
	rec     Recording
	started bool
}

func (f *fileWriter) Write(p []byte) (int, error) {
	if !f.started {
		f.started = true
		h := f.w.Header()
		h.Set("Content-Type", contentType(f.rec.Format))
		h.Set("Content-Disposition", `attachment; filename="`+f.rec.Name+"."+f.rec.Format+`"`)
		h.Set("Cache-Control", "private, no-store")
		f.w.WriteHeader(http.StatusOK)
	}
	return f.w.Write(p)
}

// contentType is the media type of a recording format: Asterisk answers
// "audio/<format>" (ast_ari_recordings_get_stored_file); the WAVE files
// are audio/wav.
func contentType(format string) string {
	if format == "" {
		return "application/octet-stream"
	}
	return "audio/" + format
}

func (s *Service) serveFile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, err := s.Get(ctx, viewer(r), r.PathValue("name"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	if rec.State == StateRecording {
		writeErr(w, r, ErrInProgress)
		return
	}
	fw := &fileWriter{w: w, rec: rec}
	n, err := s.File(ctx, rec, fw)
	status := http.StatusOK
	switch {
	case err != nil && fw.started:
		// Part of the file went out: cut the connection so that the
		// client does not take it for the whole.
		s.log.WarnContext(ctx, "recordings: download cut short", "recording", rec.Name, "bytes", n, "err", err)
		s.auditDownload(r, rec.Name, http.StatusOK, "aborted", n)
		panic(http.ErrAbortHandler)
	case fileGone(err):
		status = http.StatusNotFound
		platform.WriteError(w, r, status, platform.CodeNotFound, "the recording's file is gone", nil)
	case err != nil:
		status = http.StatusBadGateway
		writeErr(w, r, err)
	}
	result := audit.ResultOK
	if status != http.StatusOK {
		result = "error"
	}
	s.auditDownload(r, rec.Name, status, result, n)
}

// auditDownload records a download in the audit log.
func (s *Service) auditDownload(r *http.Request, name string, status int, result string, n int64) {
	if s.audit == nil {
		return
	}
	p, _ := platform.PrincipalFrom(r.Context())
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	e := audit.Entry{Actor: audit.ActorOf(p), Remote: host, Action: "recording.download", Object: audit.Object{Type: "recording", ID: name},
		Result: result, Status: status, RequestID: platform.RequestID(r.Context()), Details: map[string]string{"bytes": strconv.FormatInt(n, 10)}}
	if err := s.audit.Record(r.Context(), e); err != nil {
		s.log.WarnContext(r.Context(), "recordings: download not audited", "recording", name, "err", slog.AnyValue(err))
	}
}
