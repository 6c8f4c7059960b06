package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
)

// User is a user as the users API shows it (the password never is).
type User = users.User

// UserDevices are what rings for a user: Asterisk endpoints and desk
// phones.
type UserDevices = users.Devices

// Role is a user's role: admin, supervisor or user.
type Role = platform.Role

// Ability is a right a user holds on top of their role (dialer,
// recordings…).
type Ability = platform.Ability

// UserInput is what an admin may set on a new user; see docs/users.md.
type UserInput = users.Input

// UserPage is one page of users, sorted by username.
type UserPage = users.Page

// UserImportResult is the answer to a users CSV import.
type UserImportResult = users.ImportResult

// EndpointImport is the answer to an import from Asterisk's endpoints:
// the users created and the endpoints skipped, with why.
type EndpointImport = users.EndpointImport

// UserQuery selects users: Q searches username, display name, e-mail,
// extensions and endpoints (case-insensitive substring); Limit 0 means the
// daemon's default page size (100), at most 1000; Cursor continues from a
// page's NextCursor.
type UserQuery struct {
	Q      string
	Limit  int
	Cursor string
}

const usersPath = "/api/v1/users"

// errNoUserID rejects an empty user id before it turns into a request for
// the collection.
var errNoUserID = errors.New("user id: empty")

func userPath(id string) string { return usersPath + "/" + url.PathEscape(id) }

// SearchUsers returns one page of users matching q.
func (c *Client) SearchUsers(ctx context.Context, q UserQuery) (*UserPage, error) {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p UserPage
	if err := c.doJSON(ctx, http.MethodGet, usersPath, v, "", nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AllUsers yields every user matching q, following the pages' cursors
// from q.Cursor on. It stops after the first error, which it yields with a
// nil user. total (when not nil) is set from each page.
func (c *Client) AllUsers(ctx context.Context, q UserQuery, total *int) iter.Seq2[*User, error] {
	return func(yield func(*User, error) bool) {
		seen := map[string]bool{}
		for {
			p, err := c.SearchUsers(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			if total != nil {
				*total = p.Total
			}
			for i := range p.Users {
				if !yield(&p.Users[i], nil) {
					return
				}
			}
			// A cursor seen before would loop forever: stop instead.
			if p.NextCursor == "" || seen[p.NextCursor] {
				return
			}
			seen[p.NextCursor] = true
			q.Cursor = p.NextCursor
		}
	}
}

// GetUser returns the user with the id.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	if id == "" {
		return nil, errNoUserID
	}
	var u User
	if err := c.doJSON(ctx, http.MethodGet, userPath(id), nil, "", nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UserByUsername returns the user whose username is name, compared
// without case as the daemon does. No such user is an *APIError matching
// ErrNotFound.
func (c *Client) UserByUsername(ctx context.Context, name string) (*User, error) {
	if name == "" {
		return nil, errors.New("username: empty")
	}
	// The search matches substrings of several fields: page through the
	// matches for the one whose username is name.
	for u, err := range c.AllUsers(ctx, UserQuery{Q: name, Limit: users.MaxPageSize}, nil) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(u.Username, name) {
			return u, nil
		}
	}
	return nil, &APIError{Op: "GET " + usersPath, Status: http.StatusNotFound, Code: "not_found",
		Message: fmt.Sprintf("no user has the username %q", name)}
}

// FindUser returns the user whose id or, failing that, whose username is
// idOrName.
func (c *Client) FindUser(ctx context.Context, idOrName string) (*User, error) {
	// "me" is a route of its own (the signed-in user), never an id: ids
	// are ULIDs.
	if idOrName != "me" {
		u, err := c.GetUser(ctx, idOrName)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return u, err
		}
	}
	u, err2 := c.UserByUsername(ctx, idOrName)
	if errors.Is(err2, ErrNotFound) {
		return nil, &APIError{Op: "GET " + userPath(idOrName), Status: http.StatusNotFound, Code: "not_found",
			Message: fmt.Sprintf("no user has the id or username %q", idOrName)}
	}
	return u, err2
}

// CreateUser creates a user and returns it with its new id.
func (c *Client) CreateUser(ctx context.Context, in *UserInput) (*User, error) {
	return c.CreateUserJSON(ctx, in)
}

// CreateUserJSON creates a user from any value that encodes to the JSON of
// a UserInput (a map built from flags, say); the daemon rejects unknown
// keys.
func (c *Client) CreateUserJSON(ctx context.Context, in any) (*User, error) {
	var u User
	if err := c.doJSON(ctx, http.MethodPost, usersPath, nil, "application/json", in, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// PatchUser applies a JSON merge patch (RFC 7396) to the user and returns
// the result: keys are the JSON names of UserInput, a nil value clears the
// field, "devices" merges key by key.
func (c *Client) PatchUser(ctx context.Context, id string, p Patch) (*User, error) {
	if id == "" {
		return nil, errNoUserID
	}
	var u User
	if err := c.doJSON(ctx, http.MethodPatch, userPath(id), nil, "application/merge-patch+json", p, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// SetUserPassword sets the user's password; the daemon ends the user's
// sessions. The password travels in the request body only.
func (c *Client) SetUserPassword(ctx context.Context, id, password string) (*User, error) {
	if password == "" {
		return nil, errors.New("password: empty")
	}
	return c.PatchUser(ctx, id, Patch{"password": password})
}

// DeleteUser deletes the user and ends their sessions.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	if id == "" {
		return errNoUserID
	}
	return c.doJSON(ctx, http.MethodDelete, userPath(id), nil, "", nil, nil)
}

// ImportUsersCSV uploads a users CSV (header line, then one user a line;
// see docs/users.md). The daemon creates all the users or none: a refused
// file is an *APIError whose Problems name each line and field. size is
// the body length when known (0 streams it chunked).
func (c *Client) ImportUsersCSV(ctx context.Context, body io.Reader, size int64) (*UserImportResult, error) {
	const path = usersPath + "/import"
	resp, err := c.send(ctx, request{method: http.MethodPost, path: path, ctype: "text/csv; charset=utf-8", body: body, size: size})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var res UserImportResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("POST %s: decode answer: %w", path, err)
	}
	return &res, nil
}

// ImportUsersFromEndpoints asks the daemon to create a user for each
// numeric Asterisk endpoint no user has (PJSIP/101 → user 101).
func (c *Client) ImportUsersFromEndpoints(ctx context.Context) (*EndpointImport, error) {
	var res EndpointImport
	if err := c.doJSON(ctx, http.MethodPost, usersPath+"/import-endpoints", nil, "", nil, &res); err != nil {
		return nil, err
	}
	return &res, nil
}
