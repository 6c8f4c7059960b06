// Package dialer runs outbound call-centre campaigns: leads, agents, pacing
// (preview, progressive, fixed spare and predictive), compliance (calling
// windows, do-not-call, the 72-hour rule after an abandoned call, minimum ring
// time, trunk caps) and the call flow that joins an answered customer to a
// ready agent or plays the information message within the grace time.
//
// The dialer talks to the telephone system through the small Telephony port
// and receives call and agent events through Dialer.HandleEvent, so the same
// code runs against Asterisk ARI (see the aritel sub-package) and against the
// simulated customers of testlab/dialsim on a virtual clock.
//
// Persistence: a Store receives every change (campaigns, leads and their
// attempts, the do-not-call list, the 72-hour abandoned-number records, and
// once a minute the abandonment meters); KVStore writes them behind to a
// key-value namespace such as the phonebook store's Meta("dialer"), and
// Dialer.Restore reads them back at start-up (running campaigns come back
// paused; calls in progress at the stop are treated as possibly abandoned).
//
// Concurrency: every entry point (API methods, events, timers) takes the
// dialer's lock, changes state, and queues Telephony commands that run after
// the lock is released, in the order they were queued. With a clock.Virtual
// whose callbacks run in the advancing goroutine, a simulation is a single
// goroutine and is deterministic for a given seed.
package dialer
