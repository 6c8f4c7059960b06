package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// Source is a sync source as the sources API shows it, with its status
// and last runs (secrets are never shown; SecretsSet names those stored).
type Source = dirsync.View

// SyncRun is one run of a source.
type SyncRun = dirsync.Run

// SyncOptions are the options of a triggered sync.
type SyncOptions = dirsync.SyncOptions

// PreviewRow is one row of a source test: the fields the source filled.
type PreviewRow = map[string]any

const sourcesPath = "/api/v1/sources"

var errNoSourceID = errors.New("source id: empty")

func sourcePath(id string) string { return sourcesPath + "/" + url.PathEscape(id) }

// ListSources returns every sync source with its status.
func (c *Client) ListSources(ctx context.Context) ([]Source, error) {
	var out struct {
		Sources []Source `json:"sources"`
	}
	if err := c.doJSON(ctx, http.MethodGet, sourcesPath, nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Sources, nil
}

// GetSource returns a source by id.
func (c *Client) GetSource(ctx context.Context, id string) (*Source, error) {
	if id == "" {
		return nil, errNoSourceID
	}
	var s Source
	if err := c.doJSON(ctx, http.MethodGet, sourcePath(id), nil, "", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// FindSource returns the source with that id or, failing that, that name.
func (c *Client) FindSource(ctx context.Context, idOrName string) (*Source, error) {
	s, err := c.GetSource(ctx, idOrName)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return s, err
	}
	all, lerr := c.ListSources(ctx)
	if lerr != nil {
		return nil, lerr
	}
	for i := range all {
		if all[i].Name == idOrName {
			return &all[i], nil
		}
	}
	return nil, err
}

// CreateSource creates a source from a JSON object (type, name, enabled,
// interval_hours, settings…; see docs/sources.md).
func (c *Client) CreateSource(ctx context.Context, in any) (*Source, error) {
	var s Source
	if err := c.doJSON(ctx, http.MethodPost, sourcesPath, nil, "application/json", in, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// PatchSource changes a source (a JSON merge patch; settings merge key by
// key).
func (c *Client) PatchSource(ctx context.Context, id string, p Patch) (*Source, error) {
	if id == "" {
		return nil, errNoSourceID
	}
	var s Source
	if err := c.doJSON(ctx, http.MethodPatch, sourcePath(id), nil, "application/merge-patch+json", p, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// EraseSource deletes a source's configuration and the contacts it
// brought, and returns how many contacts went.
func (c *Client) EraseSource(ctx context.Context, id string) (int, error) {
	if id == "" {
		return 0, errNoSourceID
	}
	var out struct {
		ContactsDeleted int `json:"contacts_deleted"`
	}
	if err := c.doJSON(ctx, http.MethodPost, sourcePath(id)+"/erase", nil, "", nil, &out); err != nil {
		return 0, err
	}
	return out.ContactsDeleted, nil
}

// TestSource returns the first rows of a stored source without importing
// them. A refused credential is an *APIError with code
// "credentials_refused" (422), an unreachable server "unreachable" (502).
func (c *Client) TestSource(ctx context.Context, id string) ([]PreviewRow, error) {
	if id == "" {
		return nil, errNoSourceID
	}
	var out struct {
		Contacts []PreviewRow `json:"contacts"`
	}
	if err := c.doJSON(ctx, http.MethodPost, sourcePath(id)+"/test", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Contacts, nil
}

// TestSourceInput tests an unsaved source (a JSON object as for
// CreateSource).
func (c *Client) TestSourceInput(ctx context.Context, in any) ([]PreviewRow, error) {
	var out struct {
		Contacts []PreviewRow `json:"contacts"`
	}
	if err := c.doJSON(ctx, http.MethodPost, sourcesPath+"/test", nil, "application/json", in, &out); err != nil {
		return nil, err
	}
	return out.Contacts, nil
}

// SyncSource triggers a sync. With wait it returns the finished run;
// otherwise it returns nil once the daemon has started it.
func (c *Client) SyncSource(ctx context.Context, id string, opts SyncOptions, wait bool) (*SyncRun, error) {
	if id == "" {
		return nil, errNoSourceID
	}
	q := url.Values{}
	if wait {
		q.Set("wait", "1")
		var run SyncRun
		if err := c.doJSON(ctx, http.MethodPost, sourcePath(id)+"/sync", q, "application/json", opts, &run); err != nil {
			return nil, err
		}
		return &run, nil
	}
	return nil, c.doJSON(ctx, http.MethodPost, sourcePath(id)+"/sync", nil, "application/json", opts, nil)
}
