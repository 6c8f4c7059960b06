package browser

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestConsolePhones runs console/phones.mjs: register a phone for bob
// through the page, see its token once, fetch its provisioning file with
// its credentials and see that fetch after a reload, edit it, rotate its
// token and delete another phone; then checks through the API and the
// phone endpoints what the browser did.
func TestConsolePhones(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	l.apiJSON(t, "POST", "/api/v1/phones", map[string]any{"mac": "80:5e:c0:00:00:01", "vendor": "grandstream"}, http.StatusCreated, nil)
	l.apiJSON(t, "PATCH", "/api/v1/users/"+l.user.ID, map[string]any{"devices": map[string]any{"endpoints": []string{"PJSIP/2001"}}}, http.StatusOK, nil)

	var res struct {
		RowsBefore      int      `json:"rows_before"`
		BadMAC          string   `json:"bad_mac_error"`
		Token           string   `json:"token"`
		Copied          string   `json:"copied"`
		Clipboard       string   `json:"clipboard"`
		TokenDialog     string   `json:"token_dialog"`
		Row             string   `json:"row"`
		ProvisioningURL string   `json:"provisioning_url"`
		FetchBefore     string   `json:"fetch_before"`
		URLClipboard    string   `json:"url_clipboard"`
		FetchStatus     int      `json:"fetch_status"`
		FetchBody       string   `json:"fetch_body"`
		FetchAfter      string   `json:"fetch_after"`
		BadEndpoint     string   `json:"bad_endpoint_error"`
		RotateConfirm   string   `json:"rotate_confirmation"`
		NewToken        string   `json:"new_token"`
		DeleteConfirm   string   `json:"delete_confirmation"`
		RowsAfter       int      `json:"rows_after"`
		A11y            []string `json:"a11y_checked"`
	}
	l.run(t, "phones", &res)
	t.Logf("phones: %+v", res)

	const mac = "001565123456"
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the seeded phone is listed", ok: res.RowsBefore == 1},
		{name: "a bad MAC is refused in the dialog, naming the field", ok: strings.Contains(res.BadMAC, "mac")},
		{name: "a token of 22 characters is shown once", ok: len(res.Token) == 22 && strings.Contains(res.TokenDialog, "shown only now")},
		{name: "the token is copied", ok: res.Copied == "Copied." && res.Clipboard == res.Token},
		{name: "the row names the owner and the user", ok: strings.Contains(res.Row, "Bob (bob)") && strings.Contains(res.Row, "desk-1")},
		{name: "provisioning URL", ok: res.ProvisioningURL == l.base+"/provisioning/" && strings.Contains(res.Row, "Auto Provision")},
		{name: "no fetch before", ok: res.FetchBefore == "No fetch since pbxagent started."},
		{name: "the provisioning URL is copied", ok: res.URLClipboard == res.ProvisioningURL},
		{name: "the provisioning file", ok: res.FetchStatus == 200 && strings.Contains(res.FetchBody, "remote_phonebook.data.1.username = desk-1")},
		{name: "the fetch after a reload", ok: strings.Contains(res.FetchAfter, "from 127.0.0.1 ("+mac+".cfg)")},
		{name: "rotation asks first", ok: strings.Contains(res.RotateConfirm, "stops working at once")},
		{name: "a new token", ok: len(res.NewToken) == 22 && res.NewToken != res.Token},
		{name: "delete asks first", ok: strings.Contains(res.DeleteConfirm, "805ec0000001")},
		{name: "one phone left", ok: res.RowsAfter == 1},
		{name: "a line that is not the owner's is refused, naming it", ok: strings.Contains(res.BadEndpoint, "endpoints[0]")},
		{name: "axe ran in every state", ok: len(res.A11y) >= 12},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}

	// What the browser did, as the API sees it.
	var ph struct {
		MAC         string   `json:"mac"`
		Vendor      string   `json:"vendor"`
		Model       string   `json:"model"`
		Owner       string   `json:"owner"`
		Username    string   `json:"username"`
		HasPassword bool     `json:"has_password"`
		Token       string   `json:"token"`
		Endpoints   []string `json:"endpoints"`
		Last        *struct {
			At      time.Time `json:"at"`
			Address string    `json:"address"`
			File    string    `json:"file"`
		} `json:"last_provisioning_fetch"`
	}
	l.apiJSON(t, "GET", "/api/v1/phones/"+mac, nil, http.StatusOK, &ph)
	if ph.Vendor != "yealink" || ph.Model != "T54W" || ph.Owner != l.user.ID || ph.Username != "desk-1" || !ph.HasPassword || ph.Token != "" ||
		!slices.Equal(ph.Endpoints, []string{"PJSIP/2001"}) {
		t.Errorf("the registered phone: %+v (bob is %s)", ph, l.user.ID)
	}
	if ph.Last == nil || ph.Last.Address != "127.0.0.1" || ph.Last.File != mac+".cfg" || time.Since(ph.Last.At) > time.Minute {
		t.Errorf("its last fetch: %+v", ph.Last)
	}
	var bob struct {
		Devices struct {
			Phones []string `json:"phones"`
		} `json:"devices"`
	}
	l.apiJSON(t, "GET", "/api/v1/users/"+l.user.ID, nil, http.StatusOK, &bob)
	if !slices.Equal(bob.Devices.Phones, []string{mac}) {
		t.Errorf("bob's phones: %q", bob.Devices.Phones)
	}
	l.apiJSON(t, "GET", "/api/v1/phones/805ec0000001", nil, http.StatusNotFound, nil)

	// The old token is refused, the new one works.
	for _, c := range []struct {
		token string
		want  int
	}{{token: res.Token, want: http.StatusUnauthorized}, {token: res.NewToken, want: http.StatusOK}} {
		resp, err := http.Get(l.base + "/provisioning/" + mac + ".cfg?token=" + c.token)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("token %q: %d, want %d", c.token, resp.StatusCode, c.want)
		}
	}
}
