// Package m365 syncs contacts from Microsoft 365 through Microsoft Graph
// (app-only, client credentials:
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
// users from GET /users/delta and organisational contacts from GET
// /contacts/delta, following @odata.nextLink to @odata.deltaLink
// (https://learn.microsoft.com/graph/delta-query-overview). Items carrying
// @removed are deleted; disabled accounts and guests are skipped (and
// removed when they become so) unless configured. Delta does not return an
// org contact's phones (https://learn.microsoft.com/graph/api/orgcontact-delta
// shows none; request filed at
// https://techcommunity.microsoft.com/idea/microsoft365developerplatform/get-orgcontacts-delta-with-their-addresses-and-phones/2890048),
// so they are read with GET /contacts/{id}?$select=phones.
//
// Plain net/http and golang.org/x/oauth2/clientcredentials, not the Graph
// SDK. The application needs User.Read.All and OrgContact.Read.All (or
// Directory.Read.All) with admin consent
// (https://learn.microsoft.com/graph/api/user-delta,
// https://learn.microsoft.com/graph/api/orgcontact-delta).
package m365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Type is the "m365" source type; register it with dirsync.WithTypes.
// The client secret goes to the token URL (derived from the tenant unless
// set) and the tokens it buys to the Graph URL: changing any of them needs
// it again.
var Type = dirsync.Type{Name: "m365", Secrets: []string{"client_secret"}, Destinations: []string{"tenant_id", "token_url", "graph_url"},
	Delta: true, StateMaxAge: 7 * 24 * time.Hour, New: New}

// DefaultFieldMap maps Graph user properties to contact fields.
var DefaultFieldMap = map[string]string{
	"businessPhones":    "work",
	"displayName":       "display_name",
	"mail":              "email",
	"givenName":         "first_name",
	"jobTitle":          "job_title",
	"mobilePhone":       "mobile",
	"officeLocation":    "office_location",
	"preferredLanguage": "preferred_language",
	"surname":           "last_name",
	"userPrincipalName": "user_principal_name",
	"department":        "department",
}

