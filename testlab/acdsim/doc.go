// Package acdsim is a discrete-event simulation of an inbound call centre:
// it drives the real call-group ACD (agent/callgroups) through its Sink
// methods on a virtual clock (internal/clock), one goroutine, deterministic
// by seed, against simulated callers (Poisson arrivals, optional
// exponential patience) and members (answer after a ring delay unless
// scripted not to, talk Exp(mean), hang up on either side), with a
// simulated presence (DND, registration, on-call from the simulation's own
// calls). It checks every offer against its own truth (no call offered to
// a paused, DND, unregistered, busy, ringing or wrap-up member; each
// strategy's choice), measures the service level and waits from the ACD's
// journal entries, and compares them with Erlang C (erlang.go). The model
// and the figures are in FIGURES.md.
package acdsim
