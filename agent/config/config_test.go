package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.HTTP.Addr != "127.0.0.1:8080" || c.AGI.Addr != "127.0.0.1:4573" || c.SIP.Addr != "" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pbxagent.yaml")
	yml := "data_dir: /var/lib/pbxagent\nhttp:\n  addr: 0.0.0.0:9000\nnumbers:\n  default_region: BA\ncallerid:\n  deadline: 50ms\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, []string{"PBXAGENT_HTTP_ADDR=127.0.0.1:9999", "PBXAGENT_CALLERID_ALLOW=10.0.0.0/8, 127.0.0.1/32", "PBXAGENT_AGI_ADDR=", "OTHER=x"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/var/lib/pbxagent" || c.HTTP.Addr != "127.0.0.1:9999" || c.Numbers.DefaultRegion != "BA" ||
		c.CallerID.Deadline != 50*time.Millisecond || !slices.Equal(c.CallerID.Allow, []string{"10.0.0.0/8", "127.0.0.1/32"}) || c.AGI.Addr != "" {
		t.Fatalf("loaded %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yml string
		env       []string
		want      string
	}{
		{"unknown key", "htp:\n  addr: x\n", nil, "htp"},
		{"bad env duration", "", []string{"PBXAGENT_CALLERID_DEADLINE=soon"}, "PBXAGENT_CALLERID_DEADLINE"},
		{"bad env int", "", []string{"PBXAGENT_SIP_REDIRECT_MISS_STATUS=x"}, "PBXAGENT_SIP_REDIRECT_MISS_STATUS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			_ = os.WriteFile(path, []byte(tc.yml), 0o600)
			_, err := Load(path, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.CallerID.Allow = []string{"nope"} }, "callerid.allow"},
		{func(c *Config) { c.HTTP.Addr = "8080" }, "http.addr"},
		{func(c *Config) { c.SIP.MissStatus = 500 }, "miss_status"},
		{func(c *Config) { c.SIP.TrustedProxies = []string{"10.0.0.1", "kamailio.local"} }, "sip_redirect.trusted_proxies"},
		{func(c *Config) { c.SIP.TCPMaxConnsPerIP = 0 }, "sip_redirect.tcp_max_conns_per_ip"},
		{func(c *Config) { c.SIP.TCPMessageTimeout = 0 }, "sip_redirect.tcp_message_timeout"},
		{func(c *Config) { c.SIP.LogInterval = -time.Second }, "sip_redirect.log_interval"},
		{func(c *Config) { c.Log.Level = "loud" }, "log.level"},
		{func(c *Config) { c.Phones.LoginMaxFailures = 0 }, "phones.login_max_failures"},
		{func(c *Config) { c.Phones.LoginWindow = time.Millisecond }, "phones.login_window"},
		{func(c *Config) { c.Phones.LoginMaxUsersPerAddress = -1 }, "phones.login_max_users_per_address"},
		{func(c *Config) { c.Phones.LoginMaxAccountFailures = 0 }, "phones.login_max_account_failures"},
		{func(c *Config) { c.Phones.LoginMaxTracked = 0 }, "phones.login_max_tracked"},
		{func(c *Config) { c.Phones.DigestMaxNonces = 0 }, "phones.digest_max_nonces"},
		{func(c *Config) { c.HTTP.MaxConns = -1 }, "http.max_conns"},
		{func(c *Config) { c.HTTP.MaxConnsPerPeer = -1 }, "http.max_conns_per_peer"},
		{func(c *Config) { c.HTTP.WriteTimeout = -time.Second }, "http.write_timeout"},
		{func(c *Config) { c.HTTP.WriteMinRate = -1 }, "http.write_min_rate"},
		{func(c *Config) { c.AGI.MaxSessions = 0 }, "agi.max_sessions"},
		{func(c *Config) { c.AGI.FirstLineTimeout = 0 }, "agi.first_line_timeout"},
		{func(c *Config) { c.AGI.MaxWaiting = 0 }, "agi.max_waiting"},
	} {
		c := Default()
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v, want it to name %q", err, tc.want)
		}
	}
}

func TestEnvNamesCoverEveryKey(t *testing.T) {
	names := EnvNames()
	for _, want := range []string{"PBXAGENT_DATA_DIR", "PBXAGENT_ADMIN_TOKEN", "PBXAGENT_HTTP_ADDR", "PBXAGENT_NUMBERS_DEFAULT_REGION", "PBXAGENT_ARI_URL", "PBXAGENT_SIP_REDIRECT_ADDR"} {
		if !slices.Contains(names, want) {
			t.Errorf("missing %s in %v", want, names)
		}
	}
}