// Settings of a Microsoft 365 source.
type Settings struct {
	TenantID     string `json:"tenant_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// IncludeDisabled and IncludeGuests keep accounts with
	// accountEnabled=false and userType=Guest (skipped by default).
	IncludeDisabled bool `json:"include_disabled"`
	IncludeGuests   bool `json:"include_guests"`
	// OrgContacts also syncs organisational contacts (default true).
	OrgContacts *bool `json:"org_contacts"`
	// FieldMap maps Graph user properties to contact fields (see
	// DefaultFieldMap, which it replaces when given).
	FieldMap map[string]string `json:"field_map"`
	// GraphURL and TokenURL override the endpoints (national clouds, tests).
	GraphURL string `json:"graph_url"`
	TokenURL string `json:"token_url"`
	// TokenScope is the scope tokens are asked for; empty: GraphScope of
	// GraphURL (a proxy in front of Graph sets the real Graph's scope).
	TokenScope string `json:"token_scope"`
}

// GraphScope is the client-credentials scope for the Graph at graphURL:
// its origin followed by /.default, so that a national cloud's Graph
// (https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn, …;
// https://learn.microsoft.com/graph/deployments) gets a token for itself
// rather than for the global https://graph.microsoft.com.
func GraphScope(graphURL string) (string, error) {
	u, err := url.Parse(graphURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("graph_url %q: not an absolute URL", graphURL)
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + "/.default", nil
}

var (
	guidRE = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}$`)
	propRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,63}$`)
)

// Source is a configured Microsoft 365 tenant.
type Source struct {
	set     Settings
	graph   string
	cc      clientcredentials.Config
	http    *http.Client
	retry   dirsync.Retry
	fields  map[string]string // Graph property → canonical contact field
	userSel string
	orgOn   bool
	mu      sync.Mutex
	tok     *oauth2.Token
	clock   dirsync.Clock
}

// New validates settings and returns the source (dirsync.Type.New).
func New(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var s Settings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, dirsync.Invalid("", err.Error())
	}
	if !guidRE.MatchString(s.TenantID) {
		return nil, dirsync.Invalid("tenant_id", "the tenant id (GUID) or domain is required")
	}
	if s.ClientID == "" {
		return nil, dirsync.Invalid("client_id", "required")
	}
	if s.ClientSecret == "" {
		return nil, dirsync.Invalid("client_secret", "required")
	}
	if s.GraphURL == "" {
		s.GraphURL = "https://graph.microsoft.com/v1.0"
	}
	if s.TokenURL == "" {
		s.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(s.TenantID) + "/oauth2/v2.0/token"
	}
	for _, k := range []string{"graph_url", "token_url"} {
		v := map[string]string{"graph_url": s.GraphURL, "token_url": s.TokenURL}[k]
		if _, err := dirsync.CheckURL(k, v); err != nil {
			return nil, err
		}
	}
	scope := s.TokenScope
	if scope == "" {
		var err error
		if scope, err = GraphScope(s.GraphURL); err != nil {
			return nil, dirsync.Invalid("graph_url", err.Error())
		}
	} else if u, err := url.Parse(scope); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, dirsync.Invalid("token_scope", "an absolute URL such as https://graph.microsoft.com/.default")
	}
	fm := s.FieldMap
	if len(fm) == 0 {
		fm = DefaultFieldMap
	}
	fields := map[string]string{}
	for prop, field := range fm {
		if !propRE.MatchString(prop) {
			return nil, dirsync.Invalid("field_map", fmt.Sprintf("%q is not a Graph property name", prop))
		}
		cf := dirsync.CanonicalField(field)
		if cf == "" {
			return nil, dirsync.Invalid("field_map", fmt.Sprintf("%q: unknown contact field %q", prop, field))
		}
		fields[prop] = cf
	}
	sel := []string{"id", "accountEnabled", "userType"}
	for p := range fields {
		if !slices.Contains(sel, p) {
			sel = append(sel, p)
		}
	}
	slices.Sort(sel[3:])
	hc := env.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	clk := env.Clock
	if clk == nil {
		clk = dirsync.RealClock{}
	}
	src := &Source{set: s, graph: strings.TrimRight(s.GraphURL, "/"), http: hc, fields: fields, clock: clk,
		userSel: strings.Join(sel, ","), orgOn: s.OrgContacts == nil || *s.OrgContacts,
		retry: dirsync.Retry{Client: hc, Clock: clk, Attempts: env.Attempts()},
		cc: clientcredentials.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, TokenURL: s.TokenURL,
			Scopes: []string{scope}, AuthStyle: oauth2.AuthStyleInParams}}
	return src, nil
}

// maxEmptyPages bounds consecutive empty pages that still carry a nextLink.
const maxEmptyPages = 1000

// orgSelect is what contacts/delta asks for (delta never returns phones).
const orgSelect = "id,displayName,givenName,surname,mail,companyName,department,jobTitle"

// state is the delta state: the two deltaLinks.
type state struct {
	Users    string `json:"users"`
	Contacts string `json:"contacts,omitempty"`
}

// Sync implements dirsync.Source.
func (s *Source) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	var st state
	if !req.Full {
		if err := json.Unmarshal(req.State, &st); err != nil || st.Users == "" || (s.orgOn && st.Contacts == "") {
			return dirsync.Result{}, fmt.Errorf("m365: no usable deltaLink: %w", dirsync.ErrResync)
		}
	} else {
		st.Users = s.graph + "/users/delta?" + url.Values{"$select": {s.userSel}}.Encode()
		if s.orgOn {
			st.Contacts = s.graph + "/contacts/delta?" + url.Values{"$select": {orgSelect}}.Encode()
		}
	}
	var out state
	var err error
	if out.Users, err = s.round(ctx, st.Users, !req.Full, sink, s.user); err != nil {
		return dirsync.Result{}, fmt.Errorf("m365 users: %w", err)
	}
	if s.orgOn {
		if out.Contacts, err = s.round(ctx, st.Contacts, !req.Full, sink, s.orgContact); err != nil {
			return dirsync.Result{}, fmt.Errorf("m365 org contacts: %w", err)
		}
	}
	b, _ := json.Marshal(out)
	return dirsync.Result{State: b}, nil
}

// item handles one delta entry (not @removed).
type item func(ctx context.Context, o map[string]json.RawMessage, delta bool, sink dirsync.Sink) error

// round follows nextLinks from link to the deltaLink it returns.
func (s *Source) round(ctx context.Context, link string, delta bool, sink dirsync.Sink, fn item) (string, error) {
	empty := 0
	for pages := 0; pages < 1_000_000; pages++ {
		body, err := s.get(ctx, link, delta)
		if err != nil {
			return "", err
		}
		p, err := DecodePage(body)
		if err != nil {
			return "", fmt.Errorf("page %d: %w", pages+1, err)
		}
		if len(p.Value) == 0 && p.NextLink != "" {
			// Graph may send empty pages with a nextLink; not forever.
			if empty++; empty > maxEmptyPages {
				return "", fmt.Errorf("page %d: %d empty pages in a row", pages+1, empty)
			}
		} else {
			empty = 0
		}
		for _, o := range p.Value {
			id := p.id(o)
			if id == "" || strings.ContainsRune(id, 0) || len(id) > 256 {
				return "", fmt.Errorf("page %d: entry without a valid id", pages+1)
			}
			if _, removed := o["@removed"]; removed {
				if err := sink.Delete(ctx, id); err != nil {
					return "", err
				}
				continue
			}
			if err := fn(ctx, o, delta, sink); err != nil {
				return "", err
			}
		}
		switch {
		case p.DeltaLink != "":
			return p.DeltaLink, nil
		case p.NextLink != "":
			if err := s.sameHost(p.NextLink); err != nil {
				return "", err
			}
			link = p.NextLink
		default:
			return "", fmt.Errorf("page %d has neither @odata.nextLink nor @odata.deltaLink", pages+1)
		}
	}
	return "", errors.New("too many pages")
}

// sameHost refuses links pointing away from the Graph host (the bearer
// token must not leak).
func (s *Source) sameHost(link string) error {
	u, err := url.Parse(link)
	g, _ := url.Parse(s.graph)
	if err != nil || u.Host != g.Host || u.Scheme != g.Scheme {
		return fmt.Errorf("link to another host refused: %.100s", link)
	}
	return nil
}

func str(o map[string]json.RawMessage, k string) string {
	var s string
	if v, ok := o[k]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// values reads a string or an array of strings.
func values(v json.RawMessage) []string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return []string{s}
	}
	var a []string
	if json.Unmarshal(v, &a) == nil {
		return a
	}
	return nil
}

func (s *Source) user(ctx context.Context, o map[string]json.RawMessage, delta bool, sink dirsync.Sink) error {
	id := str(o, "id")
	skip := false
	if v, ok := o["accountEnabled"]; ok && !s.set.IncludeDisabled && string(v) == "false" {
		skip = true
	}
	if strings.EqualFold(str(o, "userType"), "Guest") && !s.set.IncludeGuests {
		skip = true
	}
	if skip {
		if delta { // it may have been in the directory before it was disabled
			return sink.Delete(ctx, id)
		}
		return nil
	}
	c := &phonebook.Contact{ExternalID: id}
	props := make([]string, 0, len(s.fields))
	for p := range s.fields {
		props = append(props, p)
	}
	slices.Sort(props) // deterministic order of numbers and e-mails
	for _, p := range props {
		if v, ok := o[p]; ok {
			for _, x := range values(v) {
				dirsync.SetField(c, s.fields[p], x)
			}
		}
	}
	dirsync.Finish(c)
	return sink.Upsert(ctx, c)
}

var phoneTypes = map[string]phonebook.NumberType{
	"business": phonebook.NumberWork, "mobile": phonebook.NumberMobile, "home": phonebook.NumberHome,
	"businessfax": phonebook.NumberFax, "homefax": phonebook.NumberFax, "otherfax": phonebook.NumberFax,
}

func (s *Source) orgContact(ctx context.Context, o map[string]json.RawMessage, delta bool, sink dirsync.Sink) error {
	id := str(o, "id")
	c := &phonebook.Contact{ExternalID: id, DisplayName: str(o, "displayName"), FirstName: str(o, "givenName"),
		LastName: str(o, "surname"), Company: str(o, "companyName"), Department: str(o, "department"), JobTitle: str(o, "jobTitle")}
	if m := str(o, "mail"); m != "" {
		c.Emails = []phonebook.Email{{Address: m}}
	}
	phones, ok := o["phones"]
	if !ok {
		body, err := s.get(ctx, s.graph+"/contacts/"+url.PathEscape(id)+"?$select=id,phones", false)
		var he *httpError
		if errors.As(err, &he) && he.code == http.StatusNotFound {
			return sink.Delete(ctx, id) // deleted since the delta page was made
		}
		if err != nil {
			return fmt.Errorf("phones of %s: %w", id, err)
		}
		var full map[string]json.RawMessage
		if err := json.Unmarshal(body, &full); err != nil {
			return fmt.Errorf("phones of %s: %w", id, err)
		}
		phones = full["phones"]
	}
	var ps []struct {
		Number string `json:"number"`
		Type   string `json:"type"`
	}
	if len(phones) > 0 {
		if err := json.Unmarshal(phones, &ps); err != nil {
			return fmt.Errorf("phones of %s: %w", id, err)
		}
	}
	for _, p := range ps {
		if n := strings.TrimSpace(p.Number); n != "" {
			t, ok := phoneTypes[strings.ToLower(p.Type)]
			if !ok {
				t = phonebook.NumberOther
			}
			c.Numbers = append(c.Numbers, phonebook.Number{Type: t, Value: n})
		}
	}
	dirsync.Finish(c)
	return sink.Upsert(ctx, c)
}

// ---- HTTP ----

type httpError struct {
	code int
	gc   string
	msg  string
}

func (e *httpError) Error() string {
	if e.gc != "" {
		return fmt.Sprintf("HTTP %d %s: %s", e.code, e.gc, e.msg)
	}
	return fmt.Sprintf("HTTP %d", e.code)
}

var resyncCodes = []string{"syncStateNotFound", "syncStateInvalid", "resyncRequired"}

// get sends an authenticated GET with back-off; on 401 it fetches a new
// token once. In a delta round a 410 or a resync error code is ErrResync.
func (s *Source) get(ctx context.Context, link string, delta bool) ([]byte, error) {
	return s.retry.GetBearer(ctx, link, s.token, func(status int, body []byte) error {
		he := &httpError{code: status}
		var ge struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &ge) == nil {
			he.gc, he.msg = ge.Error.Code, ge.Error.Message
			if len(he.msg) > 300 {
				he.msg = he.msg[:300]
			}
		}
		switch {
		case delta && (status == http.StatusGone || slices.Contains(resyncCodes, he.gc)):
			return fmt.Errorf("%w: %v", dirsync.ErrResync, he)
		case status == http.StatusForbidden:
			return dirsync.Refused("client_id", fmt.Sprintf("Graph refused the application (%v): grant it the application permissions "+
				"User.Read.All and OrgContact.Read.All (or Directory.Read.All), with admin consent", he))
		}
		return he
	})
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
	t, err := s.cc.Token(tctx)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			msg := fmt.Sprintf("token: HTTP %d %s %s", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription)
			if key := refusedKey(re.ErrorCode, re.ErrorDescription); key != "" {
				return "", dirsync.Refused(key, msg)
			}
			return "", errors.New(msg)
		}
		return "", fmt.Errorf("token: %w", err)
	}
	s.tok = t
	return t.AccessToken, nil
}

// refusedKey names the setting a token error refuses, from the Microsoft
// Entra error codes
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes):
// AADSTS7000215 (invalid secret) and AADSTS7000222 (expired secret) are the
// client secret, AADSTS700016 (application not found in the tenant) the
// client id, AADSTS90002 and AADSTS900023 (tenant not found or invalid) the
// tenant. "" means the answer is not about credentials.
func refusedKey(code, desc string) string {
	switch {
	case strings.Contains(desc, "AADSTS7000215"), strings.Contains(desc, "AADSTS7000222"):
		return "client_secret"
	case strings.Contains(desc, "AADSTS700016"), code == "unauthorized_client":
		return "client_id"
	case strings.Contains(desc, "AADSTS90002:"), strings.Contains(desc, "AADSTS900023"):
		return "tenant_id"
	case code == "invalid_client":
		return "client_secret"
	}
	return ""
}

// Test returns the first n users (then org contacts) as they would be
// written (a dry run; nothing is imported).
func (s *Source) Test(ctx context.Context, n int) ([]*phonebook.Contact, error) {
	col := &dirsync.Collector{N: max(n, 1)}
	users := s.graph + "/users/delta?" + url.Values{"$select": {s.userSel}}.Encode()
	if _, err := s.round(ctx, users, false, col, s.user); err != nil && !errors.Is(err, dirsync.ErrEnough) {
		return nil, fmt.Errorf("m365 users: %w", err)
	}
	if s.orgOn && len(col.Contacts) < col.N {
		orgs := s.graph + "/contacts/delta?" + url.Values{"$select": {orgSelect}}.Encode()
		if _, err := s.round(ctx, orgs, false, col, s.orgContact); err != nil && !errors.Is(err, dirsync.ErrEnough) {
			return nil, fmt.Errorf("m365 org contacts: %w", err)
		}
	}
	return col.Contacts, nil
}

// Target names where the source connects first: the token endpoint
// (dirsync.Targeter).
func (s *Source) Target() (field, host string) {
	field = "tenant_id"
	if s.set.TokenURL != "" && !strings.HasPrefix(s.set.TokenURL, "https://login.microsoftonline.com/") {
		field = "token_url"
	}
	if u, err := url.Parse(s.cc.TokenURL); err == nil {
		host = u.Host
	}
	return field, host
}

var (
	_ dirsync.Tester   = (*Source)(nil)
	_ dirsync.Targeter = (*Source)(nil)
)

// ---- decoding ----

// Page is one decoded delta page.
type Page struct {
	Value     []map[string]json.RawMessage `json:"value"`
	NextLink  string                       `json:"@odata.nextLink"`
	DeltaLink string                       `json:"@odata.deltaLink"`
}

func (p *Page) id(o map[string]json.RawMessage) string { return strings.TrimSpace(str(o, "id")) }

// DecodePage decodes a delta page; a page has either a nextLink or a
// deltaLink, never both.
func DecodePage(b []byte) (*Page, error) {
	var p Page
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode delta page: %w", err)
	}
	if p.NextLink != "" && p.DeltaLink != "" {
		return nil, errors.New("decode delta page: both @odata.nextLink and @odata.deltaLink")
	}
	return &p, nil
}
