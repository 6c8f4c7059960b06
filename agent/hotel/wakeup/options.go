package wakeup

import (
	"log/slog"
	"time"
)

// Defaults of the options.
const (
	// DefaultResultMargin is added to the ring timeout to give the time
	// an attempt may take before its result is due: the prompt, the
	// snooze menu and the telephony's own delays.
	DefaultResultMargin = 2 * time.Minute
	// DefaultCallTimeout bounds each call to the Telephony.
	DefaultCallTimeout = 10 * time.Second
	// DefaultLanguage is the prompt's language when neither the wake-up
	// nor the guest has one.
	DefaultLanguage = "en"
)

// Option changes a Scheduler.
type Option func(*Scheduler)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Scheduler) { s.log = l } }

// WithResultMargin sets how long after the ring timeout an attempt
// without a result counts as failed (the telephony lost it; default
// DefaultResultMargin).
func WithResultMargin(d time.Duration) Option { return func(s *Scheduler) { s.margin = d } }

// WithCallTimeout bounds each call to the Telephony (default
// DefaultCallTimeout).
func WithCallTimeout(d time.Duration) Option { return func(s *Scheduler) { s.callTimeout = d } }

// WithLanguage sets the prompt's language when neither the wake-up nor
// the guest has one (hotel.language; default DefaultLanguage).
func WithLanguage(lang string) Option { return func(s *Scheduler) { s.lang = lang } }

// WithReception makes the scheduler ring the reception extension
// (Telephony.AlertReception) about every wake-up that ends unanswered,
// right after reporting it; "" (the default) leaves that to whoever
// receives the report.
func WithReception(extension string) Option { return func(s *Scheduler) { s.reception = extension } }
