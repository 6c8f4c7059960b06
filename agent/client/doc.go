// Package client is a typed Go client of the pbxagent admin API: contacts
// CRUD, search with cursor paging, reverse lookup, and CSV import, export
// and template; and users: search with paging, get, create, merge patch,
// password, delete, CSV import and import from Asterisk's endpoints.
//
// A Client talks JSON over HTTP to a running daemon and authenticates with
// the admin bearer token:
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithToken(tok))
//	ct, err := c.CreateContact(ctx, &client.ContactInput{FirstName: "Ana", …})
//
// Every non-2xx answer becomes an *APIError carrying the status, the
// error code and message, and the details (invalid fields or malformed CSV
// lines) decoded into Problems.
package client
