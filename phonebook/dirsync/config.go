package dirsync

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Defaults for a source's schedule and guard.
const (
	DefaultIntervalHours    = 24
	DefaultFullSyncHours    = 168 // weekly full sync repairs lossy deltas
	DefaultMaxDeletePercent = 50
)

// Config is one source's stored configuration. Secrets are kept sealed and
// never leave the engine.
type Config struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// IntervalHours between runs (default 24).
	IntervalHours float64 `json:"interval_hours"`
	// FullSyncHours: a delta source runs a full (mark-and-sweep) sync when the
	// last full one is older than this (default 168; 0 = default).
	FullSyncHours float64 `json:"full_sync_hours"`
	// MaxDeletePercent: a full sync deleting more than this share of the
	// source's contacts waits for confirmation (default 50; 100 disables).
	MaxDeletePercent int `json:"max_delete_percent"`
	// Settings are the type-specific settings without secrets.
	Settings map[string]json.RawMessage `json:"settings"`
	// Sealed holds the encrypted secrets by settings key.
	Sealed    map[string]string `json:"sealed,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func (c *Config) interval() time.Duration {
	return time.Duration(c.IntervalHours * float64(time.Hour))
}

func (c *Config) fullEvery() time.Duration {
	h := c.FullSyncHours
	if h <= 0 {
		h = DefaultFullSyncHours
	}
	return time.Duration(h * float64(time.Hour))
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

// validate checks the engine-level fields.
func (c *Config) validate() error {
	if !nameRE.MatchString(c.Name) {
		return fieldErr("name", "1–64 letters, digits, space, '.', '_' or '-', starting with a letter or digit")
	}
	if c.Name == phonebook.SourceLocal || c.Name == phonebook.SourceCSV {
		return fieldErr("name", fmt.Sprintf("%q is reserved", c.Name))
	}
	if c.IntervalHours < 0.25 || c.IntervalHours > 24*31 {
		return fieldErr("interval_hours", "between 0.25 and 744")
	}
	if c.FullSyncHours < 0 || c.FullSyncHours > 24*366 {
		return fieldErr("full_sync_hours", "between 0 (default) and 8784")
	}
	if c.MaxDeletePercent < 1 || c.MaxDeletePercent > 100 {
		return fieldErr("max_delete_percent", "between 1 and 100")
	}
	return nil
}

// FieldError is an invalid API field.
type FieldError struct {
	Field   string
	Message string
}

// Error names the field and what is wrong with it.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, msg string) error { return &FieldError{Field: field, Message: msg} }

// Invalid reports an invalid setting; sources return it from Type.New.
func Invalid(field, msg string) error { return &FieldError{Field: "settings." + field, Message: msg} }

// View is a source as the API shows it: settings without secrets, the names
// of the secrets that are set, and the status.
type View struct {
	ID               string                     `json:"id" doc:"The source's id, server-generated" example:"01JEQ8A1B2C3D4E5F6G7H8J9K0"`
	Type             string                     `json:"type" doc:"The source type: m365, custom, sql, csv-url, google, ldap or carddav" example:"m365"`
	Name             string                     `json:"name" doc:"A name for people" example:"Microsoft 365 (Ankunding)"`
	Enabled          bool                       `json:"enabled" doc:"Scheduled syncs run" example:"true"`
	IntervalHours    float64                    `json:"interval_hours" doc:"Hours between scheduled syncs (delta where the type can)" example:"24"`
	FullSyncHours    float64                    `json:"full_sync_hours" doc:"Hours between full syncs (mark-and-sweep); 0: only when a delta is impossible" example:"168"`
	MaxDeletePercent int                        `json:"max_delete_percent" doc:"A full sync that would delete more than this share of the source's contacts waits for confirmation" example:"20"`
	Settings         map[string]json.RawMessage `json:"settings" doc:"The type's settings without its secrets (m365: tenant_id, client_id, include_disabled, include_guests, org_contacts, field_map; custom: url, client_id; sql: driver, host, port, database, user, query, map; csv-url: url, username, format; google: mode, subject, client_id, page_size, domain_contacts; ldap: url, start_tls, bind_dn, base_dn, filter, flavor, attributes, scope, page_size; carddav: url, username, address_book)" example:"{\"tenant_id\":\"ankunding.onmicrosoft.com\",\"client_id\":\"8a1f0c2e-4b6d-4e8f-9a0b-1c2d3e4f5a6b\"}"`
	SecretsSet       []string                   `json:"secrets_set" doc:"The names of the secret settings stored (their values are never returned)" example:"[\"client_secret\"]"`
	CreatedAt        time.Time                  `json:"created_at" doc:"When the source was created" example:"2026-11-30T09:12:00Z"`
	UpdatedAt        time.Time                  `json:"updated_at" doc:"When the source's settings last changed" example:"2026-12-01T10:00:00Z"`
	Status           *Status                    `json:"status,omitempty" doc:"Sync status: last runs, counts, next run"`
	// Warnings are conditions an administrator should look at.
	Warnings []string `json:"warnings,omitempty" doc:"Conditions an administrator should look at" example:"[\"interval_hours below 1 polls Microsoft Graph often\"]"`
}

func (c *Config) view(st *Status) View {
	set := make([]string, 0, len(c.Sealed))
	for k := range c.Sealed {
		set = append(set, k)
	}
	slices.Sort(set)
	settings := c.Settings
	if settings == nil {
		settings = map[string]json.RawMessage{}
	}
	return View{ID: c.ID, Type: c.Type, Name: c.Name, Enabled: c.Enabled, IntervalHours: c.IntervalHours,
		FullSyncHours: c.FullSyncHours, MaxDeletePercent: c.MaxDeletePercent, Settings: settings,
		SecretsSet: set, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Status: st}
}

// Input is the body of POST and PATCH /api/v1/sources[/{id}]. Absent fields
// keep their value on PATCH; a secret sent as "" is removed, an absent one
// kept — except that a PATCH changing one of the type's Destinations must
// send every stored secret again.
type Input struct {
	Type             *string                    `json:"type" doc:"The source type: m365, custom, sql, csv-url, google, ldap or carddav (create only)" example:"m365"`
	Name             *string                    `json:"name" doc:"A name for people" example:"Microsoft 365 (Ankunding)"`
	Enabled          *bool                      `json:"enabled" doc:"Run scheduled syncs" example:"true"`
	IntervalHours    *float64                   `json:"interval_hours" doc:"Hours between scheduled syncs (default 24)" example:"24"`
	FullSyncHours    *float64                   `json:"full_sync_hours" doc:"Hours between full syncs; 0: only when a delta is impossible" example:"168"`
	MaxDeletePercent *int                       `json:"max_delete_percent" doc:"Deletion guard: a full sync deleting more than this share waits for confirmation (default 20)" example:"20"`
	Settings         map[string]json.RawMessage `json:"settings" doc:"The type's settings, secrets included (m365: tenant_id, client_id, client_secret, …; custom: url, client_id, client_secret; sql: driver, host, port, database, user, password, query, map; csv-url: url, username, password or bearer_token, format; google: mode, subject, service_account_key or client_id, client_secret, refresh_token, …; ldap: url, bind_dn, password, base_dn, …; carddav: url, username, password, address_book); a secret sent as \"\" is removed, an absent one kept" example:"{\"tenant_id\":\"ankunding.onmicrosoft.com\",\"client_id\":\"8a1f0c2e-4b6d-4e8f-9a0b-1c2d3e4f5a6b\",\"client_secret\":\"Xy7~Q2w.Secret\"}"`
}

// splitSecrets moves the type's secret keys out of settings. Values must be
// JSON strings.
func splitSecrets(t *Type, settings map[string]json.RawMessage) (plain map[string]json.RawMessage, secrets map[string]*string, err error) {
	plain = make(map[string]json.RawMessage, len(settings))
	secrets = map[string]*string{}
	for k, v := range settings {
		if !slices.Contains(t.Secrets, k) {
			plain[k] = v
			continue
		}
		var s *string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, nil, fieldErr("settings."+k, "must be a string")
		}
		if s == nil {
			e := ""
			s = &e
		}
		secrets[k] = s
	}
	return plain, secrets, nil
}

// RunStatus values of a run record.
const (
	ResultOK                = "ok"
	ResultNotModified       = "not_modified"
	ResultError             = "error"
	ResultNeedsConfirmation = "needs_confirmation"
	ResultCanceled          = "canceled"
)

// Run is one run's record.
type Run struct {
	Started  time.Time `json:"started" doc:"When the run started" example:"2026-12-07T03:00:00Z"`
	Finished time.Time `json:"finished" doc:"When the run ended" example:"2026-12-07T03:00:41Z"`
	// Mode is "full" or "delta".
	Mode string `json:"mode" doc:"full (mark-and-sweep) or delta (changes since the last run)" example:"delta"`
	// Trigger is "schedule", "manual" or "startup".
	Trigger string `json:"trigger" doc:"What started the run: schedule, manual or startup" example:"schedule"`
	// Result is ok, not_modified, error, needs_confirmation or canceled.
	Result string `json:"result" doc:"ok, not_modified, error, needs_confirmation or canceled" example:"ok"`
	// Synced counts contacts received; Changed those the store changed;
	// Deleted those removed (by the source or by the sweep).
	Synced  int    `json:"synced" doc:"Contacts received from the source" example:"1250"`
	Changed int    `json:"changed" doc:"Contacts the store created or changed" example:"12"`
	Deleted int    `json:"deleted" doc:"Contacts removed (deleted at the source, or swept by a full run)" example:"3"`
	Error   string `json:"error,omitempty" doc:"Why the run failed (result error)" example:"Microsoft Graph answered 401: check the client secret"`
	// Resynced reports a delta state rejected by the source (full run followed).
	Resynced bool `json:"resynced,omitempty" doc:"The source refused the delta state and a full run followed" example:"false"`
	// RetryAt is the earliest next try the remote asked for (Retry-After).
	RetryAt time.Time `json:"retry_at,omitzero" doc:"The earliest next try the source asked for (Retry-After)" example:"2026-12-07T03:05:00Z"`
}

// MaxRuns is how many runs a status keeps.
const MaxRuns = 20

// Pending describes a full sync held back by the mass-delete guard.
type Pending struct {
	Deletions int       `json:"deletions" doc:"How many contacts the full sync would delete" example:"600"`
	Total     int       `json:"total" doc:"How many contacts the source has in the store" example:"1250"`
	Percent   int       `json:"max_delete_percent" doc:"The guard's share in percent" example:"20"`
	At        time.Time `json:"at" doc:"When the guard stopped the sync" example:"2026-12-07T03:00:41Z"`
}

// Status is a source's sync status.
type Status struct {
	Running bool `json:"running" doc:"A run is in progress" example:"false"`
	// LastSuccess is the end of the last successful run; LastSynced and
	// LastDeleted its counts.
	LastSuccess  time.Time `json:"last_success,omitzero" doc:"The end of the last successful run" example:"2026-12-07T03:00:41Z"`
	LastSynced   int       `json:"last_synced" doc:"Contacts received by the last successful run" example:"1250"`
	LastDeleted  int       `json:"last_deleted" doc:"Contacts deleted by the last successful run" example:"3"`
	LastFull     time.Time `json:"last_full,omitzero" doc:"The end of the last full run" example:"2026-12-01T03:02:10Z"`
	LastAttempt  time.Time `json:"last_attempt,omitzero" doc:"The start of the last run, successful or not" example:"2026-12-07T03:00:00Z"`
	LastError    string    `json:"last_error,omitempty" doc:"Why the last run failed (cleared by a success)" example:"Microsoft Graph answered 401: check the client secret"`
	Failures     int       `json:"consecutive_failures" doc:"Runs failed in a row" example:"0"`
	RetryAt      time.Time `json:"retry_at,omitzero" doc:"The earliest next try the source asked for" example:"2026-12-07T03:05:00Z"`
	NextRun      time.Time `json:"next_run,omitzero" doc:"When the next scheduled run is due" example:"2026-12-08T03:00:00Z"`
	Contacts     int       `json:"contacts" doc:"Contacts of this source in the store" example:"1250"`
	NeedsConfirm *Pending  `json:"needs_confirmation,omitempty" doc:"Set when the deletion guard stopped a full sync: sync again with confirm_deletions"`
	Runs         []Run     `json:"runs" doc:"The last runs, newest first"`
}

func (s *Status) addRun(r Run) {
	s.Runs = append([]Run{r}, s.Runs...)
	if len(s.Runs) > MaxRuns {
		s.Runs = s.Runs[:MaxRuns]
	}
}

func safeErr(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// checkRebind refuses a change of where the secrets go (a destination
// setting of t) unless every secret stored in cfg is sent again in the same
// request (a new value, or "" to remove it), the way a password manager
// does not fill a password into another site: otherwise PATCH url=<any
// host> followed by a test or sync would hand the stored secret to that
// host.
func checkRebind(cfg *Config, t *Type, plain map[string]json.RawMessage, secrets map[string]*string) error {
	changed := ""
	for _, k := range t.Destinations {
		if v, ok := plain[k]; ok && !sameJSON(cfg.Settings[k], v) {
			changed = k
			break
		}
	}
	if changed == "" {
		return nil
	}
	names := make([]string, 0, len(cfg.Sealed))
	for k := range cfg.Sealed {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if _, resent := secrets[k]; !resent {
			return fieldErr("settings."+k, fmt.Sprintf("send it again (or \"\" to remove it) when settings.%s changes: a stored secret is only sent where it was entered for", changed))
		}
	}
	return nil
}

// sameJSON reports whether two settings values are equal as JSON; absent
// (nil) and null are the same.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if len(a) > 0 && json.Unmarshal(a, &x) != nil {
		return false
	}
	if len(b) > 0 && json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
