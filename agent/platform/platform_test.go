package platform

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeJSONSpeaksTheAPI(t *testing.T) {
	type input struct {
		FirstName string   `json:"first_name"`
		Numbers   []string `json:"numbers"`
		Age       int      `json:"age"`
	}
	tests := []struct {
		name, body, field, msg string
	}{
		{name: "wrong type", body: `{"first_name": 3}`, field: "first_name", msg: "must be a string"},
		{name: "list expected", body: `{"numbers": "x"}`, field: "numbers", msg: "must be a list"},
		{name: "integer expected", body: `{"age": "x"}`, field: "age", msg: "must be an integer"},
		{name: "unknown field", body: `{"nickname": "x"}`, field: "nickname", msg: "unknown field"},
		{name: "syntax", body: `{"first_name": }`, field: "body", msg: "syntax error"},
		{name: "empty", body: ``, field: "body", msg: "is empty"},
		{name: "truncated", body: `{"first_name": "a"`, field: "body", msg: "ends too early"},
		{name: "two values", body: `{} {}`, field: "body", msg: "one JSON value"},
		{name: "fine", body: `{"first_name": "Ana", "age": 3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			var v input
			err := DecodeJSON(r, &v)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) || len(ae.Details) != 1 || ae.Details[0].Field != tt.field || !strings.Contains(ae.Details[0].Message, tt.msg) {
				t.Fatalf("err %#v, want %s: %s", err, tt.field, tt.msg)
			}
			if strings.Contains(ae.Error(), "Go struct") {
				t.Fatalf("Go terms leak: %v", ae)
			}
		})
	}
}

func TestReadJSON(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		ok                      bool
		status                  int
		field                   string
	}{
		{name: "json", contentType: "application/json", body: `{"a":1}`, ok: true},
		{name: "json with charset", contentType: "application/json; charset=utf-8", body: `{"a":1}`, ok: true},
		{name: "no content type", body: `{"a":1}`, status: http.StatusUnsupportedMediaType},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: "a=1", status: http.StatusUnsupportedMediaType},
		{name: "bad type", contentType: "application/json", body: `{"a":"x"}`, status: http.StatusBadRequest, field: "a"},
		{name: "unknown field", contentType: "application/json", body: `{"b":1}`, status: http.StatusBadRequest, field: "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			var v struct {
				A int `json:"a"`
			}
			if ok := ReadJSON(w, r, &v); ok != tc.ok {
				t.Fatalf("ReadJSON = %v, want %v (%d %s)", ok, tc.ok, w.Code, w.Body)
			}
			if tc.ok {
				if v.A != 1 || w.Body.Len() != 0 {
					t.Fatalf("read %+v, wrote %q", v, w.Body)
				}
				return
			}
			var eb ErrorBody
			if w.Code != tc.status || json.Unmarshal(w.Body.Bytes(), &eb) != nil {
				t.Fatalf("%d %s, want %d with an error body", w.Code, w.Body, tc.status)
			}
			if tc.field != "" && (len(eb.Error.Details) == 0 || eb.Error.Details[0].Field != tc.field) {
				t.Fatalf("details %+v, want %s named", eb.Error.Details, tc.field)
			}
		})
	}
}

func TestWriteErrEnvelope(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		leakFree   string // text that must not appear
		detailsLen int
	}{
		{name: "api error", err: Invalid("bad", FieldError{Field: "x", Message: "y"}), status: 400, code: CodeInvalid, detailsLen: 1},
		{name: "too large", err: &http.MaxBytesError{Limit: 10}, status: 413, code: CodeTooLarge},
		{name: "internal", err: errors.New("open /secret/path: permission denied"), status: 500, code: CodeInternal, leakFree: "/secret/path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			ctx, cause := WithErrorSink(WithRequestID(r.Context(), "req-1"))
			r = r.WithContext(ctx)
			w := httptest.NewRecorder()
			WriteErr(w, r, tt.err)
			var body struct {
				Error struct {
					Code      string            `json:"code"`
					Message   string            `json:"message"`
					Details   []json.RawMessage `json:"details"`
					RequestID string            `json:"request_id"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || body.Error.Code != tt.code || body.Error.RequestID != "req-1" || body.Error.Details == nil || len(body.Error.Details) != tt.detailsLen {
				t.Fatalf("%d %s", w.Code, w.Body.String())
			}
			if tt.leakFree != "" && strings.Contains(w.Body.String(), tt.leakFree) {
				t.Fatalf("internal text returned: %s", w.Body.String())
			}
			if tt.status == 500 && cause() == nil {
				t.Fatal("the cause of a 500 was not kept for the log")
			}
		})
	}
}

