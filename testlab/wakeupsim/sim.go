package wakeupsim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/wakeup"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Config is one scenario.
type Config struct {
	// WakeUps due at Start (the same minute: wake-up times are HH:MM).
	WakeUps int
	// Spread spreads the due times uniformly over [Start, Start+Spread)
	// (0: all at Start, the worst case).
	Spread time.Duration
	// Settings are the scheduler's (MaxConcurrent is the cap).
	Settings hotel.WakeUpSettings
	// Away is the share of guests who never answer (out of the room).
	Away float64
	// Answer is the chance a guest in the room answers an attempt.
	Answer float64
	// Busy is the chance an attempt finds the room's line busy (ends
	// after BusyTime).
	Busy     float64
	BusyTime [2]time.Duration
	// RingToAnswer is how long an answered attempt rings, uniform.
	RingToAnswer [2]time.Duration
	// Prompt is how long an answered call lasts after the answer (the
	// prompt with the time, the snooze menu), uniform.
	Prompt [2]time.Duration
	// Snooze is the chance an answering guest snoozes; SnoozeFor the
	// delays they pick among (FreePBX's menu: 5, 10, 15 min).
	Snooze    float64
	SnoozeFor []time.Duration
	// Seed of the random streams.
	Seed uint64
}

// Default is the reference scenario of FIGURES.md: 500 wake-ups at
// 07:00, the default settings (3 retries 60 s apart, ringing 60 s) with
// the given cap, 5 % of guests away, the others answering 85 % of
// attempts after 3–20 s and listening 15–25 s, 2 % of attempts busy,
// 10 % of answers snoozed.
func Default(capacity int) Config {
	st := hotel.DefaultSettings().WakeUp
	st.MaxConcurrent = capacity
	return Config{WakeUps: 500, Settings: st, Away: 0.05, Answer: 0.85, Busy: 0.02,
		BusyTime: [2]time.Duration{time.Second, 3 * time.Second}, RingToAnswer: [2]time.Duration{3 * time.Second, 20 * time.Second},
		Prompt: [2]time.Duration{15 * time.Second, 25 * time.Second}, Snooze: 0.10,
		SnoozeFor: []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute}, Seed: 1}
}

// Start is when the wake-ups are due: 07:00:00 of a simulated day.
func Start() time.Time { return time.Date(2026, 12, 8, 7, 0, 0, 0, time.UTC) }

// Result is what a run measured.
type Result struct {
	// Config is the scenario run.
	Config Config `json:"-"`
	// FirstPlaced is the time from the due minute until the last first
	// attempt was placed (the "all placed within 2 minutes").
	FirstPlaced time.Duration `json:"first_placed"`
	// FirstWaitMean and FirstWaitP95 are the waits of first attempts
	// after their due time.
	FirstWaitMean time.Duration `json:"first_wait_mean"`
	FirstWaitP95  time.Duration `json:"first_wait_p95"`
	// FirstWaitMax is the longest: with due times spread over the
	// minute, "within 2 minutes of its time".
	FirstWaitMax time.Duration `json:"first_wait_max"`
	// MaxConcurrent is the most calls in progress at once seen by the
	// telephony (≤ the cap).
	MaxConcurrent int `json:"max_concurrent"`
	// Twice counts placements of a wake-up while one of its calls was in
	// progress (0).
	Twice int `json:"twice"`
	// Attempts placed in all, and of them retries (attempt > 1 of a
	// round) and after-snooze attempts.
	Attempts int `json:"attempts"`
	Retries  int `json:"retries"`
	Snoozes  int `json:"snoozes"`
	// Answered and Unanswered count the final reports.
	Answered   int `json:"answered"`
	Unanswered int `json:"unanswered"`
	// Alerts are the reception alerts (one per unanswered).
	Alerts int `json:"alerts"`
	// Problems lists what broke the rules: a wake-up reported final twice
	// or never, an unanswered one with fewer than 1 + Retries attempts in
	// its last round, an alert without an unanswered report.
	Problems []string `json:"problems,omitempty"`
	// Done is the time from the due minute until the last wake-up ended.
	Done time.Duration `json:"done"`
	// MeanHold is the measured mean length of first attempts (placed to
	// result), the h of the capacity arithmetic.
	MeanHold time.Duration `json:"mean_hold"`
	// HoldSD is their standard deviation.
	HoldSD time.Duration `json:"hold_sd"`
	// Predicted is Estimate's FirstPlaced for the measured holds.
	Predicted time.Duration `json:"predicted_first_placed"`
	// CapFor2Min is Estimate's cap for every first attempt within 2
	// minutes (on average over runs: a given run may need a few more).
	CapFor2Min int `json:"cap_for_2min"`
}

