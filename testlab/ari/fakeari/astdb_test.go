package fakeari

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestAstDBAndMailboxesSurviveARestart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []Option
		wantDB bool
	}{
		{name: "stock Asterisk: DB() through ARI is blocked"},
		{name: "live_dangerously: DB() is kept", opts: []Option{WithLiveDangerously()}, wantDB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(append([]Option{WithAuth("u", "p")}, tc.opts...)...)
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			do := func(method, path string, q url.Values) int {
				t.Helper()
				req, _ := http.NewRequestWithContext(context.Background(), method, srv.URL+"/ari"+path+"?"+q.Encode(), nil)
				req.SetBasicAuth("u", "p")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if st := do(http.MethodPost, "/asterisk/variable", url.Values{"variable": {"DB(pbxagent_hotel/101)"}, "value": {"internal,local"}}); st != 204 {
				t.Fatalf("set DB(): %d", st)
			}
			if st := do(http.MethodPut, "/mailboxes/101@pbxagent", url.Values{"oldMessages": {"0"}, "newMessages": {"1"}}); st != 204 {
				t.Fatalf("put mailbox: %d", st)
			}
			if st := do(http.MethodPut, "/mailboxes/102@pbxagent", url.Values{"oldMessages": {"x"}, "newMessages": {"1"}}); st != 400 {
				t.Errorf("put mailbox with a bad count: %d, want 400", st)
			}
			id, err := s.PlaceInbound(InboundCall{App: "none"})
			if err == nil {
				t.Fatalf("placed %s into an app nobody holds", id)
			}
			s.Restart("02:fa:ce:00:00:02")
			v, ok := s.AstDB("pbxagent_hotel/101")
			if ok != tc.wantDB || (ok && v != "internal,local") {
				t.Errorf("astdb pbxagent_hotel/101 = %q %v after a restart", v, ok)
			}
			if m, ok := s.Mailbox("101@pbxagent"); !ok || m.NewMessages != 1 {
				t.Errorf("mailbox after a restart: %+v %v", m, ok)
			}
			if _, ok := s.Mailbox("102@pbxagent"); ok {
				t.Error("a refused update made a mailbox")
			}
		})
	}
}
