package users

import (
	"slices"
	"testing"
)

func TestLookupByExtensionAndEndpoint(t *testing.T) {
	e := newEnv(t, fastCfg)
	u := e.mkUser(`{"username":"cy","display_name":"Cy Cyr","role":"user","extensions":["555"],"devices":{"endpoints":["PJSIP/501","PJSIP/502"]}}`)
	tests := []struct {
		name   string
		lookup func() (User, bool)
		want   bool
	}{
		{name: "extension", lookup: func() (User, bool) { return e.s.ByExtension("555") }, want: true},
		{name: "unknown extension", lookup: func() (User, bool) { return e.s.ByExtension("556") }},
		{name: "endpoint", lookup: func() (User, bool) { return e.s.ByEndpoint("PJSIP/502") }, want: true},
		{name: "endpoint, technology in another case", lookup: func() (User, bool) { return e.s.ByEndpoint("pjsip/501") }, want: true},
		{name: "unknown endpoint", lookup: func() (User, bool) { return e.s.ByEndpoint("PJSIP/503") }},
		{name: "not an endpoint", lookup: func() (User, bool) { return e.s.ByEndpoint("501") }},
	}
	for _, tt := range tests {
		got, ok := tt.lookup()
		if ok != tt.want || (ok && (got.ID != u.ID || got.DisplayName != "Cy Cyr" || !slices.Equal(got.Devices.Endpoints, []string{"PJSIP/501", "PJSIP/502"}))) {
			t.Errorf("%s: %+v %v, want found %v", tt.name, got, ok, tt.want)
		}
	}
	if w := e.do(req{method: "PATCH", path: "/api/v1/users/" + u.ID, body: `{"disabled":true}`, ctype: "application/merge-patch+json", as: "admin"}); w.Code != 200 {
		t.Fatalf("disable: %d %s", w.Code, w.Body)
	}
	if _, ok := e.s.ByExtension("555"); ok {
		t.Error("a disabled user is still reached at their extension")
	}
	if _, ok := e.s.ByEndpoint("PJSIP/501"); ok {
		t.Error("a disabled user still owns their endpoint")
	}
}
