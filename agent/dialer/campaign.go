package dialer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Mode is a campaign's dialling mode.
type Mode string

// Dialling modes (VICIdial's dial level:
// http://support.teleforge.co.za/support/solutions/articles/27000050048-how-does-the-dial-level-work-in-vicidial- ;
// Samuelson, Interfaces 29(5), 1999).
const (
	// ModePreview: the agent asks for the next call; one call per request.
	ModePreview Mode = "preview"
	// ModeProgressive: one call per free agent, the agent reserved while it rings.
	ModeProgressive Mode = "progressive"
	// ModeSpare: calls in flight = free agents + SpareCalls.
	ModeSpare Mode = "spare"
	// ModePredictive: adaptive pacing against the abandonment target.
	ModePredictive Mode = "predictive"
)

// Regulatory and engineering constants.
const (
	// MinRing is the shortest ring before the dialer may give up on an
	// unanswered call (Ofcom 15 s; TSR 15 s or four rings).
	MinRing = 15 * time.Second
	// MaxGrace is the longest an answered customer may wait for an agent
	// before the information message (Ofcom and TSR: 2 s).
	MaxGrace = 2 * time.Second
	// AbandonQuarantine is how long a number that received an abandoned call
	// is not called again (Ofcom: 72 h).
	AbandonQuarantine = 72 * time.Hour
)

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("25s", "1h30m") and also accepts a number of seconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON accepts "25s" or 25 (seconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		v, err := time.ParseDuration(str)
		if err != nil {
			return fmt.Errorf("duration %q: %w", str, err)
		}
		*d = Duration(v)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("duration %s: want a string like \"25s\" or seconds", s)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}

// RetryRule says when and how often an outcome is retried.
type RetryRule struct {
	// Delay before the next attempt.
	Delay Duration `json:"delay" doc:"How long to wait before the next attempt after this outcome" example:"30m"`
	// Max is the most attempts that may end in this outcome (0: never retry).
	Max int `json:"max" doc:"The most attempts that may end in this outcome (0: never retry)" example:"3"`
}

// RetryPolicy holds the retry rules per outcome.
type RetryPolicy struct {
	Busy       RetryRule `json:"busy" doc:"Retrying after a busy line"`
	NoAnswer   RetryRule `json:"no_answer" doc:"Retrying after no answer"`
	Congestion RetryRule `json:"congestion" doc:"Retrying after network congestion"`
	// MaxAttempts caps all attempts of one lead (default 5).
	MaxAttempts int `json:"max_attempts" doc:"Caps all attempts of one lead (default 5)" example:"5"`
}

// CallingWindow is the local time of day when a lead may be called.
type CallingWindow struct {
	// Start and End as "HH:MM" in the lead's local time (default 08:00-21:00).
	Start string `json:"start" doc:"Start of the calling window, HH:MM in the lead's local time (default 08:00)" example:"09:00"`
	End   string `json:"end" doc:"End of the calling window, HH:MM in the lead's local time (default 21:00)" example:"20:00"`
	// DefaultTZ is used for leads whose zone is neither given nor derivable
	// from the number (IANA name; default UTC).
	DefaultTZ string `json:"default_tz" doc:"The IANA zone of leads whose zone is neither given nor derivable from the number (default UTC)" example:"Europe/Sarajevo"`
}

// AMDConfig enables answering-machine detection through the dialplan's AMD().
type AMDConfig struct {
	Enabled bool `json:"enabled" doc:"Run answering-machine detection on answered calls" example:"true"`
	// Action on MACHINE: "hangup" or "message".
	Action string `json:"action" doc:"What to do on a machine: hangup, or message (play message)" example:"hangup"`
	// Message is the media played to a machine when Action is "message".
	Message string `json:"message" doc:"The media played to a machine when action is message (an Asterisk sound URI)" example:"sound:custom/callback-message"`
	// FalsePositiveRate is the estimated share of MACHINE verdicts that
	// were people (measured by sampling recordings). Ofcom counts them as
	// abandoned calls: each MACHINE adds this much of an answered,
	// abandoned call to the abandonment meter.
	FalsePositiveRate float64 `json:"false_positive_rate,omitempty" doc:"The estimated share of MACHINE verdicts that were people (measured by sampling recordings). Ofcom counts them as abandoned calls: each MACHINE adds this much of an answered, abandoned call to the abandonment meter" example:"0.02"`
}

