package wallboard

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// PagePath is the standalone full-screen page of a wall TV, opened as
// /wallboard/#id=<id>&token=<token> (the fragment is not sent to the
// server, so the token is in no server log).
const PagePath = "/wallboard/"

// PageRoute serves the standalone page, html (web/public/wallboard/
// index.html), at PagePath: public (the page holds no data; it reads the
// board with the token of its fragment), with csp.
func PageRoute(html []byte, csp string) platform.Route {
	return platform.Route{Method: "GET", Path: PagePath + "{$}", Scope: platform.ScopePublic,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cache-Control", "no-cache")
			h.Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusOK)
			if r.Method != http.MethodHead {
				_, _ = w.Write(html)
			}
		}),
		Op: platform.Operation{ID: "getWallboardPage", Summary: "The wallboard's full-screen page for a wall TV (open /wallboard/#id=<id>&token=<token>)",
			Responses: map[int]platform.Body{200: {ContentType: "text/html", Description: "the page",
				Example: "<!doctype html>\n<html lang=\"en\">\n<head>\n<title>Wallboard</title>\n…"}}}}
}
