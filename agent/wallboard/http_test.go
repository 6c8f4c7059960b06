package wallboard

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const boardBody = `{"name":"Floor","groups":["sales"],"monitored":["ana"]}`

// create makes a board as the manager and returns its id.
func (r *rig) create(t *testing.T, body string) string {
	t.Helper()
	code, b := r.do(t, "manager", "POST", "/api/v1/wallboards", body)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, b)
	}
	return b["id"].(string)
}

// token makes board id's token as the manager.
func (r *rig) token(t *testing.T, id string) string {
	t.Helper()
	code, b := r.do(t, "manager", "POST", "/api/v1/wallboards/"+id+"/token", "")
	if code != http.StatusCreated {
		t.Fatalf("token: %d %v", code, b)
	}
	tok := b["token"].(string)
	if !strings.HasPrefix(tok, TokenPrefix) || b["path"] != "/wallboard/#id="+id+"&token="+tok {
		t.Fatalf("token answer %v", b)
	}
	return tok
}

// TestRoutesAuthz is the wallboard routes' matrix: who may manage boards
// (admins, manage_callcenter), who may read a board's data (those, and
// that board's token only), and that a token never writes.
func TestRoutesAuthz(t *testing.T) {
	r := newRig(t)
	id := r.create(t, boardBody)
	other := r.create(t, `{"name":"Other","groups":["support"]}`)
	tok := "Bearer " + r.token(t, id)
	tests := []struct {
		name, who, method, path, body string
		status                        int
	}{
		{name: "anonymous lists", who: "", method: "GET", path: "/api/v1/wallboards", status: 401},
		{name: "a user without manage_callcenter lists", who: "user", method: "GET", path: "/api/v1/wallboards", status: 403},
		{name: "a supervisor without manage_callcenter lists", who: "supervisor", method: "GET", path: "/api/v1/wallboards", status: 403},
		{name: "a client-credentials app lists", who: "app", method: "GET", path: "/api/v1/wallboards", status: 403},
		{name: "the manager lists", who: "manager", method: "GET", path: "/api/v1/wallboards", status: 200},
		{name: "an admin lists", who: "admin", method: "GET", path: "/api/v1/wallboards", status: 200},
		{name: "an admin creates", who: "admin", method: "POST", path: "/api/v1/wallboards", body: boardBody, status: 201},
		{name: "a user creates", who: "user", method: "POST", path: "/api/v1/wallboards", body: boardBody, status: 403},
		{name: "a user reads data", who: "user", method: "GET", path: "/api/v1/wallboards/" + id + "/data", status: 403},
		{name: "the manager reads data", who: "manager", method: "GET", path: "/api/v1/wallboards/" + id + "/data", status: 200},
		{name: "the token reads its data", who: tok, method: "GET", path: "/api/v1/wallboards/" + id + "/data", status: 200},
		{name: "the token reads another board's data", who: tok, method: "GET", path: "/api/v1/wallboards/" + other + "/data", status: 403},
		{name: "the token lists", who: tok, method: "GET", path: "/api/v1/wallboards", status: 403},
		{name: "the token reads its config", who: tok, method: "GET", path: "/api/v1/wallboards/" + id, status: 403},
		{name: "the token creates", who: tok, method: "POST", path: "/api/v1/wallboards", body: boardBody, status: 403},
		{name: "the token updates", who: tok, method: "PUT", path: "/api/v1/wallboards/" + id, body: boardBody, status: 403},
		{name: "the token adds an agent", who: tok, method: "POST", path: "/api/v1/wallboards/" + id + "/monitored/bob", status: 403},
		{name: "the token removes an agent", who: tok, method: "DELETE", path: "/api/v1/wallboards/" + id + "/monitored/ana", status: 403},
		{name: "the token makes a token", who: tok, method: "POST", path: "/api/v1/wallboards/" + id + "/token", status: 403},
		{name: "the token revokes itself", who: tok, method: "DELETE", path: "/api/v1/wallboards/" + id + "/token", status: 403},
		{name: "the token deletes its board", who: tok, method: "DELETE", path: "/api/v1/wallboards/" + id, status: 403},
		{name: "an unknown wb_ token", who: "Bearer wb_nothing", method: "GET", path: "/api/v1/wallboards/" + id + "/data", status: 401},
		{name: "the data of no board", who: "manager", method: "GET", path: "/api/v1/wallboards/nope/data", status: 404},
	}
	for _, tt := range tests {
		if code, b := r.do(t, tt.who, tt.method, tt.path, tt.body); code != tt.status {
			t.Errorf("%s: %s %s = %d %v, want %d", tt.name, tt.method, tt.path, code, b, tt.status)
		}
	}
	// Nothing the token tried changed the board.
	if _, b := r.do(t, "manager", "GET", "/api/v1/wallboards/"+id, ""); b["name"] != "Floor" || fmt.Sprint(b["monitored"]) != "[ana]" {
		t.Errorf("board after the token's attempts: %v", b)
	}
}