// CampaignConfig is everything an administrator sets on a campaign.
type CampaignConfig struct {
	ID   string `json:"id" doc:"The campaign's id (chosen by the client; generated when empty)" example:"spring-renewals"`
	Name string `json:"name" doc:"A name for people" example:"Spring renewals"`
	Mode Mode   `json:"mode" openapi:"enum=preview|progressive|spare|predictive,required" doc:"Pacing: preview (the agent asks for each call), progressive (one call per free agent), spare (free agents plus spare_calls) or predictive" example:"progressive"`
	// MaxChannels caps simultaneous customer legs (trunk cap). Agent legs
	// are not counted.
	MaxChannels int `json:"max_channels" doc:"Caps simultaneous customer legs (the trunk's capacity); agent legs are not counted" example:"30"`
	// DialTimeout is how long an unanswered call rings (>= 15 s; default 25 s).
	DialTimeout Duration `json:"dial_timeout" doc:"How long an unanswered call rings (at least 15 s; default 25 s)" example:"25s"`
	// CallerID presented to customers (must be callable back).
	CallerID string `json:"caller_id" doc:"The number presented to customers (must be callable back)" example:"+38733123456"`
	// Backend is the telephone system the campaign's calls go through:
	// "ari" (Asterisk) or "sip" (pbxagent's own SIP user agent, sip_ua);
	// default: ari when the daemon has ARI, else sip.
	Backend string `json:"backend,omitempty" openapi:"enum=ari|sip" doc:"The telephone system the calls go through: ari (Asterisk's REST interface) or sip (pbxagent's own SIP user agent, sip_ua in the configuration). Default: ari when ARI is configured, else sip" example:"ari"`
	// DialString turns a number into an endpoint; "{number}" is replaced,
	// e.g. "PJSIP/{number}@trunk" (ari) or "sip:{number}@trunk.example.com"
	// (sip; default: the daemon's sip_ua.trunk).
	DialString string `json:"dial_string" doc:"Turns a number into an endpoint; {number} is replaced. On ari an Asterisk dial string (default PJSIP/{number}@trunk); on sip a SIP URI (default: sip_ua.trunk of the configuration)" example:"PJSIP/{number}@trunk"`
	// DefaultRegion is the ISO country for numbers without a "+" (e.g. "GB").
	DefaultRegion string `json:"default_region" doc:"The ISO country of numbers without a +" example:"BA"`
	// SpareCalls is the number of extra calls in ModeSpare.
	SpareCalls int `json:"spare_calls" doc:"Extra calls beyond free agents in spare mode" example:"2"`
	// AbandonTarget is the abandoned/answered ceiling (default 0.03).
	AbandonTarget float64 `json:"abandon_target" doc:"The ceiling of abandoned / answered calls over abandon_window (default 0.03)" example:"0.03"`
	// AbandonWindow is the measuring window: 24h (UK) or 720h (US 30 days).
	AbandonWindow Duration `json:"abandon_window" doc:"The window the abandonment rate is measured over: 24h (UK Ofcom) or 720h (US, 30 days)" example:"24h"`
	// Grace is how long an answered customer waits for an agent before the
	// information message (<= 2 s, default 2 s).
	Grace Duration `json:"grace" doc:"How long an answered customer waits for an agent before the information message (at most 2 s, default 2 s)" example:"2s"`
	// WrapUp is the after-call work time of agents (default 10 s).
	WrapUp   Duration      `json:"wrap_up" doc:"Agents' after-call work time (default 10 s)" example:"10s"`
	Retry    RetryPolicy   `json:"retry" doc:"When to call a lead again"`
	Window   CallingWindow `json:"window" doc:"When leads may be called, in their local time"`
	HoldWith HoldMedia     `json:"hold_with" doc:"What an answered customer hears while waiting for an agent: moh or ringback" example:"ringback"`
	// InfoMessage is the media played to abandoned customers (caller name
	// and number to call back). Required in every mode: even a reserved
	// call can lose its agent while it rings.
	InfoMessage string    `json:"info_message" doc:"The media played to abandoned customers (caller name and a number to call back; an Asterisk sound URI); required in every mode" example:"sound:custom/abandon-info"`
	AMD         AMDConfig `json:"amd" doc:"Answering-machine detection"`
	// Record records the customer-agent bridge.
	Record bool `json:"record" doc:"Record the customer-agent bridge" example:"false"`
	// ExpectedAnswerRate and ExpectedTalk seed the predictor before it has
	// measured anything (defaults 0.25 and 120 s).
	ExpectedAnswerRate float64  `json:"expected_answer_rate" doc:"Seeds the predictor before it has measured anything (default 0.25)" example:"0.25"`
	ExpectedTalk       Duration `json:"expected_talk" doc:"Seeds the predictor's talk time before it has measured anything (default 120 s)" example:"2m0s"`
	// Predictor selects the predictive algorithm: "risk" (default) or
	// "margin" (the fixed safety margin of testlab/dialsim/FIGURES.md, a
	// baseline).
	Predictor string `json:"predictor,omitempty" doc:"The predictive algorithm: risk (default) or margin (a fixed safety margin)" example:"risk"`
	// Margin is the safety margin in agents of the "margin" predictor.
	Margin float64 `json:"margin,omitempty" doc:"The safety margin, in agents, of the margin predictor" example:"0.5"`
}

