package dialer

import (
	"time"
)

// AgentView is an agent's real-time state.
type AgentView struct {
	ID          string     `json:"id"`
	Campaign    string     `json:"campaign,omitempty"`
	State       AgentState `json:"state"`
	PauseReason string     `json:"pause_reason,omitempty"`
	// InState is how long the agent has been in State.
	InState Duration `json:"in_state"`
	CallID  string   `json:"call_id,omitempty"`
	Calls   int      `json:"calls"`
	// Occupancy is (on call + wrap-up) / logged-in time since login.
	Occupancy float64 `json:"occupancy"`
}

// CampaignView is a campaign's real-time figures.
type CampaignView struct {
	ID    string        `json:"id"`
	Name  string        `json:"name,omitempty"`
	Mode  Mode          `json:"mode"`
	State CampaignState `json:"state"`

	Ringing         int `json:"ringing"`
	Waiting         int `json:"waiting"`
	Channels        int `json:"channels"`
	MaxChannelsSeen int `json:"max_channels_seen"`

	Dialed    int `json:"dialed"`
	Answered  int `json:"answered"`
	Connected int `json:"connected"`
	Abandoned int `json:"abandoned"`
	Machines  int `json:"machines"`
	HungUp    int `json:"hung_up_waiting"`
	// AMDFalsePositives is the estimated people among MACHINE verdicts
	// counted into the abandonment rate (amd.false_positive_rate).
	AMDFalsePositives int `json:"amd_estimated_false_positives"`

	// AbandonRate is abandoned / answered over the campaign's window.
	AbandonRate float64  `json:"abandon_rate"`
	Window      Duration `json:"abandon_window"`
	// Occupancy is (on call + wrap-up) / logged-in time over the agents
	// logged in now.
	Occupancy float64 `json:"occupancy"`

	AgentsLoggedIn int `json:"agents_logged_in"`
	AgentsReady    int `json:"agents_ready"`
	AgentsOnCall   int `json:"agents_on_call"`
	AgentsPaused   int `json:"agents_paused"`

	LeadsDue      int `json:"leads_due"`
	LeadsDeferred int `json:"leads_deferred"`

	// TimeToAgentP50 is the median time from answer to agent.
	TimeToAgentP50 Duration        `json:"time_to_agent_p50"`
	TimeToAgentP99 Duration        `json:"time_to_agent_p99"`
	TimeToAgentMax Duration        `json:"time_to_agent_max"`
	Outcomes       map[Outcome]int `json:"outcomes"`

	// Predictor internals, to debug over-dialling.
	AnswerRateEstimate float64 `json:"answer_rate_estimate"`
	RiskThreshold      float64 `json:"risk_threshold"`
	// AnswerRateChanges counts the rises in the answer rate the estimator
	// detected (each restarts its window).
	AnswerRateChanges int     `json:"answer_rate_changes"`
	LastRisk          float64 `json:"last_risk"`

	// StrayCalls counts customer legs placed by an earlier run of the
	// dialer (before a restart) that answered afterwards: they hear the
	// information message, or are hung up when there is none.
	StrayCalls int `json:"stray_calls"`
	// ColdStart is true while a predictive campaign paces one call per
	// free agent because it has not yet measured its answer rate.
	ColdStart bool `json:"cold_start"`
	// RecordingFailures counts connected calls whose recording could not
	// start (they went on unrecorded).
	RecordingFailures int `json:"recording_failures"`
	// LastFault is the last configuration fault of the telephone system
	// the campaign met (AMD dialplan failed, recording refused, cause 58);
	// AMD and cause-58 faults pause the campaign.
	LastFault string `json:"last_fault,omitempty"`
}

// Snapshot is the whole real-time view.
type Snapshot struct {
	At        time.Time      `json:"at"`
	Campaigns []CampaignView `json:"campaigns"`
	Agents    []AgentView    `json:"agents"`
	Calls     int            `json:"calls"`
}

