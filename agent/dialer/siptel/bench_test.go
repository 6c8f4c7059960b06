package siptel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
)

// BenchmarkJoinToVoice measures, on three user agents on loopback, the
// time from Join to the agent's phone detecting the customer's voice (the
// customer bridged to the agent): the "ms/join" metric. Each iteration
// places, answers, joins and hangs up one customer call.
func BenchmarkJoinToVoice(b *testing.B) {
	ports, err := media.NewPortRange(52100, 52399)
	if err != nil {
		b.Fatal(err)
	}
	customer, agentPhone := newPhone(), newPhone()
	custUA := startUA(b, ports, customer.onInvite)
	agentUA := startUA(b, ports, agentPhone.onInvite)
	dialerUA := startUA(b, ports, nil)
	tel := New(FromAgent(dialerUA), Config{Logger: quietLogger()})
	events := make(chan dialer.Event, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = tel.Run(ctx, func(ev dialer.Event) { events <- ev }) }()
	defer func() { cancel(); <-done }()
	await := func(kind dialer.EventKind) {
		for {
			select {
			case ev := <-events:
				if ev.Kind == kind {
					return
				}
			case <-time.After(e2eWait):
				b.Fatalf("no event %d", kind)
			}
		}
	}
	if err := tel.ConnectAgent(ctx, "a1", sipTarget(agentUA, "agent")); err != nil {
		b.Fatal(err)
	}
	ag := agentPhone.next(b)
	await(dialer.EventAgentUp)
	var total, worst time.Duration
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("c%d", i)
		if err := tel.Originate(ctx, dialer.OriginateRequest{CallID: id, Endpoint: sipTarget(custUA, "1")}); err != nil {
			b.Fatal(err)
		}
		cu := customer.next(b)
		await(dialer.EventAnswered)
		voice, stop := context.WithCancel(ctx)
		go func() { _ = cu.call.Media().Play(voice, tone(time.Second), true) }()
		heard := make(chan time.Time, 1)
		go func() {
			dctx, dcancel := context.WithTimeout(ctx, e2eWait)
			defer dcancel()
			r, at := speechOnset(dctx, ag.call.Media())
			if r == media.AMDMachine {
				heard <- at
			}
			close(heard)
		}()
		start := time.Now()
		if err := tel.Join(ctx, id, "a1", false); err != nil {
			b.Fatal(err)
		}
		at, ok := <-heard
		if !ok {
			b.Fatal("the agent did not hear the customer")
		}
		took := at.Sub(start)
		total += took
		worst = max(worst, took)
		stop()
		hctx, hcancel := context.WithTimeout(ctx, e2eWait)
		_ = cu.call.Hangup(hctx, 16)
		hcancel()
		await(dialer.EventEnded)
		// Let the agent's side drain the customer's last frames before
		// the next detection starts.
		qctx, qcancel := context.WithTimeout(ctx, e2eWait)
		ag.call.Media().DetectMachine(qctx, media.AMDConfig{InitialSilence: 200 * time.Millisecond, MaxGreeting: time.Hour, AfterGreeting: 100 * time.Millisecond})
		qcancel()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/join")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/join")
}
