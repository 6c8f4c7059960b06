package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// Event is what a feature publishes.
type Event struct {
	// Topic is one of Topics ("calls", "dialer").
	Topic string
	// Type names the event within its topic ("call_created", "snapshot"):
	// lower case letters, digits and '_'.
	Type string
	// Data is marshalled to JSON once, at Publish.
	Data any
	// Audience says who may see it (required).
	Audience Audience
}

// typePattern is what an event type may look like.
var typePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// stored is one event in the ring: its frame is the JSON text every
// client is sent.
type stored struct {
	seq   uint64
	at    time.Time
	topic string
	aud   Audience
	frame []byte
}

// Hub sequences events and keeps the window of recent ones. Publish is
// safe for concurrent use; it never blocks on a client.
//
// Publish hands each event only to the subscribers it is for (see
// route.go): a subscriber made by Subscribe gets every event; one made
// by SubscribeAs only those of its topics whose audience holds its
// principal, found through an index by topic and user id, so that an
// event about one user's call wakes that user's connections and the
// supervisors', not every connection.
type Hub struct {
	clk     clock.Clock
	size    int
	maxAge  time.Duration
	queue   int
	version func() uint64 // of the principals (nil: unknown, never trusted)

	mu    sync.Mutex
	ring  []stored // circular, len size
	head  int      // index of the oldest
	n     int      // events held
	last  uint64   // sequence number of the last event published
	first uint64   // sequence number the hub started after
	subs  map[*Sub]struct{}
	route router // who gets what (route.go)
	// waiting is the subscribers with events still to be sent (pending):
	// the ones that may fall behind.
	waiting map[*Sub]struct{}
}

// HubOption configures a Hub.
type HubOption func(*Hub)

// WithClock sets the clock of the events' timestamps and of the age
// window (default the wall clock).
func WithClock(c clock.Clock) HubOption { return func(h *Hub) { h.clk = c } }

// WithPrincipalVersion sets the version of the principals: a number that
// changes (after the change is visible to the Handler's Principals and
// CredentialChecker) whenever a user's role, abilities or account, a
// session or an access token changes. A subscriber's principal, as
// cached by SubscribeAs and Refresh, is trusted for routing while the
// version it was read at is current; until its next Refresh after a
// change, the subscriber is handed every event, as without the option,
// and its connection decides with the principal as it is now.
func WithPrincipalVersion(f func() uint64) HubOption { return func(h *Hub) { h.version = f } }

// NewHub returns a hub keeping cfg.RingSize events for cfg.RingAge, and
// cutting off a subscriber cfg.SendQueue events behind. Sequence numbers
// start from the start time in microseconds, so that they grow across
// restarts too: a client resuming with a number from before a restart is
// told to resync, never resumed in the wrong stream.
func NewHub(cfg Config, opts ...HubOption) (*Hub, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Hub{clk: clock.Real{}, size: cfg.RingSize, maxAge: cfg.RingAge, queue: cfg.SendQueue, subs: map[*Sub]struct{}{}}
	for _, o := range opts {
		o(h)
	}
	h.route.init()
	h.waiting = map[*Sub]struct{}{}
	h.ring = make([]stored, h.size)
	h.last = uint64(h.clk.Now().UnixMicro())
	h.first = h.last
	return h, nil
}

// Held returns the events the window holds and their size in bytes.
func (h *Hub) Held() (events, bytes int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.n {
		bytes += len(h.ring[(h.head+i)%h.size].frame)
	}
	return h.n, bytes
}

// Subscribers returns the subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Last returns the sequence number of the last event published (the start
// number when none was).
func (h *Hub) Last() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// PrincipalVersion returns the principals' version now (0 without
// WithPrincipalVersion). Read it before reading a principal to Refresh a
// subscriber with.
func (h *Hub) PrincipalVersion() uint64 {
	if h.version == nil {
		return 0
	}
	return h.version()
}