// Snapshot returns the real-time view.
func (d *Dialer) Snapshot() Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clk.Now()
	// Empty lists, not null: clients iterate them.
	s := Snapshot{At: now, Calls: len(d.calls), Campaigns: []CampaignView{}, Agents: []AgentView{}}
	for _, c := range d.corder {
		s.Campaigns = append(s.Campaigns, d.campaignView(c, now))
	}
	for _, a := range d.aorder {
		s.Agents = append(s.Agents, agentView(a, now))
	}
	return s
}

// CampaignView returns one campaign's real-time figures.
func (d *Dialer) CampaignView(id string) (CampaignView, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.campaignLocked(id)
	if err != nil {
		return CampaignView{}, err
	}
	return d.campaignView(c, d.clk.Now()), nil
}

// AgentView returns one agent's real-time state.
func (d *Dialer) AgentView(id string) (AgentView, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, err := d.agentLocked(id)
	if err != nil {
		return AgentView{}, err
	}
	return agentView(a, d.clk.Now()), nil
}

func agentView(a *agent, now time.Time) AgentView {
	v := AgentView{ID: a.id, State: a.state, PauseReason: a.reason, Calls: a.calls}
	if a.state != AgentLoggedOut {
		v.InState = Duration(now.Sub(a.since))
		if a.c != nil {
			v.Campaign = a.c.cfg.ID
		}
		du := a.durations(now)
		var total, busy time.Duration
		for _, st := range agentStates {
			total += du[st]
		}
		busy = du[AgentOnCall] + du[AgentWrapUp]
		if total > 0 {
			v.Occupancy = float64(busy) / float64(total)
		}
	}
	if a.call != nil {
		v.CallID = a.call.id
	}
	return v
}

func (d *Dialer) campaignView(c *campaign, now time.Time) CampaignView {
	c.meter.expire(now)
	v := CampaignView{ID: c.cfg.ID, Name: c.cfg.Name, Mode: c.cfg.Mode, State: c.state,
		Ringing: len(c.ringing), Waiting: len(c.waiting), Channels: c.channels, MaxChannelsSeen: c.maxChannelsSeen,
		Dialed: c.dialed, Answered: c.answered, Connected: c.connected, Abandoned: c.abandoned,
		Machines: c.machines, HungUp: c.hungUp, AMDFalsePositives: c.amdFalsePosTotal, AbandonRate: c.meter.rate(), Window: c.cfg.AbandonWindow,
		LeadsDue: c.queue.readyLen(), LeadsDeferred: len(c.queue.deferred),
		TimeToAgentP99: Duration(min(c.tta.quantile(0.99), c.tta.max)), TimeToAgentMax: Duration(c.tta.max),
		Outcomes: map[Outcome]int{}, AnswerRateEstimate: c.est.answerRate(), RiskThreshold: c.ctl.theta, LastRisk: c.ctl.lastRisk,
		AnswerRateChanges: c.est.changes, StrayCalls: c.strays, ColdStart: c.cfg.Mode == ModePredictive && c.est.cold(), RecordingFailures: c.recordFailures, LastFault: c.lastFault}
	v.TimeToAgentP50 = Duration(min(c.tta.quantile(0.5), c.tta.max))
	for k, n := range c.outcomes {
		v.Outcomes[k] = n
	}
	var total, busy time.Duration
	for _, a := range c.agents {
		v.AgentsLoggedIn++
		switch a.state {
		case AgentReady:
			v.AgentsReady++
		case AgentOnCall:
			v.AgentsOnCall++
		case AgentPaused:
			v.AgentsPaused++
		}
		du := a.durations(now)
		for _, st := range agentStates {
			total += du[st]
		}
		busy += du[AgentOnCall] + du[AgentWrapUp]
	}
	if total > 0 {
		v.Occupancy = float64(busy) / float64(total)
	}
	return v
}
