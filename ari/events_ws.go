package ari

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ErrReplaced ends the events loop when another client registered all of
// this client's applications (ApplicationReplaced). The client does not
// reconnect: fighting the other instance would steal calls back and forth.
var ErrReplaced = errors.New("ari: application replaced by another connection")

// Connect is New followed by Start and WaitReady: it returns once the events
// WebSocket is up and reconciled, or ctx ends (then the client is closed).
func Connect(ctx context.Context, baseURL string, opts ...Option) (*Conn, error) {
	c, err := New(baseURL, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	if err := c.WaitReady(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Start launches the events loop: connect, reconcile, read, and on failure
// reconnect with backoff, until Close. It needs at least one application.
func (c *Conn) Start() error {
	if len(c.apps) == 0 {
		return errors.New("ari: Start: no application (use WithApps)")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return errors.New("ari: Start: already started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		c.run(ctx)
	}()
	return nil
}

// Close stops the events loop, waits for it and ends every subscription.
func (c *Conn) Close() error {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	c.bus.close()
	c.hc.CloseIdleConnections()
	return nil
}

// Ready reports whether the events WebSocket is connected and reconciled
// (it turns true just after the ReconciledEvent is published).
// Callers that originate into the application should not while it is false:
// calls answered into an unregistered application are dropped by Asterisk.
func (c *Conn) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.ready:
		return true
	default:
		return false
	}
}

// WaitReady blocks until the client is connected and reconciled, or ctx
// ends. It gives up early when Asterisk refuses the credentials (401/403),
// though the events loop keeps retrying.
func (c *Conn) WaitReady(ctx context.Context) error {
	for {
		c.mu.Lock()
		ready, done, failed := c.ready, c.done, c.failed
		c.mu.Unlock()
		select {
		case <-ready:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("ari: wait ready: %w (last error: %v)", ctx.Err(), c.LastError())
		case <-done:
			return fmt.Errorf("ari: wait ready: events loop stopped: %w", c.LastError())
		case <-failed:
			if err := c.LastError(); IsUnauthorized(err) {
				return fmt.Errorf("ari: wait ready: %w", err)
			}
		}
	}
}

// LastError returns why the last events connection ended (nil before any
// failure).
func (c *Conn) LastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

func (c *Conn) setFailed(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastErr = err
	close(c.failed)
	c.failed = make(chan struct{})
}

func (c *Conn) setReady(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.ready:
		if !on {
			c.ready = make(chan struct{})
		}
	default:
		if on {
			close(c.ready)
		}
	}
}

func (c *Conn) run(ctx context.Context) {
	failures := 0
	refused := false // the credentials were refused, and said so once
	for {
		start := time.Now()
		connects := c.connects.Load()
		err := c.session(ctx)
		c.setReady(false)
		if ctx.Err() != nil {
			return
		}
		if c.connects.Load() != connects {
			refused = false // they were accepted since: a new refusal is news
		}
		c.setFailed(err)
		c.publishSynthetic(&DisconnectedEvent{Header: Header{Type: TypeDisconnected}, Err: err})
		if errors.Is(err, ErrReplaced) {
			c.log.Error("ari: application replaced by another connection; not reconnecting", "apps", c.apps)
			return
		}
		if time.Since(start) >= c.backoffReset {
			failures = 0
		}
		wait := c.backoff(failures)
		failures++
		switch {
		case errors.Is(err, ErrUnauthorized):
			// Retrying cannot help until someone fixes the user or the
			// password, and a line per attempt would bury the one that
			// says what is wrong: it is said once, the retries in debug.
			c.refused.Add(1)
			if !refused {
				refused = true
				c.log.Error("ari: Asterisk rejected the ARI user or password; check them against ari.conf (retrying quietly)",
					"url", c.base.Redacted(), "user", c.user, "err", err)
			} else {
				c.log.Debug("ari: user or password still rejected; retrying", "wait", wait, "attempt", failures)
			}
		default:
			c.log.Warn("ari: events connection lost; reconnecting", "err", err, "wait", wait, "attempt", failures)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff returns a full-jitter delay for the n-th consecutive failure.
func (c *Conn) backoff(n int) time.Duration {
	d := c.backoffBase
	for i := 0; i < n && d < c.backoffMax; i++ {
		d *= 2
	}
	if d > c.backoffMax {
		d = c.backoffMax
	}
	if d <= 0 {
		return 0
	}
	return rand.N(d) + 1
}

func (c *Conn) publishSynthetic(ev Event) {
	if h, ok := ev.(interface{ header() *Header }); ok {
		hd := h.header()
		hd.Timestamp = Time{time.Now()}
		if len(c.apps) > 0 {
			hd.Application = c.apps[0]
		}
	}
	c.bus.publish(ev)
}

func (h *Header) header() *Header { return h }

func (c *Conn) wsURL() string {
	u := *c.base
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path += "/events"
	q := url.Values{}
	q.Set("app", strings.Join(c.apps, ","))
	if c.subAll {
		q.Set("subscribeAll", "true")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// session runs one WebSocket connection until it fails.
func (c *Conn) session(ctx context.Context) error {
	hdr := http.Header{}
	if c.user != "" || c.pass != "" {
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.pass)))
	}
	dctx, cancel := context.WithTimeout(ctx, c.dialTimeout)
	ws, resp, err := websocket.Dial(dctx, c.wsURL(), &websocket.DialOptions{HTTPClient: c.hc, HTTPHeader: hdr})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return &Error{Op: "events.eventWebsocket", Method: http.MethodGet, Path: "/events", Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
		}
		return fmt.Errorf("ari events: dial: %w", err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(32 << 20)
	n := c.connects.Add(1)

	// Channels known before this connection: reconciliation decides which
	// of them vanished while the socket was down.
	c.mu.Lock()
	before := make(map[string]struct{}, len(c.known))
	for id := range c.known {
		before[id] = struct{}{}
	}
	c.mu.Unlock()

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	readErr := make(chan error, 1)
	c.publishSynthetic(&ConnectedEvent{Header: Header{Type: TypeConnected}, Attempt: int(n)})
	wg.Add(2)
	go func() {
		defer wg.Done()
		readErr <- c.readLoop(sctx, ws)
	}()
	go func() {
		defer wg.Done()
		c.pingLoop(sctx, ws)
	}()

	rctx, rcancel := context.WithTimeout(sctx, 15*time.Second)
	err = c.reconcile(rctx, before, n > 1)
	rcancel()
	if err != nil {
		stop()
		ws.CloseNow()
		<-readErr
		return fmt.Errorf("ari reconcile: %w", err)
	}
	// Ready once the Reconciled event is out: Connect/WaitReady return
	// after it, so subscriptions made then do not see a stale one.
	c.setReady(true)
	err = <-readErr
	stop()
	return err
}

func (c *Conn) pingLoop(ctx context.Context, ws *websocket.Conn) {
	if c.pingEvery <= 0 {
		return
	}
	t := time.NewTicker(c.pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.pongTimeout)
		err := ws.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("ari: ping failed; dropping events connection", "err", err)
			}
			ws.CloseNow()
			return
		}
	}
}

func (c *Conn) readLoop(ctx context.Context, ws *websocket.Conn) error {
	active := make(map[string]bool, len(c.apps))
	for _, a := range c.apps {
		active[a] = true
	}
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("ari events: read: %w", err)
		}
		if typ != websocket.MessageText {
			continue
		}
		ev, err := DecodeEvent(data)
		if err != nil {
			c.decodeErrs.Add(1)
			c.log.Warn("ari: undecodable event", "err", err)
			continue
		}
		if u, ok := ev.(*UnknownEvent); ok && u.DecodeErr != nil {
			c.decodeErrs.Add(1)
			c.log.Warn("ari: event kept undecoded", "type", u.Type, "err", u.DecodeErr)
		}
		c.track(ev)
		c.bus.publish(ev)
		c.received.Add(1)
		c.recvMu.Lock()
		if c.recvCh != nil {
			close(c.recvCh)
			c.recvCh = nil
		}
		c.recvMu.Unlock()
		if ev.GetType() == "ApplicationReplaced" {
			delete(active, ev.GetApplication())
			if len(active) == 0 {
				return ErrReplaced
			}
		}
	}
}

