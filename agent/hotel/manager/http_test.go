package manager

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

var (
	pAdmin  = platform.Principal{Kind: platform.KindSession, UserID: "root", Role: platform.RoleAdmin}
	pDesk   = platform.Principal{Kind: platform.KindSession, UserID: "desk", Role: platform.RoleUser, Abilities: []platform.Ability{platform.AbilityHotelAdmin}}
	pUser   = platform.Principal{Kind: platform.KindSession, UserID: "joe", Role: platform.RoleUser}
	pPMSApp = platform.Principal{Kind: platform.KindApp, AppID: "pms", Granted: []platform.Scope{platform.ScopeHotel}}
)

// apiRig is a manager rig with its handler.
func apiRig(t *testing.T) (*rig, *Handler) {
	t.Helper()
	r := newRig(t)
	return r, NewHandler(r.m, WithHTTPClock(r.clk), WithLocation(r.st.Location))
}

// serve sends one request to h's routes as p; it answers the response.
func serve(t *testing.T, h *Handler, p platform.Principal, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		if rt.Scope != platform.ScopeHotel {
			t.Fatalf("%s: scope %s, want hotel", rt.Pattern(), rt.Scope)
		}
		mux.Handle(rt.Pattern(), rt.Handler)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(platform.WithPrincipal(req.Context(), p))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

// errField is the first field an error body names.
func errField(rec *httptest.ResponseRecorder) string {
	var b platform.ErrorBody
	if json.Unmarshal(rec.Body.Bytes(), &b) != nil || len(b.Error.Details) == 0 {
		return ""
	}
	return b.Error.Details[0].Field
}

func TestHTTPAuthorization(t *testing.T) {
	r, h := apiRig(t)
	r.room("101")
	r.room("102")
	r.checkIn("102", "Bob")
	for _, tc := range []struct {
		name   string
		p      platform.Principal
		method string
		path   string
		body   string
		code   int
		field  string
	}{
		{name: "desk reads rooms", p: pDesk, method: "GET", path: "/api/v1/hotel/rooms", code: 200},
		{name: "desk may not add a room", p: pDesk, method: "POST", path: "/api/v1/hotel/rooms", body: `{"number":"103"}`, code: 403, field: "role"},
		{name: "desk may not change rates", p: pDesk, method: "PUT", path: "/api/v1/hotel/rates", body: `{"tables":[]}`, code: 403, field: "role"},
		{name: "desk may not delete a group", p: pDesk, method: "DELETE", path: "/api/v1/hotel/groups/x", code: 403, field: "role"},
		{name: "desk checks in", p: pDesk, method: "POST", path: "/api/v1/hotel/rooms/101/checkin", body: `{"name":"Anna Rossi"}`, code: 200},
		{name: "a plain user may not check out", p: pUser, method: "POST", path: "/api/v1/hotel/rooms/102/checkout", code: 403, field: "ability"},
		{name: "a plain user may not set a wake-up", p: pUser, method: "POST", path: "/api/v1/hotel/wakeups", body: `{"room":"102","at":"07:00"}`, code: 403, field: "ability"},
		{name: "a plain user may not set housekeeping", p: pUser, method: "PUT", path: "/api/v1/hotel/rooms/102/housekeeping", body: `{"state":"cleaning"}`, code: 403, field: "ability"},
		{name: "the PMS app sets housekeeping", p: pPMSApp, method: "PUT", path: "/api/v1/hotel/rooms/102/housekeeping", body: `{"state":"cleaning"}`, code: 200},
		{name: "the PMS app may not add a room", p: pPMSApp, method: "PUT", path: "/api/v1/hotel/rooms/103", body: `{}`, code: 403, field: "role"},
		{name: "admin adds a room", p: pAdmin, method: "PUT", path: "/api/v1/hotel/rooms/103", body: `{"devices":["PJSIP/103"]}`, code: 200},
		{name: "admin adds it again with POST", p: pAdmin, method: "POST", path: "/api/v1/hotel/rooms", body: `{"number":"103"}`, code: 409, field: "number"},
		{name: "a missing room", p: pDesk, method: "GET", path: "/api/v1/hotel/rooms/999", code: 404, field: "number"},
		{name: "check-in of a missing room", p: pDesk, method: "POST", path: "/api/v1/hotel/rooms/999/checkin", body: `{"name":"X"}`, code: 404, field: "number"},
		{name: "a guest without a name", p: pDesk, method: "POST", path: "/api/v1/hotel/rooms/103/checkin", body: `{"name":""}`, code: 400, field: "name"},
		{name: "not JSON", p: pDesk, method: "POST", path: "/api/v1/hotel/rooms/103/checkin", code: 415},
		{name: "a missing bill", p: pDesk, method: "GET", path: "/api/v1/hotel/bills/b-nope", code: 404, field: "id"},
		{name: "a vacant room's bill", p: pDesk, method: "GET", path: "/api/v1/hotel/rooms/103/bill", code: 404, field: "number"},
		{name: "a bad format", p: pDesk, method: "GET", path: "/api/v1/hotel/rooms/102/bill?format=xml", code: 400, field: "format"},
		{name: "a bad limit", p: pDesk, method: "GET", path: "/api/v1/hotel/bills?limit=0", code: 400, field: "limit"},
		{name: "a missing wake-up", p: pDesk, method: "DELETE", path: "/api/v1/hotel/wakeups/w-nope", code: 404, field: "id"},
		{name: "a bad wake-up time", p: pDesk, method: "POST", path: "/api/v1/hotel/wakeups", body: `{"room":"102","at":"7 am"}`, code: 400, field: "at"},
		{name: "a move without to", p: pDesk, method: "POST", path: "/api/v1/hotel/rooms/102/move", body: `{}`, code: 400, field: "to"},
		{name: "a bad housekeeping state", p: pDesk, method: "PUT", path: "/api/v1/hotel/rooms/102/housekeeping", body: `{"state":"dusty"}`, code: 400, field: "state"},
		{name: "a rate error names the rate", p: pAdmin, method: "PUT", path: "/api/v1/hotel/rates", body: `{"tables":[{"id":"t","currency":"EUR","rates":[{"prefix":"00","per_minute":0.5},{"prefix":"x","per_minute":1}]}]}`, code: 400, field: "tables[0].rates[1].prefix"},
		{name: "a group's id must be the path's", p: pAdmin, method: "PUT", path: "/api/v1/hotel/groups/a", body: `{"id":"b","class":"local"}`, code: 400, field: "id"},
		{name: "the link without a PMS", p: pDesk, method: "GET", path: "/api/v1/hotel/link", code: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(t, h, tc.p, tc.method, tc.path, tc.body)
			if rec.Code != tc.code || (tc.field != "" && errField(rec) != tc.field) {
				t.Fatalf("%s %s: %d %s, want %d naming %q", tc.method, tc.path, rec.Code, rec.Body, tc.code, tc.field)
			}
		})
	}
}

