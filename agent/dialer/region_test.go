package dialer

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDNCAndLeadsShareTheRegionRule: a national number accepted in a
// leads CSV is accepted, and canonicalised the same, by the do-not-call
// list.
func TestDNCAndLeadsShareTheRegionRule(t *testing.T) {
	tests := []struct {
		name           string
		dialerRegion   string // numbers.default_region
		campaignRegion string
		dncQuery       string
		wantDNC        int
		wantMsg        string // in the DNC error when wantDNC is not 200
	}{
		{name: "daemon region only", dialerRegion: "BA", wantDNC: 200},
		{name: "campaign region and ?region=", campaignRegion: "BA", dncQuery: "?region=BA", wantDNC: 200},
		{name: "request region beats the daemon's", dialerRegion: "US", campaignRegion: "BA", dncQuery: "?region=BA", wantDNC: 200},
		{name: "no region for the list", campaignRegion: "BA", wantDNC: 400, wantMsg: "numbers.default_region"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(&recTel{}, WithDefaultRegion(tc.dialerRegion), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			t.Cleanup(d.Close)
			srv := httptest.NewServer(NewHandler(d))
			defer srv.Close()
			body := `{"id":"ba","mode":"progressive","max_channels":5,"info_message":"sound:info","window":{"default_tz":"Europe/Sarajevo"}`
			if tc.campaignRegion != "" {
				body += `,"default_region":"` + tc.campaignRegion + `"`
			}
			if code, out := do(t, srv, "POST", "/api/v1/campaigns", "application/json", body+"}"); code != 201 {
				t.Fatalf("create: %d %v", code, out)
			}
			if code, out := do(t, srv, "POST", "/api/v1/campaigns/ba/leads", "text/csv", "number,name\n061100004,Ana\n"); code != 200 {
				t.Fatalf("leads csv: %d %v", code, out)
			}
			leads, _, err := d.Leads("ba", 0, 10)
			if err != nil || len(leads) != 1 || leads[0].Number != "+38761100004" {
				t.Fatalf("leads = %+v, %v; want +38761100004", leads, err)
			}
			for _, dnc := range []struct{ ct, body string }{
				{ct: "text/csv", body: "number\n061100004\n"},
				{ct: "application/json", body: `{"numbers":["061 100 004"]}`},
			} {
				code, out := do(t, srv, "POST", "/api/v1/dnc"+tc.dncQuery, dnc.ct, dnc.body)
				if code != tc.wantDNC {
					t.Fatalf("dnc %s: %d %v, want %d", dnc.ct, code, out, tc.wantDNC)
				}
				if tc.wantDNC != 200 {
					if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.wantMsg) {
						t.Errorf("dnc %s: message %q does not say %q", dnc.ct, msg, tc.wantMsg)
					}
				}
			}
			if got := d.DNC().Contains("+38761100004"); got != (tc.wantDNC == 200) {
				t.Errorf("DNC contains +38761100004 = %v", got)
			}
		})
	}
}
