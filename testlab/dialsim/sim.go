package dialsim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Config is one simulation run.
type Config struct {
	Mode   dialer.Mode
	Agents int
	// Answer is the answer probability; AnswerAfter (if > 0) replaces it
	// from StepAt on.
	Answer      float64
	AnswerAfter float64
	StepAt      time.Duration
	Talk        time.Duration
	Wrap        time.Duration
	Duration    time.Duration
	Seed        uint64
	SpareCalls  int
	Predictor   string
	Margin      float64
	MaxChannels int     // default 6 per agent
	Target      float64 // default 0.03
	// LogoutAt, when > 0, logs every agent out at that time.
	LogoutAt time.Duration
	// Leads defaults to agents x hours x 200 (enough that no run starves).
	Leads int
	// DNCShare of the leads are on the do-not-call list (default 0.02).
	DNCShare float64
	// DropAt, when > 0 (ARI runs only), drops the ARI WebSocket at that
	// time for DropFor of simulated time.
	DropAt, DropFor time.Duration
	// Trace, when set (ARI and SIP runs), receives the dialer's timeline:
	// one line per command it gives and per event it handles, with the
	// simulated time (Checker.Trace). Give each run its own writer.
	Trace io.Writer
	// record, when set (tests), keeps the customers drawn.
	record *runRecord
}

// runRecord keeps what a test wants to see of a run beyond its Result.
type runRecord struct {
	draws []dialDraw
}

// setDraws keeps the run's customer draws (nil receiver: nothing kept).
func (r *runRecord) setDraws(d []dialDraw) {
	if r != nil {
		r.draws = d
	}
}

// Result is one run's figures.
type Result struct {
	Seed                 uint64  `json:"seed"`
	Occupancy            float64 `json:"occupancy"`
	AbandonRate          float64 `json:"abandon_rate"`
	TalkMinPerAgentHour  float64 `json:"talk_minutes_per_agent_hour"`
	ConnectsPerAgentHour float64 `json:"connects_per_agent_hour"`
	DialsPerAgentHour    float64 `json:"dials_per_agent_hour"`
	TimeToAgentP99ms     float64 `json:"time_to_agent_p99_ms"`
	Within2s             float64 `json:"messaged_or_connected_within_2s"`
	RingViolations       int     `json:"ring_time_violations"`
	WindowViolations     int     `json:"window_violations"`
	DNCViolations        int     `json:"dnc_violations"`
	Redials72h           int     `json:"redials_within_72h"`
	MaxChannels          int     `json:"max_channels_seen"`
	ChannelCap           int     `json:"channel_cap"`
	Answers              int     `json:"answers"`
	// HungUpWaiting: answered customers who put the phone down within the
	// 2 s before an agent or the message reached them (not counted against
	// messaged_or_connected_within_2s; still in the abandonment denominator).
	HungUpWaiting int `json:"hung_up_waiting"`
	Abandoned     int `json:"abandoned"`
	// After an answer-rate step: abandonment in the first 30 minutes after
	// the step and from 30 minutes after it to the end.
	// ColdAbandoned and ColdAnswered count the abandoned and live-answered
	// calls of the first 10 minutes (the campaign's cold start).
	ColdAbandoned            int     `json:"cold_start_abandoned"`
	ColdAnswered             int     `json:"cold_start_answered"`
	AbandonFirst30mAfterStep float64 `json:"abandon_rate_first_30m_after_step,omitempty"`
	AbandonAfter30mAfterStep float64 `json:"abandon_rate_after_30m_after_step,omitempty"`
	// After LogoutAt: originates after the logout.
	DialsAfterLogout int `json:"dials_after_logout"`
	// Leaked is calls, channels or agents the dialer (or the telephone
	// system) still held after the campaign was stopped, everything
	// drained and every agent logged out (must be 0).
	Leaked       int `json:"leaked"`
	DuplicateIDs int `json:"duplicate_call_ids"`
	// RiskThreshold is the predictor's final risk threshold (theta).
	RiskThreshold float64 `json:"risk_threshold_final"`
	// AnswerRateChanges is how many answer-rate rises the dialer detected.
	AnswerRateChanges int `json:"answer_rate_changes"`
	// ARI runs: originates Asterisk accepted vs calls the dialer placed,
	// WebSocket reconnects seen.
	AsteriskOriginates int `json:"asterisk_originates,omitempty"`
	DialerDialed       int `json:"dialer_dialed,omitempty"`
	Reconnects         int `json:"reconnects,omitempty"`
	// Lost counts calls the dialer found gone after a reconnect (answers
	// into the app while it was unregistered end here: Asterisk drops them).
	Lost int `json:"lost_in_outage,omitempty"`
	// SIP runs: INVITEs the simulated customers received (equal to the
	// calls the dialer placed), INVITEs nobody expected, legs the clock
	// had to be let past the expected end of (a timer's work inside the
	// user agent or siptel started late in real time), and what the user
	// agents still held after the drain (dialogs, RTP port pairs; both
	// counted in Leaked too).
	TrunkInvites      int `json:"trunk_invites,omitempty"`
	UnexpectedInvites int `json:"unexpected_invites,omitempty"`
	LateDeadlines     int `json:"late_deadlines,omitempty"`
	SIPDialogsLeft    int `json:"sip_dialogs_left,omitempty"`
	RTPPortsLeft      int `json:"rtp_ports_left,omitempty"`
	// RTP packets the simulated customers sent and received, and the
	// agents' phones received (the customers' voice relayed to them).
	CustomerRTPSent     uint64 `json:"customer_rtp_sent,omitempty"`
	CustomerRTPReceived uint64 `json:"customer_rtp_received,omitempty"`
	PhoneRTPReceived    uint64 `json:"phone_rtp_received,omitempty"`
}

