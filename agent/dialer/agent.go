package dialer

import "time"

// AgentState is an agent's state.
type AgentState string

// Agent states.
const (
	AgentLoggedOut AgentState = "logged_out"
	AgentReady     AgentState = "ready"
	AgentReserved  AgentState = "reserved" // a call is ringing for this agent (preview, progressive)
	AgentOnCall    AgentState = "on_call"
	AgentWrapUp    AgentState = "wrap_up"
	AgentPaused    AgentState = "paused"
)

// PauseConnecting is the pause reason while the agent's held leg comes up.
const PauseConnecting = "connecting"

var agentStates = []AgentState{AgentLoggedOut, AgentReady, AgentReserved, AgentOnCall, AgentWrapUp, AgentPaused}

type agent struct {
	id       string
	endpoint string
	c        *campaign
	state    AgentState
	since    time.Time
	reason   string
	call     *call // reserved or connected call
	legUp    bool

	pendingPause  string // pause after the current call
	pendingLogout bool

	wrapTimer interface{ Stop() bool }
	wrapEnd   time.Time

	lastLead *Lead
	lastCall string

	loginAt time.Time
	inState map[AgentState]time.Duration // closed intervals since login
	calls   int
}

func (a *agent) setState(s AgentState, now time.Time) {
	if a.inState == nil {
		a.inState = map[AgentState]time.Duration{}
	}
	if a.state != AgentLoggedOut && !a.since.IsZero() {
		a.inState[a.state] += now.Sub(a.since)
	}
	a.state, a.since = s, now
	if s != AgentPaused {
		a.reason = ""
	}
}

// durations returns time per state including the open interval.
func (a *agent) durations(now time.Time) map[AgentState]time.Duration {
	out := make(map[AgentState]time.Duration, len(a.inState)+1)
	for k, v := range a.inState {
		out[k] = v
	}
	if a.state != AgentLoggedOut {
		out[a.state] += now.Sub(a.since)
	}
	return out
}

// inService reports whether the agent counts for pacing: logged in, leg up,
// not paused and not about to pause or log out.
func (a *agent) inService() bool {
	switch a.state {
	case AgentReady, AgentReserved, AgentOnCall, AgentWrapUp:
		return a.legUp && a.pendingPause == "" && !a.pendingLogout
	}
	return false
}
