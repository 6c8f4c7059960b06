package dialer

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// storeRig is a rig whose dialer writes to a KVStore over an in-memory KV,
// so tests can check what a removal leaves in the store.
func storeRig(t *testing.T, cfg CampaignConfig) (*rig, *KVStore, *httptest.Server) {
	t.Helper()
	r := newRig(t, cfg)
	st := NewKVStore(&flakyKV{m: map[string][]byte{}}, quiet())
	t.Cleanup(func() { _ = st.Close() })
	r.d.mu.Lock()
	r.d.store = st
	r.d.mu.Unlock()
	srv := httptest.NewServer(NewHandler(r.d))
	t.Cleanup(srv.Close)
	return r, st, srv
}

// saved loads the store after a flush.
func saved(t *testing.T, st *KVStore) Saved {
	t.Helper()
	s, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func errMsg(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func TestHTTPDNCListAndRemove(t *testing.T) {
	r, st, srv := storeRig(t, CampaignConfig{Mode: ModeProgressive})
	if code, out := do(t, srv, "POST", "/api/v1/dnc?region=GB", "text/csv", "number\n020 7123 4002\n+442071234001\n+12125550100\n"); code != 200 || out["listed"].(float64) != 3 {
		t.Fatalf("add: %d %v", code, out)
	}
	code, out := do(t, srv, "GET", "/api/v1/dnc", "", "")
	if code != 200 || out["total"].(float64) != 3 {
		t.Fatalf("list: %d %v", code, out)
	}
	var got []string
	for _, e := range out["numbers"].([]any) {
		m := e.(map[string]any)
		if m["added_at"] == "" {
			t.Errorf("entry %v without added_at", m)
		}
		got = append(got, m["number"].(string))
	}
	if want := []string{"+12125550100", "+442071234001", "+442071234002"}; !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v (number order)", got, want)
	}
	for _, tc := range []struct {
		name, query string
		total       float64
		shown       int
	}{
		{name: "digits filter", query: "?q=7123", total: 2, shown: 2},
		{name: "filter ignores punctuation", query: "?q=%2B44%20207", total: 2, shown: 2},
		{name: "paging", query: "?offset=1&limit=1", total: 3, shown: 1},
		{name: "offset past the end", query: "?offset=9", total: 3, shown: 0},
	} {
		code, out := do(t, srv, "GET", "/api/v1/dnc"+tc.query, "", "")
		if code != 200 || out["total"].(float64) != tc.total || len(out["numbers"].([]any)) != tc.shown {
			t.Errorf("%s: %d %v, want total %v and %d shown", tc.name, code, out, tc.total, tc.shown)
		}
	}
	for _, tc := range []struct {
		name, path string
		code       int
		msg        string
	}{
		{name: "E.164", path: "/api/v1/dnc/+442071234001", code: 204},
		{name: "national with region", path: "/api/v1/dnc/02071234002?region=GB", code: 204},
		{name: "not listed", path: "/api/v1/dnc/+442071234001", code: 404, msg: "not on the do-not-call list"},
		{name: "not a number", path: "/api/v1/dnc/banana", code: 400, msg: "path number"},
	} {
		code, out := do(t, srv, "DELETE", tc.path, "", "")
		if code != tc.code || !strings.Contains(errMsg(out), tc.msg) {
			t.Errorf("%s: DELETE %s: %d %v, want %d %q", tc.name, tc.path, code, out, tc.code, tc.msg)
		}
	}
	if code, out := do(t, srv, "GET", "/api/v1/dnc?q=abc", "", ""); code != 400 || !strings.Contains(errMsg(out), "parameter q") {
		t.Errorf("q without digits: %d %v", code, out)
	}
	if r.d.DNC().Contains("+442071234001") || r.d.DNC().Len() != 1 {
		t.Errorf("the list holds %v", r.d.DNC().List(""))
	}
	if s := saved(t, st); len(s.DNC) != 1 || s.DNC["+12125550100"].IsZero() {
		t.Errorf("stored list %v, want only +12125550100", s.DNC)
	}
	// A removed number is dialled again.
	r.leads("+442071234001")
	r.login("a1")
	if err := r.d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	if len(r.tel.originate) != 1 || r.tel.originate[0].Number != "+442071234001" {
		t.Fatalf("originated %+v, want the number taken off the list", r.tel.originate)
	}
}

func TestHTTPDeleteLeads(t *testing.T) {
	r, st, srv := storeRig(t, CampaignConfig{Mode: ModeProgressive})
	code, out := do(t, srv, "POST", "/api/v1/campaigns/camp/leads", "text/csv",
		"number,name\n+442071234001,A\n+442071234002,B\n+442071234003,C\n+442071234004,D\n")
	if code != 200 || out["added"].(float64) != 4 {
		t.Fatalf("upload: %d %v", code, out)
	}
	// Lead 2 is deleted before the start: it is never dialled.
	if code, out := do(t, srv, "DELETE", "/api/v1/campaigns/camp/leads/2", "", ""); code != 204 {
		t.Fatalf("delete lead 2: %d %v", code, out)
	}
	r.login("a1")
	if err := r.d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	if got := r.tel.originate; len(got) != 1 || got[0].Number != "+442071234001" {
		t.Fatalf("originated %+v, want lead 1 only", got)
	}
	for _, tc := range []struct {
		name, path string
		code       int
		msg        string
	}{
		{name: "the lead being dialled", path: "/api/v1/campaigns/camp/leads/1", code: 409, msg: "being dialled"},
		{name: "all while one is dialled", path: "/api/v1/campaigns/camp/leads", code: 409, msg: "being dialled"},
		{name: "deleted already", path: "/api/v1/campaigns/camp/leads/2", code: 404, msg: "not found"},
		{name: "no such campaign", path: "/api/v1/campaigns/nope/leads", code: 404, msg: "not found"},
		{name: "a pending lead", path: "/api/v1/campaigns/camp/leads/3", code: 204},
	} {
		code, out := do(t, srv, "DELETE", tc.path, "", "")
		if code != tc.code || !strings.Contains(errMsg(out), tc.msg) {
			t.Errorf("%s: DELETE %s: %d %v, want %d %q", tc.name, tc.path, code, out, tc.code, tc.msg)
		}
	}
	// Lead 1 ends unanswered; the agent's next call skips the deleted 2 and 3.
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: r.tel.originate[0].CallID, Cause: 19})
	if got := r.tel.originate; len(got) != 2 || got[1].Number != "+442071234004" {
		t.Fatalf("originated %+v, want lead 4 next", got)
	}
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: r.tel.originate[1].CallID, Cause: 19})
	if err := r.d.PauseCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	if code, out := do(t, srv, "GET", "/api/v1/campaigns/camp/leads", "", ""); code != 200 || out["total"].(float64) != 2 {
		t.Fatalf("leads after deleting 2 and 3: %d %v", code, out)
	}
	code, out = do(t, srv, "DELETE", "/api/v1/campaigns/camp/leads", "", "")
	if code != 200 || out["deleted"].(float64) != 2 {
		t.Fatalf("delete all: %d %v", code, out)
	}
	if code, out := do(t, srv, "GET", "/api/v1/campaigns/camp/leads", "", ""); code != 200 || out["total"].(float64) != 0 {
		t.Fatalf("leads after deleting all: %d %v", code, out)
	}
	s := saved(t, st)
	if len(s.Campaigns) != 1 || len(s.Campaigns[0].Leads) != 0 {
		t.Fatalf("stored campaigns %+v, want camp without leads", s.Campaigns)
	}
	// The same numbers may be uploaded again.
	if code, out := do(t, srv, "POST", "/api/v1/campaigns/camp/leads", "text/csv", "number\n+442071234001\n"); code != 200 || out["added"].(float64) != 1 {
		t.Fatalf("upload after deleting: %d %v", code, out)
	}
}

