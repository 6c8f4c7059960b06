// Package oauth is pbxagent's OAuth 2.0 authorization server for other
// companies' web apps (a CRM page that calls its users' phones), the apps
// registry behind it and the CORS allow-list browsers need to call the API.
//
// It implements a small subset of the specifications, on its own:
//
//   - the authorization code grant (RFC 6749 §4.1) with PKCE, S256 only and
//     required for every client (RFC 7636); a login page (Accounts.Login),
//     or the person already signed in to the web console, then a consent page;
//   - refresh tokens with rotation: each refresh returns a new refresh token
//     and the reuse of a rotated one revokes its whole family (RFC 6749 §6,
//     RFC 9700 §4.14);
//   - the client credentials grant for confidential apps (RFC 6749 §4.4);
//   - token revocation (RFC 7009) and server metadata (RFC 8414).
//
// Tokens are opaque random strings; only their SHA-256 is kept, in memory
// (a map checked on every request) and in the store's KV namespace (the
// durable copy). An access token acting for a user never grants more than
// the user holds at the time of the request: Authenticate reads the user
// afresh (Accounts.Current) each time.
package oauth
