package oauth

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// The pages are plain HTML with an inline style sheet (no external
// assets), labelled fields, the first field focused, a visible focus
// ring and colours with a contrast of 7:1 or more (WCAG AAA for text).
// Element ids are stable for browser tests: login-form, username,
// password, login-submit, login-error, consent-form, scope-list,
// consent-allow, consent-deny, error-message.
const pageCSS = `
body{font-family:system-ui,sans-serif;background:#fff;color:#1a1a1a;margin:0;line-height:1.5}
main{max-width:26rem;margin:3rem auto;padding:0 1rem}
h1{font-size:1.4rem}
label{display:block;font-weight:600;margin-top:1rem}
input{display:block;width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem;border:1px solid #595959;border-radius:4px;color:#1a1a1a;background:#fff}
button{font-size:1rem;padding:.55rem 1.2rem;margin:1.2rem .5rem 0 0;border-radius:4px;border:2px solid #1e3a8a;cursor:pointer}
.primary{background:#1e3a8a;color:#fff}
.secondary{background:#fff;color:#1e3a8a}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.alert{border-left:4px solid #991b1b;background:#fef2f2;color:#7f1d1d;padding:.5rem .75rem}
.note{color:#404040;font-size:.9rem}
`

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · {{.Text.Product}}</title><style nonce="{{.Nonce}}">{{.CSS}}</style></head>
<body><main>{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "login"}}{{template "head" .}}
<h1 id="page-title">{{.Title}}</h1>
<p>{{.Lead}}</p>
{{if .Error}}<p id="login-error" class="alert" role="alert">{{.Error}}</p>{{end}}
<form id="login-form" method="post" action="{{.Action}}">
<input type="hidden" name="txn" value="{{.Txn}}">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label for="username">{{.Text.Username}}</label>
<input id="username" name="username" type="text" autocomplete="username" required autofocus value="{{.Username}}">
<label for="password">{{.Text.Password}}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" class="primary" type="submit">{{.Text.SignIn}}</button>
</form>
{{template "foot" .}}{{end}}

{{define "consent"}}{{template "head" .}}
<h1 id="page-title">{{.Title}}</h1>
<p>{{.Lead}}</p>
<ul id="scope-list">{{range .Scopes}}<li data-scope="{{.Name}}">{{.Text}}</li>{{end}}</ul>
<p class="note">{{.SignedInAs}}</p>
<form id="consent-form" method="post" action="{{.Action}}">
<input type="hidden" name="txn" value="{{.Txn}}">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button id="consent-allow" class="primary" type="submit" name="decision" value="allow">{{.Text.Allow}}</button>
<button id="consent-deny" class="secondary" type="submit" name="decision" value="deny">{{.Text.Deny}}</button>
</form>
<p class="note">{{.Text.ConsentNote}}</p>
{{template "foot" .}}{{end}}

{{define "error"}}{{template "head" .}}
<h1 id="page-title">{{.Title}}</h1>
<p id="error-message" role="alert">{{.Lead}}</p>
{{template "foot" .}}{{end}}
`))

// page is the data of a page.
type page struct {
	Title, Lead, Error, Action, Txn, CSRF, Username, SignedInAs string
	Scopes                                                      []scopeLine
	Nonce                                                       string
	CSS                                                         template.CSS
	Text                                                        any
}

type scopeLine struct {
	Name platform.Scope
	Text string
}

// render writes page name with the headers every page of this package
// carries: no caching, no framing (clickjacking), no referrer (the query
// holds the state), a CSP allowing only its own inline style.
func render(w http.ResponseWriter, status int, name string, p page) {
	p.Nonce = randomID(16)
	p.CSS = template.CSS(pageCSS)
	p.Text = text
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, p); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; style-src 'nonce-%s'; frame-ancestors 'none'; base-uri 'none'", p.Nonce))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows msg without sending the browser anywhere.
func renderError(w http.ResponseWriter, status int, msg string) {
	render(w, status, "error", page{Title: text.ErrorTitle, Lead: msg})
}
