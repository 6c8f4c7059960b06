package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/pbxagent/pbxagent/agent/oauth"
)

// App is an OAuth2 app as the apps API shows it (never its secret).
type App = oauth.App

// CreatedApp is the answer to an app's registration: the app and, for a
// confidential app, its secret, shown this once.
type CreatedApp struct {
	App
	ClientSecret string `json:"client_secret,omitempty"`
}

// AppSecret is the answer to a secret rotation.
type AppSecret struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// CORSOrigin is an origin allowed to call the API from a browser; Source
// is "config" (cors.origins) or "api".
type CORSOrigin struct {
	Origin string `json:"origin"`
	Source string `json:"source"`
}

const (
	appsPath = "/api/v1/apps"
	corsPath = "/api/v1/cors-origins"
)

var errNoAppID = errors.New("app client id: empty")

func appPath(id string) string { return appsPath + "/" + url.PathEscape(id) }

// ListApps returns every OAuth2 app.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	var out struct {
		Apps []App `json:"apps"`
	}
	if err := c.doJSON(ctx, http.MethodGet, appsPath, nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Apps, nil
}

// GetApp returns an app by client id.
func (c *Client) GetApp(ctx context.Context, id string) (*App, error) {
	if id == "" {
		return nil, errNoAppID
	}
	var a App
	if err := c.doJSON(ctx, http.MethodGet, appPath(id), nil, "", nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateApp registers an app from a JSON object (name, type,
// redirect_uris, scopes, grant_types).
func (c *Client) CreateApp(ctx context.Context, in any) (*CreatedApp, error) {
	var a CreatedApp
	if err := c.doJSON(ctx, http.MethodPost, appsPath, nil, "application/json", in, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// PatchApp changes an app.
func (c *Client) PatchApp(ctx context.Context, id string, p Patch) (*App, error) {
	if id == "" {
		return nil, errNoAppID
	}
	var a App
	if err := c.doJSON(ctx, http.MethodPatch, appPath(id), nil, "application/json", p, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteApp deletes an app and revokes its tokens.
func (c *Client) DeleteApp(ctx context.Context, id string) error {
	if id == "" {
		return errNoAppID
	}
	return c.doJSON(ctx, http.MethodDelete, appPath(id), nil, "", nil, nil)
}

// RotateAppSecret gives a confidential app a new secret (shown once).
func (c *Client) RotateAppSecret(ctx context.Context, id string) (*AppSecret, error) {
	if id == "" {
		return nil, errNoAppID
	}
	var s AppSecret
	if err := c.doJSON(ctx, http.MethodPost, appPath(id)+"/secret", nil, "", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListCORSOrigins returns the origins allowed to call the API from a
// browser.
func (c *Client) ListCORSOrigins(ctx context.Context) ([]CORSOrigin, error) {
	var out struct {
		Origins []CORSOrigin `json:"origins"`
	}
	if err := c.doJSON(ctx, http.MethodGet, corsPath, nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Origins, nil
}

// AddCORSOrigin allows an origin (e.g. "https://crm.example.com").
func (c *Client) AddCORSOrigin(ctx context.Context, origin string) (*CORSOrigin, error) {
	var o CORSOrigin
	if err := c.doJSON(ctx, http.MethodPost, corsPath, nil, "application/json", map[string]string{"origin": origin}, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// RemoveCORSOrigin removes an origin added through the API.
func (c *Client) RemoveCORSOrigin(ctx context.Context, origin string) error {
	if origin == "" {
		return errors.New("origin: empty")
	}
	return c.doJSON(ctx, http.MethodDelete, corsPath+"/"+url.PathEscape(origin), nil, "", nil, nil)
}
