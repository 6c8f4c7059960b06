package agent

import (
	"io"
	"net/http"
	"testing"
)

// TestDaemonExtraCredentialsRefused: against the built daemon (fast lane in
// front of net/http), a phone request whose second token is bogus and an
// admin request with a second Authorization field are refused, however
// often they come (the lane could take the repeats).
func TestDaemonExtraCredentialsRefused(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	token := adm.registerPhone("0015654aa937")
	get := func(path string, auth ...string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header["Authorization"] = auth
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	good := "/phonebook/yealink.xml?token=" + token
	for i := range 3 {
		if code := get(good); code != 200 {
			t.Fatalf("valid token %d: %d", i, code)
		}
		if code := get(good + "&token=bogus"); code != 401 {
			t.Errorf("valid and bogus token %d: %d, want 401", i, code)
		}
		if code := get("/phonebook/tok/" + token + "/yealink.xml?token=bogus"); code != 401 {
			t.Errorf("path token and bogus query token %d: %d, want 401", i, code)
		}
		if code := get("/api/v1/phones", "Bearer test-admin-token"); code != 200 {
			t.Fatalf("admin %d: %d", i, code)
		}
		if code := get("/api/v1/phones", "Bearer test-admin-token", "Bearer x"); code != 401 {
			t.Errorf("admin token and a second bearer %d: %d, want 401", i, code)
		}
	}
}
