// Package google syncs contacts from Google through the People API
// (https://developers.google.com/people/api/rest), in one of two modes:
//
//   - "directory": a Google Workspace domain's directory, read by a service
//     account with domain-wide delegation
//     (https://developers.google.com/identity/protocols/oauth2/service-account#delegatingauthority):
//     a JWT bearer grant (RFC 7523) signed RS256 with the account's key,
//     with sub = the administrator to impersonate and the scope
//     https://www.googleapis.com/auth/directory.readonly, then GET
//     /v1/people:listDirectoryPeople
//     (https://developers.google.com/people/api/rest/v1/people/listDirectoryPeople);
//   - "contacts": one user's contacts, read with an OAuth client and that
//     user's refresh token (RFC 6749 §6), then GET
//     /v1/people/me/connections
//     (https://developers.google.com/people/api/rest/v1/people.connections/list).
//
// Both listings page with pageToken/nextPageToken and hand out a
// nextSyncToken on their last page; the next run passes it as syncToken and
// gets only the changes, deleted people carrying metadata.deleted. An
// expired sync token (EXPIRED_SYNC_TOKEN, HTTP 400 or 410) is
// dirsync.ErrResync: the engine runs a full sync. Plain net/http with
// golang.org/x/oauth2 and its jwt package; not the generated Google client.
package google

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "google" source type; register it with dirsync.WithTypes.
// The key, client secret and refresh token go to the token URL and the
// tokens they buy to the API URL: changing either needs them again.
var Type = dirsync.Type{Name: "google", Secrets: []string{"service_account_key", "client_secret", "refresh_token"},
	Destinations: []string{"token_url", "api_url"}, Delta: true, StateMaxAge: 7 * 24 * time.Hour, New: New}

// Modes of a Google source.
const (
	ModeDirectory = "directory" // a Workspace domain's directory (service account)
	ModeContacts  = "contacts"  // a user's contacts (OAuth refresh token)
)

// Default endpoints and scopes.
const (
	DefaultAPIURL   = "https://people.googleapis.com"
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	// DirectoryScope is what the service account is delegated.
	DirectoryScope = "https://www.googleapis.com/auth/directory.readonly"
	// ContactsScope is what the refresh token must have been granted.
	ContactsScope = "https://www.googleapis.com/auth/contacts.readonly"
)

// Fields asked for: readMask (directory) and personFields (contacts).
const personFields = "names,emailAddresses,phoneNumbers,organizations,metadata"

// Directory sources (listDirectoryPeople's sources parameter).
const (
	sourceProfile = "DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"
	sourceContact = "DIRECTORY_SOURCE_TYPE_DOMAIN_CONTACT"
)

// Settings of a Google source.
type Settings struct {
	// Mode is "directory" or "contacts".
	Mode string `json:"mode"`
	// ServiceAccountKey is the service account's JSON key file, as
	// downloaded from the Google Cloud console (directory; secret).
	ServiceAccountKey string `json:"service_account_key"`
	// Subject is the Workspace administrator the service account
	// impersonates (directory).
	Subject string `json:"subject"`
	// DomainContacts also lists the domain's shared contacts (directory;
	// default true).
	DomainContacts *bool `json:"domain_contacts"`
	// ClientID, ClientSecret (secret) and RefreshToken (secret) are the
	// OAuth client and the user's grant (contacts).
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RefreshToken string `json:"refresh_token"`
	// PageSize is the pageSize asked for (1–1000, default 1000).
	PageSize int `json:"page_size"`
	// APIURL and TokenURL override the endpoints (tests, proxies).
	APIURL   string `json:"api_url"`
	TokenURL string `json:"token_url"`
}

// serviceAccountKey is the part of a service account key file used.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
}

// Source is a configured Google source.
type Source struct {
	set    Settings
	api    string
	list   string // the listing's path
	query  url.Values
	items  string // the listing's array key: "people" or "connections"
	ts     func(ctx context.Context) oauth2.TokenSource
	retry  dirsync.Retry
	http   *http.Client
	clock  dirsync.Clock
	mu     sync.Mutex
	tok    *oauth2.Token
	target string
}

