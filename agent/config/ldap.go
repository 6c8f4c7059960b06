package config

import "time"

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
