package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// writeWait is how long an API write waits for a bulk operation to finish
// before answering 503.
const writeWait = 5 * time.Second

// Contacts serves /api/v1/contacts and /api/v1/lookup on a store.
type Contacts struct {
	store      *phonebook.Store
	lookups    *prometheus.CounterVec
	sourceName func(id string) (string, bool)
	// imports, when set (NewComponent), tells a write refused while an
	// import holds the directory how long it has left.
	imports   *Imports
	writeWait time.Duration // 0: writeWait
}

// ContactsOption configures the contacts API.
type ContactsOption func(*Contacts)

// WithSourceNames lets the search's source parameter name a sync source by
// its id: name returns the source name of an id (false when no source has
// it). Contacts are keyed by the source's name.
func WithSourceNames(name func(id string) (string, bool)) ContactsOption {
	return func(c *Contacts) { c.sourceName = name }
}

// NewContacts returns the contacts API.
func NewContacts(store *phonebook.Store, reg prometheus.Registerer, opts ...ContactsOption) *Contacts {
	c := &Contacts{store: store, lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pbxagent_api_lookups_total", Help: "Reverse lookups through /api/v1/lookup by match kind.",
	}, []string{"match"})}
	for _, o := range opts {
		o(c)
	}
	reg.MustRegister(c.lookups)
	return c
}

// source resolves the search's source parameter: a sync source's id first,
// else a source name as stored on contacts (local, csv, a sync source's
// name).
func (c *Contacts) source(v string) string {
	if v == "" || c.sourceName == nil {
		return v
	}
	if name, ok := c.sourceName(v); ok {
		return name
	}
	return v
}

// ContactView is a contact as the API shows it: the effective contact and,
// for a synced contact, the fields edited locally.
type ContactView struct {
	*phonebook.Contact
	LocalFields []string `json:"local_fields,omitempty" doc:"The fields of a synced contact changed locally (kept through syncs until reverted)" example:"[\"job_title\"]"`
}

func (c *Contacts) view(ctx context.Context, ct *phonebook.Contact) (ContactView, error) {
	v := ContactView{Contact: ct}
	if ct.Source != phonebook.SourceLocal && ct.Source != phonebook.SourceCSV {
		f, _, err := c.store.LocalFields(ctx, ct.ID)
		if err != nil {
			return v, err
		}
		v.LocalFields = f
	}
	return v, nil
}

func (c *Contacts) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := phonebook.Query{
		Q: q.Get("q"), Scope: phonebook.Scope(q.Get("scope")), Owner: q.Get("owner"),
		Source: c.source(q.Get("source")), Cursor: q.Get("cursor"), VisibleTo: q.Get("visible_to"),
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > phonebook.MaxLimit {
			platform.WriteErr(w, r, platform.Invalid("limit: must be a number from 1 to 1000", platform.FieldError{Field: "limit", Message: "must be 1–1000"}))
			return
		}
		query.Limit = n
	}
	if err := accessOf(r).limitSearch(&query); err != nil {
		writeErr(w, r, err)
		return
	}
	page, err := c.store.Search(r.Context(), query)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	if page.Contacts == nil {
		page.Contacts = []*phonebook.Contact{}
	}
	platform.WriteJSON(w, http.StatusOK, page)
}