// Run plays one scenario.
func Run(cfg Config) Result {
	clk := clock.NewVirtual(Start().Add(-time.Hour))
	w := &world{cfg: cfg, clk: clk, rng: rand.New(rand.NewPCG(cfg.Seed, 0x7a6b)), active: map[string]int{},
		guests: map[string]*guest{}, finals: map[string][]hotel.WakeUpStatus{}, lastRoundStart: map[string]int{}}
	w.s = wakeup.New(clk, w, cfg.Settings, w.report, wakeup.WithReception("9"))
	defer w.s.Close()
	for i := range cfg.WakeUps {
		id := fmt.Sprintf("w%04d", i)
		rm := fmt.Sprintf("%d", 100+i)
		due := Start()
		if cfg.Spread > 0 {
			due = due.Add(time.Duration(w.rng.Int64N(int64(cfg.Spread))))
		}
		w.guests[id] = &guest{away: w.rng.Float64() < cfg.Away, due: due}
		w.s.Schedule(context.Background(), hotel.WakeUp{ID: id, Room: rm, At: due, Status: hotel.WakePending,
			Source: hotel.SourceAPI, CreatedAt: clk.Now()}, hotel.Room{Number: rm, Extensions: []string{rm}})
	}
	for clk.Next() {
	}
	return w.result()
}

// guest is the person in a room.
type guest struct {
	away bool
	due  time.Time
}

// world is the simulated telephony and guests; it counts what it sees.
type world struct {
	cfg    Config
	clk    *clock.Virtual
	rng    *rand.Rand
	s      *wakeup.Scheduler
	guests map[string]*guest

	active    map[string]int
	inflight  int
	res       Result
	first     []time.Duration // wait of each first attempt after its due time
	holds     []time.Duration // length of each first attempt
	last      time.Time       // the last final report
	lastFirst time.Time       // the last first attempt
	finals    map[string][]hotel.WakeUpStatus
	// lastRoundStart is the attempt number that began the wake-up's
	// current round (1, or the first after a snooze).
	lastRoundStart map[string]int
	alerted        []string
}

var _ hotel.Telephony = (*world)(nil)

func (w *world) ApplyRoom(context.Context, hotel.Room, []hotel.Class) error { return nil }

// WakeUpCall rings the guest: the result comes back through the clock,
// as a real PBX's would, never from inside this call.
func (w *world) WakeUpCall(ctx context.Context, wu hotel.WakeUp, r hotel.Room, attempt int, language string) error {
	now := w.clk.Now()
	g := w.guests[wu.ID]
	if w.active[wu.ID] > 0 {
		w.res.Twice++
	}
	w.active[wu.ID]++
	w.inflight++
	w.res.MaxConcurrent = max(w.res.MaxConcurrent, w.inflight)
	w.res.Attempts++
	if attempt == 1 {
		w.first = append(w.first, now.Sub(g.due))
		w.lastFirst = now
		w.lastRoundStart[wu.ID] = 1
	} else if attempt > w.lastRoundStart[wu.ID] {
		w.res.Retries++
	}
	var (
		hold   time.Duration
		o      hotel.WakeOutcome
		snooze time.Duration
	)
	switch {
	case !g.away && w.rng.Float64() < w.cfg.Busy:
		hold, o = w.uniform(w.cfg.BusyTime), hotel.WakeOutcomeBusy
	case !g.away && w.rng.Float64() < w.cfg.Answer:
		hold, o = w.uniform(w.cfg.RingToAnswer)+w.uniform(w.cfg.Prompt), hotel.WakeOutcomeAnswered
		if w.rng.Float64() < w.cfg.Snooze && len(w.cfg.SnoozeFor) > 0 {
			o, snooze = hotel.WakeOutcomeSnoozed, w.cfg.SnoozeFor[w.rng.IntN(len(w.cfg.SnoozeFor))]
		}
	default:
		hold, o = w.cfg.Settings.RingTimeout, hotel.WakeOutcomeNoAnswer
	}
	if attempt == 1 {
		w.holds = append(w.holds, hold)
	}
	id := wu.ID
	w.clk.AfterFunc(hold, func() {
		w.active[id]--
		w.inflight--
		w.s.Result(context.Background(), id, attempt, o, snooze)
	})
	return nil
}

