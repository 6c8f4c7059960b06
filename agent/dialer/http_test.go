package dialer

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func do(t *testing.T, srv *httptest.Server, method, path, ct, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestHTTPCampaignLifecycle(t *testing.T) {
	r := newRig(t, CampaignConfig{ID: "seed", Mode: ModeProgressive})
	srv := httptest.NewServer(NewHandler(r.d))
	defer srv.Close()

	code, out := do(t, srv, "POST", "/api/v1/campaigns", "application/json",
		`{"id":"c2","mode":"predictive","max_channels":30,"info_message":"sound:info","dial_timeout":"12s"}`)
	if code != 400 || !strings.Contains(out["error"].(map[string]any)["message"].(string), "dial_timeout") {
		t.Fatalf("short dial timeout accepted: %d %v", code, out)
	}
	code, out = do(t, srv, "POST", "/api/v1/campaigns", "application/json",
		`{"id":"c2","mode":"progressive","max_channels":30,"info_message":"sound:info","window":{"default_tz":"Europe/London"}}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	code, out = do(t, srv, "POST", "/api/v1/campaigns/c2/leads", "text/csv", "number,name\n+442071234567,Ann\nnope,Bob\n")
	if code != 400 || !strings.Contains(out["error"].(map[string]any)["message"].(string), "line 3") {
		t.Fatalf("bad csv: %d %v", code, out)
	}
	code, out = do(t, srv, "POST", "/api/v1/campaigns/c2/leads", "text/csv", "number,name\n+442071234567,Ann\n+442071234568,Bob\n")
	if code != 200 || out["added"].(float64) != 2 {
		t.Fatalf("csv upload: %d %v", code, out)
	}
	code, out = do(t, srv, "PATCH", "/api/v1/campaigns/c2", "application/json", `{"wrap_up":"5s"}`)
	if code != 200 || out["config"].(map[string]any)["wrap_up"] != "5s" {
		t.Fatalf("patch: %d %v", code, out)
	}
	if code, out = do(t, srv, "POST", "/api/v1/agents/a1/login", "application/json", `{"campaign":"c2","endpoint":"PJSIP/a1"}`); code != 200 {
		t.Fatalf("login: %d %v", code, out)
	}
	r.d.HandleEvent(Event{Kind: EventAgentUp, AgentID: "a1"})
	if code, out = do(t, srv, "POST", "/api/v1/campaigns/c2/start", "", ""); code != 200 || out["ringing"].(float64) != 1 {
		t.Fatalf("start: %d %v", code, out)
	}
	if code, out = do(t, srv, "GET", "/api/v1/agents/a1", "", ""); code != 200 || out["state"] != "reserved" {
		t.Fatalf("agent: %d %v", code, out)
	}
	if code, out = do(t, srv, "POST", "/api/v1/agents/a1/pause", "application/json", `{"reason":"lunch"}`); code != 200 {
		t.Fatalf("pause: %d %v", code, out)
	}
	if code, out = do(t, srv, "GET", "/api/v1/campaigns/nope", "", ""); code != 404 || out["error"].(map[string]any)["code"] != "not_found" {
		t.Fatalf("missing campaign: %d %v", code, out)
	}
	if code, out = do(t, srv, "POST", "/api/v1/dnc", "text/csv", "number\n+442071234999\n"); code != 200 || out["added"].(float64) != 1 {
		t.Fatalf("dnc: %d %v", code, out)
	}
	if code, out = do(t, srv, "GET", "/api/v1/campaigns/c2/leads?limit=1", "", ""); code != 200 || out["total"].(float64) != 2 {
		t.Fatalf("leads: %d %v", code, out)
	}
}

func TestHTTPStreamSendsSnapshots(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	srv := httptest.NewServer(NewHandler(r.d, WithStreamInterval(time.Hour)))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/dialer/stream", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	next := func() Snapshot {
		t.Helper()
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var s Snapshot
				if err := json.Unmarshal([]byte(data), &s); err != nil {
					t.Fatal(err)
				}
				return s
			}
		}
		t.Fatalf("stream ended: %v", sc.Err())
		return Snapshot{}
	}
	if s := next(); len(s.Campaigns) != 1 || len(s.Agents) != 0 {
		t.Fatalf("first snapshot %+v", s)
	}
	r.login("a1") // a change: the stream sends again without waiting for the interval
	for {
		s := next()
		if len(s.Agents) == 1 && s.Agents[0].State == AgentReady {
			break
		}
	}
}

// TestHTTPStreamEnds: EndStreams ends a live stream with an "end" event
// (the body then reaches EOF), and a stream opened afterwards ends at once.
func TestHTTPStreamEnds(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	h := NewHandler(r.d, WithStreamInterval(time.Hour))
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open := func() *bufio.Scanner {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/dialer/stream", nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return bufio.NewScanner(resp.Body)
	}
	events := func(sc *bufio.Scanner) []string { // every event name up to EOF
		var out []string
		for sc.Scan() {
			if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				out = append(out, ev)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("stream: %v", err)
		}
		return out
	}
	live := open()
	if !live.Scan() || live.Text() != "event: snapshot" {
		t.Fatalf("first line %q", live.Text())
	}
	h.EndStreams()
	h.EndStreams() // twice is fine
	if got := events(live); len(got) == 0 || got[len(got)-1] != "end" {
		t.Fatalf("live stream after EndStreams: events %v, want it to finish with end", got)
	}
	if got := events(open()); !slices.Equal(got, []string{"end"}) {
		t.Fatalf("stream opened after EndStreams: events %v, want [end]", got)
	}
}

type fakeDir struct{}

func (fakeDir) Leads(_ context.Context, q string) ([]LeadInput, error) {
	return []LeadInput{{Number: "+442071230001", Name: "From " + q}, {Number: "+442071230002"}}, nil
}

func TestHTTPDirectoryLeadsAndErrors(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	srv := httptest.NewServer(NewHandler(r.d, WithDirectory(fakeDir{})))
	defer srv.Close()
	if code, out := do(t, srv, "POST", "/api/v1/campaigns/camp/leads/directory", "application/json", `{"query":"sales"}`); code != 200 || out["added"].(float64) != 2 {
		t.Fatalf("directory leads: %d %v", code, out)
	}
	for _, tc := range []struct {
		method, path, ct, body string
		code                   int
		msg                    string
	}{
		{"PUT", "/api/v1/campaigns/camp", "application/json", `{"id":"other","max_channels":1,"info_message":"sound:i"}`, 400, "differs"},
		{"POST", "/api/v1/campaigns", "application/json", `{"id":"camp","max_channels":1,"info_message":"sound:i"}`, 409, "exists"},
		{"POST", "/api/v1/campaigns", "application/json", `{"id":"x","bogus":1}`, 400, "unknown field"},
		{"POST", "/api/v1/campaigns/camp/leads", "application/xml", `<x/>`, 415, "Content-Type must be text/csv or application/json"},
		{"GET", "/api/v1/campaigns/camp/leads?limit=-1", "", "", 400, "limit"},
		{"POST", "/api/v1/agents/nobody/pause", "", "", 404, "not found"},
		{"POST", "/api/v1/agents/nobody/disposition", "application/json", `{}`, 400, "disposition required"},
		{"POST", "/api/v1/dnc", "application/json", `{"numbers":["+442071234567","banana"]}`, 400, "numbers[1]"},
		// A JSON body must say so (415).
		{"POST", "/api/v1/campaigns", "text/plain", `{"id":"y"}`, 415, "Content-Type must be application/json"},
		{"PUT", "/api/v1/campaigns/camp", "", `{}`, 415, "Content-Type must be application/json"},
		{"PATCH", "/api/v1/campaigns/camp", "application/x-www-form-urlencoded", `{}`, 415, "application/merge-patch+json or application/json"},
		{"POST", "/api/v1/campaigns/camp/leads/directory", "text/plain", `{"query":"x"}`, 415, "Content-Type must be application/json"},
		{"POST", "/api/v1/dnc", "application/xml", `<x/>`, 415, "Content-Type must be text/csv or application/json"},
		{"POST", "/api/v1/agents/a1/login", "", `{}`, 415, "Content-Type must be application/json"},
		{"POST", "/api/v1/agents/nobody/pause", "text/plain", `{}`, 415, "Content-Type must be application/json"},
		{"POST", "/api/v1/agents/nobody/disposition", "text/plain", `{}`, 415, "Content-Type must be application/json"},
	} {
		code, out := do(t, srv, tc.method, tc.path, tc.ct, tc.body)
		if code != tc.code {
			t.Errorf("%s %s: %d %v, want %d", tc.method, tc.path, code, out, tc.code)
			continue
		}
		e, _ := out["error"].(map[string]any)
		if details, ok := e["details"].([]any); !ok || details == nil {
			t.Errorf("%s %s: no details list in the error envelope: %v", tc.method, tc.path, out)
		}
		if msg, _ := e["message"].(string); !strings.Contains(msg, tc.msg) {
			t.Errorf("%s %s: message %q, want %q", tc.method, tc.path, msg, tc.msg)
		}
	}
}

func TestHTTPEmptyListsAreArrays(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	srv := httptest.NewServer(NewHandler(r.d))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/agents")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if got := strings.TrimSpace(string(b)); got != "[]" {
		t.Fatalf("GET /api/v1/agents with nobody logged in = %s, want []", got)
	}
}