// track maintains the set of channels the application can still hear about.
func (c *Conn) track(ev Event) {
	var gone string
	switch e := ev.(type) {
	case *ChannelDestroyed:
		gone = e.Channel.ID
	case *StasisEnd:
		gone = e.Channel.ID
	}
	keys := ev.Keys()
	if len(keys) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if k.Kind != KindChannel {
			continue
		}
		if k.ID == gone {
			delete(c.known, k.ID)
		} else {
			c.known[k.ID] = struct{}{}
		}
	}
}

// reconcile lists what exists now, raises ChannelGone for channels that
// vanished while disconnected, renews subscriptions and raises Reconciled.
func (c *Conn) reconcile(ctx context.Context, before map[string]struct{}, reconnect bool) error {
	listedAt := time.Now()
	info, err := c.Asterisk().Info(ctx)
	if err != nil {
		return err
	}
	chans, err := c.Channels().List(ctx)
	if err != nil {
		return err
	}
	bridges, err := c.Bridges().List(ctx)
	if err != nil {
		return err
	}
	var apps []Application
	for _, name := range c.apps {
		a, err := c.appAfterConnect(ctx, name)
		if err != nil {
			return err
		}
		apps = append(apps, *a)
	}
	c.mu.Lock()
	subs := map[string][]Key{}
	for app, m := range c.subs {
		for k := range m {
			subs[app] = append(subs[app], k)
		}
	}
	c.mu.Unlock()
	// One source per request: a source that vanished (422) must not keep
	// the others from being renewed; it is forgotten.
	for app, keys := range subs {
		for _, k := range keys {
			_, err := c.Applications().Subscribe(ctx, app, k)
			switch {
			case err == nil:
			case IsNotFound(err) || IsUnprocessable(err) || IsConflict(err):
				c.mu.Lock()
				delete(c.subs[app], k)
				c.mu.Unlock()
			default:
				return err
			}
		}
	}

	var entity, started string
	if info.System != nil {
		entity = info.System.EntityID
	}
	if info.Status != nil {
		started = info.Status.StartupTime.Format(TimeLayout)
	}
	alive := make(map[string]struct{}, len(chans))
	for _, ch := range chans {
		alive[ch.ID] = struct{}{}
	}
	inApps := map[string]struct{}{}
	for _, a := range apps {
		for _, id := range a.ChannelIDs {
			inApps[id] = struct{}{}
		}
	}
	type goneCh struct {
		id    string
		alive bool
	}
	c.mu.Lock()
	restarted := c.entityID != "" && (c.entityID != entity || c.startedAt != started)
	c.entityID, c.startedAt = entity, started
	var gone []goneCh
	for id := range before {
		if _, still := c.known[id]; !still {
			continue // its end was seen on the new socket
		}
		_, isAlive := alive[id]
		_, heard := inApps[id]
		if isAlive && (heard || c.subAll) {
			continue
		}
		delete(c.known, id)
		gone = append(gone, goneCh{id, isAlive})
	}
	c.mu.Unlock()
	goneIDs := make([]string, 0, len(gone))
	for _, g := range gone {
		goneIDs = append(goneIDs, g.id)
		c.publishSynthetic(&ChannelGoneEvent{Header: Header{Type: TypeChannelGone}, ChannelID: g.id, Alive: g.alive})
	}
	c.publishSynthetic(&ReconciledEvent{
		Header:       Header{Type: TypeReconciled},
		Reconnect:    reconnect,
		Restarted:    restarted,
		Channels:     chans,
		Bridges:      bridges,
		Applications: apps,
		Gone:         goneIDs,
		ListedAt:     listedAt,
	})
	return nil
}

