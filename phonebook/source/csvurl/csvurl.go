// Package csvurl syncs contacts from a CSV file fetched over HTTP(S) on the
// source's interval: the Central Phone Book, Google or Outlook formats read
// by phonebook/csvbook. Requests are conditional (If-None-Match /
// If-Modified-Since from the last committed run); a 304 applies nothing.
// A file with malformed rows is not applied at all.
//
// CSV rows carry no id, so a contact's external id is derived from its
// name, company and first e-mail: editing a number updates the contact,
// renaming it replaces it. Rows with the same key get "#2", "#3"… in file
// order.
package csvurl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "csv-url" source type; register it with dirsync.WithTypes.
// The password or bearer token goes to the URL's host: changing url needs
// them again.
var Type = dirsync.Type{Name: "csv-url", Secrets: []string{"password", "bearer_token"}, Destinations: []string{"url"}, Delta: false, New: New}

// Settings of a CSV-by-URL source.
type Settings struct {
	// URL of the CSV file (http or https).
	URL string `json:"url"`
	// Username and Password for HTTP Basic auth, or BearerToken.
	Username    string `json:"username"`
	Password    string `json:"password"`
	BearerToken string `json:"bearer_token"`
	// Format forces "central-phone-book", "google" or "outlook" (default: detect).
	Format string `json:"format"`
	// MaxBytes caps the download (default 200 MB).
	MaxBytes int64 `json:"max_bytes"`
}

// Source is a configured CSV URL.
type Source struct {
	set   Settings
	retry dirsync.Retry
	opts  []csvbook.Option
}

// New validates settings and returns the source (dirsync.Type.New).
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	if _, err := dirsync.CheckURL("url", s.URL); err != nil {
		return nil, err
	}
	if s.MaxBytes == 0 {
		s.MaxBytes = 200 << 20
	}
	if s.MaxBytes < 1 {
		return nil, dirsync.Invalid("max_bytes", "must be positive")
	}
	// Every row is checked against the contact rules as it is read, so a
	// run refused for bad rows names them all, not the first one.
	src := &Source{set: s, opts: []csvbook.Option{csvbook.WithCheck(phonebook.CheckContact)}}
	switch s.Format {
	case "":
	case "central-phone-book":
		src.opts = append(src.opts, csvbook.WithFormat(csvbook.FormatCentralPhoneBook))
	case "google":
		src.opts = append(src.opts, csvbook.WithFormat(csvbook.FormatGoogle))
	case "outlook":
		src.opts = append(src.opts, csvbook.WithFormat(csvbook.FormatOutlook))
	default:
		return nil, dirsync.Invalid("format", "central-phone-book, google or outlook (or empty to detect)")
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	src.retry = dirsync.Retry{Client: hc, Clock: env.Clock, Attempts: env.Attempts()}
	return src, nil
}

// state remembers the validators of the last applied download.
type state struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Sync implements dirsync.Source (always a full read).
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	var prev state
	if req.State != nil {
		_ = json.Unmarshal(req.State, &prev)
	}
	resp, err := s.retry.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, s.set.URL, nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("Accept", "text/csv, text/plain;q=0.9, */*;q=0.1")
		switch {
		case s.set.BearerToken != "":
			r.Header.Set("Authorization", "Bearer "+s.set.BearerToken)
		case s.set.Username != "":
			r.SetBasicAuth(s.set.Username, s.set.Password)
		}
		if prev.ETag != "" {
			r.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			r.Header.Set("If-Modified-Since", prev.LastModified)
		}
		return r, nil
	})
	if err != nil {
		return dirsync.Result{}, fmt.Errorf("csv-url: GET: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return dirsync.Result{State: req.State, NotModified: true}, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		return dirsync.Result{}, s.refused(resp.StatusCode)
	default:
		return dirsync.Result{}, fmt.Errorf("csv-url: GET: HTTP %d", resp.StatusCode)
	}
	body := &limited{r: resp.Body, n: s.set.MaxBytes}
	if err := Stream(ctx, body, sink, s.opts...); err != nil {
		if body.over {
			return dirsync.Result{}, fmt.Errorf("csv-url: file larger than max_bytes (%d)", s.set.MaxBytes)
		}
		return dirsync.Result{}, fmt.Errorf("csv-url: %w", err)
	}
	next, _ := json.Marshal(state{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")})
	return dirsync.Result{State: next}, nil
}

// refused names the credential a 401 or 403 refused.
func (s *Source) refused(code int) error {
	switch {
	case s.set.BearerToken != "":
		return dirsync.Refused("bearer_token", fmt.Sprintf("the server refused the bearer token (HTTP %d)", code))
	case s.set.Username != "":
		return dirsync.Refused("password", fmt.Sprintf("the server refused username %q and its password (HTTP %d)", s.set.Username, code))
	default:
		return dirsync.Refused("username", fmt.Sprintf("the server asks for credentials (HTTP %d): set username and password, or bearer_token", code))
	}
}

// Test returns the first n contacts of the file (a dry run; nothing is
// imported).
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	col := &dirsync.Collector{N: max(n, 1)}
	if _, err := s.Sync(ctx, dirsync.Request{Full: true}, col); err != nil && !errors.Is(err, dirsync.ErrEnough) {
		return nil, err
	}
	return col.Contacts, nil
}

// Target names the file's host (dirsync.Targeter).
func (s *Source) Target() (field, host string) {
	if u, err := url.Parse(s.set.URL); err == nil {
		return "url", u.Host
	}
	return "url", ""
}

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)

// limited fails a read past n bytes (rather than truncating the file).
type limited struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.over = true
		return 0, errors.New("file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// Stream reads a CSV and upserts its contacts with derived external ids. A
// malformed file returns csvbook's *ParseError naming every bad line.
func Stream(ctx context.Context, r io.Reader, sink dirsync.Sink, opts ...csvbook.Option) error {
	rd := csvbook.NewReader(r, opts...)
	seen := map[string]int{}
	for {
		c, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		key := Key(c)
		seen[key]++
		if n := seen[key]; n > 1 {
			key = fmt.Sprintf("%s#%d", key, n)
		}
		c.ExternalID = key
		c.ID = ""
		if err := sink.Upsert(ctx, c); err != nil {
			return fmt.Errorf("line %d: %w", rd.Line(), err)
		}
	}
}

// Key derives a row's external id from its name, company and first e-mail.
func Key(c *phonebook.Contact) string {
	parts := []string{c.FirstName, c.MiddleName, c.LastName, c.Company}
	if len(c.Emails) > 0 {
		parts = append(parts, c.Emails[0].Address)
	}
	if strings.TrimSpace(strings.Join(parts, "")) == "" {
		parts = append(parts, c.DisplayName)
		for _, n := range c.Numbers {
			parts = append(parts, n.Value)
		}
	}
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.TrimSpace(p))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return "csv-" + hex.EncodeToString(sum[:12])
}