func TestHTTPDeleteCampaign(t *testing.T) {
	r, st, srv := storeRig(t, CampaignConfig{Mode: ModeProgressive})
	r.leads("+442071234001", "+442071234002")
	r.login("a1")
	if err := r.d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	step := func(name string, code int, msg string) {
		t.Helper()
		got, out := do(t, srv, "DELETE", "/api/v1/campaigns/camp", "", "")
		if got != code || !strings.Contains(errMsg(out), msg) {
			t.Fatalf("%s: %d %v, want %d %q", name, got, out, code, msg)
		}
	}
	step("running", 409, "is running: stop it first")
	if err := r.d.StopCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	step("stopped with a call ringing", 409, "calls in progress")
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: r.tel.originate[0].CallID, Cause: 19})
	step("stopped with an agent logged in", 409, "agents logged in")
	if err := r.d.Logout("a1"); err != nil {
		t.Fatal(err)
	}
	r.d.HandleEvent(Event{Kind: EventAgentDown, AgentID: "a1"})
	step("stopped, no calls, no agents", 204, "")
	step("again", 404, "not found")
	if code, _ := do(t, srv, "GET", "/api/v1/campaigns/camp", "", ""); code != 404 {
		t.Fatalf("GET after delete: %d", code)
	}
	if v := r.d.Snapshot(); len(v.Campaigns) != 0 {
		t.Fatalf("snapshot campaigns %+v after delete", v.Campaigns)
	}
	if s := saved(t, st); len(s.Campaigns) != 0 {
		t.Fatalf("stored campaigns %+v after delete", s.Campaigns)
	}
	// The id is free again.
	if code, out := do(t, srv, "POST", "/api/v1/campaigns", "application/json",
		`{"id":"camp","max_channels":1,"info_message":"sound:i"}`); code != 201 {
		t.Fatalf("re-create: %d %v", code, out)
	}
}

