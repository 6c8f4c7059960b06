package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// state is the delta state: the sync token of the last complete listing,
// the mode and the listing's parameters it belongs to (Google requires a
// sync request's other parameters to equal the full sync's).
type state struct {
	Mode      string `json:"mode"`
	Params    string `json:"params"`
	SyncToken string `json:"sync_token"`
}

// maxPages bounds one listing.
const maxPages = 100_000

// Sync implements dirsync.Source.
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	syncToken := ""
	if !req.Full {
		var st state
		if err := json.Unmarshal(req.State, &st); err != nil || st.SyncToken == "" || st.Mode != s.set.Mode ||
			st.Params != s.query.Encode() {
			return dirsync.Result{}, fmt.Errorf("google: no usable sync token: %w", dirsync.ErrResync)
		}
		syncToken = st.SyncToken
	}
	next, err := s.listing(ctx, syncToken, true, sink)
	if err != nil {
		return dirsync.Result{}, fmt.Errorf("google %s: %w", s.set.Mode, err)
	}
	if next == "" {
		return dirsync.Result{}, fmt.Errorf("google %s: the last page carried no nextSyncToken", s.set.Mode)
	}
	b, _ := json.Marshal(state{Mode: s.set.Mode, Params: s.query.Encode(), SyncToken: next})
	return dirsync.Result{State: b}, nil
}

// Test returns the first n people as they would be written (a dry run;
// nothing is imported).
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	col := &dirsync.Collector{N: max(n, 1)}
	if _, err := s.listing(ctx, "", false, col); err != nil && !errors.Is(err, dirsync.ErrEnough) {
		return nil, fmt.Errorf("google %s: %w", s.set.Mode, err)
	}
	return col.Contacts, nil
}

// listing pages through the listing (the changes since syncToken when set)
// into sink and returns the nextSyncToken of its last page.
func (s *Source) listing(ctx context.Context, syncToken string, wantToken bool, sink dirsync.Sink) (string, error) {
	q := url.Values{}
	for k, v := range s.query {
		q[k] = v
	}
	if wantToken {
		q.Set("requestSyncToken", "true")
	}
	if syncToken != "" {
		q.Set("syncToken", syncToken)
	}
	delta := syncToken != ""
	for page := 1; page <= maxPages; page++ {
		body, err := s.get(ctx, s.api+s.list+"?"+q.Encode(), delta)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", page, err)
		}
		p, err := DecodePage(body, s.items)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", page, err)
		}
		for i, raw := range p.People {
			c, deleted, err := MapPerson(raw)
			if err != nil {
				return "", fmt.Errorf("page %d, %s[%d]: %w", page, s.items, i, err)
			}
			switch {
			case deleted && delta:
				err = sink.Delete(ctx, c.ExternalID)
			case deleted: // a full listing has no deletions to apply
			default:
				err = sink.Upsert(ctx, c)
			}
			if err != nil {
				return "", err
			}
		}
		if p.NextPageToken == "" {
			return p.NextSyncToken, nil
		}
		q.Set("pageToken", p.NextPageToken)
	}
	return "", fmt.Errorf("more than %d pages", maxPages)
}

// apiError is a People API error answer (google.rpc.Status in JSON:
// https://cloud.google.com/apis/design/errors#http_mapping).
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []struct {
		Type   string `json:"@type"`
		Reason string `json:"reason"`
	} `json:"details"`
	http int
}

func (e *apiError) Error() string {
	msg := e.Message
	if len(msg) > 300 {
		msg = msg[:300]
	}
	if r := e.reason(); r != "" {
		return fmt.Sprintf("HTTP %d %s (%s): %s", e.http, e.Status, r, msg)
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.http, e.Status, msg)
}

