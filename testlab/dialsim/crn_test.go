package dialsim

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
)

// dialSeen is one dial as the dialer's timeline shows it.
type dialSeen struct {
	number     string
	originated time.Time
	answered   time.Time // zero: never answered
	ended      time.Time
	cause      string
	joined     bool
}

// dialsOf reads a Checker trace into its dials, in the order they were
// placed.
func dialsOf(t *testing.T, trace []byte) []*dialSeen {
	t.Helper()
	var order []*dialSeen
	byID := map[string]*dialSeen{}
	sc := bufio.NewScanner(bytes.NewReader(trace))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		at, err := time.Parse("15:04:05.000", f[0])
		if err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		switch d := byID[f[2]]; {
		case f[1] == "originate":
			n := &dialSeen{number: f[3], originated: at}
			byID[f[2]] = n
			order = append(order, n)
		case d == nil:
		case f[1] == "answered":
			d.answered = at
		case f[1] == "join":
			d.joined = true
		case f[1] == "ended":
			d.ended, d.cause = at, f[3]
		}
	}
	return order
}

// TestCRNSameCustomersBothPaths: with common random numbers a seed gives
// the same customers through ARI and through SIP — for the same dials the
// same answers, ring times and talk times — so per seed the two paths can
// be compared call by call. The dialer's decisions coincide here, so the
// whole call sequence does.
func TestCRNSameCustomersBothPaths(t *testing.T) {
	cfg := base(dialer.ModePredictive, 4, 0)
	cfg.Duration, cfg.Answer, cfg.Seed = 5*time.Minute, 0.3, 3
	var traceA, traceS bytes.Buffer
	recA, recS := &runRecord{}, &runRecord{}
	ca, cs := cfg, cfg
	ca.Trace, ca.record = &traceA, recA
	cs.Trace, cs.record = &traceS, recS
	ra, err := RunARI(ca)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := RunSIP(cs)
	if err != nil {
		t.Fatal(err)
	}
	da, ds := dialsOf(t, traceA.Bytes()), dialsOf(t, traceS.Bytes())
	const minDials = 20
	if len(da) < minDials || len(recA.draws) != len(da) || len(recS.draws) != len(ds) {
		t.Fatalf("ARI: %d dials, %d draws; SIP: %d dials, %d draws; want the same and >= %d",
			len(da), len(recA.draws), len(ds), len(recS.draws), minDials)
	}
	answered := 0
	for i := 0; i < min(len(da), len(ds)); i++ {
		a, s := da[i], ds[i]
		if a.number != s.number || !a.originated.Equal(s.originated) {
			// The dialer decided differently from here on.
			if i < minDials {
				t.Fatalf("dial %d: ARI dialled %s at %s, SIP %s at %s: decisions part before %d dials",
					i, a.number, a.originated.Format(time.TimeOnly), s.number, s.originated.Format(time.TimeOnly), minDials)
			}
			break
		}
		if recA.draws[i] != recS.draws[i] {
			t.Fatalf("dial %d (%s): customers drawn differ: ARI %+v, SIP %+v", i, a.number, recA.draws[i], recS.draws[i])
		}
		want := recA.draws[i]
		if a.answered.IsZero() != !want.Answer || s.answered.IsZero() != !want.Answer {
			t.Fatalf("dial %d (%s): answered ARI %v, SIP %v; drawn %v", i, a.number, !a.answered.IsZero(), !s.answered.IsZero(), want.Answer)
		}
		if !want.Answer {
			continue
		}
		answered++
		ringA, ringS := a.answered.Sub(a.originated), s.answered.Sub(s.originated)
		if ringS != ringA || (ringA-want.Ring).Abs() >= time.Millisecond {
			t.Errorf("dial %d (%s): ring ARI %s, SIP %s; drawn %s", i, a.number, ringA, ringS, want.Ring)
		}
		// A customer talking to an agent hangs up after the drawn talk time
		// (the run's end and the drain hang up the rest).
		if a.joined && s.joined && a.cause == "cause=16" && a.ended.Before(start.Add(cfg.Duration)) {
			talkA, talkS := a.ended.Sub(a.answered), s.ended.Sub(s.answered)
			// The trace has millisecond resolution.
			if talkA != talkS || (talkA-want.Talk).Abs() >= time.Millisecond {
				t.Errorf("dial %d (%s): talk ARI %s, SIP %s; drawn %s", i, a.number, talkA, talkS, want.Talk)
			}
		}
	}
	if answered == 0 {
		t.Fatal("no answered dial compared")
	}
	if ra.Answers != rs.Answers || ra.Abandoned != rs.Abandoned || ra.DialerDialed != rs.DialerDialed {
		t.Errorf("figures differ: ARI %d answers, %d abandoned, %d dials; SIP %d, %d, %d",
			ra.Answers, ra.Abandoned, ra.DialerDialed, rs.Answers, rs.Abandoned, rs.DialerDialed)
	}
	t.Logf("%d dials, %d answered; occupancy ARI %.4f, SIP %.4f", len(da), answered, ra.Occupancy, rs.Occupancy)
}
