// Package cidapp is the caller-ID Stasis application: Asterisk sends each
// inbound call into Stasis(pbxagent-cid); the app looks the caller's number
// up, sets CALLERID(name) through the channel variable endpoint, and
// continues the channel back to the dialplan — always, within its deadline,
// hit or miss, so no call ever waits in dead air. Channels that entered the
// app while pbxagent was down or reconnecting get no StasisStart later, so
// after every (re)connect the app serves the channels the reconciliation
// lists in it.
package cidapp

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/ari"
)

// App serves one Stasis application.
type App struct {
	client   ari.Client
	name     string
	svc      *callerid.Service
	log      *slog.Logger
	deadline time.Duration

	sub     *ari.Subscription
	mu      sync.Mutex
	serving map[string]bool // channel ids being served
	wg      sync.WaitGroup
}

// New returns the app named name on an ARI client whose WebSocket
// subscribes to that application. It subscribes to events at once: create
// it before starting the client so the first reconciliation is seen.
func New(client ari.Client, name string, svc *callerid.Service, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	return &App{
		client: client, name: name, svc: svc, log: log, deadline: svc.Timeout(), serving: map[string]bool{},
		sub: client.Events().Subscribe(ari.Filter{Types: []string{"StasisStart", ari.TypeReconciled}}),
	}
}

// Run serves StasisStart events and reconciliation snapshots until ctx ends,
// then waits for the calls in hand.
func (a *App) Run(ctx context.Context) error {
	sub := a.sub
	defer sub.Cancel()
	defer a.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.Events():
			if !ok {
				return sub.Err()
			}
			switch e := ev.(type) {
			case *ari.StasisStart:
				if e.Application != a.name {
					continue
				}
				a.serve(ctx, e.Channel)
			case *ari.ReconciledEvent:
				a.reconcile(ctx, e)
			}
		}
	}
}

// reconcile serves channels sitting in the app whose StasisStart was missed.
func (a *App) reconcile(ctx context.Context, e *ari.ReconciledEvent) {
	byID := make(map[string]ari.Channel, len(e.Channels))
	for _, ch := range e.Channels {
		byID[ch.ID] = ch
	}
	for _, app := range e.Applications {
		if app.Name != a.name {
			continue
		}
		for _, id := range app.ChannelIDs {
			if ch, ok := byID[id]; ok {
				a.log.Info("serving a channel left in the caller-ID app", "channel", id)
				a.serve(ctx, ch)
			}
		}
	}
}

// serve handles one channel in its own goroutine unless it is in hand.
func (a *App) serve(ctx context.Context, ch ari.Channel) {
	a.mu.Lock()
	if a.serving[ch.ID] {
		a.mu.Unlock()
		return
	}
	a.serving[ch.ID] = true
	a.mu.Unlock()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer func() {
			a.mu.Lock()
			delete(a.serving, ch.ID)
			a.mu.Unlock()
		}()
		a.handle(ctx, ch)
	}()
}

// handle looks the caller up, sets the name when the overwrite rules allow
// and continues the channel, all within the deadline; the continue is sent
// even when the lookup failed or timed out.
func (a *App) handle(ctx context.Context, ch ari.Channel) {
	number, current := ch.Caller.Number, ch.Caller.Name
	lctx, cancel := context.WithTimeout(ctx, a.deadline)
	res, ok := a.svc.Resolve(lctx, callerid.ProtoARI, number, callerid.Presentation(0))
	chans := a.client.Channels()
	if ok && callerid.ShouldOverwrite(current, number, a.svc.Policy()) {
		if err := chans.SetVariable(lctx, ch.ID, "CALLERID(name)", a.svc.DisplayName(res.Name)); err != nil {
			a.logGone(ch.ID, "set CALLERID(name)", err)
		}
	}
	if err := chans.SetVariable(lctx, ch.ID, "PBXAGENT_CID_MATCH", string(res.Match)); err != nil {
		a.logGone(ch.ID, "set PBXAGENT_CID_MATCH", err)
	}
	cancel()
	// The continue gets its own short deadline: it must go out even when
	// the lookup used the whole budget.
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer ccancel()
	if err := chans.Continue(cctx, ch.ID, ari.DialplanTarget{}); err != nil {
		a.logGone(ch.ID, "continue", err)
	}
	a.log.Debug("caller-ID served", "channel", ch.ID, "number", number, "name", res.Name, "match", res.Match)
}

// logGone logs an ARI error; 404 and 409 mean the caller hung up or the
// channel left Stasis already, which is normal.
func (a *App) logGone(id, what string, err error) {
	if ari.IsNotFound(err) || ari.IsConflict(err) || ari.IsNotInStasis(err) {
		a.log.Debug("channel gone before "+what, "channel", id)
		return
	}
	a.log.Warn("caller-ID app: "+what+" failed", "channel", id, "err", err)
}
