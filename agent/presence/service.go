package presence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/events"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// User is what presence needs of a user (the users service behind
// agent/feature_presence.go).
type User struct {
	ID         string
	Role       platform.Role
	Extensions []string
	Endpoints  []string
}

// Directory finds the enabled users.
type Directory interface {
	// User returns an enabled user by id.
	User(id string) (User, bool)
	// Users returns every enabled user.
	Users() []User
}

// KV is where what users set is kept (the daemon's store,
// Meta("presence")).
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Hub takes the presence events (the events hub).
type Hub interface {
	Publish(ctx context.Context, ev events.Event) error
}

// Topic and event type of presence changes.
const (
	Topic        = "presence"
	EventUpdated = "presence_updated"
)

// stored is what a user set, as kept in the KV under their id.
type stored struct {
	State    State      `json:"state,omitempty"`
	Message  string     `json:"message,omitempty"`
	Until    *time.Time `json:"until,omitempty"`
	Location *Location  `json:"location,omitempty"`
	Share    []string   `json:"share,omitempty"`
	Roster   []string   `json:"roster,omitempty"`
	Updated  time.Time  `json:"updated"`
}

// entry is a user's presence in memory. Guarded by Service.mu.
type entry struct {
	set     stored
	roster  map[string]bool
	share   map[string]bool
	online  int
	calls   map[string]CallState // call id -> state
	updated time.Time
}

