package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/client"
	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/usersapi"
)

// usersClient starts the users API (agent/users' routes behind an admin
// token) and returns a client of it.
func usersClient(t *testing.T, eps []ari.Endpoint) *client.Client {
	t.Helper()
	srv := usersapi.Start(t, usersapi.Options{Token: token, Endpoints: eps})
	c, err := client.New(srv.URL, client.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// problems formats an error's problems, one string each.
func problems(err error) []string {
	var ae *client.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	var s []string
	for _, p := range ae.Problems {
		s = append(s, p.String())
	}
	return s
}

func TestUsersAgainstAPI(t *testing.T) {
	ctx := context.Background()
	c := usersClient(t, []ari.Endpoint{{Technology: "PJSIP", Resource: "201"}, {Technology: "PJSIP", Resource: "anonymous"}, {Technology: "PJSIP", Resource: "101"}})
	ann, err := c.CreateUser(ctx, &client.UserInput{Username: "Ann", DisplayName: "Ann Smith", Email: "ann@example.com",
		Extensions: []string{"101"}, Role: "supervisor", Abilities: []client.Ability{"dialer"},
		Devices: client.UserDevices{Endpoints: []string{"PJSIP/101"}}})
	if err != nil || ann.ID == "" || ann.Username != "Ann" || ann.Role != "supervisor" || ann.HasPassword {
		t.Fatalf("create: %+v %v", ann, err)
	}
	if _, err := c.CreateUserJSON(ctx, map[string]any{"username": "bob", "extensions": []string{"102"}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		call     func() error
		is       error
		problems []string // each must be among the error's problems
	}{
		{name: "username taken in another case", call: func() error { _, err := c.CreateUserJSON(ctx, map[string]any{"username": "ANN"}); return err },
			is: &client.APIError{Status: http.StatusConflict}, problems: []string{"username: "}},
		{name: "fields named", call: func() error {
			_, err := c.CreateUserJSON(ctx, map[string]any{"username": "carol", "email": "x", "role": "root", "extensions": []string{"1a"}})
			return err
		}, is: client.ErrInvalid, problems: []string{"email: ", "role: must be admin, supervisor or user", "extensions[0]: "}},
		{name: "unknown field", call: func() error {
			_, err := c.CreateUserJSON(ctx, map[string]any{"username": "carol", "bogus": 1})
			return err
		},
			is: client.ErrInvalid, problems: []string{"bogus: "}},
		{name: "patch unknown user", call: func() error { _, err := c.PatchUser(ctx, "nope", client.Patch{"role": "user"}); return err }, is: client.ErrNotFound},
		{name: "patch bad role", call: func() error { _, err := c.PatchUser(ctx, ann.ID, client.Patch{"role": "root"}); return err },
			is: client.ErrInvalid, problems: []string{"role: "}},
		{name: "short password", call: func() error { _, err := c.SetUserPassword(ctx, ann.ID, "short"); return err },
			is: client.ErrInvalid, problems: []string{"password: must be at least 8 characters"}},
		{name: "empty password not sent", call: func() error { _, err := c.SetUserPassword(ctx, ann.ID, ""); return err }},
		{name: "empty id", call: func() error { _, err := c.GetUser(ctx, ""); return err }},
		{name: "empty id delete", call: func() error { return c.DeleteUser(ctx, "") }},
		{name: "limit out of range", call: func() error { _, err := c.SearchUsers(ctx, client.UserQuery{Limit: 5000}); return err },
			is: client.ErrInvalid, problems: []string{"limit: "}},
		{name: "csv refused with lines", call: func() error {
			_, err := c.ImportUsersCSV(ctx, strings.NewReader("username,email,disabled\ncarol,bad,maybe\nann,,\n"), 0)
			return err
		}, is: client.ErrInvalid, problems: []string{"line 2, disabled: must be true or false"}},
		{name: "id is path-escaped", call: func() error { _, err := c.GetUser(ctx, "../../api/v1/users"); return err }, is: client.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("%v is not %v", err, tc.is)
			}
			if tc.is == nil && errors.Is(err, client.ErrNotFound) {
				t.Fatalf("a request was sent: %v", err)
			}
			got := problems(err)
			for _, want := range tc.problems {
				found := false
				for _, p := range got {
					found = found || strings.HasPrefix(p, want)
				}
				if !found {
					t.Errorf("problems %q lack %q", got, want)
				}
			}
		})
	}

	// Get by id, find by id or username in any case.
	for _, key := range []string{ann.ID, "ann", "ANN"} {
		u, err := c.FindUser(ctx, key)
		if err != nil || u.ID != ann.ID {
			t.Fatalf("find %s: %+v %v", key, u, err)
		}
	}
	if _, err := c.FindUser(ctx, "an"); !errors.Is(err, client.ErrNotFound) || !strings.Contains(err.Error(), `"an"`) {
		t.Fatalf("find a prefix: %v", err)
	}
	if _, err := c.FindUser(ctx, "me"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("find me: %v", err)
	}

	// Merge patch: null clears, devices merge, the rest stays.
	u, err := c.PatchUser(ctx, ann.ID, client.Patch{"email": nil, "devices": map[string]any{"phones": []string{"00:15:65:AA:BB:CC"}}})
	if err != nil || u.Email != "" || u.DisplayName != "Ann Smith" || u.Devices.Endpoints[0] != "PJSIP/101" || u.Devices.Phones[0] != "001565aabbcc" {
		t.Fatalf("patch: %+v %v", u, err)
	}
	if u, err = c.SetUserPassword(ctx, ann.ID, "correct horse"); err != nil || !u.HasPassword {
		t.Fatalf("password: %+v %v", u, err)
	}

	res, err := c.ImportUsersCSV(ctx, strings.NewReader("username,display_name,extensions,endpoints\ncarol,Carol,103;1103,PJSIP/103\ndave,,,\n"), 0)
	if err != nil || res.Created != 2 || res.Users[0].Username != "carol" || res.Users[0].Extensions[1] != "1103" || res.Users[1].DisplayName != "dave" {
		t.Fatalf("import: %+v %v", res, err)
	}
	ei, err := c.ImportUsersFromEndpoints(ctx)
	if err != nil || len(ei.Created) != 1 || ei.Created[0].Username != "201" || len(ei.Skipped) != 2 {
		t.Fatalf("import endpoints: %+v %v", ei, err)
	}

	// Paging: 5 users by username, pages of 2.
	var names []string
	var total int
	for u, err := range c.AllUsers(ctx, client.UserQuery{Limit: 2}, &total) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, u.Username)
	}
	if strings.Join(names, ",") != "201,Ann,bob,carol,dave" || total != 5 {
		t.Fatalf("all users: %q total %d", names, total)
	}
	p, err := c.SearchUsers(ctx, client.UserQuery{Q: "PJSIP/10", Limit: 1})
	if err != nil || p.Total != 2 || len(p.Users) != 1 || p.NextCursor != "ann" {
		t.Fatalf("search: %+v %v", p, err)
	}

	if err := c.DeleteUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(ctx, ann.ID); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}

	bad, _ := client.New(c.Server(), client.WithToken("wrong"))
	if _, err := bad.SearchUsers(ctx, client.UserQuery{}); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestImportEndpointsWithoutARI(t *testing.T) {
	c := usersClient(t, nil)
	_, err := c.ImportUsersFromEndpoints(context.Background())
	if !errors.Is(err, client.ErrBusy) || !strings.Contains(err.Error(), "no Asterisk connection") {
		t.Fatalf("%v", err)
	}
}

