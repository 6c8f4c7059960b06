// Package contract holds the ARI contract tests: one scenario of the
// requests pbxagent makes, run through the ari client, with every request,
// reply and event checked against the ARI specification
// (testlab/ari/spec). It runs against the testlab stand-in always, and
// against a real Asterisk when ARI_URL, ARI_USER and ARI_PASS are set
// (ARI_URL like http://127.0.0.1:8088; optional ARI_LOCAL_ENDPOINT, default
// "Local/s@default", is dialled into the test's Stasis app).
package contract
