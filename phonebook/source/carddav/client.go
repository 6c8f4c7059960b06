package carddav

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// maxBody bounds one multistatus answer (a multiget batch of cards, or the
// href and ETag listing of a book).
const maxBody = 256 << 20

// client sends WebDAV requests to one server with Basic authentication.
// It implements webdav.HTTPClient for go-webdav's discovery calls.
type client struct {
	base  *url.URL
	hc    *http.Client
	retry dirsync.Retry
	user  string
	pass  string
}

// newHTTPClient copies hc without following redirects (a redirect must not
// carry the credentials elsewhere; discovery follows the well-known one
// itself), with certificate checks off when insecure.
func newHTTPClient(hc *http.Client, insecure bool) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if insecure {
		var t *http.Transport
		switch rt := hc.Transport.(type) {
		case nil:
			t = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			t = rt.Clone()
		}
		if t != nil {
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{}
			}
			t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the operator's explicit choice (insecure_skip_verify)
			c.Transport = t
		}
	}
	return &c
}

// auth adds the credentials to requests for the configured origin only.
func (c *client) auth(r *http.Request) {
	if (c.user != "" || c.pass != "") && r.URL.Scheme == c.base.Scheme && r.URL.Host == c.base.Host {
		r.SetBasicAuth(c.user, c.pass)
	}
}

// refused is the error for a 401 answer.
func (c *client) refused(u *url.URL) error {
	if c.user == "" {
		return dirsync.Refused("username", fmt.Sprintf("%s asks for a user name and password (HTTP 401)", u.Redacted()))
	}
	return dirsync.Refused("password", fmt.Sprintf("%s refused the user name %q or its password (HTTP 401)", u.Host, c.user))
}

// Do implements webdav.HTTPClient: credentials added, 401 turned into a
// *dirsync.CredentialsError.
func (c *client) Do(r *http.Request) (*http.Response, error) {
	c.auth(r)
	resp, err := c.hc.Do(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		drain(resp)
		return nil, c.refused(r.URL)
	}
	return resp, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// resolve turns an href (a path, or an absolute URL on the same server)
// into a URL.
func (c *client) resolve(href string) (*url.URL, error) {
	u, err := url.Parse(href)
	if err != nil {
		return nil, fmt.Errorf("href %q: %w", trunc(href), err)
	}
	r := c.base.ResolveReference(u)
	if r.Host != c.base.Host || r.Scheme != c.base.Scheme {
		return nil, fmt.Errorf("href %q points to another server than %s", trunc(href), c.base.Host)
	}
	return r, nil
}

// StatusError is a WebDAV request's answer other than the expected one.
type StatusError struct {
	Method string
	Href   string
	Code   int
	// DAV holds the preconditions of a <D:error> body.
	DAV *DAVError
}

// Error names the request, the status and the preconditions.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Href, e.Code)
	if e.DAV != nil && len(e.DAV.Conditions) > 0 {
		s += " (" + strings.Join(e.DAV.Conditions, ", ") + ")"
	}
	return s
}

// send sends a request with an XML body, backing off on throttling.
func (c *client) send(ctx context.Context, method, href, depth string, body []byte) (*http.Response, error) {
	u, err := c.resolve(href)
	if err != nil {
		return nil, err
	}
	resp, err := c.retry.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body != nil {
			r.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
		}
		if depth != "" {
			r.Header.Set("Depth", depth)
		}
		c.auth(r)
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, href, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		drain(resp)
		return nil, c.refused(u)
	}
	return resp, nil
}

// multistatus sends a PROPFIND or REPORT and streams its 207 answer to each.
func (c *client) multistatus(ctx context.Context, method, href, depth string, body []byte, each func(*Response) error) (string, error) {
	resp, err := c.send(ctx, method, href, depth, body)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return "", &StatusError{Method: method, Href: href, Code: resp.StatusCode, DAV: ParseDAVError(b)}
	}
	tok, err := ReadMultistatus(io.LimitReader(resp.Body, maxBody), each)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", method, href, err)
	}
	return tok, nil
}

// errNoSync reports a server (or collection) without sync-collection.
var errNoSync = errors.New("sync-collection not supported")
