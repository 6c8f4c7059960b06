package users

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Paging of GET /api/v1/users.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page is a page of users, sorted by username.
type Page struct {
	Users []User `json:"users" doc:"The users of this page, by username"`
	// Total counts the users that match.
	Total int `json:"total" doc:"How many users match" example:"1"`
	// NextCursor continues with the next page ("" on the last).
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page" example:"amlhbmE"`
}

// matches reports whether u matches the search text q (lower case): in
// its username, display name, e-mail, an extension or an endpoint.
func matches(u *record, q string) bool {
	if q == "" {
		return true
	}
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), q) }
	return has(u.Username) || has(u.DisplayName) || has(u.Email) ||
		slices.ContainsFunc(u.Extensions, has) || slices.ContainsFunc(u.Devices.Endpoints, has)
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			platform.WriteErr(w, r, platform.Invalid("bad limit", platform.FieldError{Field: "limit", Message: "must be a number from 1 to " + strconv.Itoa(MaxPageSize)}))
			return
		}
		limit = n
	}
	text := strings.ToLower(strings.TrimSpace(q.Get("q")))
	cursor := usernameKey(q.Get("cursor"))
	s.mu.RLock()
	all := make([]*record, 0, len(s.byID))
	for _, u := range s.byID {
		if matches(u, text) {
			all = append(all, u)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b *record) int { return strings.Compare(usernameKey(a.Username), usernameKey(b.Username)) })
	start := 0
	if cursor != "" {
		start, _ = slices.BinarySearchFunc(all, cursor, func(a *record, c string) int {
			if k := usernameKey(a.Username); k <= c {
				return -1
			}
			return 1
		})
	}
	end := min(start+limit, len(all))
	page := Page{Users: make([]User, 0, end-start), Total: len(all)}
	for _, u := range all[start:end] {
		page.Users = append(page.Users, u.view())
	}
	if end < len(all) {
		page.NextCursor = usernameKey(all[end-1].Username)
	}
	platform.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) createOne(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in Input
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	it := newUser{in: in}
	if in.Password != "" {
		if _, errs := normalize(in); len(errs) > 0 { // before the costly hash
			platform.WriteErr(w, r, platform.Invalid("invalid user", errs...))
			return
		}
		h, err := s.hash(r.Context(), in.Password)
		if err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		it.hash = h
	}
	recs, err := s.create(r.Context(), []newUser{it})
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	u := recs[0].view()
	s.log.Info("user created", "user_id", u.ID, "role", u.Role)
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	platform.WriteJSON(w, http.StatusCreated, u)
}

func (s *Service) getOne(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.user(r.PathValue("id"))
	if !ok {
		platform.WriteErr(w, r, errNotFound)
		return
	}
	platform.WriteJSON(w, http.StatusOK, rec.view())
}

// patchOne applies a JSON merge patch (RFC 7396) to the user's Input;
// "password" sets a new password, ending the user's sessions.
func (s *Service) patchOne(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/merge-patch+json", "application/json") {
		return
	}
	var patch map[string]any
	if err := platform.DecodeJSON(r, &patch); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, ok := s.user(id); !ok {
		platform.WriteErr(w, r, errNotFound)
		return
	}
	ch := change{}
	if pw, ok := patch["password"]; ok {
		delete(patch, "password")
		p, isStr := pw.(string)
		if !isStr {
			platform.WriteErr(w, r, platform.Invalid("invalid user", platform.FieldError{Field: "password", Message: "must be a string"}))
			return
		}
		if err := validatePassword(p); err != nil {
			platform.WriteErr(w, r, platform.Invalid("invalid user", platform.FieldError{Field: "password", Message: err.Error()}))
			return
		}
		h, err := s.hash(r.Context(), p)
		if err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		ch.hash = h
	}
	ch.apply = func(cur Input) (Input, error) {
		// Decode the merged document as a request body, so that errors
		// speak the API's terms ("role: must be a string").
		merged := marshal(mergePatch(toDoc(cur), patch))
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPatch, "/", bytes.NewReader(merged))
		if err != nil {
			return cur, err
		}
		var in Input
		return in, platform.DecodeJSON(req, &in)
	}
	rec, err := s.update(r.Context(), id, ch)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.log.Info("user changed", "user_id", id, "password", ch.hash != "")
	platform.WriteJSON(w, http.StatusOK, rec.view())
}

func (s *Service) deleteOne(w http.ResponseWriter, r *http.Request) {
	rec, err := s.remove(r.Context(), r.PathValue("id"))
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.log.Info("user deleted", "user_id", rec.ID)
	w.WriteHeader(http.StatusNoContent)
}
