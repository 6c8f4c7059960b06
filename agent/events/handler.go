package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Close codes the socket ends with (besides the protocol's own: 1009 for
// a message too big, 1002 for a broken frame).
const (
	// CloseGoingAway (1001): the daemon is stopping; reconnect later.
	CloseGoingAway = websocket.StatusGoingAway
	// CloseForbidden (4003): the user behind the connection was disabled
	// or deleted; do not reconnect with the same credentials.
	CloseForbidden websocket.StatusCode = 4003
	// CloseSessionEnded (4001): the session cookie's session ended
	// (signed out, password changed, expired) or the OAuth2 access token
	// was revoked or expired; sign in again or get a new token first.
	CloseSessionEnded websocket.StatusCode = 4001
	// CloseSlowConsumer (4008): the client fell events.send_queue events
	// behind; reconnect and resume (or reload when told to resync).
	CloseSlowConsumer websocket.StatusCode = 4008
)

// maxBatch is the most events the writer takes from the hub at once
// (and at most events.send_queue): the events it holds are no longer
// counted as behind.
const maxBatch = 64

// Principals gives a principal as it is now (a user's current role and
// abilities), for the audience checks of each delivery; an error (the
// user was disabled or deleted) ends the connection with CloseForbidden.
type Principals func(ctx context.Context, p platform.Principal) (platform.Principal, error)

// Handler serves GET /api/v1/events.
type Handler struct {
	hub     *Hub
	clk     clock.Clock // of the pings
	ping    time.Duration
	current Principals
	creds   platform.CredentialChecker
	origins func(origin string) bool
	log     *slog.Logger
	// onConnect is told about sockets opening and ending (connhook.go).
	onConnect ConnectHook

	drops [len(DropReasons)]atomic.Uint64
	// wakeAll subscribes every connection to every event, each filtering
	// them (the hub's routing off): the benchmarks' baseline.
	wakeAll bool

	stopOnce sync.Once
	stopping chan struct{}
	mu       sync.Mutex
	conns    int
	users    map[string]int // connections open by user id
	wg       sync.WaitGroup
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithPingInterval sets how often clients are pinged (default 30 s): a
// client that has not answered a ping by the next one is dropped.
func WithPingInterval(d time.Duration) HandlerOption { return func(h *Handler) { h.ping = d } }

// WithPingClock sets the clock of the pings' timers (default the wall
// clock).
func WithPingClock(c clock.Clock) HandlerOption { return func(h *Handler) { h.clk = c } }

// WithPrincipals sets how a connection's principal is brought up to date
// before each delivery (default: as it was at connect).
func WithPrincipals(f Principals) HandlerOption { return func(h *Handler) { h.current = f } }

// WithCredentials sets what is asked, at each batch of events and at each
// ping, whether the session or token a connection was opened with is
// still live; when it is not, the connection ends with CloseSessionEnded
// (default: never asked).
func WithCredentials(c platform.CredentialChecker) HandlerOption {
	return func(h *Handler) { h.creds = c }
}

// WithAllowedOrigins sets the cross-site origins (besides the request's
// own) whose pages may open the socket with the session cookie: the
// CORS allow-list.
func WithAllowedOrigins(f func(origin string) bool) HandlerOption {
	return func(h *Handler) { h.origins = f }
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) HandlerOption { return func(h *Handler) { h.log = l } }

// NewHandler returns the WebSocket handler of hub.
func NewHandler(hub *Hub, opts ...HandlerOption) *Handler {
	h := &Handler{hub: hub, clk: clock.Real{}, ping: 30 * time.Second, log: slog.New(slog.DiscardHandler), stopping: make(chan struct{}), users: map[string]int{}}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Close ends every connection with CloseGoingAway ("server stopping"),
// refuses new ones (503), and waits for their goroutines to end or ctx.
func (h *Handler) Close(ctx context.Context) error {
	// Under mu: ServeHTTP counts a connection in (wg.Add) under mu only
	// while not stopping, so none is added once Wait may have begun.
	h.mu.Lock()
	h.stopOnce.Do(func() { close(h.stopping) })
	h.mu.Unlock()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("events: closing sockets: %w", ctx.Err())
	}
}

// DropReasons are why the server ends a connection, as Drops counts them.
var DropReasons = [...]string{"slow_consumer", "ping_timeout", "forbidden", "session_ended"}

// Drops returns how many connections were ended for reason (one of
// DropReasons).
func (h *Handler) Drops(reason string) uint64 {
	for i, r := range DropReasons {
		if r == reason {
			return h.drops[i].Load()
		}
	}
	return 0
}

func (h *Handler) dropped(i int) { h.drops[i].Add(1) }

// Conns returns the connections open.
func (h *Handler) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns
}

// Connected reports whether the user has a connection open (chat sends
// a message to the desk phones of a user who has none).
func (h *Handler) Connected(userID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.users[userID] > 0
}

// ServeHTTP checks the request (principal, Origin for the session cookie,
// query), upgrades it and serves the connection until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := platform.PrincipalFrom(r.Context())
	if !ok {
		platform.WriteError(w, r, http.StatusUnauthorized, platform.CodeUnauthorized, "sign in or send a bearer token", nil)
		return
	}
	if p.Kind == platform.KindSession && !h.originOK(r) {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden,
			"this origin may not open the events socket with the session cookie",
			[]platform.FieldError{{Field: "Origin", Message: fmt.Sprintf("%q is neither this server nor an allowed CORS origin", clip(r.Header.Get("Origin")))}})
		return
	}
	since, topics, apiErr := h.query(r.URL.Query(), p)
	if apiErr != nil {
		platform.WriteErr(w, r, apiErr)
		return
	}
	if !websocketRequest(r) {
		platform.WriteError(w, r, http.StatusUpgradeRequired, platform.CodeBadRequest,
			"this route is a WebSocket: open it with an Upgrade: websocket request (see docs/events.md)", nil)
		return
	}
	h.mu.Lock()
	select {
	case <-h.stopping:
		h.mu.Unlock()
		platform.WriteError(w, r, http.StatusServiceUnavailable, platform.CodeUnavailable, "the server is stopping", nil)
		return
	default:
	}
	h.conns++
	h.users[p.UserID]++
	h.wg.Add(1)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.conns--
		if h.users[p.UserID]--; h.users[p.UserID] <= 0 {
			delete(h.users, p.UserID)
		}
		h.mu.Unlock()
		h.wg.Done()
	}()
	// The listener's write pace set a deadline on the connection: the
	// socket bounds its own writes instead.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	_ = rc.SetReadDeadline(time.Time{})
	// The Origin was checked above for the session cookie; a bearer token
	// is no ambient credential a foreign page could borrow.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: []string{Subprotocol}})
	if err != nil {
		h.log.Debug("events: upgrade failed", "err", err)
		return
	}
	conn.SetReadLimit(maxMessageBytes)
	h.connected(p, true)
	defer h.connected(p, false)
	c := &connection{h: h, conn: conn, p: p, topics: topics, ctl: make(chan ClientMessage, 8), fail: make(chan badMsg, 8)}
	c.serve(context.WithoutCancel(r.Context()), since)
}

