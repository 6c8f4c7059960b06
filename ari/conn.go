package ari

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is an ARI client for one Asterisk: REST calls plus (after Start) the
// events WebSocket. It implements Client. Create it with New; Start runs the
// events loop until Close.
type Conn struct {
	base   *url.URL // ends in /ari
	user   string
	pass   string
	apps   []string
	subAll bool
	hc     *http.Client
	log    *slog.Logger

	pingEvery    time.Duration
	pongTimeout  time.Duration
	backoffBase  time.Duration
	backoffMax   time.Duration
	backoffReset time.Duration
	dialTimeout  time.Duration
	reqTimeout   time.Duration
	idleTimeout  time.Duration

	bus *bus

	mu        sync.Mutex
	known     map[string]struct{}         // channel ids seen alive in events
	subs      map[string]map[Key]struct{} // app -> sources subscribed through Applications().Subscribe
	entityID  string
	startedAt string
	cancel    context.CancelFunc
	done      chan struct{}
	ready     chan struct{} // closed while connected and reconciled; replaced on disconnect
	failed    chan struct{} // closed and replaced on every connection failure
	lastErr   error

	recvMu     sync.Mutex
	recvCh     chan struct{} // closed when received grows
	received   atomic.Uint64
	decodeErrs atomic.Uint64
	connects   atomic.Uint64
	refused    atomic.Uint64 // events connections refused with 401
}

var _ Client = (*Conn)(nil)
var _ UserEvents = (*Conn)(nil)

// Option configures a Conn.
type Option func(*Conn)

// WithAuth sets the ARI user and password (HTTP Basic on REST and WebSocket).
func WithAuth(user, password string) Option { return func(c *Conn) { c.user, c.pass = user, password } }

// WithApps names the Stasis applications the events WebSocket registers.
func WithApps(apps ...string) Option {
	return func(c *Conn) { c.apps = append([]string(nil), apps...) }
}

// WithSubscribeAll asks for every event in Asterisk (subscribeAll=true).
func WithSubscribeAll() Option { return func(c *Conn) { c.subAll = true } }

// WithHTTPClient replaces the HTTP client used for REST and the WebSocket.
// Its Timeout must be zero (it would cut the WebSocket); bound REST calls
// with contexts or WithRequestTimeout instead.
func WithHTTPClient(hc *http.Client) Option { return func(c *Conn) { c.hc = hc } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Conn) { c.log = l } }

// WithPing sets how often the client pings Asterisk (default 10 s) and how
// long it waits for the pong before declaring the connection dead (5 s).
// Asterisk answers pings but never sends its own on inbound WebSockets.
func WithPing(every, timeout time.Duration) Option {
	return func(c *Conn) { c.pingEvery, c.pongTimeout = every, timeout }
}

// WithBackoff sets the reconnect backoff: full jitter between 0 and
// min(max, base*2^n); reset after a connection stayed up for reset.
// Defaults 250 ms, 30 s, 60 s. Attempts are unlimited.
func WithBackoff(base, max, reset time.Duration) Option {
	return func(c *Conn) { c.backoffBase, c.backoffMax, c.backoffReset = base, max, reset }
}

// WithIdleTimeout sets how long an idle HTTP connection to Asterisk is kept
// for the next request (default DefaultIdleTimeout, 10 s). Keep it below
// Asterisk's http.conf session_keep_alive (15 s by default), or requests
// race the server closing the connection. It applies to the client's own
// transport, not to one given with WithHTTPClient.
func WithIdleTimeout(d time.Duration) Option { return func(c *Conn) { c.idleTimeout = d } }

// WithRequestTimeout bounds REST calls whose context has no deadline
// (default 30 s), so a half-open connection cannot hang a caller forever.
func WithRequestTimeout(d time.Duration) Option { return func(c *Conn) { c.reqTimeout = d } }

// WithMaxQueue bounds every subscription's queue; a subscription exceeding
// it is closed with ErrOverflow. 0 (default) means unbounded.
func WithMaxQueue(n int) Option { return func(c *Conn) { c.bus.maxQueue = n } }

// New returns a client for the ARI at baseURL ("http://host:8088" or the
// full ".../ari" prefix). It does no network I/O.
func New(baseURL string, opts ...Option) (*Conn, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("ari: base url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ari: base url %q: scheme must be http or https", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/ari") {
		u.Path += "/ari"
	}
	c := &Conn{
		base:         u,
		log:          slog.Default(),
		pingEvery:    10 * time.Second,
		pongTimeout:  5 * time.Second,
		backoffBase:  250 * time.Millisecond,
		backoffMax:   30 * time.Second,
		backoffReset: 60 * time.Second,
		dialTimeout:  10 * time.Second,
		reqTimeout:   30 * time.Second,
		idleTimeout:  DefaultIdleTimeout,
		bus:          newBus(0),
		known:        map[string]struct{}{},
		subs:         map[string]map[Key]struct{}{},
		ready:        make(chan struct{}),
		failed:       make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		tr.IdleConnTimeout = c.idleTimeout
		c.hc = &http.Client{Transport: tr}
	}
	return c, nil
}

// Apps returns the applications the client registers.
func (c *Conn) Apps() []string { return append([]string(nil), c.apps...) }

// Asterisk implements Client.
func (c *Conn) Asterisk() Asterisk { return asteriskAPI{c} }

// Channels implements Client.
func (c *Conn) Channels() Channels { return channelsAPI{c} }

// Bridges implements Client.
func (c *Conn) Bridges() Bridges { return bridgesAPI{c} }

// Playbacks implements Client.
func (c *Conn) Playbacks() Playbacks { return playbacksAPI{c} }

