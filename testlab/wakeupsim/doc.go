// Package wakeupsim is a discrete-event simulation of a hotel's morning
// wake-up rush: it drives the real wake-up scheduler (agent/hotel/wakeup)
// on a virtual clock (internal/clock), one goroutine, deterministic by
// seed, against simulated guests behind a simulated telephony (answer
// after a ring time and listen to the prompt, snooze, ring out, be busy,
// or be away), and measures what the figure asks: how long until
// every first attempt was placed, the most calls at once against the cap,
// no wake-up placed twice at once, every unanswered one retried and
// reported once. The model and the figures are in FIGURES.md.
package wakeupsim
