package fakeari

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Outcome is how a dialled far end responds.
type Outcome int

// Outcomes of an outbound call attempt, with the hangup cause they produce.
const (
	// Answer: the far end answers after Plan.Ring (cause 16 at the end).
	Answer Outcome = iota
	// Busy: user busy after Plan.Ring (cause 17, dialstatus BUSY).
	Busy
	// NoAnswer: rings until the originate timeout (cause 19, NOANSWER), or
	// until Plan.Ring when set and shorter (cause 18 "no user responding").
	NoAnswer
	// Congestion: no circuit after Plan.Ring (cause 34, CONGESTION).
	Congestion
	// Rejected: call rejected after Plan.Ring (cause 21, NOANSWER).
	Rejected
	// Unallocated: invalid number after Plan.Ring (cause 1, NOANSWER).
	Unallocated
	// Unreachable: the call cannot be placed (ast_call fails): only
	// ChannelDestroyed, no Dial events (cause Plan.Cause or 20).
	Unreachable
	// Cause: the far end hangs up while ringing with Plan.Cause.
	Cause
	// Wait: the far end rings until told (Server.PickUp answers,
	// Server.Reject refuses with a cause) or until the originate timeout
	// (cause 19, NOANSWER).
	Wait
)

// Plan is the scripted behaviour of one dialled far end.
type Plan struct {
	Outcome Outcome
	// Ring is how long it rings before the outcome (from Ringing).
	Ring time.Duration
	// Talk is how long after answer the far end hangs up (0: never).
	Talk time.Duration
	// Machine marks an answering machine (simulated AMD says MACHINE).
	Machine bool
	// Cause overrides the hangup cause for Unreachable and Cause outcomes.
	Cause int
}

// Peer decides how a dialled endpoint behaves. r is the server's seeded
// random source (use it for reproducible simulations).
type Peer interface {
	Plan(endpoint string, r *rand.Rand) Plan
}

// PeerFunc adapts a function to Peer.
type PeerFunc func(endpoint string, r *rand.Rand) Plan

// Plan calls f.
func (f PeerFunc) Plan(endpoint string, r *rand.Rand) Plan { return f(endpoint, r) }

// Fixed is a Peer that always follows the same plan.
type Fixed Plan

// Plan returns the fixed plan.
func (f Fixed) Plan(string, *rand.Rand) Plan { return Plan(f) }

// Agent is an agent's phone: it answers after AnswerAfter and hangs up only
// when told (or after Talk if set).
type Agent struct {
	AnswerAfter time.Duration
	Talk        time.Duration
}

// Plan answers.
func (a Agent) Plan(string, *rand.Rand) Plan {
	return Plan{Outcome: Answer, Ring: a.AnswerAfter, Talk: a.Talk}
}

// Customers draws each dialled customer's behaviour from distributions
// (the dialer simulation's model, testlab/dialsim/FIGURES.md): answer with
// AnswerProb after U(RingMin, RingMax) of ringing, talk Exp(TalkMean); a
// share MachineProb of answers are machines; BusyProb, CongestionProb and
// InvalidProb (cause 1) of attempts fail fast after FailRing; the rest ring
// until the timeout.
type Customers struct {
	AnswerProb, MachineProb               float64
	BusyProb, CongestionProb, InvalidProb float64
	RingMin, RingMax                      time.Duration
	FailRing                              time.Duration
	TalkMean                              time.Duration
	// MachineTalk is how long a machine "talks" before hanging up (default 20 s).
	MachineTalk time.Duration
}

// Plan draws one customer.
func (c Customers) Plan(_ string, r *rand.Rand) Plan {
	u := r.Float64()
	fail := func(o Outcome) Plan { return Plan{Outcome: o, Ring: c.FailRing} }
	switch {
	case u < c.BusyProb:
		return fail(Busy)
	case u < c.BusyProb+c.CongestionProb:
		return fail(Congestion)
	case u < c.BusyProb+c.CongestionProb+c.InvalidProb:
		return fail(Unallocated)
	}
	if r.Float64() >= c.AnswerProb {
		return Plan{Outcome: NoAnswer}
	}
	ring := c.RingMin
	if c.RingMax > c.RingMin {
		ring += time.Duration(r.Int64N(int64(c.RingMax - c.RingMin)))
	}
	p := Plan{Outcome: Answer, Ring: ring}
	if r.Float64() < c.MachineProb {
		p.Machine = true
		p.Talk = c.MachineTalk
		if p.Talk == 0 {
			p.Talk = 20 * time.Second
		}
		return p
	}
	if c.TalkMean > 0 {
		p.Talk = time.Duration(r.ExpFloat64() * float64(c.TalkMean))
		if p.Talk < time.Second {
			p.Talk = time.Second
		}
	}
	return p
}

type peerRule struct {
	prefix string
	peer   Peer
}

// WithDefaultPeer sets the peer for endpoints no WithPeer prefix matches
// (default: Agent{AnswerAfter: time.Second}, answers and never hangs up).
func WithDefaultPeer(p Peer) Option { return func(s *Server) { s.defaultPeer = p } }

// WithPeer scripts endpoints starting with prefix (e.g. "PJSIP/agent",
// "PJSIP/+44"); the longest matching prefix wins, the default peer otherwise.
func WithPeer(prefix string, p Peer) Option {
	return func(s *Server) { s.peers = append(s.peers, peerRule{prefix, p}) }
}

// SetPeer adds or replaces a peer rule on a running server.
func (s *Server) SetPeer(prefix string, p Peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.peers {
		if s.peers[i].prefix == prefix {
			s.peers[i].peer = p
			return
		}
	}
	s.peers = append(s.peers, peerRule{prefix, p})
}

// peerFor returns the peer scripting endpoint: the longest matching
// prefix, else the default peer.
func (s *Server) peerFor(endpoint string) Peer {
	best := s.defaultPeer
	n := -1
	for _, r := range s.peers {
		if strings.HasPrefix(endpoint, r.prefix) && len(r.prefix) > n {
			best, n = r.peer, len(r.prefix)
		}
	}
	return best
}

// DefaultMediaDuration: "sound:" 2 s, "recording:" 5 s, "digits:" 0.3 s per
// digit, "number:"/"characters:" 1 s, "tone:" 30 s (stop it yourself);
// "sound:silence/N" N seconds; anything else fails.
func DefaultMediaDuration(uri string) (time.Duration, bool) {
	scheme, rest, _ := strings.Cut(uri, ":")
	switch scheme {
	case "sound":
		if n, ok := strings.CutPrefix(rest, "silence/"); ok {
			if d, err := time.ParseDuration(n + "s"); err == nil {
				return d, true
			}
		}
		return 2 * time.Second, true
	case "recording":
		return 5 * time.Second, true
	case "digits":
		return time.Duration(len(rest)) * 300 * time.Millisecond, true
	case "number", "characters":
		return time.Second, true
	case "tone":
		return 30 * time.Second, true
	}
	return 0, false
}
