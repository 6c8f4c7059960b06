package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultServer is the daemon's default HTTP address.
const DefaultServer = "http://127.0.0.1:8080"

// Client calls the admin API of one daemon. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	hc    *http.Client
	ua    string
}

// Option configures a Client.
type Option func(*Client)

// WithToken sets the admin bearer token sent on every request.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sets the HTTP client (default: a client without an overall
// timeout; cancel through the context).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// New returns a client of the daemon at server, an http or https URL such
// as "http://127.0.0.1:8080"; a bare "host:port" means http.
func New(server string, opts ...Option) (*Client, error) {
	base, err := ParseServer(server)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, hc: &http.Client{}, ua: "pbxagent-client"}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// ParseServer validates a daemon address: an http(s) URL with a host and
// no query, user info or fragment; "host:port" gets "http://".
func ParseServer(server string) (*url.URL, error) {
	s := strings.TrimSpace(server)
	if s == "" {
		return nil, errors.New("server: empty address")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", server, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("server %q: scheme must be http or https", server)
	case u.Host == "":
		return nil, fmt.Errorf("server %q: no host", server)
	case u.User != nil:
		return nil, fmt.Errorf("server %q: put credentials in the token, not the URL", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("server %q: must not have a query or fragment", server)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Server returns the daemon's base URL.
func (c *Client) Server() string { return c.base.String() }

// request is one API call.
type request struct {
	method string
	path   string // under the base URL, starting with "/"
	query  url.Values
	ctype  string
	body   io.Reader
	size   int64 // Content-Length when > 0
	accept string
}

func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	u := *c.base
	// r.path is escaped (ids go through url.PathEscape).
	escaped := c.base.EscapedPath() + r.path
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	u.Path, u.RawPath = p, escaped
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), r.body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	if r.size > 0 {
		req.ContentLength = r.size
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	return req, nil
}

// send performs the request and returns the response when its status is
// 2xx; otherwise it reads the error body and returns an *APIError.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &ConnError{Server: c.base.Redacted(), Op: r.method + " " + r.path, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, readAPIError(resp, r.method+" "+r.path)
}

// doJSON sends in (when not nil) as JSON and decodes a 2xx answer into out
// (when not nil).
func (c *Client) doJSON(ctx context.Context, method, path string, query url.Values, ctype string, in, out any) error {
	r := request{method: method, path: path, query: query}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
		r.body, r.size, r.ctype = bytes.NewReader(b), int64(len(b)), ctype
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// ConnError is a failure to reach the daemon or to complete the exchange.
type ConnError struct {
	// Server is the daemon's base URL.
	Server string
	// Op is the method and path, e.g. "GET /api/v1/contacts".
	Op  string
	Err error
}

// Error says which daemon could not be reached and why.
func (e *ConnError) Error() string {
	return fmt.Sprintf("%s: cannot reach the daemon at %s: %v", e.Op, e.Server, unwrapURLError(e.Err))
}

// Unwrap returns the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// unwrapURLError drops *url.Error's "Get \"url\":" prefix, which repeats
// what ConnError already says.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
