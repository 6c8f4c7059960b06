// Package custom syncs contacts from a "custom contacts service" (the
// PBXware Custom Contact Source contract, as its reference implementation
// https://github.com/bicomsystems/custom-contacts-integrator serves it):
// GET /token with HTTP Basic client credentials returns a JWT that may live
// only two minutes; GET /contacts?limit&page pages through every contact
// (full sync); GET /contacts/delta?limit&page&timestamp returns the contacts
// updated at or after timestamp (inclusive, Unix seconds) and the ids deleted
// since the last read of deletions.
//
// The delta timestamp is the start of the last committed run minus an
// overlap (clock skew, the inclusive match re-delivers contacts, which is
// harmless). Deletions are handed out by the service only once, so a delta
// round that fails after reading them loses them: the engine's periodic full
// sync (mark-and-sweep) repairs that.
package custom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "custom" source type; register it with dirsync.WithTypes.
// The client secret goes to the URL's host: changing url needs it again.
var Type = dirsync.Type{Name: "custom", Secrets: []string{"client_secret"}, Destinations: []string{"url"}, Delta: true, New: New}

// Settings of a custom source.
type Settings struct {
	// URL is the service's base URL, e.g. https://contacts.example.com:5555.
	URL string `json:"url"`
	// ClientID and ClientSecret are the Basic credentials of GET /token.
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// PageSize is the limit per page (default 500, at most 5000).
	PageSize int `json:"page_size"`
	// OverlapSeconds is subtracted from the last run's start for the delta
	// timestamp (default 300).
	OverlapSeconds int `json:"overlap_seconds"`
}

// maxPages and maxEmptyPages stop a service that never stops answering
// has_more.
const (
	maxPages      = 1_000_000
	maxEmptyPages = 3
)

// Source is a configured custom contacts service.
type Source struct {
	set   Settings
	base  *url.URL
	retry dirsync.Retry
	clock dirsync.Clock
	token string
}

// New validates settings and returns the source (dirsync.Type.New).
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	u, err := dirsync.CheckURL("url", strings.TrimRight(s.URL, "/"))
	if err != nil {
		return nil, err
	}
	if s.ClientID == "" {
		return nil, dirsync.Invalid("client_id", "required")
	}
	if s.ClientSecret == "" {
		return nil, dirsync.Invalid("client_secret", "required")
	}
	if s.PageSize == 0 {
		s.PageSize = 500
	}
	if s.PageSize < 1 || s.PageSize > 5000 {
		return nil, dirsync.Invalid("page_size", "between 1 and 5000")
	}
	if s.OverlapSeconds == 0 {
		s.OverlapSeconds = 300
	}
	if s.OverlapSeconds < 0 || s.OverlapSeconds > 86400 {
		return nil, dirsync.Invalid("overlap_seconds", "between 0 and 86400")
	}
	clk := env.Clock
	if clk == nil {
		clk = dirsync.RealClock{}
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Source{set: s, base: u, clock: clk, retry: dirsync.Retry{Client: hc, Clock: clk, Attempts: env.Attempts()}}, nil
}

// state is the delta state: the start of the last committed run.
type state struct {
	Since int64 `json:"since"`
}

// Sync implements dirsync.Source.
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	start := s.clock.Now().Unix() // taken before the first request
	var st state
	if !req.Full {
		if err := json.Unmarshal(req.State, &st); err != nil || st.Since <= 0 {
			return dirsync.Result{}, fmt.Errorf("custom: unreadable delta state: %w", dirsync.ErrResync)
		}
	}
	ts := max(st.Since-int64(s.set.OverlapSeconds), 1)
	empty := 0
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"limit": {strconv.Itoa(s.set.PageSize)}, "page": {strconv.Itoa(page)}}
		path := "/contacts"
		if !req.Full {
			path = "/contacts/delta"
			q.Set("timestamp", strconv.FormatInt(ts, 10))
		}
		body, err := s.get(ctx, path, q)
		if err != nil {
			return dirsync.Result{}, err
		}
		more, n, err := apply(ctx, body, !req.Full, sink)
		if err != nil {
			return dirsync.Result{}, fmt.Errorf("custom: %s page %d: %w", path, page, err)
		}
		if n == 0 && more {
			if empty++; empty >= maxEmptyPages {
				return dirsync.Result{}, fmt.Errorf("custom: %s: %d empty pages in a row that claim has_more", path, empty)
			}
		} else {
			empty = 0
		}
		if !more {
			out, _ := json.Marshal(state{Since: start})
			return dirsync.Result{State: out}, nil
		}
	}
	return dirsync.Result{}, fmt.Errorf("custom: more than %d pages", maxPages)
}