func TestRequestIDAcceptsOnlySaneCallerIDs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		kept bool
	}{{in: "abc-123", kept: true}, {in: "a:b.c_d", kept: true}, {in: "", kept: false},
		{in: "has space", kept: false}, {in: strings.Repeat("x", 65), kept: false}, {in: "ünï", kept: false}, {in: "a\nb", kept: false}} {
		if got := NewRequestID(tt.in); (got == tt.in) != tt.kept || got == "" {
			t.Errorf("NewRequestID(%q) = %q", tt.in, got)
		}
	}
}

func TestPrincipalAllows(t *testing.T) {
	user := Principal{Kind: KindSession, UserID: "u1", Role: RoleUser}
	tests := []struct {
		name  string
		p     Principal
		scope Scope
		want  bool
	}{
		{name: "public for nobody", p: Principal{}, scope: ScopePublic, want: true},
		{name: "signed in needs someone", p: Principal{}, scope: ScopeSignedIn, want: false},
		{name: "admin token all", p: Principal{Kind: KindAdminToken}, scope: ScopeAdmin, want: true},
		{name: "user calls", p: user, scope: ScopeCalls, want: true},
		{name: "user not admin", p: user, scope: ScopeAdmin, want: false},
		{name: "user no hotel without ability", p: user, scope: ScopeHotel, want: false},
		{name: "user hotel with ability", p: Principal{Kind: KindSession, Role: RoleUser, Abilities: []Ability{AbilityHotelAdmin}}, scope: ScopeHotel, want: true},
		{name: "app token within grant", p: Principal{Kind: KindAppUser, Role: RoleUser, Granted: []Scope{ScopeCalls}}, scope: ScopeCalls, want: true},
		{name: "app token outside grant", p: Principal{Kind: KindAppUser, Role: RoleUser, Granted: []Scope{ScopeCalls}}, scope: ScopePresence, want: false},
		{name: "app token beyond the user", p: Principal{Kind: KindAppUser, Role: RoleUser, Granted: []Scope{ScopeAdmin}}, scope: ScopeAdmin, want: false},
		{name: "app token after the ability is lost", p: Principal{Kind: KindAppUser, Role: RoleUser, Granted: []Scope{ScopeHotel}}, scope: ScopeHotel, want: false},
		{name: "client credentials within grant", p: Principal{Kind: KindApp, Granted: []Scope{ScopeContactsRead}}, scope: ScopeContactsRead, want: true},
		{name: "admin grant covers the other scopes", p: Principal{Kind: KindApp, Granted: []Scope{ScopeAdmin}}, scope: ScopeContactsWrite, want: true},
		{name: "admin grant for a user stays within the user", p: Principal{Kind: KindAppUser, Role: RoleUser, Granted: []Scope{ScopeAdmin}}, scope: ScopeHotel, want: false},
		{name: "user no wallboard without manage_callcenter", p: user, scope: ScopeWallboard, want: false},
		{name: "supervisor no wallboard without manage_callcenter", p: Principal{Kind: KindSession, Role: RoleSupervisor}, scope: ScopeWallboard, want: false},
		{name: "user wallboard with manage_callcenter", p: Principal{Kind: KindSession, Role: RoleUser, Abilities: []Ability{AbilityManageCallCenter}}, scope: ScopeWallboard, want: true},
		{name: "admin session wallboard", p: Principal{Kind: KindSession, Role: RoleAdmin}, scope: ScopeWallboard, want: true},
		{name: "wallboard token wallboard", p: Principal{Kind: KindWallboard, Wallboard: "w"}, scope: ScopeWallboard, want: true},
		{name: "wallboard token not callgroups routes", p: Principal{Kind: KindWallboard, Wallboard: "w"}, scope: ScopeCallGroups, want: false},
		{name: "wallboard token not signed-in routes' scopes", p: Principal{Kind: KindWallboard, Wallboard: "w"}, scope: ScopeCalls, want: false},
		{name: "client credentials app no wallboard", p: Principal{Kind: KindApp, Granted: []Scope{ScopeCallGroups}}, scope: ScopeWallboard, want: false},
	}
	for _, tt := range tests {
		if got := tt.p.Allows(tt.scope); got != tt.want {
			t.Errorf("%s: Allows(%s) = %v", tt.name, tt.scope, got)
		}
	}
}