func TestUsersRequestShape(t *testing.T) {
	var got *http.Request
	var body []byte
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/users":
			w.Write([]byte(`{"users":[],"total":0}`))
		case strings.HasSuffix(r.URL.Path, "/import"):
			w.Write([]byte(`{"created":0,"users":[]}`))
		case strings.HasSuffix(r.URL.Path, "/import-endpoints"):
			w.Write([]byte(`{"created":[],"skipped":[]}`))
		default:
			w.Write([]byte(`{"id":"x","username":"u"}`))
		}
	})
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		call         func() error
		method, path string
		query        string
		ctype        string
		body         string
	}{
		{name: "search", call: func() error {
			_, err := c.SearchUsers(ctx, client.UserQuery{Q: "a b&c", Limit: 7, Cursor: "cur"})
			return err
		}, method: "GET", path: "/api/v1/users", query: "cursor=cur&limit=7&q=a+b%26c"},
		{name: "search nothing", call: func() error { _, err := c.SearchUsers(ctx, client.UserQuery{}); return err }, method: "GET", path: "/api/v1/users"},
		{name: "get", call: func() error { _, err := c.GetUser(ctx, "a/b c"); return err }, method: "GET", path: "/api/v1/users/a%2Fb%20c"},
		{name: "create", call: func() error { _, err := c.CreateUser(ctx, &client.UserInput{Username: "u", Role: "admin"}); return err },
			method: "POST", path: "/api/v1/users", ctype: "application/json", body: `{"username":"u","role":"admin"}`},
		{name: "patch", call: func() error { _, err := c.PatchUser(ctx, "id1", client.Patch{"email": nil}); return err },
			method: "PATCH", path: "/api/v1/users/id1", ctype: "application/merge-patch+json", body: `{"email":null}`},
		{name: "password", call: func() error { _, err := c.SetUserPassword(ctx, "id1", `pa"ss word`); return err },
			method: "PATCH", path: "/api/v1/users/id1", ctype: "application/merge-patch+json", body: `{"password":"pa\"ss word"}`},
		{name: "delete", call: func() error { return c.DeleteUser(ctx, "id1") }, method: "DELETE", path: "/api/v1/users/id1"},
		{name: "import", call: func() error { _, err := c.ImportUsersCSV(ctx, strings.NewReader("username\nu\n"), 11); return err },
			method: "POST", path: "/api/v1/users/import", ctype: "text/csv; charset=utf-8", body: "username\nu\n"},
		{name: "import endpoints", call: func() error { _, err := c.ImportUsersFromEndpoints(ctx); return err },
			method: "POST", path: "/api/v1/users/import-endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			if got.Method != tc.method || got.URL.EscapedPath() != tc.path || got.URL.RawQuery != tc.query ||
				got.Header.Get("Content-Type") != tc.ctype || string(body) != tc.body || got.Header.Get("Authorization") != "Bearer tok" {
				t.Fatalf("%s %s?%s %q %q", got.Method, got.URL.EscapedPath(), got.URL.RawQuery, got.Header.Get("Content-Type"), body)
			}
		})
	}
}