func TestHTTPStayAndCSV(t *testing.T) {
	r, h := apiRig(t)
	ctx := context.Background()
	r.room("101")
	r.room("102")
	if rec := serve(t, h, pAdmin, "PUT", "/api/v1/hotel/rates", `{"tables":[{"id":"default","currency":"EUR","rates":[{"prefix":"0044","name":"United Kingdom","per_minute":0.25}]}]}`); rec.Code != 200 {
		t.Fatalf("rates: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(t, h, pDesk, "POST", "/api/v1/hotel/rooms/101/checkin", `{"name":"=HYPERLINK(\"x\")","language":"it"}`); rec.Code != 200 {
		t.Fatalf("check-in: %d %s", rec.Code, rec.Body)
	}
	rec := serve(t, h, pDesk, "POST", "/api/v1/hotel/wakeups", `{"room":"101","at":"07:00"}`)
	var w hotel.WakeUp
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &w) != nil || !w.At.Equal(time.Date(2026, 12, 8, 7, 0, 0, 0, r.st.Location)) {
		t.Fatalf("wake-up: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(t, h, pDesk, "POST", "/api/v1/hotel/wakeups", `{"room":"101","at":"2026-12-08T07:00"}`); rec.Code != 200 {
		t.Fatalf("the same wake-up again: %d %s, want 200", rec.Code, rec.Body)
	}
	r.m.CallEnded(ctx, answered("c1", "101", "00442071234567", 125))
	r.m.CallEnded(ctx, answered("c2", "101", "0612345", 30))
	rec = serve(t, h, pDesk, "GET", "/api/v1/hotel/rooms/101/bill?format=csv", "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("bill CSV: %d %s", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("CSV rows %q (%v)", rows, err)
	}
	if !strings.Contains(rec.Body.String(), "\r\n") {
		t.Error("CSV lines do not end in CRLF (RFC 4180)")
	}
	if rows[1][2] != `'=HYPERLINK("x")` || rows[1][5] != "00442071234567" || rows[1][6] != "international" || rows[1][13] != "0.3000" || rows[1][4] != "2026-12-07T19:00:00+01:00" {
		t.Errorf("first line %q", rows[1])
	}
	rec = serve(t, h, pDesk, "POST", "/api/v1/hotel/rooms/101/move", `{"to":"102"}`)
	if rec.Code != 200 {
		t.Fatalf("move: %d %s", rec.Code, rec.Body)
	}
	rec = serve(t, h, pDesk, "POST", "/api/v1/hotel/rooms/102/checkout", "")
	var out CheckOutResult
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Bill.ClosedAt == nil || len(out.Bill.Lines) != 2 || out.Room.Occupancy != hotel.Vacant {
		t.Fatalf("check-out: %d %s", rec.Code, rec.Body)
	}
	rec = serve(t, h, pDesk, "GET", "/api/v1/hotel/bills?room=102", "")
	var bl BillList
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &bl) != nil || len(bl.Bills) != 1 || bl.Bills[0].ID != out.Bill.ID {
		t.Fatalf("bills: %d %s", rec.Code, rec.Body)
	}
	rec = serve(t, h, pDesk, "GET", "/api/v1/hotel/bills/"+out.Bill.ID+"?format=csv", "")
	if rows, _ := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll(); rec.Code != 200 || len(rows) != 3 {
		t.Fatalf("closed bill CSV: %d %s", rec.Code, rec.Body)
	}
	var wl WakeUpList
	rec = serve(t, h, pDesk, "GET", "/api/v1/hotel/wakeups?room=102", "")
	if json.Unmarshal(rec.Body.Bytes(), &wl) != nil || len(wl.WakeUps) != 1 || wl.WakeUps[0].Status != hotel.WakeCanceled {
		t.Fatalf("wake-ups after check-out: %s", rec.Body)
	}
}

