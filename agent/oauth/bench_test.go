package oauth

import (
	"context"
	"net/http"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// BenchmarkBearerAuthenticate checks an access token on a request: hash,
// map lookup, the app's scopes, the user read afresh (from the fake
// Accounts, a map under a read lock, as the users package's cache would).
func BenchmarkBearerAuthenticate(b *testing.B) {
	ctx := context.Background()
	acc := newAccounts(&fakeUser{id: "u-ana", username: "ana", role: platform.RoleUser})
	srv, err := New(ctx, openBook(b).Meta("oauth"), acc, Config{}, WithLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	a := &appRec{App: App{ClientID: "app1", Type: AppPublic, Scopes: []platform.Scope{platform.ScopeCalls, platform.ScopePresence}}}
	srv.apps[a.ClientID] = a
	tok, _, err := srv.issue(ctx, kindAccess, a.ClientID, "u-ana", "fam", []platform.Scope{platform.ScopeCalls}, srv.cfg.AccessTTL)
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest("GET", "/api/v1/calls", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, ok, err := srv.Authenticate(r)
		if !ok || err != nil || !p.Allows(platform.ScopeCalls) {
			b.Fatal(ok, err)
		}
	}
}
