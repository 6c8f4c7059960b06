package users

import (
	"context"
	"slices"
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

func TestEndpointsFollowTheUser(t *testing.T) {
	e := newEnv(t, fastCfg)
	ctx := context.Background()
	u := e.mkUser(`{"username":"bo","role":"user","devices":{"endpoints":["PJSIP/101","PJSIP/101b"]}}`)
	steps := []struct {
		patch   string
		want    []string
		wantErr bool
	}{
		{want: []string{"PJSIP/101", "PJSIP/101b"}},
		{patch: `{"devices":{"endpoints":["PJSIP/102"]}}`, want: []string{"PJSIP/102"}},
		{patch: `{"disabled":true}`, wantErr: true},
	}
	for _, st := range steps {
		if st.patch != "" {
			if w := e.do(req{method: "PATCH", path: "/api/v1/users/" + u.ID, body: st.patch, ctype: "application/merge-patch+json", as: "admin"}); w.Code != 200 {
				t.Fatalf("patch %s: %d %s", st.patch, w.Code, w.Body)
			}
		}
		got, err := e.s.Endpoints(ctx, u.ID)
		if (err != nil) != st.wantErr || !slices.Equal(got, st.want) {
			t.Errorf("after %q: %v %v, want %v (error %v)", st.patch, got, err, st.want, st.wantErr)
		}
	}
	if _, err := e.s.Endpoints(ctx, "no-such-user"); err == nil {
		t.Error("an unknown user has endpoints")
	}
}

// TestVersionFollowsChanges: Version changes after every change the
// events hub routes by (a user's role, abilities or account; a session
// ending) and stays put otherwise.
func TestVersionFollowsChanges(t *testing.T) {
	e := newEnv(t, fastCfg)
	u := e.mkUser(`{"username":"ann","role":"user","password":"correct horse battery","abilities":["hotel_admin"]}`)
	cookie, csrf := e.login("ann", "correct horse battery")
	steps := []struct {
		name    string
		do      func()
		changed bool
	}{
		{name: "a read", do: func() { _, _ = e.s.Current(context.Background(), u.ID) }},
		{name: "an ability taken away", changed: true, do: func() {
			e.do(req{method: "PATCH", path: "/api/v1/users/" + u.ID, body: `{"abilities":[]}`, ctype: "application/merge-patch+json", as: "admin"})
		}},
		{name: "sign-out", changed: true, do: func() {
			e.do(req{method: "POST", path: "/api/v1/logout", cookie: cookie, csrf: csrf})
		}},
		{name: "disabled", changed: true, do: func() {
			e.do(req{method: "PATCH", path: "/api/v1/users/" + u.ID, body: `{"disabled":true}`, ctype: "application/merge-patch+json", as: "admin"})
		}},
		{name: "deleted", changed: true, do: func() {
			e.do(req{method: "DELETE", path: "/api/v1/users/" + u.ID, as: "admin"})
		}},
	}
	for _, st := range steps {
		before := e.s.Version()
		st.do()
		if got := e.s.Version() != before; got != st.changed {
			t.Errorf("%s: version changed %v, want %v", st.name, got, st.changed)
		}
	}
}
