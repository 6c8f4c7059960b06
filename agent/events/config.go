package events

import (
	"fmt"
	"time"
)

// Config configures the hub and its WebSocket (the "events" section of
// the configuration).
type Config struct {
	// RingSize is how many recent events the hub keeps for clients that
	// reconnect (the resume window, by count). Default 10000.
	RingSize int `yaml:"ring_size"`
	// RingAge is how long the hub keeps an event for clients that
	// reconnect (the resume window, by age). Default 5m.
	RingAge time.Duration `yaml:"ring_age"`
	// PingInterval is how often the socket pings a client; a client that
	// has not answered by the next ping is dropped. Default 30s.
	PingInterval time.Duration `yaml:"ping_interval"`
	// SendQueue is how many events a client may fall behind the hub
	// before it is cut off as a slow consumer (close code 4008). Default
	// 1024; at most RingSize.
	SendQueue int `yaml:"send_queue"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{RingSize: 10000, RingAge: 5 * time.Minute, PingInterval: 30 * time.Second, SendQueue: 1024}
}

// Validate names the first bad key.
func (c Config) Validate() error {
	switch {
	case c.RingSize < 1 || c.RingSize > 1_000_000:
		return fmt.Errorf("events.ring_size: %d, want 1 to 1000000", c.RingSize)
	case c.RingAge < time.Second:
		return fmt.Errorf("events.ring_age: %s, want at least 1s", c.RingAge)
	case c.PingInterval < time.Second:
		return fmt.Errorf("events.ping_interval: %s, want at least 1s", c.PingInterval)
	case c.SendQueue < 1 || c.SendQueue > c.RingSize:
		return fmt.Errorf("events.send_queue: %d, want 1 to events.ring_size (%d)", c.SendQueue, c.RingSize)
	}
	return nil
}