// apply decodes one page and streams it into sink; n counts its entries.
func apply(ctx context.Context, body []byte, delta bool, sink dirsync.Sink) (more bool, n int, err error) {
	if delta {
		p, err := DecodeDelta(body)
		if err != nil {
			return false, 0, err
		}
		for i := range p.Updated {
			if err := sink.Upsert(ctx, p.Updated[i]); err != nil {
				return false, 0, err
			}
		}
		for _, id := range p.Deleted {
			if err := sink.Delete(ctx, id); err != nil {
				return false, 0, err
			}
		}
		return p.HasMore, len(p.Updated) + len(p.Deleted), nil
	}
	p, err := DecodeList(body)
	if err != nil {
		return false, 0, err
	}
	for _, c := range p.Contacts {
		if err := sink.Upsert(ctx, c); err != nil {
			return false, 0, err
		}
	}
	return p.HasMore, len(p.Contacts), nil
}

// get sends an authenticated GET; on 401 it fetches a new token and tries
// once more (tokens may live only two minutes, also mid-sync).
func (s *Source) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		if s.token == "" {
			if err := s.fetchToken(ctx); err != nil {
				return nil, err
			}
		}
		u := *s.base
		u.Path += path
		u.RawQuery = q.Encode()
		tok := s.token
		resp, err := s.retry.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
			if err == nil {
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("Accept", "application/json")
			}
			return r, err
		})
		if err != nil {
			return nil, fmt.Errorf("custom: GET %s: %w", path, err)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			s.token = ""
			continue
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("custom: GET %s: HTTP %d %s", path, resp.StatusCode, snippet(body))
		case rerr != nil:
			return nil, fmt.Errorf("custom: GET %s: %w", path, rerr)
		}
		return body, nil
	}
}

