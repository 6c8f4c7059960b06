package calls

import (
	"fmt"
	"time"
)

// Ring strategies of a dialplan call to a user with several devices.
const (
	// RingAll rings every device at once; the first to answer wins.
	RingAll = "all"
	// RingSequential rings the devices one after the other, each for
	// Config.RingDeviceTimeout, in the order of the user's
	// devices.endpoints.
	RingSequential = "sequential"
)

// Config is the calls section of the daemon's configuration (calls.*):
// how calls the dialplan sends to the application ring.
type Config struct {
	// RingStrategy is all (default) or sequential.
	RingStrategy string `yaml:"ring_strategy"`
	// RingTimeout bounds how long a user's devices ring for one call in
	// all (default 30 s); then the caller goes on in the dialplan at
	// NoAnswerLabel.
	RingTimeout time.Duration `yaml:"ring_timeout"`
	// RingDeviceTimeout is how long each device rings with the sequential
	// strategy before the next one (default 15 s).
	RingDeviceTimeout time.Duration `yaml:"ring_device_timeout"`
	// NoAnswerLabel is the dialplan label (in the caller's extension) a
	// caller nobody answered goes on at (default "noanswer").
	NoAnswerLabel string `yaml:"noanswer_label"`
	// LookupTimeout bounds the caller's name lookup in the directory
	// before the devices ring (default 200 ms); past it they ring with
	// the caller ID as it came.
	LookupTimeout time.Duration `yaml:"lookup_timeout"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{RingStrategy: RingAll, RingTimeout: 30 * time.Second, RingDeviceTimeout: 15 * time.Second,
		NoAnswerLabel: "noanswer", LookupTimeout: 200 * time.Millisecond}
}

// Validate names the first bad key.
func (c Config) Validate() error {
	switch c.RingStrategy {
	case RingAll, RingSequential:
	default:
		return fmt.Errorf("calls.ring_strategy %q: want all or sequential", c.RingStrategy)
	}
	if c.RingTimeout < time.Second || c.RingDeviceTimeout < time.Second {
		return fmt.Errorf("calls.ring_timeout (%s) and calls.ring_device_timeout (%s): at least 1s each", c.RingTimeout, c.RingDeviceTimeout)
	}
	if c.NoAnswerLabel == "" {
		return fmt.Errorf("calls.noanswer_label: must not be empty")
	}
	if c.LookupTimeout <= 0 || c.LookupTimeout > 5*time.Second {
		return fmt.Errorf("calls.lookup_timeout %s: want more than 0 and at most 5s", c.LookupTimeout)
	}
	return nil
}
