// Package browser tests the OAuth2 authorization pages of agent/oauth in a
// real browser: Debian's Chromium, driven by oauth-flow.mjs through
// playwright-core (installed with `npm ci --prefix testlab/browser`). The Go
// test starts the authorization server and a stand-in app on loopback,
// lets the browser sign in and allow or deny, then exchanges the code with
// golang.org/x/oauth2. Nothing in the product imports it; `make run` needs
// no Node.
package browser