func (s *Source) fetchToken(ctx context.Context) error {
	u := *s.base
	u.Path += "/token"
	resp, err := s.retry.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err == nil {
			r.SetBasicAuth(s.set.ClientID, s.set.ClientSecret)
		}
		return r, err
	})
	if err != nil {
		return fmt.Errorf("custom: GET /token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return dirsync.Refused("client_secret", fmt.Sprintf("GET /token answered HTTP %d: the service refused client_id or client_secret", resp.StatusCode))
	default:
		return fmt.Errorf("custom: GET /token: HTTP %d %s", resp.StatusCode, snippet(body))
	}
	var t struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.Token == "" {
		return errors.New("custom: GET /token: answer without a token")
	}
	s.token = t.Token
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// ---- decoding ----

type wireContact struct {
	ID        json.RawMessage `json:"id"`
	FirstName string          `json:"first_name"`
	LastName  string          `json:"last_name"`
	Company   string          `json:"company"`
	Type      string          `json:"type"`
	Phones    []struct {
		Number string `json:"number"`
		Label  string `json:"label"`
	} `json:"phones"`
	Emails []struct {
		Email string `json:"email"`
		Label string `json:"label"`
	} `json:"emails"`
}

// ListPage is a decoded GET /contacts page.
type ListPage struct {
	Contacts []*phonebook.Contact
	HasMore  bool
}

// DeltaPage is a decoded GET /contacts/delta page.
type DeltaPage struct {
	Updated []*phonebook.Contact
	Deleted []string
	HasMore bool
}

// DecodeList decodes a GET /contacts body.
func DecodeList(b []byte) (*ListPage, error) {
	var w struct {
		Contacts []wireContact `json:"contacts"`
		HasMore  bool          `json:"has_more"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("decode contacts: %w", err)
	}
	p := &ListPage{HasMore: w.HasMore, Contacts: make([]*phonebook.Contact, 0, len(w.Contacts))}
	for i := range w.Contacts {
		c, err := w.Contacts[i].contact()
		if err != nil {
			return nil, fmt.Errorf("contacts[%d]: %w", i, err)
		}
		p.Contacts = append(p.Contacts, c)
	}
	return p, nil
}

// DecodeDelta decodes a GET /contacts/delta body.
func DecodeDelta(b []byte) (*DeltaPage, error) {
	var w struct {
		Updated []wireContact     `json:"updated"`
		Deleted []json.RawMessage `json:"deleted"`
		HasMore bool              `json:"has_more"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("decode delta: %w", err)
	}
	p := &DeltaPage{HasMore: w.HasMore, Updated: make([]*phonebook.Contact, 0, len(w.Updated))}
	for i := range w.Updated {
		c, err := w.Updated[i].contact()
		if err != nil {
			return nil, fmt.Errorf("updated[%d]: %w", i, err)
		}
		p.Updated = append(p.Updated, c)
	}
	for i, raw := range w.Deleted {
		id, err := decodeID(raw)
		if err != nil {
			return nil, fmt.Errorf("deleted[%d]: %w", i, err)
		}
		p.Deleted = append(p.Deleted, id)
	}
	return p, nil
}

// decodeID accepts the contract's string id and, leniently, a number.
func decodeID(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		s = strings.TrimSpace(s)
		if s == "" {
			return "", errors.New("empty id")
		}
		if len(s) > 256 {
			return "", errors.New("id longer than 256 bytes")
		}
		if strings.ContainsRune(s, 0) {
			return "", errors.New("id holds a NUL")
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", errors.New("id must be a string")
}

var phoneLabels = map[string]phonebook.NumberType{
	"mobile": phonebook.NumberMobile, "work": phonebook.NumberWork, "home": phonebook.NumberHome,
	"fax": phonebook.NumberFax, "other": phonebook.NumberOther,
}

func (w *wireContact) contact() (*phonebook.Contact, error) {
	id, err := decodeID(w.ID)
	if err != nil {
		return nil, fmt.Errorf("id: %w", err)
	}
	c := &phonebook.Contact{ExternalID: id, FirstName: strings.TrimSpace(w.FirstName),
		LastName: strings.TrimSpace(w.LastName), Company: strings.TrimSpace(w.Company)}
	typ := strings.ToLower(strings.TrimSpace(w.Type))
	if typ != "lead" {
		typ = "customer"
	}
	c.Custom = map[string]string{"type": typ}
	for _, p := range w.Phones {
		num := strings.TrimSpace(p.Number)
		if num == "" {
			continue
		}
		t, ok := phoneLabels[strings.ToLower(strings.TrimSpace(p.Label))]
		if !ok {
			t = phonebook.NumberOther
		}
		c.Numbers = append(c.Numbers, phonebook.Number{Type: t, Value: num})
	}
	for _, e := range w.Emails {
		addr := strings.TrimSpace(e.Email)
		if addr == "" {
			continue
		}
		l := strings.ToLower(strings.TrimSpace(e.Label))
		if l != "private" && l != "business" {
			l = "other"
		}
		c.Emails = append(c.Emails, phonebook.Email{Label: l, Address: addr})
	}
	dirsync.Finish(c)
	return c, nil
}

// Test returns the first n contacts (a dry run; nothing is imported).
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	body, err := s.get(ctx, "/contacts", url.Values{"limit": {strconv.Itoa(max(n, 1))}, "page": {"1"}})
	if err != nil {
		return nil, err
	}
	p, err := DecodeList(body)
	if err != nil {
		return nil, err
	}
	return p.Contacts, nil
}

// Target names the service's host (dirsync.Targeter).
func (s *Source) Target() (field, host string) { return "url", s.base.Host }

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)
