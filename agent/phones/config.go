package phones

import (
	"fmt"
	"net/netip"
	"time"
)

// Config configures the desk-phone endpoints (/phonebook, /provisioning).
type Config struct {
	// Allow lists CIDRs that may fetch the global phonebook without phone
	// credentials. Default none: every phone authenticates.
	Allow []string `yaml:"allow"`
	// GroupBy groups the Yealink grouped book: "company", "department",
	// "source" or "personal". Default "company".
	GroupBy string `yaml:"group_by"`
	// RefreshMinutes is how often provisioned phones reload the book. Default 60.
	RefreshMinutes int `yaml:"refresh_minutes"`
	// LoginMaxFailures wrong passwords for one username from one address
	// within LoginWindow hold it there (429). Default 10.
	LoginMaxFailures int `yaml:"login_max_failures"`
	// LoginWindow is how long failed logins count. Default 10m.
	LoginWindow time.Duration `yaml:"login_window"`
	// LoginMaxUsersPerAddress distinct usernames failing from one address
	// (IPv6: its /64) within LoginWindow hold that address. Default 50.
	LoginMaxUsersPerAddress int `yaml:"login_max_users_per_address"`
	// LoginMaxAccountFailures failures for one username from all addresses
	// within LoginWindow leave each failing address one try. Default 100.
	LoginMaxAccountFailures int `yaml:"login_max_account_failures"`
	// LoginMaxTracked bounds each failed-login table. Default 10000.
	LoginMaxTracked int `yaml:"login_max_tracked"`
	// DigestMaxNonces bounds the Digest nonce-count table. Default 65536.
	DigestMaxNonces int `yaml:"digest_max_nonces"`
	// BookMax caps each vendor's full book (phones.book_max.yealink, …).
	// Default DefaultBookMax each.
	BookMax BookLimits `yaml:"book_max"`
	// CTI is how pbxagent sends remote-control commands to the phones
	// (phones.cti.*).
	CTI CTIConfig `yaml:"cti"`
}

// Validate checks the phones' settings; errors name the phones.* key.
func (c Config) Validate() error {
	for _, s := range c.Allow {
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("phones.allow: %q is not a CIDR", s)
		}
	}
	for _, l := range []struct {
		key string
		v   int
	}{{"phones.login_max_failures", c.LoginMaxFailures}, {"phones.login_max_users_per_address", c.LoginMaxUsersPerAddress},
		{"phones.login_max_account_failures", c.LoginMaxAccountFailures}, {"phones.login_max_tracked", c.LoginMaxTracked},
		{"phones.digest_max_nonces", c.DigestMaxNonces}} {
		if l.v < 1 {
			return fmt.Errorf("%s: %d, want at least 1", l.key, l.v)
		}
	}
	if err := c.BookMax.Validate(); err != nil {
		return err
	}
	if err := c.CTI.Validate(); err != nil {
		return err
	}
	if c.LoginWindow < time.Second {
		return fmt.Errorf("phones.login_window: %s, want at least 1s", c.LoginWindow)
	}
	return nil
}