// Backends a campaign can run on.
const (
	BackendARI = "ari"
	BackendSIP = "sip"
)

// EndpointBackend tells the backend an endpoint (a dial string or an
// agent's endpoint) is for by its form: a SIP URI ("sip:…", "sips:…") or
// a bare name (a phone registered to pbxagent's SIP user agent, "101")
// is for sip; an Asterisk dial string ("PJSIP/101", "Local/101@agents":
// always technology/resource) is for ari.
func EndpointBackend(endpoint string) string {
	l := strings.ToLower(endpoint)
	switch {
	case strings.HasPrefix(l, "sip:"), strings.HasPrefix(l, "sips:"):
		return BackendSIP
	case strings.Contains(endpoint, "/"):
		return BackendARI
	}
	return BackendSIP
}

// Predictors.
const (
	PredictorRisk   = "risk"
	PredictorMargin = "margin"
)

// withDefaults fills unset fields.
func (c CampaignConfig) withDefaults() CampaignConfig {
	if c.Mode == "" {
		c.Mode = ModePredictive
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = Duration(25 * time.Second)
	}
	if c.AbandonTarget == 0 {
		c.AbandonTarget = 0.03
	}
	if c.AbandonWindow == 0 {
		c.AbandonWindow = Duration(24 * time.Hour)
	}
	if c.Grace == 0 {
		c.Grace = Duration(MaxGrace)
	}
	if c.WrapUp == 0 {
		c.WrapUp = Duration(10 * time.Second)
	}
	if c.Retry == (RetryPolicy{}) {
		c.Retry = RetryPolicy{
			Busy:        RetryRule{Delay: Duration(20 * time.Minute), Max: 3},
			NoAnswer:    RetryRule{Delay: Duration(2 * time.Hour), Max: 3},
			Congestion:  RetryRule{Delay: Duration(5 * time.Minute), Max: 3},
			MaxAttempts: 5,
		}
	}
	if c.Retry.MaxAttempts == 0 {
		c.Retry.MaxAttempts = 5
	}
	if c.Window.Start == "" {
		c.Window.Start = "08:00"
	}
	if c.Window.End == "" {
		c.Window.End = "21:00"
	}
	if c.Window.DefaultTZ == "" {
		c.Window.DefaultTZ = "UTC"
	}
	if c.HoldWith == "" {
		c.HoldWith = HoldMOH
	}
	if c.Backend == "" {
		c.Backend = BackendARI
	}
	if c.DialString == "" && c.Backend == BackendARI {
		c.DialString = "PJSIP/{number}@trunk"
	}
	if c.AMD.Enabled && c.AMD.Action == "" {
		c.AMD.Action = "hangup"
	}
	if c.ExpectedAnswerRate == 0 {
		c.ExpectedAnswerRate = 0.25
	}
	if c.ExpectedTalk == 0 {
		c.ExpectedTalk = Duration(120 * time.Second)
	}
	return c
}

