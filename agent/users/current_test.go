package users

import (
	"context"
	"testing"
)

func TestCurrentFollowsTheUser(t *testing.T) {
	e := newEnv(t, fastCfg)
	ctx := context.Background()
	u := e.mkUser(`{"username":"ann","role":"user","abilities":["hotel_admin"]}`)
	p, err := e.s.Current(ctx, u.ID)
	if err != nil || p.Username != "ann" || !p.Has("hotel_admin") {
		t.Fatalf("Current = %+v, %v", p, err)
	}
	for _, patch := range []string{`{"abilities":[]}`, `{"disabled":true}`} {
		if w := e.do(req{method: "PATCH", path: "/api/v1/users/" + u.ID, body: patch, ctype: "application/merge-patch+json", as: "admin"}); w.Code != 200 {
			t.Fatalf("patch %s: %d %s", patch, w.Code, w.Body)
		}
		p, err := e.s.Current(ctx, u.ID)
		switch patch {
		case `{"abilities":[]}`:
			if err != nil || p.Has("hotel_admin") {
				t.Fatalf("after removing the ability: %+v %v", p, err)
			}
		default:
			if err == nil {
				t.Fatal("a disabled user is still current")
			}
		}
	}
}