var start = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// population is the lead list of a run and what the checks need to know.
type population struct {
	leads   []dialer.LeadInput
	dncList []string
	zones   map[string]*time.Location
	dnc     map[string]bool
}

func (cfg *Config) defaults() {
	if cfg.MaxChannels == 0 {
		cfg.MaxChannels = 6 * cfg.Agents
	}
	if cfg.Target == 0 {
		cfg.Target = 0.03
	}
	if cfg.DNCShare == 0 {
		cfg.DNCShare = 0.02
	}
	if cfg.Leads == 0 {
		cfg.Leads = int(float64(cfg.Agents)*math.Max(cfg.Duration.Hours(), 1)*200) + 200
	}
}

// makeLeads: 70 % London (zone derived from the number), 20 % New York,
// 10 % Los Angeles (zone given in the list), so some leads wait for their
// window; DNCShare of them on the do-not-call list.
func makeLeads(cfg Config, rng *rand.Rand) population {
	london, _ := time.LoadLocation("Europe/London")
	ny, _ := time.LoadLocation("America/New_York")
	la, _ := time.LoadLocation("America/Los_Angeles")
	p := population{zones: map[string]*time.Location{}, dnc: map[string]bool{}}
	for i := 0; i < cfg.Leads; i++ {
		var li dialer.LeadInput
		switch u := rng.Float64(); {
		case u < 0.7:
			li = dialer.LeadInput{Number: fmt.Sprintf("+44207%07d", i)}
			p.zones[li.Number] = london
		case u < 0.9:
			li = dialer.LeadInput{Number: fmt.Sprintf("+1212%07d", 2000000+i), TZ: "America/New_York"}
			p.zones[li.Number] = ny
		default:
			li = dialer.LeadInput{Number: fmt.Sprintf("+1310%07d", 2000000+i), TZ: "America/Los_Angeles"}
			p.zones[li.Number] = la
		}
		li.Name = "Lead " + strconv.Itoa(i)
		if rng.Float64() < cfg.DNCShare {
			p.dnc[li.Number] = true
			p.dncList = append(p.dncList, li.Number)
		}
		p.leads = append(p.leads, li)
	}
	return p
}

func answerProb(cfg Config) func(time.Time) float64 {
	return func(t time.Time) float64 {
		if cfg.AnswerAfter > 0 && !t.Before(start.Add(cfg.StepAt)) {
			return cfg.AnswerAfter
		}
		return cfg.Answer
	}
}

