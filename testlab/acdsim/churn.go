package acdsim

import (
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Churn rates per member (Config.Churn): a pause every Exp(20 min) for
// Exp(3 min), through the ACD's Pause; DND every Exp(45 min) for
// Exp(2 min); unregistered every Exp(2 h) for Exp(1 min). Nobody goes
// away after the arrivals end, so the run drains.
const (
	pauseEvery, pauseFor     = 20 * time.Minute, 3 * time.Minute
	dndEvery, dndFor         = 45 * time.Minute, 2 * time.Minute
	offlineEvery, offlineFor = 2 * time.Hour, time.Minute
)

func (w *world) exp(mean time.Duration) time.Duration {
	return time.Duration(w.rng.ExpFloat64() * float64(mean))
}

// startChurn schedules every member's pauses, DND spells and
// unregistrations.
func (w *world) startChurn() {
	for _, m := range w.members {
		w.cycle(pauseEvery, pauseFor, func(on bool) { w.setPaused(m, on) })
		w.cycle(dndEvery, dndFor, func(on bool) { w.setDND(m, on) })
		w.cycle(offlineEvery, offlineFor, func(on bool) { w.setOffline(m, on) })
	}
}

// cycle calls set(true) after Exp(every), set(false) Exp(dur) later, and
// again, until the arrivals end.
func (w *world) cycle(every, dur time.Duration, set func(bool)) {
	var next func()
	next = func() {
		if !w.clk.Now().Before(w.end) {
			return
		}
		set(true)
		w.clk.AfterFunc(w.exp(dur), func() {
			set(false)
			w.clk.AfterFunc(w.exp(every), next)
		})
	}
	w.clk.AfterFunc(w.exp(every), next)
}

// setPaused pauses or unpauses m through the ACD; the truth changes first,
// since the ACD may offer a call from inside Pause.
func (w *world) setPaused(m *member, on bool) {
	w.account()
	m.paused = on
	w.ck.Pauses++
	reason := ""
	if on {
		reason = "break"
	}
	if _, err := w.acd.Pause(w.ctx, groupID, m.id, on, reason); err != nil {
		w.ck.PauseErrors++
	}
}

// setDND turns m's do-not-disturb on or off; offers ringing are refused
// (busy) once the ACD has been told.
func (w *world) setDND(m *member, on bool) {
	w.account()
	m.dnd = on
	w.acd.PresenceChanged(w.ctx, m.id)
	if on {
		w.refuseRinging(m, callgroups.OutcomeBusy)
	}
}

// setOffline unregisters or re-registers m's devices.
func (w *world) setOffline(m *member, on bool) {
	w.account()
	m.offline = on
	w.acd.PresenceChanged(w.ctx, m.id)
	if on {
		w.refuseRinging(m, callgroups.OutcomeUnavailable)
	}
}

func (w *world) refuseRinging(m *member, out callgroups.Outcome) {
	for _, o := range sortedOffers(m.ringing) {
		w.fail(o, out)
	}
}
