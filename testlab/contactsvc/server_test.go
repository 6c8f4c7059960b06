package contactsvc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

func TestContractEdges(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	svc := contactsvc.New(contactsvc.Options{Now: func() time.Time { return now }})
	for i := 0; i < 25; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	srv := httptest.NewServer(svc)
	defer srv.Close()

	get := func(path, bearer string, basic bool) (int, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		if basic {
			req.SetBasicAuth("test_id", "test_secret")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/token", "", true)
	var tok struct{ Token string }
	if code != 200 || json.Unmarshal(body, &tok) != nil || tok.Token == "" {
		t.Fatalf("token: %d %s", code, body)
	}
	tests := []struct {
		name, path, bearer string
		code               int
		body               string
		check              func(t *testing.T, b []byte)
	}{
		{"no credentials", "/token", "", 401, "", nil},
		{"no bearer", "/contacts?page=1", "", 401, "", nil},
		{"bad bearer", "/contacts?page=1", "x.y.z", 401, "", nil},
		{"page required", "/contacts", tok.Token, 400, "Bad request\n", nil},
		{"page zero", "/contacts?page=0", tok.Token, 400, "Bad request\n", nil},
		{"limit zero", "/contacts?page=1&limit=0", tok.Token, 400, "Bad request\n", nil},
		{"timestamp required", "/contacts/delta?page=1", tok.Token, 400, "Bad request\n", nil},
		{"default limit 20", "/contacts?page=1", tok.Token, 200, "", func(t *testing.T, b []byte) {
			var r contactsvc.ListResponse
			json.Unmarshal(b, &r)
			if len(r.Contacts) != 20 || !r.HasMore {
				t.Fatalf("%d %v", len(r.Contacts), r.HasMore)
			}
		}},
		{"last page", "/contacts?page=2", tok.Token, 200, "", func(t *testing.T, b []byte) {
			var r contactsvc.ListResponse
			json.Unmarshal(b, &r)
			if len(r.Contacts) != 5 || r.HasMore {
				t.Fatalf("%d %v", len(r.Contacts), r.HasMore)
			}
		}},
		{"inclusive timestamp", "/contacts/delta?page=1&limit=100&timestamp=1700000000", tok.Token, 200, "", func(t *testing.T, b []byte) {
			var r contactsvc.DeltaResponse
			json.Unmarshal(b, &r)
			if len(r.Updated) != 25 {
				t.Fatalf("%d updated", len(r.Updated))
			}
		}},
		{"after timestamp", "/contacts/delta?page=1&timestamp=1700000001", tok.Token, 200, "", func(t *testing.T, b []byte) {
			var r contactsvc.DeltaResponse
			json.Unmarshal(b, &r)
			if len(r.Updated) != 0 || r.HasMore {
				t.Fatalf("%d updated", len(r.Updated))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := get(tc.path, tc.bearer, false)
			if code != tc.code || (tc.check == nil && string(b) != tc.body) {
				t.Fatalf("%d %q", code, b)
			}
			if tc.check != nil {
				tc.check(t, b)
			}
		})
	}
	// Tokens live two minutes.
	now = now.Add(2*time.Minute + time.Second)
	if code, _ := get("/contacts?page=1", tok.Token, false); code != 401 {
		t.Fatalf("expired token accepted: %d", code)
	}
}

// With KeepDeletions the service keeps tombstones and filters them by
// timestamp, so a second reader sees them too.
func TestKeepDeletions(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	svc := contactsvc.New(contactsvc.Options{KeepDeletions: true, Now: func() time.Time { return now }})
	svc.Put(contactsvc.Synthetic(1, ""), contactsvc.Synthetic(2, ""))
	svc.Delete("100001")
	srv := httptest.NewServer(svc)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/token", nil)
	req.SetBasicAuth("test_id", "test_secret")
	resp, _ := http.DefaultClient.Do(req)
	var tok struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	read := func(ts string) []string {
		req, _ := http.NewRequest("GET", srv.URL+"/contacts/delta?page=1&timestamp="+ts, nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d contactsvc.DeltaResponse
		json.NewDecoder(resp.Body).Decode(&d)
		return d.Deleted
	}
	for i := 0; i < 2; i++ {
		if d := read("1700000000"); len(d) != 1 || d[0] != "100001" {
			t.Fatalf("read %d: %v", i, d)
		}
	}
	if d := read("1700000001"); len(d) != 0 {
		t.Fatalf("older tombstone returned: %v", d)
	}
}
