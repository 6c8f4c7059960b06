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
