package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/pbxagent/pbxagent/phonebook"
)

// LookupResult is the answer to a reverse lookup.
type LookupResult struct {
	// Name is the matched contact's display name; empty on a miss.
	Name string `json:"name"`
	// ContactID is the matched contact's id; empty on a miss.
	ContactID string `json:"contact_id"`
	// Match says how the number matched (exact, extension, e164,
	// national) or why not (none, skipped, ambiguous).
	Match phonebook.MatchKind `json:"match"`
	// Source is the matched contact's source.
	Source string `json:"source,omitempty"`
	// E164 is the normalised number when it could be normalised.
	E164 string `json:"e164,omitempty"`
	// Candidates lists, when Match is ambiguous, the contacts sharing the
	// number (at most 20); CandidatesTotal counts them all.
	Candidates      []phonebook.Candidate `json:"candidates,omitempty"`
	CandidatesTotal int                   `json:"candidates_total,omitempty"`
}

// Hit reports whether the lookup found a contact.
func (r *LookupResult) Hit() bool { return r.Match.Hit() }

// Lookup asks who has the number. A miss (none, skipped, ambiguous) is an
// answer, not an error: check Hit.
func (c *Client) Lookup(ctx context.Context, number string) (*LookupResult, error) {
	const path = "/api/v1/lookup"
	req, err := c.newRequest(ctx, request{method: http.MethodGet, path: path, query: url.Values{"number": {number}}})
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &ConnError{Server: c.base.Redacted(), Op: "GET " + path, Err: err}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var r LookupResult
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return nil, fmt.Errorf("GET %s: decode answer: %w", path, err)
		}
		return &r, nil
	case http.StatusNotFound:
		// A miss carries the lookup answer beside the error shape; a 404
		// without "match" is a plain error (an old daemon, a proxy).
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		var r LookupResult
		if json.Unmarshal(body, &r) == nil && r.Match != "" {
			return &r, nil
		}
		resp.Body = io.NopCloser(bytesReader(body))
	}
	return nil, readAPIError(resp, "GET "+path)
}