// Service keeps the users' presence.
type Service struct {
	clk clock.Clock
	kv  KV
	dir Directory
	hub Hub
	pbx *PBX
	log *slog.Logger

	mu      sync.RWMutex
	users   map[string]*entry
	devices map[string]string // endpoint ("PJSIP/101") -> ARI state
	// watchers are, by user id, the users whose roster holds the user.
	watchers map[string]map[string]bool
	expiries chan struct{} // poked when an until may have changed
	// devs is poked when users' devices changed (DevicesChanged).
	devs chan struct{}
	// changed is told of every change published (WithChanged); watch
	// adds watchers of a user (WithWatchers).
	changed func(ctx context.Context, userID string)
	watch   func(userID string) []string
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock of until and updated_at (default the wall
// clock).
func WithClock(c clock.Clock) Option { return func(s *Service) { s.clk = c } }

// WithHub sets where presence_updated goes.
func WithHub(h Hub) Option { return func(s *Service) { s.hub = h } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithPBX makes DND honoured by the PBX (see PBX).
func WithPBX(p *PBX) Option { return func(s *Service) { s.pbx = p } }

// WithChanged sets a function told, after each change of a user's
// presence is published, the user's id (the call groups re-evaluate
// their member). It must not call back into the service's writers.
func WithChanged(f func(ctx context.Context, userID string)) Option {
	return func(s *Service) { s.changed = f }
}

// WithWatchers adds, to the users whose roster holds a user, the users
// f returns for them (the supervisors of the call groups the user is a
// member of): they get the user's presence_updated as if their roster
// held the user.
func WithWatchers(f func(userID string) []string) Option {
	return func(s *Service) { s.watch = f }
}

// New returns the presence service over kv and dir; Load reads what was
// kept.
func New(kv KV, dir Directory, opts ...Option) *Service {
	s := &Service{clk: clock.Real{}, kv: kv, dir: dir, log: slog.New(slog.DiscardHandler),
		users: map[string]*entry{}, devices: map[string]string{}, watchers: map[string]map[string]bool{}, expiries: make(chan struct{}, 1),
		devs: make(chan struct{}, 1)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Load reads what the users set from the KV (keys starting with '_' are
// the service's own).
func (s *Service) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.kv.List(ctx, func(key string, val []byte) error {
		if key == "" || key[0] == '_' {
			return nil
		}
		var st stored
		if err := json.Unmarshal(val, &st); err != nil {
			s.log.Warn("presence: skipping an unreadable record", "user", key, "err", err)
			return nil
		}
		e := s.entryLocked(key)
		e.set = st
		s.rosterLocked(key, e, st.Roster)
		e.share = setOf(st.Share)
		e.updated = st.Updated
		return nil
	})
	if err != nil {
		return fmt.Errorf("presence: load: %w", err)
	}
	s.poke()
	return nil
}

// rosterLocked sets holder's roster and the watchers index (caller holds
// mu).
func (s *Service) rosterLocked(holder string, e *entry, ids []string) {
	for id := range e.roster {
		if w := s.watchers[id]; w != nil {
			delete(w, holder)
			if len(w) == 0 {
				delete(s.watchers, id)
			}
		}
	}
	e.roster = setOf(ids)
	for _, id := range ids {
		w := s.watchers[id]
		if w == nil {
			w = map[string]bool{}
			s.watchers[id] = w
		}
		w[holder] = true
	}
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// entryLocked returns the user's entry, made if missing (caller holds mu).
func (s *Service) entryLocked(id string) *entry {
	e := s.users[id]
	if e == nil {
		e = &entry{calls: map[string]CallState{}, roster: map[string]bool{}, share: map[string]bool{}}
		s.users[id] = e
	}
	return e
}

// effective is the state in force at now: available once until passed.
func (st stored) effective(now time.Time) (State, string, *time.Time) {
	if st.State == "" || st.State == Available || (st.Until != nil && !now.Before(*st.Until)) {
		if st.State == Available {
			return Available, st.Message, nil
		}
		return Available, "", nil
	}
	return st.State, st.Message, st.Until
}

// view is the user's presence; location only when withLocation (caller
// holds mu, read).
func (s *Service) viewLocked(u User, withLocation bool) Presence {
	now := s.clk.Now()
	p := Presence{UserID: u.ID, State: Available, Call: CallIdle, Devices: []Device{}}
	e := s.users[u.ID]
	if e != nil {
		var until *time.Time
		p.State, p.Message, until = e.set.effective(now)
		if until != nil {
			t := until.UTC()
			p.Until = &t
		}
		p.Online = e.online > 0
		for _, c := range e.calls {
			if c.rank() > p.Call.rank() {
				p.Call = c
			}
		}
		if withLocation && e.set.Location != nil {
			l := *e.set.Location
			p.Location = &l
		}
		p.UpdatedAt = e.updated.UTC()
	}
	for _, ep := range u.Endpoints {
		st := s.devices[normEndpoint(ep)]
		if st == "" {
			st = "unknown"
		}
		p.Devices = append(p.Devices, Device{Endpoint: ep, State: st})
		if st == "online" {
			p.Registered = true
		}
	}
	return p
}

// Errors of the service's operations.
var (
	// ErrNoUser: no enabled user has the id.
	ErrNoUser = errors.New("presence: no such user")
)

// mayLocate reports whether viewer may see owner's location (caller
// holds mu).
func (s *Service) mayLocateLocked(viewer, owner string) bool {
	if viewer == "" {
		return false
	}
	if viewer == owner {
		return true
	}
	e := s.users[owner]
	return e != nil && e.share[viewer]
}

// Get returns the presence of the users ids as viewer (a user id, "" for
// a principal acting for no user) may see it: the location only for its
// owner and those it is shared with. ErrNoUser names the first unknown
// id.
func (s *Service) Get(viewer string, ids []string) ([]Presence, error) {
	us := make([]User, len(ids))
	for i, id := range ids {
		u, ok := s.dir.User(id)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNoUser, id)
		}
		us[i] = u
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Presence, len(us))
	for i, u := range us {
		out[i] = s.viewLocked(u, s.mayLocateLocked(viewer, u.ID))
	}
	return out, nil
}

// Roster returns the ids in the user's roster.
func (s *Service) Roster(userID string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.users[userID]; e != nil {
		return slices.Clone(e.set.Roster)
	}
	return []string{}
}

// SetState sets what userID says about themself and returns the
// presence; a request error is a *platform.APIError naming the field.
func (s *Service) SetState(ctx context.Context, userID string, r StateRequest) (Presence, error) {
	u, ok := s.dir.User(userID)
	if !ok {
		return Presence{}, ErrNoUser
	}
	now := s.clk.Now()
	if err := r.validate(now); err != nil {
		return Presence{}, err
	}
	var until *time.Time
	if r.Until != nil {
		t := r.Until.UTC()
		until = &t
	}
	err := s.change(ctx, u, func(st *stored) { st.State, st.Message, st.Until = r.State, r.Message, until })
	if err != nil {
		return Presence{}, err
	}
	s.poke()
	s.applyPBX(ctx, u)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.viewLocked(u, true), nil
}

// SetLocation sets (or, with a nil location, clears) the user's location
// and who may see it.
func (s *Service) SetLocation(ctx context.Context, userID string, r LocationRequest) (LocationView, error) {
	u, ok := s.dir.User(userID)
	if !ok {
		return LocationView{}, ErrNoUser
	}
	fes := r.Location.validate("location")
	share, fe := s.checkIDs("share_with", r.ShareWith)
	if fe != nil {
		fes = append(fes, *fe)
	}
	if len(fes) > 0 {
		return LocationView{}, platform.Invalid("bad location", fes...)
	}
	err := s.change(ctx, u, func(st *stored) {
		st.Location, st.Share = nil, share
		if r.Location != nil {
			l := *r.Location
			st.Location = &l
		}
	})
	if err != nil {
		return LocationView{}, err
	}
	return s.Location(userID), nil
}

// Location returns the user's own location and share list.
func (s *Service) Location(userID string) LocationView {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := LocationView{ShareWith: []string{}}
	if e := s.users[userID]; e != nil {
		if e.set.Location != nil {
			l := *e.set.Location
			v.Location = &l
		}
		if len(e.set.Share) > 0 {
			v.ShareWith = slices.Clone(e.set.Share)
		}
	}
	return v
}

// SetRoster sets whose presence events the user gets.
func (s *Service) SetRoster(ctx context.Context, userID string, ids []string) ([]string, error) {
	u, ok := s.dir.User(userID)
	if !ok {
		return nil, ErrNoUser
	}
	roster, fe := s.checkIDs("users", ids)
	if fe != nil {
		return nil, platform.Invalid("bad roster", *fe)
	}
	if err := s.changeAnd(ctx, u, func(st *stored) { st.Roster = roster }, false); err != nil {
		return nil, err
	}
	return s.Roster(userID), nil
}

// checkIDs checks a list of user ids (each an enabled user, at most
// MaxList) and drops duplicates.
func (s *Service) checkIDs(field string, ids []string) ([]string, *platform.FieldError) {
	if len(ids) > MaxList {
		return nil, &platform.FieldError{Field: field, Message: fmt.Sprintf("must hold at most %d users", MaxList)}
	}
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		if _, ok := s.dir.User(id); !ok {
			return nil, &platform.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Message: fmt.Sprintf("no user with id %q", clip(id))}
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// change applies f to what u set, keeps it, and publishes the change.
func (s *Service) change(ctx context.Context, u User, f func(*stored)) error {
	return s.changeAnd(ctx, u, f, true)
}

// changeAnd is change, publishing only when publish is set (a roster is
// no part of the presence others see).
func (s *Service) changeAnd(ctx context.Context, u User, f func(*stored), publish bool) error {
	s.mu.Lock()
	e := s.entryLocked(u.ID)
	next := e.set
	next.Roster, next.Share = slices.Clone(e.set.Roster), slices.Clone(e.set.Share)
	f(&next)
	now := s.clk.Now()
	next.Updated = now.UTC()
	b, err := json.Marshal(next)
	if err == nil {
		err = s.kv.Put(ctx, u.ID, b)
	}
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("presence: keep %s: %w", u.ID, err)
	}
	e.set = next
	s.rosterLocked(u.ID, e, next.Roster)
	e.share = setOf(next.Share)
	if publish {
		e.updated = now
	}
	s.mu.Unlock()
	if publish {
		s.publish(ctx, u)
	}
	return nil
}

// touch marks a change the user did not set (online, devices, calls) and
// publishes it.
func (s *Service) touchLocked(e *entry) { e.updated = s.clk.Now() }

// publish sends presence_updated about u: with the location to u and the
// users u shares it with, without it to the others whose roster holds u
// (and to principals acting for no user: the admin token, apps of the
// organisation). The audiences name the users (looked up by the hub),
// from the rosters as they are when the change is published.
func (s *Service) publish(ctx context.Context, u User) {
	if s.changed != nil {
		defer s.changed(ctx, u.ID)
	}
	if s.hub == nil {
		return
	}
	var extra []string
	if s.watch != nil {
		extra = s.watch(u.ID)
	}
	s.mu.RLock()
	withLoc, without := s.viewLocked(u, true), s.viewLocked(u, false)
	located := []string{u.ID}
	others := make([]string, 0, len(s.watchers[u.ID])+len(extra))
	e := s.users[u.ID]
	for _, w := range extra {
		if s.watchers[u.ID][w] {
			continue // below
		}
		if w == u.ID {
			continue
		}
		if withLoc.Location != nil && e != nil && e.share[w] {
			located = append(located, w)
		} else {
			others = append(others, w)
		}
	}
	for w := range s.watchers[u.ID] {
		if w == u.ID {
			continue
		}
		if withLoc.Location != nil && e != nil && e.share[w] {
			located = append(located, w)
		} else {
			others = append(others, w)
		}
	}
	s.mu.RUnlock()
	slices.Sort(located[1:])
	slices.Sort(others)
	if withLoc.Location != nil {
		if err := s.hub.Publish(ctx, events.Event{Topic: Topic, Type: EventUpdated, Data: withLoc, Audience: events.Users(located...)}); err != nil {
			s.log.Warn("presence: publish", "err", err)
		}
	} else {
		others = append(others, u.ID)
	}
	if err := s.hub.Publish(ctx, events.Event{Topic: Topic, Type: EventUpdated, Data: without, Audience: events.Any(events.Users(others...), events.NoUser())}); err != nil {
		s.log.Warn("presence: publish", "err", err)
	}
}

// Available reports whether a call may ring userID: false while they
// are in DND (the calls engine hands such a call back to the dialplan).
func (s *Service) Available(userID string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.users[userID]
	if e == nil {
		return true
	}
	st, _, _ := e.set.effective(s.clk.Now())
	return st != DND
}

// Connected counts a client of userID connecting (delta 1) or going
// (-1): the user is online while one is.
func (s *Service) Connected(ctx context.Context, userID string, delta int) {
	if userID == "" {
		return
	}
	s.mu.Lock()
	e := s.entryLocked(userID)
	was := e.online > 0
	e.online = max(0, e.online+delta)
	changed := was != (e.online > 0)
	if changed {
		s.touchLocked(e)
	}
	s.mu.Unlock()
	if changed {
		if u, ok := s.dir.User(userID); ok {
			s.publish(ctx, u)
		}
	}
}

// CallChanged records the state of one of userID's calls; CallIdle (an
// ended call) forgets it.
func (s *Service) CallChanged(ctx context.Context, userID, callID string, st CallState) {
	if userID == "" {
		return
	}
	s.mu.Lock()
	e := s.entryLocked(userID)
	before := aggregate(e.calls)
	if st == CallIdle {
		delete(e.calls, callID)
	} else {
		e.calls[callID] = st
	}
	changed := aggregate(e.calls) != before
	if changed {
		s.touchLocked(e)
	}
	s.mu.Unlock()
	if changed {
		if u, ok := s.dir.User(userID); ok {
			s.publish(ctx, u)
		}
	}
}

func aggregate(calls map[string]CallState) CallState {
	out := CallIdle
	for _, c := range calls {
		if c.rank() > out.rank() {
			out = c
		}
	}
	return out
}

// Run returns states to available when their until passes, until ctx
// ends.
func (s *Service) Run(ctx context.Context) error {
	var t clock.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	var fire <-chan time.Time
	for {
		next, ok := s.expire(ctx)
		if t != nil {
			t.Stop()
			t, fire = nil, nil
		}
		if ok {
			t = s.clk.NewTimer(max(next.Sub(s.clk.Now()), 0))
			fire = t.C()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.expiries:
		case <-fire:
		}
	}
}

// expire returns the states whose until passed to available, and
// returns the next until to come.
func (s *Service) expire(ctx context.Context) (next time.Time, ok bool) {
	now := s.clk.Now()
	var due []string
	s.mu.RLock()
	for id, e := range s.users {
		if e.set.Until == nil {
			continue
		}
		if !now.Before(*e.set.Until) {
			due = append(due, id)
		} else if !ok || e.set.Until.Before(next) {
			next, ok = *e.set.Until, true
		}
	}
	s.mu.RUnlock()
	slices.Sort(due)
	for _, id := range due {
		u, found := s.dir.User(id)
		if !found {
			continue
		}
		err := s.change(ctx, u, func(st *stored) {
			if st.Until != nil && !now.Before(*st.Until) {
				st.State, st.Message, st.Until = Available, "", nil
			}
		})
		if err != nil {
			s.log.Warn("presence: return to available", "user", id, "err", err)
			continue
		}
		s.applyPBX(ctx, u)
	}
	return next, ok
}

// poke makes Run look at the untils again.
func (s *Service) poke() {
	select {
	case s.expiries <- struct{}{}:
	default:
	}
}

// applyPBX makes the PBX show u's state (DND on the BLF and Asterisk's
// presence state).
func (s *Service) applyPBX(ctx context.Context, u User) {
	if s.pbx == nil {
		return
	}
	st, msg := s.stateOf(u.ID)
	s.pbx.Apply(ctx, u.Extensions, st, msg)
}

// stateOf is the state in force for the user and its message.
func (s *Service) stateOf(id string) (State, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.users[id]
	if e == nil {
		return Available, ""
	}
	st, msg, _ := e.set.effective(s.clk.Now())
	return st, msg
}
