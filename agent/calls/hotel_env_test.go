package calls

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// played records the media the engine plays to channels.
type played struct {
	mu     sync.Mutex
	byChan map[string][][]string
	langs  map[string]string
	change chan struct{}
}

// of returns what was played to channel id, each playback's media
// joined by "&".
func (p *played) of(id string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.byChan[id] {
		out = append(out, strings.Join(m, "&"))
	}
	return out
}

// playClient is an ari.Client whose channels' Play is recorded.
type playClient struct {
	ari.Client
	p *played
}

func (c playClient) Channels() ari.Channels { return playChannels{c.Client.Channels(), c.p} }

type playChannels struct {
	ari.Channels
	p *played
}

func (c playChannels) Play(ctx context.Context, id string, req ari.PlayRequest) (*ari.Playback, error) {
	c.p.mu.Lock()
	c.p.byChan[id] = append(c.p.byChan[id], slices.Clone(req.Media))
	c.p.langs[id] = req.Lang
	close(c.p.change)
	c.p.change = make(chan struct{})
	c.p.mu.Unlock()
	return c.Channels.Play(ctx, id, req)
}

// newHotelEnv is newDialplanEnv with the media played recorded and the
// room phones 601 (manual) and 602 (busy).
func newHotelEnv(t testing.TB, users Users, opts ...Option) (*env, *played) {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	fopts := append(append([]fakeari.Option{fakeari.WithClock(clk)}, testPeers...), dialplanPeers...)
	fopts = append(fopts,
		fakeari.WithPeer("PJSIP/601", fakeari.Desk{Manual: true}),
		fakeari.WithPeer("PJSIP/602", fakeari.Fixed{Outcome: fakeari.Busy, Ring: time.Second}),
		fakeari.WithPeer("PJSIP/603", fakeari.Desk{Manual: true}))
	srv, url := fakeari.StartTest(t, fopts...)
	p := &played{byChan: map[string][][]string{}, langs: map[string]string{}, change: make(chan struct{})}
	e := &env{t: t, clk: clk, srv: srv, url: url, wrap: func(c ari.Client) ari.Client { return playClient{c, p} }}
	e.attach(append([]Option{WithClock(clk), WithUsers(users)}, opts...)...)
	return e, p
}

// awaitPlayed waits (bounded) until channel id was played want.
func (e *env) awaitPlayed(p *played, id string, want ...string) {
	e.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		ch := p.change
		p.mu.Unlock()
		if got := p.of(id); slices.Equal(got, want) {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			e.t.Fatalf("played to %s: %q, want %q", id, p.of(id), want)
		}
	}
}

// driveUntilGone moves the clock step by step (at most 5 minutes' worth)
// until channel id is destroyed: the prompts play and the key timeouts
// pass, whatever goroutine is waiting on which timer.
func (e *env) driveUntilGone(id string, step time.Duration) fakeari.ChannelSnapshot {
	e.t.Helper()
	for i := 0; i < int(5*time.Minute/step); i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		s, err := e.srv.AwaitChannel(ctx, id, destroyed)
		cancel()
		if err == nil {
			return s
		}
		e.clk.Advance(step)
	}
	return e.awaitChannel(id, "hung up", destroyed)
}
