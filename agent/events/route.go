package events

import (
	"github.com/pbxagent/pbxagent/agent/platform"
)

// filter is what the hub knows of a subscriber to route events to it:
// its topics and its principal as last read (guarded by the hub's mu).
type filter struct {
	filtered bool            // made by SubscribeAs (else it gets every event)
	topics   map[string]bool // subscribed to
	p        platform.Principal
	dynamic  bool   // p may change (roles, abilities, account, credential)
	pver     uint64 // the principals' version p was read at
	stale    bool   // p is not known to be current: hand it every event
	priv     bool   // p may hold an ability (in the topics' priv sets)
	mark     uint64 // the last event routed to it (one visit per event)
}

// wants reports whether an event of topic for aud is to be handed to
// the subscriber.
func (f *filter) wants(topic string, aud Audience) bool {
	return !f.filtered || f.stale || (f.topics[topic] && aud.Match(f.p))
}

// privileged reports whether p may hold an ability (platform.Principal.Has).
func privileged(p platform.Principal) bool {
	return p.Kind == platform.KindAdminToken || p.Role == platform.RoleAdmin || len(p.Abilities) > 0
}

// topicIndex is the subscribers of one topic whose principal is trusted.
type topicIndex struct {
	all    map[*Sub]struct{}
	byUser map[string]map[*Sub]struct{}
	// noUser: the subscribers acting for no user (admin token, apps).
	noUser map[*Sub]struct{}
	priv   map[*Sub]struct{}
}

// router finds the subscribers an event is for: those that get every
// event (made by Subscribe, or whose principal is stale), then, in the
// event's topic, the subscribers of the users the audience names and
// those holding one of its abilities; only an audience that is anyone or
// a predicate is asked of every subscriber of the topic.
type router struct {
	everything map[*Sub]struct{}
	topics     map[string]*topicIndex
	dynamic    map[*Sub]struct{} // filtered subscribers whose principal may change
	swept      uint64            // the version dynamic subscribers were last checked at
	sweptOK    bool
}

func (r *router) init() {
	r.everything = map[*Sub]struct{}{}
	r.topics = map[string]*topicIndex{}
	r.dynamic = map[*Sub]struct{}{}
}

// add routes every event to s (made by Subscribe).
func (r *router) add(s *Sub) { r.everything[s] = struct{}{} }

// remove forgets s.
func (r *router) remove(s *Sub) {
	delete(r.everything, s)
	delete(r.dynamic, s)
	if s.filtered {
		for t := range s.topics {
			r.unindex(s, t)
		}
	}
}

func (r *router) index(s *Sub, topic string) {
	ti := r.topics[topic]
	if ti == nil {
		ti = &topicIndex{all: map[*Sub]struct{}{}, byUser: map[string]map[*Sub]struct{}{}, noUser: map[*Sub]struct{}{}, priv: map[*Sub]struct{}{}}
		r.topics[topic] = ti
	}
	ti.all[s] = struct{}{}
	if id := s.p.UserID; id != "" {
		m := ti.byUser[id]
		if m == nil {
			m = map[*Sub]struct{}{}
			ti.byUser[id] = m
		}
		m[s] = struct{}{}
	} else {
		ti.noUser[s] = struct{}{}
	}
	if s.priv {
		ti.priv[s] = struct{}{}
	}
}

func (r *router) unindex(s *Sub, topic string) {
	ti := r.topics[topic]
	if ti == nil {
		return
	}
	delete(ti.all, s)
	if id := s.p.UserID; id != "" {
		if m := ti.byUser[id]; m != nil {
			delete(m, s)
			if len(m) == 0 {
				delete(ti.byUser, id)
			}
		}
	}
	delete(ti.noUser, s)
	delete(ti.priv, s)
}

// setStale moves s into or out of the set that gets every event.
func (r *router) setStale(s *Sub, stale bool) {
	s.stale = stale
	if stale {
		r.everything[s] = struct{}{}
	} else {
		delete(r.everything, s)
	}
}

// sweep marks stale the dynamic subscribers whose principal was read at
// another version than ver, once per change of version.
func (r *router) sweep(ver uint64) {
	if r.sweptOK && ver == r.swept {
		return
	}
	r.swept, r.sweptOK = ver, true
	for s := range r.dynamic {
		if !s.stale && s.pver != ver {
			r.setStale(s, true)
		}
	}
}

// each calls fn once for every subscriber an event of topic for aud is
// for (seq marks the visits). fn may remove the subscriber.
func (r *router) each(topic string, aud Audience, seq uint64, fn func(*Sub)) {
	visit := func(s *Sub) {
		if s.mark != seq {
			s.mark = seq
			fn(s)
		}
	}
	for s := range r.everything {
		visit(s)
	}
	ti := r.topics[topic]
	if ti == nil {
		return
	}
	a := aud.a
	if a.anyone || len(a.preds) > 0 {
		for s := range ti.all {
			if s.mark != seq && aud.Match(s.p) {
				visit(s)
			}
		}
		return
	}
	for _, id := range a.users {
		for s := range ti.byUser[id] {
			visit(s)
		}
	}
	if a.noUser {
		for s := range ti.noUser {
			visit(s)
		}
	}
	if len(a.abilities) == 0 {
		return
	}
	for s := range ti.priv {
		if s.mark == seq {
			continue
		}
		for _, ab := range a.abilities {
			if s.p.Has(ab) {
				visit(s)
				break
			}
		}
	}
}

// SubscribeAs adds a subscriber positioned after the last event
// published that is handed only the events of topics whose audience
// holds p. With dynamic, p may change (the Handler's Principals): the
// subscriber is handed every event until Refresh tells the hub p as it
// is at the current PrincipalVersion, and again after each change of
// version until the next Refresh; its reader checks each event against
// the principal as it is then.
func (h *Hub) SubscribeAs(p platform.Principal, topics []string, dynamic bool) *Sub {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.newSub()
	s.filtered, s.p, s.priv, s.dynamic = true, p, privileged(p), dynamic
	s.topics = make(map[string]bool, len(topics))
	for _, t := range topics {
		s.topics[t] = true
		h.route.index(s, t)
	}
	if dynamic {
		h.route.dynamic[s] = struct{}{}
		h.route.setStale(s, true)
	}
	return s
}

// SetTopics sets the topics s (made by SubscribeAs) is handed events of
// from now on.
func (h *Hub) SetTopics(s *Sub, topics []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !s.filtered || s.gone {
		return
	}
	next := make(map[string]bool, len(topics))
	for _, t := range topics {
		next[t] = true
		if !s.topics[t] {
			h.route.index(s, t)
		}
	}
	for t := range s.topics {
		if !next[t] {
			h.route.unindex(s, t)
		}
	}
	s.topics = next
}

// Refresh tells the hub s's principal (made by SubscribeAs with dynamic)
// as read at version ver (PrincipalVersion, read before the principal):
// while ver is current, s is handed only the events whose audience
// holds p.
func (h *Hub) Refresh(s *Sub, p platform.Principal, ver uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !s.filtered || !s.dynamic || s.gone {
		return
	}
	if p.UserID != s.p.UserID || privileged(p) != s.priv {
		for t := range s.topics {
			h.route.unindex(s, t)
		}
		s.p, s.priv = p, privileged(p)
		for t := range s.topics {
			h.route.index(s, t)
		}
	}
	s.p, s.pver = p, ver
	h.route.setStale(s, h.version == nil || h.version() != ver)
}
