package wallboard

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// FuzzAuthenticate: whatever the Authorization headers, Authenticate
// does not panic, claims only requests carrying a wb_ bearer token, and
// opens a wallboard only with its token.
func FuzzAuthenticate(f *testing.F) {
	r := newRig(f)
	id, _ := r.s.Create(t0Ctx, BoardSettings{Name: "a", Groups: []string{"sales"}})
	tok, _ := r.s.NewToken(t0Ctx, id.ID, "")
	f.Add("Bearer "+tok.Token, "")
	f.Add("bearer wb_x", "Bearer wb_y")
	f.Add("Basic abc", "")
	f.Add("Bearer   wb_", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		req, _ := http.NewRequest("GET", "/", nil)
		for _, v := range []string{a, b} {
			if v != "" {
				req.Header.Add("Authorization", v)
			}
		}
		p, ok, err := r.s.Authenticate(req)
		if ok && !strings.Contains(strings.ToLower(a+b), "bearer") {
			t.Fatalf("claimed %q %q", a, b)
		}
		if err == nil && ok && (p.Wallboard != id.ID || (strings.TrimSpace(a[min(7, len(a)):]) != tok.Token)) {
			t.Fatalf("opened %v with %q %q", p, a, b)
		}
	})
}

var t0Ctx = context.Background()
