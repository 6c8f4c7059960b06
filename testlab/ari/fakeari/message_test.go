package fakeari

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestSendMessageAsAsteriskAnswersIt(t *testing.T) {
	s := New(WithAuth("u", "p"))
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		name   string
		query  string
		status int
		sent   int
	}{
		{name: "pjsip", query: "to=pjsip:101&from=sip:102&body=hi", status: 202, sent: 1},
		{name: "no to", query: "from=sip:102&body=hi", status: 400, sent: 1},
		// ast_msg_send fails: send_message answers 404 (Asterisk 22.10.1).
		{name: "unknown technology", query: "to=iax2:101&from=sip:102&body=hi", status: 404, sent: 1},
		{name: "Local channel", query: "to=local:101@desks&from=102&body=hi", status: 404, sent: 1},
		{name: "xmpp", query: "to=xmpp:a@example.com&from=sip:102", status: 202, sent: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, srv.URL+"/ari/endpoints/sendMessage?"+tc.query, nil)
			req.SetBasicAuth("u", "p")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || len(s.Messages()) != tc.sent {
				t.Fatalf("status %d, %d sent; want %d, %d", resp.StatusCode, len(s.Messages()), tc.status, tc.sent)
			}
		})
	}
}
