package dialer

import (
	"time"
)

// AgentView is an agent's real-time state.
type AgentView struct {
	ID          string     `json:"id" doc:"The agent's id" example:"alice"`
	Campaign    string     `json:"campaign,omitempty" doc:"The campaign the agent is logged in to" example:"spring-renewals"`
	State       AgentState `json:"state" openapi:"enum=logged_out|ready|reserved|on_call|wrap_up|paused" doc:"logged_out, ready, reserved (a call rings for the agent), on_call, wrap_up or paused" example:"ready"`
	PauseReason string     `json:"pause_reason,omitempty" doc:"Why the agent paused" example:"break"`
	// InState is how long the agent has been in State.
	InState Duration `json:"in_state" doc:"How long the agent has been in this state" example:"1m12s"`
	CallID  string   `json:"call_id,omitempty" doc:"The customer call the agent is on" example:"1733561000.42"`
	Calls   int      `json:"calls" doc:"Calls the agent took since login" example:"14"`
	// Occupancy is (on call + wrap-up) / logged-in time since login.
	Occupancy float64 `json:"occupancy" doc:"(on call + wrap-up) / logged-in time since login" example:"0.82"`
}

// CampaignView is a campaign's real-time figures.
type CampaignView struct {
	ID    string        `json:"id" doc:"The campaign's id" example:"spring-renewals"`
	Name  string        `json:"name,omitempty" doc:"The campaign's name" example:"Spring renewals"`
	Mode  Mode          `json:"mode" openapi:"enum=preview|progressive|spare|predictive" doc:"preview, progressive, spare or predictive" example:"progressive"`
	State CampaignState `json:"state" openapi:"enum=stopped|running|paused" doc:"stopped, running or paused" example:"running"`

	Ringing         int `json:"ringing" doc:"Customer calls ringing now" example:"4"`
	Waiting         int `json:"waiting" doc:"Answered customers waiting for an agent" example:"0"`
	Channels        int `json:"channels" doc:"Customer legs up now" example:"12"`
	MaxChannelsSeen int `json:"max_channels_seen" doc:"The most customer legs up at once" example:"18"`

	Dialed    int `json:"dialed" doc:"Calls placed" example:"540"`
	Answered  int `json:"answered" doc:"Calls answered by a person or machine" example:"210"`
	Connected int `json:"connected" doc:"Calls that reached an agent" example:"190"`
	Abandoned int `json:"abandoned" doc:"Answered calls no agent took within the grace time" example:"4"`
	Machines  int `json:"machines" doc:"Calls answered by a machine (AMD)" example:"16"`
	HungUp    int `json:"hung_up_waiting" doc:"Customers who hung up while waiting, before the grace time" example:"1"`
	// AMDFalsePositives is the estimated people among MACHINE verdicts
	// counted into the abandonment rate (amd.false_positive_rate).
	AMDFalsePositives int `json:"amd_estimated_false_positives" doc:"The estimated people among MACHINE verdicts counted into the abandonment rate (amd.false_positive_rate)" example:"0"`

	// AbandonRate is abandoned / answered over the campaign's window.
	AbandonRate float64  `json:"abandon_rate" doc:"Abandoned / answered over the campaign's window" example:"0.019"`
	Window      Duration `json:"abandon_window" doc:"The window of abandon_rate" example:"24h0m0s"`
	// Occupancy is (on call + wrap-up) / logged-in time over the agents
	// logged in now.
	Occupancy float64 `json:"occupancy" doc:"(on call + wrap-up) / logged-in time over the agents logged in now" example:"0.78"`

	AgentsLoggedIn int `json:"agents_logged_in" doc:"Agents logged in" example:"8"`
	AgentsReady    int `json:"agents_ready" doc:"Agents ready for a call" example:"2"`
	AgentsOnCall   int `json:"agents_on_call" doc:"Agents on a call" example:"5"`
	AgentsPaused   int `json:"agents_paused" doc:"Agents paused" example:"1"`

	LeadsDue      int `json:"leads_due" doc:"Leads that may be called now" example:"312"`
	LeadsDeferred int `json:"leads_deferred" doc:"Leads waiting for a retry time or their calling window" example:"45"`

	TimeToAgentP99 Duration        `json:"time_to_agent_p99" doc:"The 99th percentile of the time from answer to agent" example:"1.2s"`
	TimeToAgentMax Duration        `json:"time_to_agent_max" doc:"The longest time from answer to agent" example:"1.9s"`
	Outcomes       map[Outcome]int `json:"outcomes" doc:"Attempts by outcome" example:"{\"connected\":190,\"no_answer\":250,\"busy\":40,\"machine\":16}"`

	// Predictor internals, to debug over-dialling.
	AnswerRateEstimate float64 `json:"answer_rate_estimate" doc:"Predictor internals, to debug over-dialling" example:"0.39"`
	RiskThreshold      float64 `json:"risk_threshold" doc:"The predictor's accepted risk of an abandon per call (predictor internals)" example:"0.02"`
	// AnswerRateChanges counts the rises in the answer rate the estimator
	// detected (each restarts its window).
	AnswerRateChanges int     `json:"answer_rate_changes" doc:"Counts the rises in the answer rate the estimator detected (each restarts its window)" example:"0"`
	LastRisk          float64 `json:"last_risk" doc:"The predictor's last estimated risk of an abandon (predictor internals)" example:"0.011"`

	// StrayCalls counts customer legs placed by an earlier run of the
	// dialer (before a restart) that answered afterwards: they hear the
	// information message, or are hung up when there is none.
	StrayCalls int `json:"stray_calls" doc:"Counts customer legs placed by an earlier run of the dialer (before a restart) that answered afterwards: they hear the information message, or are hung up when there is none" example:"0"`
	// ColdStart is true while a predictive campaign paces one call per
	// free agent because it has not yet measured its answer rate.
	ColdStart bool `json:"cold_start" doc:"True while a predictive campaign paces one call per free agent because it has not yet measured its answer rate" example:"false"`
	// RecordingFailures counts connected calls whose recording could not
	// start (they went on unrecorded).
	RecordingFailures int `json:"recording_failures" doc:"Counts connected calls whose recording could not start (they went on unrecorded)" example:"0"`
	// LastFault is the last configuration fault of the telephone system
	// the campaign met (AMD dialplan failed, recording refused, cause 58);
	// AMD and cause-58 faults pause the campaign.
	LastFault string `json:"last_fault,omitempty" doc:"The last configuration fault of the telephone system the campaign met (AMD dialplan failed, recording refused, cause 58); AMD and cause-58 faults pause the campaign" example:"AMD dialplan failed: context amd-detect not found"`
}

// Snapshot is the whole real-time view.
type Snapshot struct {
	At        time.Time      `json:"at" doc:"When the snapshot was taken" example:"2026-12-07T08:30:00Z"`
	Campaigns []CampaignView `json:"campaigns" doc:"Every campaign's live figures"`
	Agents    []AgentView    `json:"agents" doc:"Every agent's state"`
	Calls     int            `json:"calls" doc:"Customer calls up now" example:"12"`
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
		TimeToAgentP99: Duration(c.tta.quantile(0.99)), TimeToAgentMax: Duration(c.tta.max),
		Outcomes: map[Outcome]int{}, AnswerRateEstimate: c.est.answerRate(), RiskThreshold: c.ctl.theta, LastRisk: c.ctl.lastRisk,
		AnswerRateChanges: c.est.changes, StrayCalls: c.strays, ColdStart: c.cfg.Mode == ModePredictive && c.est.cold(), RecordingFailures: c.recordFailures, LastFault: c.lastFault}
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