// Validate checks the configuration and names the first bad field.
func (c CampaignConfig) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("campaign %s: %s", field, fmt.Sprintf(format, a...)))
	}
	if c.ID == "" {
		bad("id", "required")
	} else if strings.ContainsAny(c.ID, "/ \t\n?#") {
		bad("id", "%q must not contain '/', '?', '#' or spaces", c.ID)
	}
	switch c.Mode {
	case ModePreview, ModeProgressive, ModeSpare, ModePredictive:
	default:
		bad("mode", "%q is not preview, progressive, spare or predictive", c.Mode)
	}
	if c.MaxChannels <= 0 {
		bad("max_channels", "must be > 0, got %d", c.MaxChannels)
	}
	if time.Duration(c.DialTimeout) < MinRing {
		bad("dial_timeout", "%s is below the minimum ring time %s", time.Duration(c.DialTimeout), MinRing)
	}
	if c.Mode == ModeSpare && c.SpareCalls < 0 {
		bad("spare_calls", "must be >= 0, got %d", c.SpareCalls)
	}
	if c.AbandonTarget <= 0 || c.AbandonTarget > 0.2 {
		bad("abandon_target", "must be in (0, 0.2], got %g", c.AbandonTarget)
	}
	if w := time.Duration(c.AbandonWindow); w < time.Hour || w > 31*24*time.Hour {
		bad("abandon_window", "must be between 1h and 744h, got %s", w)
	}
	if g := time.Duration(c.Grace); g <= 0 || g > MaxGrace {
		bad("grace", "must be in (0, 2s], got %s", g)
	}
	if c.WrapUp < 0 {
		bad("wrap_up", "must be >= 0")
	}
	for _, r := range []struct {
		name string
		rule RetryRule
	}{{"retry.busy", c.Retry.Busy}, {"retry.no_answer", c.Retry.NoAnswer}, {"retry.congestion", c.Retry.Congestion}} {
		if r.rule.Max < 0 || r.rule.Delay < 0 {
			bad(r.name, "delay and max must be >= 0")
		}
	}
	if _, err := parseHHMM(c.Window.Start); err != nil {
		bad("window.start", "%v", err)
	}
	if _, err := parseHHMM(c.Window.End); err != nil {
		bad("window.end", "%v", err)
	}
	if _, err := time.LoadLocation(c.Window.DefaultTZ); err != nil {
		bad("window.default_tz", "%v", err)
	}
	switch c.HoldWith {
	case HoldMOH, HoldRingback:
	default:
		bad("hold_with", "%q is not moh or ringback", c.HoldWith)
	}
	if c.InfoMessage == "" {
		bad("info_message", "required (played within 2 s to any answered customer no agent can take)")
	}
	switch c.Backend {
	case BackendARI, BackendSIP:
	default:
		bad("backend", "%q is not ari or sip", c.Backend)
	}
	switch {
	case c.DialString == "" && c.Backend == BackendSIP:
		bad("dial_string", "required on the sip backend when sip_ua.trunk is not set (a SIP URI holding {number}, e.g. sip:{number}@trunk.example.com)")
	case !strings.Contains(c.DialString, "{number}"):
		bad("dial_string", "%q has no {number}", c.DialString)
	case c.Backend == BackendSIP && !strings.HasPrefix(strings.ToLower(c.DialString), "sip:") && !strings.HasPrefix(strings.ToLower(c.DialString), "sips:"):
		bad("dial_string", "%q is not a SIP URI (the sip backend wants sip:{number}@host)", c.DialString)
	case c.Backend == BackendARI && EndpointBackend(c.DialString) != BackendARI:
		bad("dial_string", "%q is not an Asterisk dial string (technology/resource, e.g. PJSIP/{number}@trunk); a SIP URI wants backend sip", c.DialString)
	}
	if c.AMD.Enabled {
		switch c.AMD.Action {
		case "hangup":
		case "message":
			if c.AMD.Message == "" {
				bad("amd.message", "required when amd.action is message")
			}
		default:
			bad("amd.action", "%q is not hangup or message", c.AMD.Action)
		}
	}
	switch c.Predictor {
	case "", PredictorRisk, PredictorMargin:
	default:
		bad("predictor", "%q is not risk or margin", c.Predictor)
	}
	if c.AMD.FalsePositiveRate < 0 || c.AMD.FalsePositiveRate > 1 {
		bad("amd.false_positive_rate", "must be in [0, 1]")
	}
	if c.ExpectedAnswerRate < 0 || c.ExpectedAnswerRate > 1 {
		bad("expected_answer_rate", "must be in [0, 1]")
	}
	return errors.Join(errs...)
}

// CampaignState is the run state of a campaign.
type CampaignState string

// Campaign states.
const (
	CampaignStopped CampaignState = "stopped"
	CampaignRunning CampaignState = "running"
	CampaignPaused  CampaignState = "paused"
)

func parseHHMM(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}
