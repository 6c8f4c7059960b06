package recordings

import (
	"fmt"
	"time"
)

// Config configures the recordings.
type Config struct {
	// Retention is how long recordings are kept (file and metadata); 0
	// keeps them forever.
	Retention time.Duration `yaml:"retention"`
	// PruneEvery is how often recordings older than Retention are
	// deleted. Default 1h.
	PruneEvery time.Duration `yaml:"prune_every"`
	// Beep plays a beep into the call when a recording starts.
	Beep bool `yaml:"beep"`
	// RecordAll records every call of the calls engine as soon as it is
	// answered.
	RecordAll bool `yaml:"record_all"`
}

// DefaultPruneEvery is PruneEvery's default.
const DefaultPruneEvery = time.Hour

// DefaultConfig is the default configuration: recordings kept forever,
// no beep.
func DefaultConfig() Config { return Config{PruneEvery: DefaultPruneEvery} }

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Retention < 0:
		return fmt.Errorf("recordings.retention: %s is negative (0 keeps recordings forever)", c.Retention)
	case c.Retention > 0 && c.Retention < time.Hour:
		return fmt.Errorf("recordings.retention: %s is less than an hour", c.Retention)
	case c.PruneEvery != 0 && c.PruneEvery < time.Minute:
		return fmt.Errorf("recordings.prune_every: %s is less than a minute", c.PruneEvery)
	}
	return nil
}