// appAfterConnect gets an application just after the WebSocket opened.
// Asterisk registers the apps of a new WebSocket once the upgrade is done,
// so a GET racing it can see 404: retry briefly, then report it empty.
func (c *Conn) appAfterConnect(ctx context.Context, name string) (*Application, error) {
	for attempt := 1; ; attempt++ {
		a, err := c.Applications().Get(ctx, name)
		if err == nil {
			return a, nil
		}
		if !IsNotFound(err) {
			return nil, err
		}
		if attempt == 10 {
			return &Application{Name: name, ChannelIDs: []string{}, BridgeIDs: []string{}, EndpointIDs: []string{}, DeviceNames: []string{}}, nil
		}
		t := time.NewTimer(time.Duration(attempt) * 5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// WaitReceived blocks until the client has routed at least n events from
// Asterisk to its subscriptions (Stats().EventsReceived >= n), or ctx ends.
// With the testlab stand-in on a virtual clock, waiting for the server's
// Stats().EventsSent after an Advance makes a simulation step deterministic.
func (c *Conn) WaitReceived(ctx context.Context, n uint64) error {
	for {
		c.recvMu.Lock()
		if c.received.Load() >= n {
			c.recvMu.Unlock()
			return nil
		}
		if c.recvCh == nil {
			c.recvCh = make(chan struct{})
		}
		ch := c.recvCh
		c.recvMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("ari: wait for %d events (have %d): %w", n, c.received.Load(), ctx.Err())
		}
	}
}