// TestUsersErrorEnvelope: the users API's envelope (details always a
// list, request_id) decodes into problems and the request id.
func TestUsersErrorEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		problems  []string
		requestID string
	}{
		{name: "fields", status: 400, body: `{"error":{"code":"invalid","message":"invalid user","details":[{"field":"email","message":"must be an address like name@example.com"},{"field":"extensions[1]","message":"\"x\": must be digits"}],"request_id":"r-1"}}`,
			problems: []string{"email: must be an address like name@example.com", `extensions[1]: "x": must be digits`}, requestID: "r-1"},
		{name: "csv lines as fields", status: 400, body: `{"error":{"code":"invalid","message":"invalid CSV","details":[{"field":"line 3, email","message":"bad"}]}}`,
			problems: []string{"line 3, email: bad"}},
		{name: "empty details", status: 404, body: `{"error":{"code":"not_found","message":"no such user","details":[],"request_id":"r-2"}}`, requestID: "r-2"},
		{name: "older object shape", status: 400, body: `{"error":{"code":"invalid","message":"m","details":{"email":"bad"}}}`, problems: []string{"email: bad"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			_, err := c.GetUser(context.Background(), "x")
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Status != tc.status || ae.RequestID != tc.requestID {
				t.Fatalf("%#v", err)
			}
			if got := fmt.Sprint(problems(err)); got != fmt.Sprint(tc.problems) {
				t.Fatalf("problems %s, want %s", got, fmt.Sprint(tc.problems))
			}
		})
	}
}