// Publish sequences ev, keeps it in the window and hands it to the
// subscribers it is for, waking them. It fails on an unknown topic, a bad
// type, no audience or data that does not marshal.
func (h *Hub) Publish(_ context.Context, ev Event) error {
	if _, ok := Topics[ev.Topic]; !ok {
		return fmt.Errorf("events: publish: unknown topic %q", ev.Topic)
	}
	if !typePattern.MatchString(ev.Type) {
		return fmt.Errorf("events: publish: bad type %q", ev.Type)
	}
	if !ev.Audience.set() {
		return fmt.Errorf("events: publish %s/%s: no audience", ev.Topic, ev.Type)
	}
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return fmt.Errorf("events: publish %s/%s: %w", ev.Topic, ev.Type, err)
	}
	var ver uint64
	if h.version != nil {
		ver = h.version()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clk.Now().UTC()
	h.last++
	frame := make([]byte, 0, len(data)+len(ev.Topic)+len(ev.Type)+96)
	frame = append(frame, `{"op":"event","seq":`...)
	frame = strconv.AppendUint(frame, h.last, 10)
	frame = append(frame, `,"time":"`...)
	frame = now.AppendFormat(frame, time.RFC3339Nano)
	frame = append(frame, `","topic":"`...)
	frame = append(frame, ev.Topic...)
	frame = append(frame, `","type":"`...)
	frame = append(frame, ev.Type...)
	frame = append(frame, `","data":`...)
	frame = append(frame, data...)
	frame = append(frame, '}')
	if h.n == h.size {
		h.ring[h.head] = stored{}
		h.head = (h.head + 1) % h.size
		h.n--
	}
	h.ring[(h.head+h.n)%h.size] = stored{seq: h.last, at: now, topic: ev.Topic, aud: ev.Audience, frame: frame}
	h.n++
	h.evictOld(now)
	if h.version != nil {
		h.route.sweep(ver)
	}
	h.route.each(ev.Topic, ev.Audience, h.last, func(s *Sub) {
		s.pending = append(s.pending, h.last)
		h.waiting[s] = struct{}{}
		select {
		case s.wake <- struct{}{}:
		default:
		}
	})
	// Every subscriber with events still to be sent falls one further
	// behind, whoever this one is for.
	for s := range h.waiting {
		if h.behind(s) > uint64(h.queue) {
			h.cutLocked(s, fmt.Sprintf("slow consumer: more than %d events behind", h.queue))
		}
	}
	return nil
}

// behind is how many events the hub published since s fell behind: since
// the oldest event it has still to be sent (its own and others'), less a
// replay (up to floor); 0 when it has none. Caller holds mu.
func (h *Hub) behind(s *Sub) uint64 {
	if len(s.pending) == 0 {
		return 0
	}
	return h.last - max(s.pending[0]-1, s.floor)
}

// evictOld drops the events older than the age window (caller holds mu).
func (h *Hub) evictOld(now time.Time) {
	for h.n > 0 && now.Sub(h.ring[h.head].at) > h.maxAge {
		h.ring[h.head] = stored{}
		h.head = (h.head + 1) % h.size
		h.n--
	}
}

// oldest is the sequence number of the oldest event held, last+1 when
// none is (caller holds mu).
func (h *Hub) oldest() uint64 {
	if h.n == 0 {
		return h.last + 1
	}
	return h.ring[h.head].seq
}

// Sub is one subscriber's place in the stream: the events queued for it
// (pending) are the ones it has still to be sent.
type Sub struct {
	wake chan struct{} // poked after each event queued for it
	cut  chan struct{} // closed when the hub cuts the subscriber off
	// guarded by the hub's mu
	cursor  uint64   // the stream position: events up to here were handed out or are not for it
	floor   uint64   // events up to here (a replay) do not count as falling behind
	pending []uint64 // sequence numbers queued for it, ascending, all after cursor
	reason  string
	gone    bool
	filter  // who it is, for routing (route.go)
}

// Wake is poked (without blocking) after each event queued for s.
func (s *Sub) Wake() <-chan struct{} { return s.wake }

