package dirsync

import (
	"fmt"
	"net/url"
	"strings"
)

// The rule for URLs in source settings, the same for every source type: an
// http or https URL with a host, and no credentials in it — neither user
// information ("http://user:pw@host") nor a query parameter whose name
// looks like a secret ("?client_secret=…", "?token=…", "?sig=…"). Settings
// other than the type's secrets are stored in clear and returned by GET
// /api/v1/sources/{id}; credentials belong in the secret settings, which
// are encrypted and write-only.

// secretParamParts are name fragments that mark a query parameter (or a
// driver parameter) as a credential, compared lower-case without '-', '_'
// and '.'.
var secretParamParts = []string{"secret", "password", "passwd", "pwd", "token", "apikey", "accesskey",
	"credential", "signature", "privatekey"}

// secretParamNames are whole names that mark a credential.
var secretParamNames = []string{"key", "sig", "pass", "code", "auth", "authorization", "authkey"}

// SecretLooking reports whether a parameter name looks like it holds a
// credential (client_secret, password, access_token, api-key, sig…).
func SecretLooking(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(name))
	for _, w := range secretParamNames {
		if n == w {
			return true
		}
	}
	for _, p := range secretParamParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// CheckURL parses the setting field (its name without "settings.") as an
// http(s) URL that carries no credentials. The error is a *FieldError
// naming settings.<field>.
func CheckURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, Invalid(field, "an http or https URL is required")
	}
	if u.User != nil {
		return nil, Invalid(field, "must not contain a user name or password (user:password@); put credentials in the source's secret settings")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, Invalid(field, "the query string is not valid (a ';' or a bad %-escape)")
	}
	for name := range q {
		if SecretLooking(name) {
			return nil, Invalid(field, fmt.Sprintf("must not carry credentials (the query parameter %q); put them in the source's secret settings", name))
		}
	}
	return u, nil
}

// CheckParams checks driver or query parameters given as a map: no name may
// look like a credential.
func CheckParams(field string, params map[string]string) error {
	for name := range params {
		if SecretLooking(name) {
			return Invalid(field, fmt.Sprintf("must not carry credentials (the parameter %q); put them in the source's secret settings", name))
		}
	}
	return nil
}