// Recordings implements Client.
func (c *Conn) Recordings() Recordings { return recordingsAPI{c} }

// Endpoints implements Client.
func (c *Conn) Endpoints() Endpoints { return endpointsAPI{c} }

// DeviceStates implements Client.
func (c *Conn) DeviceStates() DeviceStates { return deviceStatesAPI{c} }

// Applications implements Client.
func (c *Conn) Applications() Applications { return applicationsAPI{c} }

// Events implements Client.
func (c *Conn) Events() Events { return c.bus }

// Stats are counters for monitoring the event pipeline.
type Stats struct {
	// EventsReceived counts WebSocket messages decoded.
	EventsReceived uint64
	// EventsRouted counts events (including synthetic ones) handed to the router.
	EventsRouted uint64
	// DecodeErrors counts messages that were not JSON objects with a type,
	// or known events that did not decode (kept as *UnknownEvent).
	DecodeErrors uint64
	// Connects counts successful WebSocket connections.
	Connects uint64
	// Unauthorized counts events connections Asterisk refused with 401:
	// the ARI user or password is wrong.
	Unauthorized uint64
	// Overflows counts subscriptions closed with ErrOverflow (must stay 0).
	Overflows uint64
	// QueueHighWater is the deepest any subscription queue has been.
	QueueHighWater int64
	// TrackedChannels is how many channels the client believes alive and
	// audible (seen in events, not yet destroyed or out of Stasis).
	TrackedChannels int
}

// Stats returns the client's counters.
func (c *Conn) Stats() Stats {
	c.mu.Lock()
	tracked := len(c.known)
	c.mu.Unlock()
	return Stats{
		EventsReceived:  c.received.Load(),
		EventsRouted:    c.bus.routed.Load(),
		DecodeErrors:    c.decodeErrs.Load(),
		Connects:        c.connects.Load(),
		Unauthorized:    c.refused.Load(),
		Overflows:       c.bus.overflows.Load(),
		QueueHighWater:  c.bus.highWater.Load(),
		TrackedChannels: tracked,
	}
}

// NewID returns a random id suitable for channels, bridges and playbacks,
// prefixed with prefix (e.g. "pbx-").
func NewID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// call performs one REST request. q may be nil; body, if not nil, is sent
// as JSON; out, if not nil, receives the decoded reply.
//
// A request that fails on a reused connection before any response arrived
// (Asterisk closed the idle connection as the request went out) is repeated
// once on a new connection when its operation allows it (retryClassOf);
// otherwise the error wraps ErrNoResponse.
func (c *Conn) call(ctx context.Context, op, method, path string, q url.Values, body, out any) error {
	if _, has := ctx.Deadline(); !has && c.reqTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.reqTimeout)
		defer cancel()
	}
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("ari %s: encode body: %w", op, err)
		}
		payload = b
	}
	data, reused, err := c.do(ctx, op, method, path, q, payload)
	if err != nil && reused && ctx.Err() == nil && !isStatus(err) {
		class := retryClassOf(op, method)
		if class == noRetry {
			return fmt.Errorf("%w: %w", err, ErrNoResponse)
		}
		c.log.Debug("ari: repeating a request whose connection closed before a response", "op", op, "err", err)
		data, _, err = c.do(ctx, op, method, path, q, payload)
		switch {
		case err == nil:
		case class == retryGone && IsNotFound(err):
			return nil
		case class == retryLeft && (IsNotFound(err) || IsConflict(err)):
			return nil
		case class == retryCreated && IsConflict(err):
			if out == nil {
				return nil
			}
			data, _, err = c.do(ctx, op+".get", http.MethodGet, createdPath(op, path, q), nil, nil)
		}
	}
	if err != nil {
		return err
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("ari %s: decode reply: %w", op, err)
		}
	}
	return nil
}

func isStatus(err error) bool { var e *Error; return errors.As(err, &e) }

// do sends one request and returns the reply body of a 2xx, or an *Error
// for any other status. reused says whether it went out on a connection
// that had served an earlier request.
func (c *Conn) do(ctx context.Context, op, method, path string, q url.Values, payload []byte) (data []byte, reused bool, err error) {
	target := c.base.String() + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, target, rd)
	if err != nil {
		return nil, false, fmt.Errorf("ari %s: %w", op, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" || c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, reused, fmt.Errorf("ari %s: %s %s: %w", op, method, path, err)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, false, fmt.Errorf("ari %s: %s %s: read reply: %w", op, method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, false, statusError(op, method, path, resp.StatusCode, data)
	}
	return data, false, nil
}

// statusError turns a non-2xx reply into an *Error carrying Asterisk's
// message ({"message": ...}, or {"error": ...} for allocation failures).
func statusError(op, method, path string, status int, data []byte) *Error {
	var eb struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &eb) == nil {
		if eb.Message != "" {
			msg = eb.Message
		} else if eb.Error != "" {
			msg = eb.Error
		}
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{Op: op, Method: method, Path: path, Status: status, Message: msg}
}

// newRequest builds an authenticated request to path under the ARI base.
func (c *Conn) newRequest(ctx context.Context, method, path string, q url.Values) (*http.Request, error) {
	target := c.base.String() + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, err
	}
	if c.user != "" || c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	return req, nil
}

func seg(s string) string { return "/" + url.PathEscape(s) }

func setStr(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setInt(q url.Values, k string, v int) {
	if v != 0 {
		q.Set(k, fmt.Sprint(v))
	}
}

func setBool(q url.Values, k string, v bool) {
	if v {
		q.Set(k, "true")
	}
}
