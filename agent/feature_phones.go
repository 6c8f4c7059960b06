package agent

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning"
)

func newPhones(b *build) (platform.Component, error) {
	cfg := b.cfg
	phoneAllow, err := prefixes(cfg.Phones.Allow)
	if err != nil {
		return nil, fmt.Errorf("config phones.allow: %w", err)
	}
	auth := phones.AuthBasic | phones.AuthDigest | phones.AuthToken
	if len(phoneAllow) > 0 {
		auth |= phones.AuthIP
	}
	group, known := provisioning.ParseGroupBy(cfg.Phones.GroupBy)
	if !known {
		return nil, fmt.Errorf("config phones.group_by %q: want company, department, source or personal", cfg.Phones.GroupBy)
	}
	opts := []phones.Option{}
	if cfg.HTTP.PublicURL != "" {
		// Else links are built from each request's scheme and Host: the
		// address the phone reached us at (never the listen address, which
		// may be 0.0.0.0 or loopback).
		opts = append(opts, phones.WithBaseURL(cfg.HTTP.PublicURL))
	}
	if link, ok := ldapLink(b); ok {
		opts = append(opts, phones.WithLDAP(link)) // the provisioning files offer the LDAP directory too
	}
	if b.d.users != nil {
		opts = append(opts, phones.WithOwners(b.d.users)) // owners are users; their devices list their phones
	}
	svc, err := phones.New(b.ctx, b.store, b.store.Meta("phones"), append(opts,
		phones.WithAuth(auth), phones.WithAllowList(phoneAllow...),
		phones.WithGroupBy(group), phones.WithLogger(b.logger("phones")),
		phones.WithRefresh(time.Duration(cfg.Phones.RefreshMinutes)*time.Minute, 10*time.Minute),
		phones.WithLoginLimits(phones.LoginLimits{MaxFailures: cfg.Phones.LoginMaxFailures, Window: cfg.Phones.LoginWindow,
			MaxUsersPerAddress: cfg.Phones.LoginMaxUsersPerAddress, MaxAccountFailures: cfg.Phones.LoginMaxAccountFailures,
			MaxTracked: cfg.Phones.LoginMaxTracked}),
		phones.WithDigestNonces(cfg.Phones.DigestMaxNonces), phones.WithBookLimits(cfg.Phones.BookMax), phones.WithCTI(cfg.Phones.CTI))...)
	if err != nil {
		return nil, err
	}
	b.d.phones = svc // the HTTP fast lane serves its repeated requests
	return svc, nil
}

// ldapLink is the LDAP directory as the provisioning files name it, when
// ldap.addr is set with a fixed port (an ephemeral port, ":0", is not known
// before the listener binds, so it is not written).
func ldapLink(b *build) (phones.LDAPLink, bool) {
	l := b.cfg.LDAP
	if l.Addr == "" {
		return phones.LDAPLink{}, false
	}
	_, p, err := net.SplitHostPort(l.Addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 1 || port > 65535 {
		b.logger("phones").Warn("provisioning files do not name the LDAP directory: no fixed port in ldap.addr", "addr", l.Addr)
		return phones.LDAPLink{}, false
	}
	return phones.LDAPLink{Port: port, BaseDN: l.BaseDN, SizeLimit: l.SizeLimit}, true
}
