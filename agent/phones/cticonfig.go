package phones

import (
	"fmt"
	"time"
)

// CTIConfig is how pbxagent reaches desk phones' own HTTP control
// interfaces (the YAML section phones.cti): the credentials their web
// servers accept, the port and scheme, and the bound of one command.
type CTIConfig struct {
	// Username and Password are the credentials of the phones' web servers
	// (HTTP Basic; Grandstream's passcode is the password). Empty: each
	// phone's own username and password of the registry.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Port is the phones' web server port; 0: 80 (443 with HTTPS).
	Port int `yaml:"port"`
	// HTTPS talks https to the phones (their certificates are not checked:
	// phones have self-signed ones).
	HTTPS bool `yaml:"https"`
	// Timeout bounds one command, connection included. Default 5s.
	Timeout time.Duration `yaml:"timeout"`
}

// Validate checks the port and timeout; errors name the phones.cti key.
func (c CTIConfig) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("phones.cti.port: %d, want 0 to 65535", c.Port)
	}
	if c.Timeout < 100*time.Millisecond || c.Timeout > time.Minute {
		return fmt.Errorf("phones.cti.timeout: %s, want 100ms to 1m", c.Timeout)
	}
	if (c.Username == "") != (c.Password == "") {
		return fmt.Errorf("phones.cti.username and phones.cti.password: set both or neither")
	}
	return nil
}

// WithCTI sets how commands reach the phones (default: port 80, http, 5s,
// each phone's own credentials).
func WithCTI(c CTIConfig) Option { return func(cfg *config) { cfg.cti = c } }