// TestTokenLifecycle: the secret is shown once and stored hashed, a new
// token replaces the old, a revoked token and a deleted board's token are
// refused, and tokens survive a restart (Load).
func TestTokenLifecycle(t *testing.T) {
	r := newRig(t)
	id := r.create(t, boardBody)
	first := r.token(t, id)
	data := "/api/v1/wallboards/" + id + "/data"
	if code, _ := r.do(t, "Bearer "+first, "GET", data, ""); code != 200 {
		t.Fatalf("first token: %d", code)
	}
	// Listed without the secret; the store holds no secret either.
	_, got := r.do(t, "manager", "GET", "/api/v1/wallboards/"+id, "")
	if tk, _ := got["token"].(map[string]any); tk == nil || tk["created_by"] != "u-mgr" || tk["token"] != nil {
		t.Errorf("token info %v", got["token"])
	}
	_, list := r.do(t, "manager", "GET", "/api/v1/wallboards", "")
	if err := r.kv.List(context.Background(), func(k string, v []byte) error {
		if bytes.Contains(v, []byte(first)) {
			t.Errorf("the store holds the token under %s", k)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fmt.Sprint(list), first) || strings.Contains(fmt.Sprint(got), first) {
		t.Error("a listing shows the token")
	}
	// After a restart the token still opens the board.
	s2 := New(r.kv, dir{"ana": {ID: "ana"}}, WithGroups(r.groups))
	if err := s2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", data, nil)
	req.Header.Set("Authorization", "Bearer "+first)
	if p, ok, err := s2.Authenticate(req); !ok || err != nil || p.Wallboard != id || fmt.Sprint(p.Groups) != "[sales]" {
		t.Errorf("after Load: %v %v %v", p, ok, err)
	}
	// A new token replaces the first.
	second := r.token(t, id)
	if code, _ := r.do(t, "Bearer "+first, "GET", data, ""); code != 401 {
		t.Errorf("replaced token: %d, want 401", code)
	}
	if code, _ := r.do(t, "Bearer "+second, "GET", data, ""); code != 200 {
		t.Errorf("second token: %d", code)
	}
	p, _, _ := r.s.Authenticate(req2(second))
	if err := r.s.CheckCredential(context.Background(), p); err != nil {
		t.Errorf("live credential: %v", err)
	}
	// Revoked: refused, and a socket opened with it is told so.
	if code, b := r.do(t, "manager", "DELETE", "/api/v1/wallboards/"+id+"/token", ""); code != 204 {
		t.Fatalf("revoke: %d %v", code, b)
	}
	if code, _ := r.do(t, "Bearer "+second, "GET", data, ""); code != 401 {
		t.Errorf("revoked token: %d, want 401", code)
	}
	if err := r.s.CheckCredential(context.Background(), p); err == nil {
		t.Error("CheckCredential of a revoked token: nil")
	}
	if _, b := r.do(t, "manager", "GET", "/api/v1/wallboards/"+id, ""); b["token"] != nil {
		t.Errorf("token info after revoke: %v", b["token"])
	}
	// A deleted board's token is refused.
	third := r.token(t, id)
	if code, _ := r.do(t, "manager", "DELETE", "/api/v1/wallboards/"+id, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := r.do(t, "Bearer "+third, "GET", data, ""); code != 401 {
		t.Errorf("deleted board's token: %d, want 401", code)
	}
}

func req2(tok string) *http.Request {
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// TestInputErrors: bad input is refused naming the field.
func TestInputErrors(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{name: "no name", body: `{"name":" ","groups":["sales"]}`, field: "name"},
		{name: "name too long", body: `{"name":"` + strings.Repeat("x", MaxName+1) + `","groups":["sales"]}`, field: "name"},
		{name: "no group", body: `{"name":"a","groups":[]}`, field: "groups"},
		{name: "unknown group", body: `{"name":"a","groups":["sales","nope"]}`, field: "groups[1]"},
		{name: "bad group id", body: `{"name":"a","groups":["Sales!"]}`, field: "groups[0]"},
		{name: "group twice", body: `{"name":"a","groups":["sales","sales"]}`, field: "groups[1]"},
		{name: "unknown agent", body: `{"name":"a","groups":["sales"],"monitored":["ana","zed"]}`, field: "monitored[1]"},
		{name: "agent twice", body: `{"name":"a","groups":["sales"],"monitored":["ana","ana"]}`, field: "monitored[1]"},
		{name: "threshold", body: `{"name":"a","groups":["sales"],"sla_threshold":3601}`, field: "sla_threshold"},
		{name: "negative threshold", body: `{"name":"a","groups":["sales"],"sla_threshold":-1}`, field: "sla_threshold"},
		{name: "target", body: `{"name":"a","groups":["sales"],"sla_target":100.5}`, field: "sla_target"},
		{name: "target under 1", body: `{"name":"a","groups":["sales"],"sla_target":0.5}`, field: "sla_target"},
		{name: "margin", body: `{"name":"a","groups":["sales"],"amber_margin":-1}`, field: "amber_margin"},
		{name: "mode", body: `{"name":"a","groups":["sales"],"counters_mode":"weekly"}`, field: "counters_mode"},
		{name: "unknown field", body: `{"name":"a","groups":["sales"],"colour":"red"}`, field: "colour"},
		{name: "groups not a list", body: `{"name":"a","groups":"sales"}`, field: "groups"},
	}
	r := newRig(t)
	for _, tt := range tests {
		code, b := r.do(t, "manager", "POST", "/api/v1/wallboards", tt.body)
		if code != 400 || errField(b) != tt.field {
			t.Errorf("%s: %d %v, want 400 naming %s", tt.name, code, b, tt.field)
		}
	}
	// Defaults.
	code, b := r.do(t, "manager", "POST", "/api/v1/wallboards", `{"name":"a","groups":["sales"]}`)
	if code != 201 || b["amber_margin"] != DefaultAmberMargin || b["counters_mode"] != ModeMidnight || fmt.Sprint(b["monitored"]) != "[]" {
		t.Errorf("defaults: %d %v", code, b)
	}
	// A margin of 0 is kept (not the default).
	if _, b := r.do(t, "manager", "POST", "/api/v1/wallboards", `{"name":"a","groups":["sales"],"amber_margin":0}`); b["amber_margin"] != 0.0 {
		t.Errorf("margin 0: %v", b["amber_margin"])
	}
}

// TestMonitoredAgents: add, add again (unchanged), remove, unknown user.
func TestMonitoredAgents(t *testing.T) {
	r := newRig(t)
	id := r.create(t, boardBody)
	base := "/api/v1/wallboards/" + id + "/monitored/"
	steps := []struct {
		method, user string
		status       int
		want         string
	}{
		{method: "POST", user: "bob", status: 200, want: "[ana bob]"},
		{method: "POST", user: "bob", status: 200, want: "[ana bob]"},
		{method: "POST", user: "zed", status: 404, want: "[ana bob]"},
		{method: "DELETE", user: "ana", status: 200, want: "[bob]"},
		{method: "DELETE", user: "ana", status: 200, want: "[bob]"},
	}
	for i, st := range steps {
		code, b := r.do(t, "manager", st.method, base+st.user, "")
		_, cur := r.do(t, "manager", "GET", "/api/v1/wallboards/"+id, "")
		if code != st.status || fmt.Sprint(cur["monitored"]) != st.want {
			t.Errorf("step %d %s %s: %d %v, monitored %v, want %d %s", i, st.method, st.user, code, b, cur["monitored"], st.status, st.want)
		}
	}
	if code, b := r.do(t, "manager", "POST", "/api/v1/wallboards/nope/monitored/ana", ""); code != 404 || errField(b) != "id" {
		t.Errorf("no board: %d %v", code, b)
	}
}