// Cut is closed when the hub cuts the subscriber off (CutReason says why).
func (s *Sub) Cut() <-chan struct{} { return s.cut }

// Subscribe adds a subscriber positioned after the last event published
// that gets every event (its reader filters them).
func (h *Hub) Subscribe() *Sub {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.newSub()
	h.route.add(s)
	return s
}

func (h *Hub) newSub() *Sub {
	s := &Sub{wake: make(chan struct{}, 1), cut: make(chan struct{}), cursor: h.last, floor: h.last}
	h.subs[s] = struct{}{}
	return s
}

// Position returns the sequence number after which s's next events come.
func (h *Hub) Position(s *Sub) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return s.cursor
}

// Unsubscribe removes s.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !s.gone {
		h.route.remove(s)
	}
	delete(h.subs, s)
	delete(h.waiting, s)
	s.gone = true
	s.pending = nil
}

// CutReason says why s was cut off ("" while it was not).
func (h *Hub) CutReason(s *Sub) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return s.reason
}

func (h *Hub) cutLocked(s *Sub, reason string) {
	if s.gone {
		return
	}
	s.gone = true
	s.reason = reason
	s.pending = nil
	h.route.remove(s)
	delete(h.subs, s)
	delete(h.waiting, s)
	close(s.cut)
}

// Resync is the answer to a resume outside the window.
type Resync struct {
	// Since is the sequence number asked for.
	Since uint64
	// Oldest is the oldest sequence number still held (Last+1: none).
	Oldest uint64
	// Last is the last sequence number published: the stream goes on
	// after it.
	Last uint64
}

// Resume moves s to just after since, so that the next events it is
// handed are those published after since that are for it. When an event
// after since has left the window (or since is not a number this hub
// handed out), it moves s to the last event instead and returns the
// Resync to tell the client.
func (h *Hub) Resume(s *Sub, since uint64) *Resync {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.evictOld(h.clk.Now())
	h.flushLocked(s)
	old := h.oldest()
	s.pending = s.pending[:0]
	delete(h.waiting, s)
	s.floor = h.last
	if since > h.last || since+1 < old || since < h.first {
		s.cursor = h.last
		return &Resync{Since: since, Oldest: old, Last: h.last}
	}
	s.cursor = since
	if h.version != nil {
		h.route.sweep(h.version())
	}
	for seq := since + 1; seq <= h.last; seq++ {
		ev := &h.ring[(h.head+int(seq-h.ring[h.head].seq))%h.size]
		if s.wants(ev.topic, ev.aud) {
			s.pending = append(s.pending, seq)
		}
	}
	if len(s.pending) > 0 {
		h.waiting[s] = struct{}{}
	}
	return nil
}

// flushLocked empties s's wake channel: after a move of its cursor, the
// next Next decides what there is.
func (h *Hub) flushLocked(s *Sub) {
	select {
	case <-s.wake:
	default:
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// errCut is Next's error for a subscriber cut off.
var errCut = errors.New("events: subscriber cut off")

// Next hands s up to max of the events queued for it, oldest first; none
// when s is up to date. It fails when s was cut off, or when the events
// it was to get have left the window.
func (h *Hub) Next(s *Sub, max int) ([]stored, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.reason != "" {
		return nil, errCut
	}
	if len(s.pending) == 0 {
		return nil, nil
	}
	if s.pending[0] < h.oldest() {
		h.cutLocked(s, "slow consumer: its next events left the window")
		return nil, errCut
	}
	k := min(len(s.pending), max)
	out := make([]stored, k)
	base := h.ring[h.head].seq
	for j, seq := range s.pending[:k] {
		out[j] = h.ring[(h.head+int(seq-base))%h.size]
	}
	s.cursor = out[k-1].seq
	s.pending = append(s.pending[:0], s.pending[k:]...)
	if len(s.pending) == 0 {
		delete(h.waiting, s)
	}
	return out, nil
}
