// Package browser tests the OAuth2 authorization pages of agent/oauth in a
// real browser: Debian's Chromium, driven by oauth-flow.mjs through
// playwright-core (installed with `npm ci --prefix testlab/browser`). The Go
// test starts the authorization server and a stand-in app on loopback,
// lets the browser sign in and allow or deny, then exchanges the code with
// golang.org/x/oauth2. It also tests the web console page by page
// (console_test.go, console/*.mjs): the whole daemon in-process, Chromium
// signing in through the console, axe-core (npm) checking every state;
// testlab/README.md says how to add a page's test. Nothing in the product
// imports it; `make run` needs no Node.
package browser
