package sources

// SchedulerConfig configures the contact sync scheduler.
type SchedulerConfig struct {
	// Disabled stops the scheduler (manual triggers still run).
	Disabled bool `yaml:"disabled"`
}

// Validate checks the scheduler's settings (nothing can be wrong today).
func (c SchedulerConfig) Validate() error { return nil }
