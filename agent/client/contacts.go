package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Contact is a contact as the API shows it: the effective contact and, for
// a synced contact, the fields edited locally.
type Contact struct {
	phonebook.Contact
	// LocalFields names the fields of a synced contact edited through the
	// API (they survive syncs until reverted).
	LocalFields []string `json:"local_fields,omitempty"`
}

// ContactInput is what a client may set on a new contact. Zero fields are
// left out; the daemon derives DisplayName from the name parts, company,
// e-mail or number unless it is set.
type ContactInput struct {
	Scope             phonebook.Scope    `json:"scope,omitempty"`
	Owner             string             `json:"owner,omitempty"`
	FirstName         string             `json:"first_name,omitempty"`
	MiddleName        string             `json:"middle_name,omitempty"`
	LastName          string             `json:"last_name,omitempty"`
	DisplayName       string             `json:"display_name,omitempty"`
	Company           string             `json:"company,omitempty"`
	Department        string             `json:"department,omitempty"`
	JobTitle          string             `json:"job_title,omitempty"`
	OfficeLocation    string             `json:"office_location,omitempty"`
	PreferredLanguage string             `json:"preferred_language,omitempty"`
	UserPrincipalName string             `json:"user_principal_name,omitempty"`
	Emails            []phonebook.Email  `json:"emails,omitempty"`
	Numbers           []phonebook.Number `json:"numbers,omitempty"`
	Custom            map[string]string  `json:"custom,omitempty"`
}

// Patch is a JSON merge patch (RFC 7396) of a contact: keys are the JSON
// names of ContactInput; a nil value clears the field; a list replaces the
// whole list.
type Patch map[string]any

// Page is one page of search results, sorted by display name.
type Page = phonebook.Page

// Query selects contacts; see phonebook.Query. Limit 0 means the daemon's
// default page size (100), at most 1000.
type Query = phonebook.Query

const contactsPath = "/api/v1/contacts"

// errNoID rejects an empty contact id before it turns into a request for
// the collection.
var errNoID = errors.New("contact id: empty")

func contactPath(id string) string { return contactsPath + "/" + url.PathEscape(id) }

// SearchContacts returns one page of contacts matching q.
func (c *Client) SearchContacts(ctx context.Context, q Query) (*Page, error) {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Q)
	set("scope", string(q.Scope))
	set("owner", q.Owner)
	set("source", q.Source)
	set("visible_to", q.VisibleTo)
	set("cursor", q.Cursor)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var p Page
	if err := c.doJSON(ctx, http.MethodGet, contactsPath, v, "", nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AllContacts yields every contact matching q, following the pages'
// cursors from q.Cursor on. It stops after the first error, which it
// yields with a nil contact. total (when not nil) is set from each page.
func (c *Client) AllContacts(ctx context.Context, q Query, total *int) iter.Seq2[*phonebook.Contact, error] {
	return func(yield func(*phonebook.Contact, error) bool) {
		seen := map[string]bool{}
		for {
			p, err := c.SearchContacts(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			if total != nil {
				*total = p.Total
			}
			for _, ct := range p.Contacts {
				if !yield(ct, nil) {
					return
				}
			}
			// A cursor seen before would loop forever: stop instead.
			if p.NextCursor == "" || seen[p.NextCursor] {
				return
			}
			seen[p.NextCursor] = true
			q.Cursor = p.NextCursor
		}
	}
}

// GetContact returns the contact with the id.
func (c *Client) GetContact(ctx context.Context, id string) (*Contact, error) {
	if id == "" {
		return nil, errNoID
	}
	var ct Contact
	if err := c.doJSON(ctx, http.MethodGet, contactPath(id), nil, "", nil, &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// CreateContact creates a contact and returns it with its new id.
func (c *Client) CreateContact(ctx context.Context, in *ContactInput) (*Contact, error) {
	return c.CreateContactJSON(ctx, in)
}

// CreateContactJSON creates a contact from any value that encodes to the
// JSON of a ContactInput (a map read from a file, say); the daemon rejects
// unknown keys.
func (c *Client) CreateContactJSON(ctx context.Context, in any) (*Contact, error) {
	var ct Contact
	if err := c.doJSON(ctx, http.MethodPost, contactsPath, nil, "application/json", in, &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// PatchContact applies a merge patch to the contact and returns the result.
func (c *Client) PatchContact(ctx context.Context, id string, p Patch) (*Contact, error) {
	if id == "" {
		return nil, errNoID
	}
	var ct Contact
	if err := c.doJSON(ctx, http.MethodPatch, contactPath(id), nil, "application/merge-patch+json", p, &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// DeleteContact deletes the contact (a synced one stays deleted through
// syncs).
func (c *Client) DeleteContact(ctx context.Context, id string) error {
	if id == "" {
		return errNoID
	}
	return c.doJSON(ctx, http.MethodDelete, contactPath(id), nil, "", nil, nil)
}