func (e *apiError) reason() string {
	for _, d := range e.Details {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

// expired reports an expired or invalid sync token: the ErrorInfo reason
// EXPIRED_SYNC_TOKEN (documented on both list methods), sent with HTTP 400
// FAILED_PRECONDITION in practice and 410 in older answers; without that
// reason, a 400 or 410 whose message is about the sync token ("Sync token
// is expired…", an invalid token). Only asked in a delta listing.
func (e *apiError) expired() bool {
	if e.reason() == "EXPIRED_SYNC_TOKEN" {
		return true
	}
	if e.http != http.StatusBadRequest && e.http != http.StatusGone {
		return false
	}
	return strings.Contains(strings.ToLower(e.Message), "sync token")
}

// get sends an authenticated GET with back-off on 429/503/504 (bounded by
// dirsync.Retry); a 401 fetches a new access token once. In a delta
// listing an expired sync token is dirsync.ErrResync.
func (s *Source) get(ctx context.Context, link string, delta bool) ([]byte, error) {
	return s.retry.GetBearer(ctx, link, s.token, func(status int, body []byte) error {
		var env struct {
			Error apiError `json:"error"`
		}
		_ = json.Unmarshal(body, &env)
		ae := &env.Error
		ae.http = status
		switch {
		case delta && ae.expired():
			return fmt.Errorf("%w: %v", dirsync.ErrResync, ae)
		case status == http.StatusForbidden:
			return dirsync.Refused(s.credentialKey(), fmt.Sprintf("the People API refused the request (%v): %s", ae, s.hint()))
		}
		return ae
	})
}

// credentialKey is the setting holding the main credential of the mode.
func (s *Source) credentialKey() string {
	if s.set.Mode == ModeDirectory {
		return "service_account_key"
	}
	return "refresh_token"
}

// hint says what a refusal usually means in the mode.
func (s *Source) hint() string {
	if s.set.Mode == ModeDirectory {
		return "enable the People API in the service account's project and authorise its client id for " + DirectoryScope +
			" in the Workspace admin console (domain-wide delegation); the subject must be a user of the domain"
	}
	return "enable the People API in the OAuth client's project and grant the refresh token " + ContactsScope
}

// token returns a cached access token, renewed 5 minutes before expiry or
// when force is set (a 401 answer).
func (s *Source) token(ctx context.Context, force bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !force && s.tok != nil && s.tok.AccessToken != "" &&
		(s.tok.Expiry.IsZero() || s.clock.Now().Add(5*time.Minute).Before(s.tok.Expiry)) {
		return s.tok.AccessToken, nil
	}
	tctx := context.WithValue(ctx, oauth2.HTTPClient, s.http)
	t, err := s.ts(tctx).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			code, desc := re.ErrorCode, re.ErrorDescription
			if code == "" { // the jwt package does not decode the body
				var b struct {
					Error string `json:"error"`
					Desc  string `json:"error_description"`
				}
				_ = json.Unmarshal(re.Body, &b)
				code, desc = b.Error, b.Desc
			}
			msg := fmt.Sprintf("token: HTTP %d %s %s", re.Response.StatusCode, code, desc)
			if key := s.refusedKey(code, desc); key != "" {
				return "", dirsync.Refused(key, msg)
			}
			return "", errors.New(msg)
		}
		return "", fmt.Errorf("token: %w", err)
	}
	s.tok = t
	return t.AccessToken, nil
}

// refusedKey names the setting a token endpoint error refuses (RFC 6749
// §5.2 codes): invalid_client is the client (or the service account), and
// invalid_grant the refresh token (or the signed assertion: the key, or the
// subject it impersonates: "Invalid email or User ID"); unauthorized_client
// in directory mode is the missing domain-wide delegation
// (https://developers.google.com/identity/protocols/oauth2/service-account#error-codes).
func (s *Source) refusedKey(code, desc string) string {
	switch {
	case s.set.Mode == ModeDirectory && (code == "invalid_client" || code == "unauthorized_client"):
		return "service_account_key"
	case s.set.Mode == ModeDirectory && code == "invalid_grant" && strings.Contains(strings.ToLower(desc), "email or user id"):
		return "subject"
	case s.set.Mode == ModeDirectory && code == "invalid_grant":
		return "service_account_key"
	case code == "invalid_client", code == "unauthorized_client":
		return "client_secret"
	case code == "invalid_grant":
		return "refresh_token"
	}
	return ""
}

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)