func TestParseWakeUpTime(t *testing.T) {
	loc := rome(t)
	now := t0 // 19:00 in Rome
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-12-08T07:00:00+01:00", want: time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC)},
		{in: "2026-12-08T07:00", want: time.Date(2026, 12, 8, 7, 0, 0, 0, loc)},
		{in: "2026-12-08 07:00", want: time.Date(2026, 12, 8, 7, 0, 0, 0, loc)},
		{in: "07:00", want: time.Date(2026, 12, 8, 7, 0, 0, 0, loc)},
		{in: "21:15", want: time.Date(2026, 12, 7, 21, 15, 0, 0, loc)},
		{in: "", bad: true},
		{in: "25:00", bad: true},
		{in: "tomorrow", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseWakeUpTime(tc.in, now, loc)
			if (err != nil) != tc.bad || (!tc.bad && !got.Equal(tc.want)) {
				t.Errorf("ParseWakeUpTime(%q) = %s %v, want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseWakeUpTime: any text either fails or gives a time that is
// not zero; a time of day is within a day after now.
func FuzzParseWakeUpTime(f *testing.F) {
	for _, s := range []string{"07:00", "2026-12-08T07:00", "2026-12-08T07:00:00+01:00", "", "24:00", "2026-02-30T07:00", "7"} {
		f.Add(s)
	}
	loc := time.FixedZone("hotel", 3600)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseWakeUpTime(s, t0, loc)
		if err != nil {
			return
		}
		if got.IsZero() {
			t.Fatalf("%q: zero time without an error", s)
		}
		if len(s) == 5 && s[2] == ':' && (got.Before(t0) || got.After(t0.Add(24*time.Hour))) {
			t.Fatalf("%q: %s is not within a day after now", s, got)
		}
	})
}

// FuzzHHMM: the digits a guest keys either fail or are a time of day.
func FuzzHHMM(f *testing.F) {
	for _, s := range []string{"0700", "2359", "2400", "700", "07a0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hh, mm, err := parseHHMM(s)
		if err == nil && (hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(s) != 4) {
			t.Fatalf("%q: %d:%d", s, hh, mm)
		}
	})
}

// FuzzBillCSV: a bill with any guest name and number reads back as
// written (RFC 4180 quoting), a formula-looking cell guarded.
func FuzzBillCSV(f *testing.F) {
	f.Add("Anna Rossi", "00442071234567")
	f.Add("=cmd|' /C calc'!A0", "+41441234567")
	f.Add("a,\"b\"\r\nc", "-1")
	f.Fuzz(func(t *testing.T, guest, number string) {
		if strings.ContainsRune(guest, '\r') || strings.ContainsRune(number, '\r') || !validUTF8(guest+number) {
			return // encoding/csv reads a lone CR inside quotes back as LF
		}
		b := hotel.Bill{ID: "b-1", Room: "101", Guest: guest, Lines: []hotel.Charge{{CallRecord: hotel.CallRecord{CallID: "c1", Number: number, Start: t0}}}}
		var sb strings.Builder
		if err := WriteBillCSV(&sb, time.UTC, b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(sb.String())).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("read back: %v %q", err, rows)
		}
		if rows[1][2] != guardFormula(guest) || rows[1][5] != guardFormula(number) {
			t.Fatalf("read back %q %q, wrote %q %q", rows[1][2], rows[1][5], guest, number)
		}
		if c := rows[1][2]; c != "" && strings.ContainsRune("=+-@\t", rune(c[0])) && c != guest {
			t.Fatalf("unguarded formula %q", c)
		}
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