// contactInput is what clients may set on a contact.
type contactInput struct {
	Scope             phonebook.Scope    `json:"scope" doc:"global (the default) or personal" example:"global"`
	Owner             string             `json:"owner" doc:"The user id owning a personal contact (default: the caller, for a personal contact)" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	FirstName         string             `json:"first_name" doc:"Given name" example:"Jürgen"`
	MiddleName        string             `json:"middle_name" doc:"Middle name" example:"Karl"`
	LastName          string             `json:"last_name" doc:"Family name" example:"Müller"`
	DisplayName       string             `json:"display_name" doc:"The name shown and matched (derived from the name parts when empty)" example:"Jürgen Müller"`
	Company           string             `json:"company" doc:"Company or organisation" example:"Ankunding d.o.o."`
	Department        string             `json:"department" doc:"Department" example:"Sales"`
	JobTitle          string             `json:"job_title" doc:"Job title" example:"CTO"`
	OfficeLocation    string             `json:"office_location" doc:"Office or site" example:"Sarajevo"`
	PreferredLanguage string             `json:"preferred_language" doc:"Preferred language (BCP 47 tag)" example:"de"`
	UserPrincipalName string             `json:"user_principal_name" doc:"Directory sign-in name" example:"j.mueller@ankunding.onmicrosoft.com"`
	Emails            []phonebook.Email  `json:"emails" doc:"E-mail addresses"`
	Numbers           []phonebook.Number `json:"numbers" doc:"Phone numbers (type and value)"`
	Custom            map[string]string  `json:"custom" doc:"Free fields, name to value" example:"{\"crm_id\":\"A-1042\"}"`
}

func (in *contactInput) contact() *phonebook.Contact {
	nums := make([]phonebook.Number, len(in.Numbers))
	for i, n := range in.Numbers {
		nums[i] = phonebook.Number{Type: n.Type, Value: n.Value}
	}
	return &phonebook.Contact{
		Scope: in.Scope, Owner: in.Owner, FirstName: in.FirstName, MiddleName: in.MiddleName,
		LastName: in.LastName, DisplayName: in.DisplayName, Company: in.Company, Department: in.Department,
		JobTitle: in.JobTitle, OfficeLocation: in.OfficeLocation, PreferredLanguage: in.PreferredLanguage,
		UserPrincipalName: in.UserPrincipalName, Emails: in.Emails, Numbers: nums, Custom: in.Custom,
	}
}

func inputOf(ct *phonebook.Contact) contactInput {
	in := contactInput{
		Scope: ct.Scope, Owner: ct.Owner, FirstName: ct.FirstName, MiddleName: ct.MiddleName,
		LastName: ct.LastName, Company: ct.Company, Department: ct.Department,
		JobTitle: ct.JobTitle, OfficeLocation: ct.OfficeLocation, PreferredLanguage: ct.PreferredLanguage,
		UserPrincipalName: ct.UserPrincipalName, Emails: ct.Emails, Numbers: ct.Numbers, Custom: ct.Custom,
	}
	if ct.DisplayName != ct.DeriveDisplayName() {
		in.DisplayName = ct.DisplayName
	}
	return in
}

func (c *Contacts) writeCtx(r *http.Request) (context.Context, context.CancelFunc) {
	wait := c.writeWait
	if wait <= 0 {
		wait = writeWait
	}
	return context.WithTimeout(r.Context(), wait)
}

// busy turns a write that waited its writeWait for a bulk operation into
// a *busyError, with the time the imports holding the directory say is
// left (see busyError).
func (c *Contacts) busy(err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	be := &busyError{}
	if c.imports != nil {
		be.left, be.about, be.known = c.imports.runs.busyFor(c.imports.now())
	}
	return be
}

func (c *Contacts) create(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in contactInput
	if err := decodeJSON(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	if err := accessOf(r).vetInput(&in); err != nil {
		writeErr(w, r, err)
		return
	}
	ctx, cancel := c.writeCtx(r)
	defer cancel()
	ct, err := c.store.Create(ctx, in.contact())
	if err != nil {
		writeErr(w, r, c.busy(err))
		return
	}
	w.Header().Set("Location", "/api/v1/contacts/"+ct.ID)
	platform.WriteJSON(w, http.StatusCreated, ContactView{Contact: ct})
}

func (c *Contacts) get(w http.ResponseWriter, r *http.Request) {
	ct, err := c.store.Get(r.Context(), r.PathValue("id"))
	if err == nil && !accessOf(r).sees(ct) {
		err = phonebook.ErrNotFound
	}
	if err != nil {
		writeErr(w, r, err)
		return
	}
	v, err := c.view(r.Context(), ct)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (c *Contacts) put(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in contactInput
	if err := decodeJSON(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	c.replace(w, r, in)
}

// patch applies a JSON merge patch (RFC 7396) to the contact.
func (c *Contacts) patch(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/merge-patch+json", "application/json") {
		return
	}
	ct, err := c.store.Get(r.Context(), r.PathValue("id"))
	if err == nil {
		err = accessOf(r).mayChange(ct)
	}
	if err != nil {
		writeErr(w, r, err)
		return
	}
	var patch map[string]json.RawMessage
	if err := decodeJSON(w, r, &patch); err != nil {
		writeErr(w, r, err)
		return
	}
	cur, _ := json.Marshal(inputOf(ct))
	var doc map[string]json.RawMessage
	_ = json.Unmarshal(cur, &doc)
	for k, v := range patch {
		if string(v) == "null" {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	merged, _ := json.Marshal(doc)
	var in contactInput
	mr := r.Clone(r.Context())
	mr.Body = io.NopCloser(bytes.NewReader(merged))
	if err := platform.DecodeJSON(mr, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	c.replace(w, r, in)
}

func (c *Contacts) replace(w http.ResponseWriter, r *http.Request, in contactInput) {
	a := accessOf(r)
	if err := a.vetInput(&in); err != nil {
		writeErr(w, r, err)
		return
	}
	ct := in.contact()
	ct.ID = r.PathValue("id")
	ctx, cancel := c.writeCtx(r)
	defer cancel()
	out, err := c.store.UpdateIf(ctx, ct, a.mayChange)
	if err != nil {
		writeErr(w, r, c.busy(err))
		return
	}
	v, err := c.view(r.Context(), out)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (c *Contacts) delete(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := c.writeCtx(r)
	defer cancel()
	if err := c.store.DeleteIf(ctx, r.PathValue("id"), accessOf(r).mayChange); err != nil {
		writeErr(w, r, c.busy(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *Contacts) revert(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := c.writeCtx(r)
	defer cancel()
	ct, err := c.store.RevertToSourceIf(ctx, r.PathValue("id"), accessOf(r).mayChange)
	if err != nil {
		writeErr(w, r, c.busy(err))
		return
	}
	platform.WriteJSON(w, http.StatusOK, ContactView{Contact: ct})
}

// maxCandidates bounds the contacts an ambiguous lookup lists.
const maxCandidates = 20

// LookupAnswer is the body of GET /api/v1/lookup.
type LookupAnswer struct {
	Name            string                `json:"name" doc:"The caller name: the contact's display name (empty on a miss)" example:"Jürgen Müller"`
	ContactID       string                `json:"contact_id" doc:"The contact's id (empty on a miss)" example:"01JEQ7G8ZK4M2N5P6R7S8T9V0W"`
	Match           phonebook.MatchKind   `json:"match" doc:"How the number matched: exact, extension, e164, national; none on a miss; skipped, or ambiguous when several contacts have it" example:"e164"`
	Source          string                `json:"source,omitempty" doc:"The contact's source (local, csv or a sync source's id)" example:"local"`
	E164            string                `json:"e164,omitempty" doc:"The number looked up, in E.164" example:"+38761111111"`
	Candidates      []phonebook.Candidate `json:"candidates,omitempty" doc:"For an ambiguous number, the global contacts that share it (at most 20, oldest first); caller ID names none of them"`
	CandidatesTotal int                   `json:"candidates_total,omitempty" doc:"How many contacts share an ambiguous number" example:"2"`
}

// missMessage says why a lookup named nobody.
func missMessage(a LookupAnswer) string {
	switch a.Match {
	case phonebook.MatchAmbiguous:
		return fmt.Sprintf("%d contacts have this number, so caller ID names none of them; candidates lists them", a.CandidatesTotal)
	case phonebook.MatchSkipped:
		return "nothing to look up: the number is empty, withheld or not a phone number"
	}
	return "no contact has this number"
}

func (c *Contacts) lookup(w http.ResponseWriter, r *http.Request) {
	number := r.URL.Query().Get("number")
	if number == "" {
		platform.WriteErr(w, r, platform.Invalid("number: required", platform.FieldError{Field: "number", Message: "required"}))
		return
	}
	res, cands, total, err := c.store.LookupCandidates(r.Context(), number, maxCandidates)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	c.lookups.WithLabelValues(string(res.Match)).Inc()
	ans := LookupAnswer{Name: res.Name, ContactID: res.ContactID, Match: res.Match, Source: res.Source, E164: res.E164,
		Candidates: cands, CandidatesTotal: total}
	if !res.Match.Hit() {
		platform.WriteJSON(w, http.StatusNotFound, lookupMiss{ans, platform.ErrorDetail{Code: platform.CodeNotFound, Message: missMessage(ans),
			Details: []platform.FieldError{}, RequestID: platform.RequestID(r.Context())}})
		return
	}
	platform.WriteJSON(w, http.StatusOK, ans)
}