func (w *world) AlertReception(ctx context.Context, ext string, wu hotel.WakeUp) error {
	w.res.Alerts++
	w.alerted = append(w.alerted, wu.ID)
	return nil
}

func (w *world) report(ctx context.Context, wu hotel.WakeUp) {
	switch wu.Status {
	case hotel.WakeSnoozed:
		w.res.Snoozes++
		w.lastRoundStart[wu.ID] = wu.Attempts + 1
	case hotel.WakeAnswered, hotel.WakeUnanswered:
		w.finals[wu.ID] = append(w.finals[wu.ID], wu.Status)
		w.last = w.clk.Now()
		if wu.Status == hotel.WakeUnanswered && wu.Attempts-w.lastRoundStart[wu.ID]+1 < 1+w.cfg.Settings.Retries {
			w.res.Problems = append(w.res.Problems, fmt.Sprintf("%s unanswered after %d attempts in its last round", wu.ID, wu.Attempts-w.lastRoundStart[wu.ID]+1))
		}
	}
}

func (w *world) uniform(r [2]time.Duration) time.Duration {
	if r[1] <= r[0] {
		return r[0]
	}
	return r[0] + time.Duration(w.rng.Int64N(int64(r[1]-r[0])))
}

func (w *world) result() Result {
	res := w.res
	res.Config = w.cfg
	for id := range w.guests {
		f := w.finals[id]
		switch {
		case len(f) == 0:
			res.Problems = append(res.Problems, id+" never ended")
		case len(f) > 1:
			res.Problems = append(res.Problems, fmt.Sprintf("%s ended %d times", id, len(f)))
		case f[0] == hotel.WakeAnswered:
			res.Answered++
		default:
			res.Unanswered++
		}
	}
	for _, id := range w.alerted {
		if f := w.finals[id]; len(f) != 1 || f[0] != hotel.WakeUnanswered {
			res.Problems = append(res.Problems, id+" alerted without ending unanswered")
		}
	}
	if res.Alerts != res.Unanswered {
		res.Problems = append(res.Problems, fmt.Sprintf("%d alerts for %d unanswered", res.Alerts, res.Unanswered))
	}
	slices.Sort(res.Problems)
	if len(w.first) > 0 {
		s := slices.Clone(w.first)
		slices.Sort(s)
		var sum time.Duration
		for _, d := range s {
			sum += d
		}
		res.FirstWaitMean = sum / time.Duration(len(s))
		res.FirstWaitP95 = s[(len(s)*95+99)/100-1]
		res.FirstWaitMax = s[len(s)-1]
		res.FirstPlaced = w.lastFirst.Sub(Start())
	}
	if len(w.holds) > 0 {
		var sum, sq float64
		for _, h := range w.holds {
			sum += h.Seconds()
			sq += h.Seconds() * h.Seconds()
		}
		k := float64(len(w.holds))
		mean := sum / k
		res.MeanHold = time.Duration(mean * float64(time.Second))
		res.HoldSD = time.Duration(math.Sqrt(max(sq/k-mean*mean, 0)) * float64(time.Second))
	}
	res.Done = w.last.Sub(Start())
	res.Predicted, res.CapFor2Min = Estimate(w.cfg.WakeUps, w.cfg.Settings.MaxConcurrent, res.MeanHold, res.HoldSD, 2*time.Minute)
	return res
}

// Estimate is the capacity arithmetic for n calls due at once on c
// channels (≤ 0: no cap) whose calls last h on average with standard
// deviation sd. The last call starts once n − c calls have ended. Each
// channel is a renewal process: by time t it has ended about t/h +
// (sd² − h²)/(2h²) calls (the renewal function's asymptote; the second
// term is the head start lost because all channels start together), so
// the last call starts at about (n − c)·h/c + (h² − sd²)/(2h), and every
// call starts within within on about ⌈n / (1 + within/h − (h² −
// sd²)/(2h²))⌉ channels.
func Estimate(n, c int, h, sd, within time.Duration) (last time.Duration, capFor int) {
	if h <= 0 {
		return 0, 1
	}
	hs, vs := h.Seconds(), sd.Seconds()*sd.Seconds()
	lag := (hs*hs - vs) / (2 * hs) // seconds
	if c > 0 && c < n {
		last = time.Duration((float64(n-c)*hs/float64(c) + lag) * float64(time.Second))
	}
	per := 1 + within.Seconds()/hs - lag/hs // calls a channel starts within the bound
	if per <= 1 {
		return last, n
	}
	return last, min(n, int(math.Ceil(float64(n)/per)))
}
