package stats

import (
	"fmt"
	"path/filepath"
)

// Config is the statistics' and the queue_log's part of the daemon's
// callgroups section.
type Config struct {
	// QueueLog is the queue_log file the journal is appended to; a
	// relative path is under the data directory; "" writes none. Default
	// "queue_log" (<data_dir>/queue_log).
	QueueLog string `yaml:"queue_log"`
	// StatsRetention is how many days of statistics are kept, today
	// included. Default 400.
	StatsRetention int `yaml:"stats_retention"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{QueueLog: "queue_log", StatsRetention: DefaultRetention}
}

// Validate checks c.
func (c Config) Validate() error {
	if c.StatsRetention < 1 || c.StatsRetention > 100*366 {
		return fmt.Errorf("callgroups.stats_retention: %d days, want 1 to 36600", c.StatsRetention)
	}
	return nil
}

// QueueLogPath is the queue_log's path with dataDir ("" off).
func (c Config) QueueLogPath(dataDir string) string {
	if c.QueueLog == "" || filepath.IsAbs(c.QueueLog) {
		return c.QueueLog
	}
	return filepath.Join(dataDir, c.QueueLog)
}