func campaignConfig(cfg Config) dialer.CampaignConfig {
	cc := dialer.CampaignConfig{
		ID: "sim", Mode: cfg.Mode, MaxChannels: cfg.MaxChannels, DialTimeout: dialer.Duration(25 * time.Second),
		CallerID: "+442079460000", InfoMessage: "sound:pbxagent-info", WrapUp: dialer.Duration(cfg.Wrap),
		SpareCalls: cfg.SpareCalls, AbandonTarget: cfg.Target, Predictor: cfg.Predictor, Margin: cfg.Margin,
		ExpectedTalk: dialer.Duration(cfg.Talk), DialString: "PJSIP/{number}@trunk",
		Retry: dialer.RetryPolicy{
			Busy:        dialer.RetryRule{Delay: dialer.Duration(20 * time.Minute), Max: 3},
			NoAnswer:    dialer.RetryRule{Delay: dialer.Duration(2 * time.Hour), Max: 3},
			Congestion:  dialer.RetryRule{Delay: dialer.Duration(5 * time.Minute), Max: 3},
			MaxAttempts: 5,
		},
	}
	if cfg.Wrap == 0 {
		cc.WrapUp = dialer.Duration(time.Millisecond)
	}
	return cc
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// previewThink is how long a simulated preview agent reads the lead
// before asking for the call.
const previewThink = 5 * time.Second

// previewAgents makes simulated agents of a preview campaign ask for the
// next call once they have been ready for previewThink (checked every
// second, on the clock).
func previewAgents(clk clock.Clock, d *dialer.Dialer, cfg Config) {
	var tick func()
	tick = func() {
		for i := 0; i < cfg.Agents; i++ {
			v, err := d.AgentView(agentName(i))
			if err == nil && v.State == dialer.AgentReady && time.Duration(v.InState) >= previewThink {
				_, _ = d.NextCall(agentName(i))
			}
		}
		clk.AfterFunc(time.Second, tick)
	}
	clk.AfterFunc(time.Second, tick)
}

// setup creates the campaign, loads leads and DNC, logs agents in and
// starts the campaign.
func setup(d *dialer.Dialer, cfg Config, pop population) error {
	return setupWith(d, campaignConfig(cfg), cfg, pop, func(i int) string { return "PJSIP/agent" + strconv.Itoa(i) })
}

// setupWith is setup with the campaign's configuration and the agents'
// endpoints chosen by the caller (the SIP path dials SIP URIs).
func setupWith(d *dialer.Dialer, cc dialer.CampaignConfig, cfg Config, pop population, endpoint func(i int) string) error {
	if _, err := d.CreateCampaign(cc); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	d.AddDNC(pop.dncList)
	if _, err := d.AddLeads("sim", pop.leads); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	for i := 0; i < cfg.Agents; i++ {
		if err := d.Login(agentName(i), "sim", endpoint(i)); err != nil {
			return fmt.Errorf("sim: %w", err)
		}
	}
	return nil
}

// Run runs one simulation against the in-process customer model.
func Run(cfg Config) (Result, error) {
	cfg.defaults()
	clk := clock.NewVirtual(start)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	end := start.Add(cfg.Duration)
	pop := makeLeads(cfg, rng)
	cust := Customers{AnswerProb: answerProb(cfg), RingMin: 5 * time.Second, RingMax: 25 * time.Second, Talk: cfg.Talk, Message: 8 * time.Second}
	tel := NewTelephony(clk, rng, cust, pop.zones, pop.dnc)
	tel.End = end
	d := dialer.New(tel, dialer.WithClock(clk), dialer.WithCallIDPrefix("sim-"), dialer.WithLogger(discard()))
	tel.Sink = d.HandleEvent
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.Start(ctx)
	defer d.Close()
	if err := setup(d, cfg, pop); err != nil {
		return Result{}, err
	}
	if cfg.Mode == dialer.ModePreview {
		previewAgents(clk, d, cfg)
	}
	clk.Next() // agent legs come up
	if err := d.StartCampaign("sim"); err != nil {
		return Result{}, fmt.Errorf("sim: %w", err)
	}
	adv := func(t time.Time) error { clk.AdvanceTo(t); return nil }
	res, err := drive(cfg, d, adv, end)
	if err != nil {
		return res, err
	}
	finish(&res, cfg, &tel.Checks, d, tel.Active(), end)
	return res, nil
}

// drive runs the campaign to the end (logging agents out at LogoutAt),
// then stops it, drains every call and logs every agent out. It returns
// the figures taken at the end of the measuring period.
func drive(cfg Config, d *dialer.Dialer, advanceTo func(time.Time) error, end time.Time) (Result, error) {
	res := Result{Seed: cfg.Seed, ChannelCap: cfg.MaxChannels}
	if cfg.LogoutAt > 0 && cfg.LogoutAt < cfg.Duration {
		if err := advanceTo(start.Add(cfg.LogoutAt)); err != nil {
			return res, err
		}
		for i := 0; i < cfg.Agents; i++ {
			_ = d.Logout(agentName(i))
		}
	}
	if err := advanceTo(end); err != nil {
		return res, err
	}
	snap := d.Snapshot()
	for _, a := range snap.Agents {
		res.Occupancy += a.Occupancy / float64(len(snap.Agents))
	}
	if len(snap.Campaigns) > 0 {
		res.RiskThreshold = snap.Campaigns[0].RiskThreshold
		res.AnswerRateChanges = snap.Campaigns[0].AnswerRateChanges
		res.DialerDialed = snap.Campaigns[0].Dialed
	}

	// Drain: stop, let every call end, log everyone out.
	_ = d.StopCampaign("sim")
	if err := advanceTo(end.Add(2 * time.Minute)); err != nil {
		return res, err
	}
	for i := 0; i < cfg.Agents; i++ {
		_ = d.Logout(agentName(i))
	}
	if err := advanceTo(end.Add(60 * time.Minute)); err != nil {
		return res, err
	}
	return res, nil
}

// finish fills the figures from the independent checks.
func finish(res *Result, cfg Config, ck *Checks, d *dialer.Dialer, active int, end time.Time) {
	hours := cfg.Duration.Hours()
	res.Answers, res.Abandoned, res.HungUpWaiting = ck.Answers, ck.Messaged, ck.HungUpWaiting
	if ck.Answers > 0 {
		res.AbandonRate = float64(ck.Messaged) / float64(ck.Answers)
		if n := ck.Answers - ck.HungUpWaiting; n > 0 {
			res.Within2s = float64(ck.Within2s) / float64(n)
		}
	}
	agentHours := float64(cfg.Agents) * hours
	res.TalkMinPerAgentHour = ck.TalkSeconds / 60 / agentHours
	res.ConnectsPerAgentHour = float64(ck.Connected) / agentHours
	n := 0
	for _, t := range ck.OriginateTimes {
		if t.Before(end) {
			n++
		}
	}
	res.DialsPerAgentHour = float64(n) / agentHours
	tta := slices.Clone(ck.TimeToAgent)
	slices.Sort(tta)
	if len(tta) > 0 {
		res.TimeToAgentP99ms = float64(tta[int(0.99*float64(len(tta)-1))]) / float64(time.Millisecond)
	}
	res.RingViolations, res.WindowViolations, res.DNCViolations = ck.RingViolations, ck.WindowViolations, ck.DNCViolations
	res.Redials72h, res.MaxChannels, res.DuplicateIDs = ck.Redials72h, ck.MaxChannels, ck.DuplicateIDs
	res.ColdAbandoned = countBetween(ck.AbandonTimes, start, start.Add(10*time.Minute))
	res.ColdAnswered = countBetween(ck.AnswerTimes, start, start.Add(10*time.Minute))
	if cfg.AnswerAfter > 0 {
		s := start.Add(cfg.StepAt)
		res.AbandonFirst30mAfterStep = rateBetween(ck, s, s.Add(30*time.Minute))
		res.AbandonAfter30mAfterStep = rateBetween(ck, s.Add(30*time.Minute), end)
	}
	if cfg.LogoutAt > 0 {
		lo := start.Add(cfg.LogoutAt)
		for _, t := range ck.OriginateTimes {
			if t.After(lo) {
				res.DialsAfterLogout++
			}
		}
	}
	if v, err := d.CampaignView("sim"); err == nil {
		res.Lost = v.Outcomes[dialer.OutcomeLost]
	}
	final := d.Snapshot()
	res.Leaked = final.Calls + active
	for _, c := range final.Campaigns {
		res.Leaked += c.Channels + c.Ringing + c.Waiting + c.AgentsLoggedIn
	}
}

func agentName(i int) string { return "agent" + strconv.Itoa(i) }

func rateBetween(ck *Checks, from, to time.Time) float64 {
	a := countBetween(ck.AnswerTimes, from, to)
	if a == 0 {
		return 0
	}
	return float64(countBetween(ck.AbandonTimes, from, to)) / float64(a)
}

// countBetween counts the times in [from, to).
func countBetween(ts []time.Time, from, to time.Time) int {
	n := 0
	for _, t := range ts {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}