func TestHTTPLeadsUploadNamesEveryBadRowAndSkippedLine(t *testing.T) {
	_, _, srv := storeRig(t, CampaignConfig{Mode: ModeProgressive})
	code, out := do(t, srv, "POST", "/api/v1/campaigns/camp/leads", "text/csv",
		"number,tz\n+442071234001,\nnope,\n+442071234002,Mars/Base\n+442071234003\n")
	if code != 400 {
		t.Fatalf("bad rows: %d %v", code, out)
	}
	e := out["error"].(map[string]any)
	if msg := e["message"].(string); !strings.Contains(msg, "line 3 column number") || !strings.Contains(msg, "and 2 more bad rows") {
		t.Errorf("message %q", msg)
	}
	var fields []string
	for _, d := range e["details"].([]any) {
		fields = append(fields, d.(map[string]any)["field"].(string))
	}
	if want := []string{"line 3 column number", "line 4 column tz", "line 5"}; !slices.Equal(fields, want) {
		t.Errorf("details %v, want %v", fields, want)
	}
	code, out = do(t, srv, "POST", "/api/v1/campaigns/camp/leads", "text/csv",
		"number\n+442071234001\n+44 20 7123 4001\n+442071234002\n")
	if code != 200 || out["received"].(float64) != 3 || out["added"].(float64) != 2 {
		t.Fatalf("upload with a duplicate: %d %v", code, out)
	}
	sk := out["skipped"].([]any)
	if len(sk) != 1 {
		t.Fatalf("skipped %v", sk)
	}
	s := sk[0].(map[string]any)
	if s["line"].(float64) != 3 || s["index"].(float64) != 2 || s["number"] != "+442071234001" || s["reason"] != "already in the campaign" {
		t.Errorf("skipped %v, want line 3, index 2, +442071234001", s)
	}
}

// A lead deleted during its agent's wrap-up stays deleted when the agent
// then sets the call's disposition (the disposition must not write it back).
func TestDeletedLeadStaysDeletedAfterDisposition(t *testing.T) {
	r, st, _ := storeRig(t, CampaignConfig{Mode: ModeProgressive, WrapUp: Duration(time.Minute)})
	r.leads("+442071234001")
	r.login("a1")
	if err := r.d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	id := r.tel.originate[0].CallID
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: id})
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: id, Cause: 16})
	if s := r.agentState("a1"); s != AgentWrapUp {
		t.Fatalf("agent %s, want wrap_up", s)
	}
	if err := r.d.DeleteLead("camp", "1"); err != nil {
		t.Fatal(err)
	}
	if err := r.d.SetDisposition("a1", "sale", false); err != nil {
		t.Fatal(err)
	}
	if s := saved(t, st); len(s.Campaigns) != 1 || len(s.Campaigns[0].Leads) != 0 {
		t.Fatalf("stored %+v, want the campaign without its deleted lead", s.Campaigns)
	}
	if leads, total, _ := r.d.Leads("camp", 0, 0); total != 0 {
		t.Fatalf("leads %+v after delete", leads)
	}
}

func TestMemoryStoreDeletes(t *testing.T) {
	m := NewMemoryStore()
	cfg := CampaignConfig{ID: "c1"}
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, err := range []error{
		m.SaveCampaign(cfg, CampaignStopped), m.SaveCampaign(CampaignConfig{ID: "c2"}, CampaignStopped),
		m.SaveLead("c1", Lead{ID: "1"}), m.SaveLead("c1", Lead{ID: "2"}), m.SaveLead("c2", Lead{ID: "1"}),
		m.SaveMeter("c1", MeterSnapshot{}), m.SaveDNC("+442071234001", at), m.SaveDNC("+442071234002", at),
		m.DeleteLeads("c1", []string{"1"}), m.DeleteCampaign("c2", []string{"1"}), m.DeleteDNC("+442071234001"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := m.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Campaigns) != 1 || s.Campaigns[0].Config.ID != "c1" || len(s.Campaigns[0].Leads) != 1 || s.Campaigns[0].Leads[0].ID != "2" || s.Campaigns[0].Meter == nil {
		t.Errorf("campaigns %+v, want c1 with lead 2 and its meter", s.Campaigns)
	}
	if len(s.DNC) != 1 || m.DNCListed("+442071234001") || !m.DNCListed("+442071234002") {
		t.Errorf("dnc %v, want +442071234002 only", s.DNC)
	}
}