// New validates settings and returns the source (dirsync.Type.New).
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	if s.APIURL == "" {
		s.APIURL = DefaultAPIURL
	}
	if s.TokenURL == "" {
		s.TokenURL = DefaultTokenURL
	}
	if _, err := dirsync.CheckURL("api_url", s.APIURL); err != nil {
		return nil, err
	}
	if _, err := dirsync.CheckURL("token_url", s.TokenURL); err != nil {
		return nil, err
	}
	switch {
	case s.PageSize == 0:
		s.PageSize = 1000
	case s.PageSize < 1 || s.PageSize > 1000:
		return nil, dirsync.Invalid("page_size", "between 1 and 1000")
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	clk := env.Clock
	if clk == nil {
		clk = dirsync.RealClock{}
	}
	src := &Source{set: s, api: strings.TrimRight(s.APIURL, "/"), http: hc, clock: clk, target: "token_url",
		retry: dirsync.Retry{Client: hc, Clock: clk, Attempts: env.Attempts()}}
	q := url.Values{"pageSize": {fmt.Sprint(s.PageSize)}}
	switch s.Mode {
	case ModeDirectory:
		cfg, err := directoryConfig(s)
		if err != nil {
			return nil, err
		}
		src.ts = cfg.TokenSource
		src.list, src.items = "/v1/people:listDirectoryPeople", "people"
		q.Set("readMask", personFields)
		q["sources"] = []string{sourceProfile}
		if s.DomainContacts == nil || *s.DomainContacts {
			q["sources"] = append(q["sources"], sourceContact)
		}
	case ModeContacts:
		if s.ClientID == "" {
			return nil, dirsync.Invalid("client_id", "required (the OAuth client's id)")
		}
		if s.ClientSecret == "" {
			return nil, dirsync.Invalid("client_secret", "required (the OAuth client's secret)")
		}
		if s.RefreshToken == "" {
			return nil, dirsync.Invalid("refresh_token", "required (the user's refresh token, granted "+ContactsScope+")")
		}
		cfg := &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, Scopes: []string{ContactsScope},
			Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
		src.ts = func(ctx context.Context) oauth2.TokenSource {
			return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: s.RefreshToken})
		}
		src.list, src.items = "/v1/people/me/connections", "connections"
		q.Set("personFields", personFields)
	case "":
		return nil, dirsync.Invalid("mode", `required: "directory" (Workspace directory) or "contacts" (a user's contacts)`)
	default:
		return nil, dirsync.Invalid("mode", fmt.Sprintf(`%q: "directory" or "contacts"`, s.Mode))
	}
	src.query = q
	return src, nil
}

// directoryConfig checks the directory settings and builds the JWT grant.
func directoryConfig(s Settings) (*jwt.Config, error) {
	if strings.TrimSpace(s.ServiceAccountKey) == "" {
		return nil, dirsync.Invalid("service_account_key", "required (the service account's JSON key file)")
	}
	var k serviceAccountKey
	if err := json.Unmarshal([]byte(s.ServiceAccountKey), &k); err != nil {
		return nil, dirsync.Invalid("service_account_key", "not a JSON key file: "+err.Error())
	}
	if k.Type != "service_account" {
		return nil, dirsync.Invalid("service_account_key", fmt.Sprintf(`"type" is %q, want "service_account"`, k.Type))
	}
	if k.ClientEmail == "" {
		return nil, dirsync.Invalid("service_account_key", `"client_email" is missing`)
	}
	if err := checkKey(k.PrivateKey); err != nil {
		return nil, dirsync.Invalid("service_account_key", `"private_key": `+err.Error())
	}
	if !strings.Contains(s.Subject, "@") {
		return nil, dirsync.Invalid("subject", "required: the e-mail address of a Workspace administrator to impersonate")
	}
	return &jwt.Config{Email: k.ClientEmail, PrivateKey: []byte(k.PrivateKey), PrivateKeyID: k.PrivateKeyID,
		Subject: s.Subject, Scopes: []string{DirectoryScope}, TokenURL: s.TokenURL}, nil
}

// checkKey reports whether pemKey is an RSA private key (PKCS #8, as
// Google issues them, or PKCS #1).
func checkKey(pemKey string) error {
	b, _ := pem.Decode([]byte(pemKey))
	if b == nil {
		return errors.New("not a PEM block (-----BEGIN PRIVATE KEY-----)")
	}
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		if _, ok := k.(*rsa.PrivateKey); !ok {
			return fmt.Errorf("a %T, not an RSA key", k)
		}
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(b.Bytes); err != nil {
		return fmt.Errorf("not an RSA private key: %w", err)
	}
	return nil
}

// Target names where the source connects first: the token endpoint
// (dirsync.Targeter).
func (s *Source) Target() (field, host string) {
	if u, err := url.Parse(s.set.TokenURL); err == nil {
		host = u.Host
	}
	return s.target, host
}
