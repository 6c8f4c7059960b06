package config

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// LDAP configures the read-only LDAP directory served to desk phones
// (docs/phones.md#ldap-directory): the global contacts plus each phone
// owner's personal ones as inetOrgPerson entries under BaseDN. Off while
// Addr is empty.
type LDAP struct {
	// Addr is the host:port listened on (389 is LDAP's port); empty turns
	// the directory off.
	Addr string `yaml:"addr"`
	// BaseDN is the entries' parent ("ou=contacts,dc=pbxagent").
	BaseDN string `yaml:"base_dn"`
	// Allow are addresses (IPs or CIDRs) that may bind anonymously and see
	// the global contacts; everyone else binds with a registered phone's
	// credentials.
	Allow []string `yaml:"allow"`
	// SizeLimit caps the entries one search returns (a phone's own limit
	// may be lower).
	SizeLimit int `yaml:"size_limit"`
	// IdleTimeout closes a connection that sends nothing for this long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxConns caps the connections held at once.
	MaxConns int `yaml:"max_conns"`
}

// DefaultLDAP is the LDAP directory's default configuration: off.
func DefaultLDAP() LDAP {
	return LDAP{BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200, IdleTimeout: 2 * time.Minute, MaxConns: 1024}
}

// Validate checks the section when the directory is on.
func (l LDAP) Validate() error {
	if l.Addr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(l.Addr); err != nil {
		return fmt.Errorf("ldap.addr %q: %w", l.Addr, err)
	}
	if l.BaseDN == "" || !strings.Contains(l.BaseDN, "=") {
		return fmt.Errorf("ldap.base_dn %q: want attribute=value pairs, such as ou=contacts,dc=pbxagent", l.BaseDN)
	}
	for _, a := range l.Allow {
		if _, err := netip.ParsePrefix(a); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(a); err != nil {
			return fmt.Errorf("ldap.allow %q: not an IP address or CIDR", a)
		}
	}
	switch {
	case l.SizeLimit < 1 || l.SizeLimit > 10000:
		return fmt.Errorf("ldap.size_limit %d: want 1–10000", l.SizeLimit)
	case l.IdleTimeout < time.Second:
		return fmt.Errorf("ldap.idle_timeout %s: want at least 1s", l.IdleTimeout)
	case l.MaxConns < 1:
		return fmt.Errorf("ldap.max_conns %d: want at least 1", l.MaxConns)
	}
	return nil
}
