package oauth

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// maxRedirectURILen bounds a redirect URI.
const maxRedirectURILen = 2000

// ValidateRedirectURI checks a redirect URI an admin registers: an
// absolute https URL, or http only for a loopback host (localhost,
// 127.0.0.0/8, ::1; RFC 8252 §7.3), with a host, without user
// information or fragment (RFC 6749 §3.1.2), and no spaces or control
// characters. Authorization requests must then name it exactly
// (matchRedirectURI).
func ValidateRedirectURI(s string) error {
	switch {
	case s == "":
		return errEmpty
	case len(s) > maxRedirectURILen:
		return errors.New("is longer than 2000 bytes")
	case strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return errors.New("has a space or a control character")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a URL")
	}
	switch {
	case !u.IsAbs() || u.Opaque != "":
		return errors.New("must be an absolute URL (https://host/path)")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("must use https (http only for a loopback host)")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("has no host")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return errors.New("must use https: http is allowed only for localhost, 127.0.0.1 and [::1]")
	case u.User != nil:
		return errors.New("must not hold user information")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("must not have a fragment (RFC 6749 §3.1.2)")
	case u.Scheme != strings.ToLower(u.Scheme):
		return errors.New("scheme must be lower case")
	}
	return nil
}

// matchRedirectURI reports whether got is exactly one of the registered
// URIs (a simple string comparison, RFC 9700 §4.1.3).
func matchRedirectURI(registered []string, got string) bool {
	for _, r := range registered {
		if r == got {
			return true
		}
	}
	return false
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
