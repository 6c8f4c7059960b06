package dialer

// Outcome is the result of one call attempt.
type Outcome string

// Attempt outcomes (the hangup causes of Asterisk include/asterisk/causes.h
// and main/dial.c ast_hangup_cause_to_dial_status, grouped by our own
// policy, plus the dialer's own).
const (
	OutcomeConnected  Outcome = "connected"   // answered and talked to an agent
	OutcomeAbandoned  Outcome = "abandoned"   // answered, no agent within the grace time, message played
	OutcomeNoAnswer   Outcome = "no_answer"   // rang out (18, 19, 16 without answer)
	OutcomeBusy       Outcome = "busy"        // 17
	OutcomeCongestion Outcome = "congestion"  // 34, 41, 42, 44
	OutcomeNetwork    Outcome = "network"     // 3, 27, 38, 102
	OutcomeUnavail    Outcome = "unavailable" // 20
	OutcomeRejected   Outcome = "rejected"    // 21
	OutcomeInvalid    Outcome = "invalid"     // 1, 22, 28
	OutcomeConfig     Outcome = "config_error"
	OutcomeUnknown    Outcome = "unknown"   // 31, 127, others
	OutcomeMachine    Outcome = "machine"   // AMD said MACHINE
	OutcomeHungUp     Outcome = "hung_up"   // customer hung up while waiting, before the grace time
	OutcomeLost       Outcome = "lost"      // the call vanished (e.g. during a reconnect)
	OutcomeFailed     Outcome = "failed"    // originate was refused
	OutcomeCancelled  Outcome = "cancelled" // we hung up a ringing call after the minimum ring time
)

// OutcomeForCause maps a Q.850 cause of a call that was never answered to an
// outcome (causes: Asterisk include/asterisk/causes.h, main/dial.c
// ast_hangup_cause_to_dial_status; the grouping is our own policy). Answered calls are decided by the
// answer event, never by cause 16 alone.
func OutcomeForCause(cause int) Outcome {
	switch cause {
	case 16, 18, 19:
		return OutcomeNoAnswer
	case 17:
		return OutcomeBusy
	case 20:
		return OutcomeUnavail
	case 21:
		return OutcomeRejected
	case 1, 22, 28:
		return OutcomeInvalid
	case 3, 27, 38, 102:
		return OutcomeNetwork
	case 34, 41, 42, 44:
		return OutcomeCongestion
	case 58:
		return OutcomeConfig
	default:
		return OutcomeUnknown
	}
}

// Answered reports whether the outcome is a live answer (the denominator of
// the abandonment rate).
func (o Outcome) Answered() bool {
	return o == OutcomeConnected || o == OutcomeAbandoned || o == OutcomeHungUp
}
