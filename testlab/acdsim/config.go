package acdsim

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Config is one simulation run. Zero values take the defaults of the
// reference scenario (20 agents, load 0.8, talk Exp(180 s), SLA 20 s,
// members answer at once, nobody abandons: Erlang C's assumptions).
type Config struct {
	// Strategy of the group (default ringall).
	Strategy callgroups.Strategy
	// Agents is the number of members (default 20).
	Agents int
	// Load is the offered load per agent ρ (default 0.8): callers arrive
	// as a Poisson process of rate λ = Load·Agents/Talk.
	Load float64
	// Talk is the mean of the exponential talk time (default 180 s).
	Talk time.Duration
	// RingMin and RingMax bound the uniform time a member takes to answer
	// an offer; both 0: at once (Erlang C has no ring time).
	RingMin, RingMax time.Duration
	// NoAnswer is the probability that a member lets an offer ring out.
	NoAnswer float64
	// Penalties are the members' penalties in the group's order (missing:
	// 0); a higher one is rung only when no lower one is available.
	Penalties []int
	// Silent lists members (0-based, in the group's order) who never
	// answer: every offer to them rings out.
	Silent []int
	// AgentHangup is the share of calls the member ends (default 0.5;
	// the others the caller ends).
	AgentHangup float64
	// Patience is the mean of the callers' exponential patience; 0: they
	// never hang up while waiting.
	Patience time.Duration
	// RingTimeout, RetryDelay and WrapUp are the group's (defaults 15 s,
	// 5 s, 0); SLA its SLA threshold (default 20 s).
	RingTimeout, RetryDelay, WrapUp, SLA time.Duration
	// Duration is how long callers keep arriving (default 1 h); the run
	// then drains: every caller is answered or leaves and every call ends.
	Duration time.Duration
	// Warmup: callers who enter before it are left out of the measured
	// figures (the queue starts empty; Erlang C is the steady state).
	Warmup time.Duration
	// Burst callers enter at once at the start, besides the arrivals.
	Burst int
	// Churn makes members pause and unpause (through the ACD's Pause), go
	// DND and unregister at random.
	Churn bool
	// Seed makes the run reproducible.
	Seed uint64
	// NewACD builds the ACD under test (default: the real one,
	// callgroups.New).
	NewACD Factory
	// Journal, when set, is given the run's clock and returns a journal
	// that takes every entry besides the simulation's own tally (the
	// statistics, a queue_log writer).
	Journal func(clock.Clock) callgroups.Journal
}

// ACD is what the simulation needs of the ACD: the Sink it drives, the
// group and pause operations of Service, and the presence hook.
type ACD interface {
	callgroups.Sink
	CreateGroup(ctx context.Context, g callgroups.Group) (callgroups.Group, error)
	Pause(ctx context.Context, groupID, userID string, paused bool, reason string) ([]callgroups.MemberView, error)
	PresenceChanged(ctx context.Context, userID string)
}

// Env is what a Factory wires the ACD to.
type Env struct {
	KV        callgroups.KV
	Directory callgroups.Directory
	Telephony callgroups.Telephony
	Journal   callgroups.Journal
	Presence  callgroups.Presence
	Clock     clock.Clock
	Rand      *rand.Rand
	Location  *time.Location
}

// Factory builds an ACD for a run.
type Factory func(Env) (ACD, error)

// RealACD is the default Factory: the ACD of agent/callgroups.
func RealACD(e Env) (ACD, error) {
	a := callgroups.New(e.KV, e.Directory,
		callgroups.WithTelephony(e.Telephony), callgroups.WithJournal(e.Journal),
		callgroups.WithPresence(e.Presence), callgroups.WithClock(e.Clock),
		callgroups.WithRand(e.Rand), callgroups.WithLocation(e.Location))
	if err := a.Load(context.Background()); err != nil {
		return nil, err
	}
	return a, nil
}

func (c *Config) defaults() {
	if c.Strategy == "" {
		c.Strategy = callgroups.RingAll
	}
	if c.Agents == 0 {
		c.Agents = 20
	}
	if c.Load == 0 {
		c.Load = 0.8
	}
	if c.Talk == 0 {
		c.Talk = 180 * time.Second
	}
	if c.AgentHangup == 0 {
		c.AgentHangup = 0.5
	}
	if c.RingTimeout == 0 {
		c.RingTimeout = 15 * time.Second
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = 5 * time.Second
	}
	if c.SLA == 0 {
		c.SLA = 20 * time.Second
	}
	if c.Duration == 0 {
		c.Duration = time.Hour
	}
	if c.NewACD == nil {
		c.NewACD = RealACD
	}
}

// Erlang is the Erlang-C model of the run's arrivals and talk.
func (c Config) Erlang() ErlangC {
	c.defaults()
	return ErlangC{Agents: c.Agents, Load: c.Load * float64(c.Agents), Talk: c.Talk}
}