// websocketRequest reports whether r asks for a WebSocket upgrade.
func websocketRequest(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originOK reports whether a request with the session cookie comes from
// this server's own pages or an allowed CORS origin. Browsers always send
// Origin on a WebSocket request; a request without one is not a page's.
func (h *Handler) originOK(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return h.origins != nil && h.origins(strings.ToLower(u.Scheme)+"://"+strings.ToLower(u.Host))
}

// query reads since and topics.
func (h *Handler) query(q url.Values, p platform.Principal) (since *uint64, topics map[string]bool, err *platform.APIError) {
	if v := q.Get("since"); v != "" {
		n, perr := strconv.ParseUint(v, 10, 64)
		if perr != nil {
			return nil, nil, platform.Invalid("bad query parameter", platform.FieldError{Field: "since", Message: "must be a sequence number (a non-negative integer)"})
		}
		since = &n
	}
	topics = map[string]bool{}
	if v := q.Get("topics"); v != "" {
		list := strings.Split(v, ",")
		if len(list) > maxTopics {
			return nil, nil, platform.Invalid("bad query parameter", platform.FieldError{Field: "topics", Message: fmt.Sprintf("more than %d topics", maxTopics)})
		}
		for _, t := range list {
			if fe := topicAllowed(p, t, "topics"); fe != nil {
				status := http.StatusBadRequest
				if _, known := Topics[t]; known {
					status = http.StatusForbidden
				}
				return nil, nil, &platform.APIError{Status: status, Code: map[int]string{400: platform.CodeInvalid, 403: platform.CodeForbidden}[status],
					Message: "bad query parameter", Details: []platform.FieldError{{Field: fe.Field, Message: fe.Message}}}
			}
			topics[t] = true
		}
	}
	return since, topics, nil
}

// topicAllowed checks that topic exists and p holds its scope.
func topicAllowed(p platform.Principal, topic, field string) *FieldError {
	s, ok := Topics[topic]
	if !ok {
		return &FieldError{Field: field, Message: fmt.Sprintf("unknown topic %q", clip(topic))}
	}
	if !TopicAllows(p, topic) {
		return &FieldError{Field: field, Message: fmt.Sprintf("topic %s needs the %s scope", topic, s)}
	}
	return nil
}

// connection is one socket. Its goroutines: serve (the writer: events and
// answers, in order), read (client messages) and watch (pings, cut-off,
// stop); serve starts the other two and returns when all have ended.
type connection struct {
	h      *Handler
	conn   *websocket.Conn
	p      platform.Principal
	topics map[string]bool    // owned by the writer
	ctl    chan ClientMessage // read → writer: valid messages
	fail   chan badMsg        // read → writer: bad ones
	ended  atomic.Bool        // closed with CloseSessionEnded (writer or pinger)
}

// badMsg is a client message that failed to parse, with its id.
type badMsg struct {
	id string
	fe *FieldError
}

func (c *connection) serve(parent context.Context, since *uint64) {
	// ctx bounds every read and write: coder/websocket closes the socket
	// outright when the context of a read or write in progress ends, so
	// it ends last, once the watcher has closed the socket with its code.
	// over ends when the writer or the reader is done.
	ctx, cancel := context.WithCancel(parent)
	over, end := context.WithCancel(ctx)
	var sub *Sub
	if c.h.wakeAll {
		sub = c.h.hub.Subscribe()
	} else {
		sub = c.h.hub.SubscribeAs(c.p, c.topicList(), c.h.current != nil || c.h.creds != nil)
	}
	var wg sync.WaitGroup
	watched := make(chan struct{})
	wg.Add(2)
	go func() { defer wg.Done(); defer end(); c.read(ctx, over) }()
	go func() { defer close(watched); c.watch(over, sub) }()
	go func() { defer wg.Done(); c.pinger(ctx, over) }()
	defer func() {
		// The watcher may be closing the socket with a code (stop, cut
		// off): let it finish, then make sure the socket is closed so
		// that the reader ends.
		end()
		<-watched
		_ = c.conn.CloseNow()
		cancel()
		wg.Wait()
		c.h.hub.Unsubscribe(sub)
	}()
	c.loop(ctx, over, sub, since)
}

// loop is the writer: the welcome, then events and answers in order.
func (c *connection) loop(ctx, over context.Context, sub *Sub, since *uint64) {
	// The subscriber was positioned when it subscribed; Resume moves it
	// back to since (what was published since is replayed once) or, out
	// of the window, to the last event. The welcome names the position:
	// the events that follow have greater numbers.
	var rs *Resync
	if since != nil {
		rs = c.h.hub.Resume(sub, *since)
	}
	welcome := welcomeMsg{Op: "welcome", Seq: c.h.hub.Position(sub), Topics: c.topicList(),
		Window: window{Events: c.h.hub.size, Seconds: c.h.hub.maxAge.Seconds()}}
	if c.send(ctx, welcome) != nil {
		return
	}
	if rs != nil && c.send(ctx, resyncMsg{Op: "resync_required", Since: rs.Since, Oldest: rs.Oldest, Seq: rs.Last}) != nil {
		return
	}
	batch := min(maxBatch, c.h.hub.queue)
	for {
		evs, err := c.h.hub.Next(sub, batch)
		if err != nil {
			return // cut off: watch closes the socket with the reason
		}
		// The principal as it is now: one look-up per batch of events,
		// told to the hub, which routes by it while the principals'
		// version it was read at is current.
		ver := c.h.hub.PrincipalVersion()
		p, err := c.principal(ctx, len(evs))
		if err != nil {
			c.h.dropped(2)
			c.closeWith(CloseForbidden, "the account was disabled or deleted")
			return
		}
		if len(evs) > 0 && !c.credentialLive(ctx) {
			return
		}
		if len(evs) > 0 {
			c.h.hub.Refresh(sub, p, ver)
		}
		var allowed map[string]bool // topic → its scope allowed to p, in this batch
		for _, ev := range evs {
			if !c.topics[ev.topic] || !ev.aud.Match(p) {
				continue
			}
			ok, seen := allowed[ev.topic]
			if !seen {
				if allowed == nil {
					allowed = map[string]bool{}
				}
				ok = TopicAllows(p, ev.topic)
				allowed[ev.topic] = ok
			}
			if ok && c.write(ctx, ev.frame) != nil {
				return
			}
		}
		if len(evs) == batch {
			continue
		}
		select {
		case <-over.Done():
			return
		case <-sub.Wake():
		case m := <-c.ctl:
			if c.handle(ctx, sub, m) != nil {
				return
			}
		case bad := <-c.fail:
			if c.sendError(ctx, bad.id, bad.fe) != nil {
				return
			}
		}
	}
}

// principal returns the connection's principal as it is now (its
// user's current role and abilities); n == 0 skips the look-up.
func (c *connection) principal(ctx context.Context, n int) (platform.Principal, error) {
	if n == 0 || c.h.current == nil {
		return c.p, nil
	}
	return c.h.current(ctx, c.p)
}

// credentialLive asks whether the session or token the connection was
// opened with is still live; when it is not, it closes the socket with
// CloseSessionEnded and returns false.
func (c *connection) credentialLive(ctx context.Context) bool {
	if c.h.creds == nil {
		return true
	}
	err := c.h.creds.CheckCredential(ctx, c.p)
	if err == nil {
		return true
	}
	if c.ended.CompareAndSwap(false, true) {
		c.h.log.Info("events: client dropped: session ended", "user", c.p.UserID, "app", c.p.AppID, "err", err)
		c.h.dropped(3)
		c.closeWith(CloseSessionEnded, "session ended")
	}
	return false
}

// handle carries out one client message and answers it.
func (c *connection) handle(ctx context.Context, sub *Sub, m ClientMessage) error {
	switch m.Op {
	case OpSubscribe:
		p, err := c.principal(ctx, 1)
		if err != nil {
			c.h.dropped(2)
			c.closeWith(CloseForbidden, "the account was disabled or deleted")
			return err
		}
		for i, t := range m.Topics {
			if fe := topicAllowed(p, t, fmt.Sprintf("topics[%d]", i)); fe != nil {
				return c.sendError(ctx, m.ID, fe)
			}
		}
		for _, t := range m.Topics {
			c.topics[t] = true
		}
		c.h.hub.SetTopics(sub, c.topicList())
	case OpUnsubscribe:
		for _, t := range m.Topics {
			delete(c.topics, t)
		}
		c.h.hub.SetTopics(sub, c.topicList())
	case OpResume:
		if rs := c.h.hub.Resume(sub, *m.Since); rs != nil {
			if err := c.send(ctx, resyncMsg{Op: "resync_required", Since: rs.Since, Oldest: rs.Oldest, Seq: rs.Last}); err != nil {
				return err
			}
		}
	}
	return c.send(ctx, ackMsg{Op: "ack", ID: m.ID, Of: m.Op, Topics: c.topicList(), Seq: derefOr(m.Since)})
}

func derefOr(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

func (c *connection) topicList() []string {
	out := make([]string, 0, len(c.topics))
	for t := range c.topics {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func (c *connection) sendError(ctx context.Context, id string, fe *FieldError) error {
	code := platform.CodeInvalid
	if strings.Contains(fe.Message, " scope") {
		code = platform.CodeForbidden
	}
	return c.send(ctx, errorMsg{Op: "error", ID: id, Error: errorBody{Code: code, Message: "bad message: " + fe.Error(),
		Details: []errorDetail{{Field: fe.Field, Message: fe.Message}}}})
}

func (c *connection) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.write(ctx, b)
}

// write sends one text frame. It has no deadline of its own (one timer
// per frame costs): a write stuck on a peer that stopped reading ends
// when the pinger, whose ping cannot go out either, drops the peer, or
// when the connection is cut off or closed.
func (c *connection) write(_ context.Context, b []byte) error {
	return c.conn.Write(context.Background(), websocket.MessageText, b)
}

// closeWith closes the socket with code and reason.
func (c *connection) closeWith(code websocket.StatusCode, reason string) {
	_ = c.conn.Close(code, reason)
}

// read parses client messages and hands them to the writer, which
// answers them in order with the events.
func (c *connection) read(ctx, over context.Context) {
	for {
		typ, b, err := c.conn.Read(ctx)
		if err != nil {
			return
		}
		var m ClientMessage
		var fe *FieldError
		if typ != websocket.MessageText {
			fe = &FieldError{Field: "message", Message: "must be a text (JSON) message"}
		} else if m, err = ParseClientMessage(b); err != nil && !errors.As(err, &fe) {
			fe = &FieldError{Field: "message", Message: err.Error()}
		}
		if fe != nil {
			select {
			case c.fail <- badMsg{id: m.ID, fe: fe}:
			case <-over.Done():
				return
			}
			continue
		}
		select {
		case c.ctl <- m:
		case <-over.Done():
			return
		}
	}
}

// watch closes the socket when the daemon stops or the hub cuts the
// connection off, until over.
func (c *connection) watch(over context.Context, sub *Sub) {
	select {
	case <-over.Done():
		// The writer may have ended because the hub cut it off.
		select {
		case <-sub.Cut():
			c.h.dropped(0)
			c.closeWith(CloseSlowConsumer, c.h.hub.CutReason(sub))
		default:
		}
	case <-c.h.stopping:
		c.closeWith(CloseGoingAway, "server stopping")
	case <-sub.Cut():
		reason := c.h.hub.CutReason(sub)
		c.h.log.Info("events: client cut off", "user", c.p.UserID, "app", c.p.AppID, "reason", reason)
		c.h.dropped(0)
		c.closeWith(CloseSlowConsumer, reason)
	}
}

// pinger pings the client every interval; a ping unanswered by the next
// one drops the connection.
func (c *connection) pinger(ctx, over context.Context) {
	t := c.h.clk.NewTimer(c.h.ping)
	defer t.Stop()
	for {
		select {
		case <-over.Done():
			return
		case <-t.C():
		}
		if !c.credentialLive(ctx) {
			return
		}
		pctx, cancel := context.WithCancel(ctx)
		timeout := c.h.clk.AfterFunc(c.h.ping, cancel)
		err := c.conn.Ping(pctx)
		timeout.Stop()
		cancel()
		if err != nil {
			if over.Err() == nil {
				c.h.log.Info("events: client dropped: no answer to ping", "user", c.p.UserID, "app", c.p.AppID)
				c.h.dropped(1)
				_ = c.conn.CloseNow()
			}
			return
		}
		t.Reset(c.h.ping)
	}
}
