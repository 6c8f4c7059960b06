package phones

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pbxagent/pbxagent/provisioning"
)

// LDAPLink is the LDAP directory for phones (ldap.*, agent/ldapdir) as the
// provisioning files name it: its port, base DN and size limit. The host is
// the one the phone's XML book URLs use.
type LDAPLink struct {
	// Port is the directory's TCP port (the port of ldap.addr).
	Port int
	// BaseDN is ldap.base_dn.
	BaseDN string
	// SizeLimit is ldap.size_limit, written as the phones' max hits.
	SizeLimit int
}

// WithLDAP writes the LDAP directory's keys into every vendor's
// provisioning file, beside the XML book, for phones with a username and
// password (the directory's simple bind). Default: none.
func WithLDAP(l LDAPLink) Option {
	return func(c *config) { c.ldap = &l }
}

func (l *LDAPLink) validate() error {
	if l == nil {
		return nil
	}
	switch {
	case l.Port < 1 || l.Port > 65535:
		return fmt.Errorf("phones: LDAP port %d: must be 1–65535", l.Port)
	case !strings.Contains(l.BaseDN, "="):
		return fmt.Errorf("phones: LDAP base DN %q: want attribute=value pairs", l.BaseDN)
	case l.SizeLimit < 1:
		return fmt.Errorf("phones: LDAP size limit %d: must be positive", l.SizeLimit)
	}
	return nil
}

// ldapFor is the LDAP block of rec's provisioning file: nil when the
// directory is not offered, or when the phone has no username and password
// to bind with (anonymous binds are for allow-listed addresses, which see
// the global contacts only). The host is the host of the phone book's
// base URL: http.public_url's, else the one the phone asked for this file
// at.
func (s *Service) ldapFor(r *http.Request, rec *record) *provisioning.LDAP {
	l := s.cfg.ldap
	if l == nil || rec.Username == "" {
		return nil
	}
	pass := s.reg.password(rec)
	if pass == "" {
		return nil
	}
	u, err := url.Parse(s.base(r))
	if err != nil || u.Hostname() == "" {
		return nil
	}
	return &provisioning.LDAP{Host: u.Hostname(), Port: l.Port, BaseDN: l.BaseDN,
		User: rec.Username, Password: pass, MaxHits: l.SizeLimit}
}
