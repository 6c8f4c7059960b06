package fakeari

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/pbxagent/pbxagent/ari"
)

// app is a Stasis application: registered once a WebSocket named it, active
// while one is attached. Subscriptions outlive the WebSocket: Asterisk only
// deactivates an app whose last WebSocket closed and keeps it while it still
// has subscriptions (res/res_stasis.c stasis_app_unregister, res/stasis/app.c
// app_deactivate and app_is_finished); observed on Asterisk 22.10.1, where
// GET /applications/{app} still lists the channels after a reconnect.
type app struct {
	name      string
	sess      *session
	channels  map[string]bool // explicit subscriptions (channel:ID)
	bridges   map[string]bool
	endpoints map[string]bool
	devices   map[string]bool
}

// session is one events WebSocket.
type session struct {
	apps   map[string]bool
	all    bool
	conn   *websocket.Conn
	mu     sync.Mutex
	queue  [][]byte
	notify chan struct{}
	done   chan struct{}
	closed bool
}

func (ss *session) send(b []byte) {
	ss.mu.Lock()
	if !ss.closed {
		ss.queue = append(ss.queue, b)
	}
	ss.mu.Unlock()
	select {
	case ss.notify <- struct{}{}:
	default:
	}
}

// close marks the session dead and closes the socket abruptly.
func (ss *session) close() {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return
	}
	ss.closed = true
	conn := ss.conn
	ss.mu.Unlock()
	close(ss.done)
	if conn != nil {
		conn.CloseNow()
	}
}

func (s *Server) appLocked(name string) *app {
	a := s.apps[name]
	if a == nil {
		a = &app{name: name, channels: map[string]bool{}, bridges: map[string]bool{}, endpoints: map[string]bool{}, devices: map[string]bool{}}
		s.apps[name] = a
	}
	return a
}

// serveEvents upgrades GET /ari/events.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var names []string
	for _, v := range q["app"] {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		writeJSON(w, http.StatusBadRequest, errBody("Missing param 'app'"))
		return
	}
	// Register the apps before the upgrade completes, so that a client
	// acting on the connection at once (reconcile, continue) is heard.
	ss := &session{apps: map[string]bool{}, all: q.Get("subscribeAll") == "true", notify: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeJSON(w, http.StatusServiceUnavailable, errBody("Shutting down"))
		return
	}
	s.sessions[ss] = struct{}{}
	s.sessWG.Add(1)
	defer s.sessWG.Done()
	for _, n := range names {
		a := s.appLocked(n)
		if old := a.sess; old != nil && old != ss {
			// The old connection is told, then loses the app (ari_websockets.c).
			s.sendToSession(old, n, &ari.ApplicationReplaced{Header: ari.Header{Type: "ApplicationReplaced"}})
			delete(old.apps, n)
		}
		a.sess = ss
		ss.apps[n] = true
	}
	s.changedLocked()
	s.mu.Unlock()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"ari"}})
	if err != nil {
		s.mu.Lock()
		s.detachLocked(ss)
		s.mu.Unlock()
		return
	}
	conn.SetReadLimit(1 << 20)
	ss.mu.Lock()
	ss.conn = conn
	dead := ss.closed
	ss.mu.Unlock()
	if dead {
		conn.CloseNow()
		return
	}

	ctx := conn.CloseRead(context.Background()) // answers pings; ends when the peer goes
	s.sessWG.Add(1)
	go func() {
		defer s.sessWG.Done()
		select {
		case <-ctx.Done():
		case <-ss.done:
		}
		s.mu.Lock()
		s.detachLocked(ss)
		s.mu.Unlock()
		ss.close()
	}()
	s.writeLoop(ss)
}

func (s *Server) writeLoop(ss *session) {
	for {
		ss.mu.Lock()
		batch := ss.queue
		ss.queue = nil
		ss.mu.Unlock()
		for _, b := range batch {
			ctx, cancel := context.WithTimeout(context.Background(), s.writeTO)
			err := ss.conn.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				ss.close()
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ss.notify:
		case <-ss.done:
			return
		}
	}
}

// detachLocked deactivates the session's apps (channels stay in Stasis).
func (s *Server) detachLocked(ss *session) {
	defer s.changedLocked()
	delete(s.sessions, ss)
	for n := range ss.apps {
		if a := s.apps[n]; a != nil && a.sess == ss {
			a.sess = nil
		}
	}
	ss.apps = map[string]bool{}
}

func (s *Server) dropSessionsLocked() {
	for ss := range s.sessions {
		s.detachLocked(ss)
		ss.close()
	}
}

// DropWebSockets closes every events WebSocket abruptly (no close frame),
// as a network failure would. Apps are deactivated at once; channels stay.
func (s *Server) DropWebSockets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropSessionsLocked()
}

// ReplaceApp simulates another client registering app: the current
// WebSocket receives ApplicationReplaced and loses the app.
func (s *Server) ReplaceApp(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	if a == nil || a.sess == nil {
		return
	}
	s.sendToSession(a.sess, name, &ari.ApplicationReplaced{Header: ari.Header{Type: "ApplicationReplaced"}})
	delete(a.sess.apps, name)
	a.sess = nil
	s.changedLocked()
}

// Restart simulates an Asterisk restart: WebSockets drop, every channel,
// bridge, playback and app vanishes without events, and the entity id and
// startup time change.
func (s *Server) Restart(newEntityID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropSessionsLocked()
	for _, c := range s.channels {
		c.stopTimers()
	}
	s.entityID = newEntityID
	s.reset()
	s.changedLocked()
}

// AppActive reports whether a WebSocket currently holds app.
func (s *Server) AppActive(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	return a != nil && a.sess != nil
}

// marshalEvent renders ev with an empty application, checked once.
func (s *Server) marshalEvent(ev any) []byte {
	b, err := json.Marshal(ev)
	if err != nil {
		panic("fakeari: marshal event: " + err.Error())
	}
	return b
}

var emptyApp = []byte(`"application":""`)

func withApp(b []byte, name string) []byte {
	i := bytes.Index(b, emptyApp)
	if i < 0 {
		return b
	}
	an, _ := json.Marshal(name)
	out := make([]byte, 0, len(b)+len(an))
	out = append(out, b[:i]...)
	out = append(out, `"application":`...)
	out = append(out, an...)
	return append(out, b[i+len(emptyApp):]...)
}

func (s *Server) sendToSession(ss *session, appName string, ev any) {
	setHeader(ev, s)
	b := withApp(s.marshalEvent(ev), appName)
	s.checkEvent(b)
	s.stats.EventsSent++
	s.tapped(b)
	ss.send(b)
}

// emit sends ev to every app in apps (sorted for determinism) and to
// subscribeAll sessions. Called with s.mu held.
func (s *Server) emit(apps map[string]bool, ev any) {
	setHeader(ev, s)
	raw := s.marshalEvent(ev)
	names := make([]string, 0, len(apps))
	for n := range apps {
		names = append(names, n)
	}
	sort.Strings(names)
	sent := map[*session]bool{}
	for _, n := range names {
		a := s.apps[n]
		if a == nil || a.sess == nil {
			s.stats.EventsUnheard++
			continue
		}
		b := withApp(raw, n)
		s.checkEvent(b)
		s.stats.EventsSent++
		s.tapped(b)
		a.sess.send(b)
		sent[a.sess] = true
	}
	for ss := range s.sessions {
		if !ss.all || sent[ss] {
			continue
		}
		for n := range ss.apps {
			b := withApp(raw, n)
			s.checkEvent(b)
			s.stats.EventsSent++
			s.tapped(b)
			ss.send(b)
			break
		}
	}
}

func (s *Server) checkEvent(b []byte) {
	if !s.check {
		return
	}
	if probs := s.spec.CheckEvent(b); len(probs) > 0 {
		s.problems = append(s.problems, probs...)
		for _, p := range probs {
			s.log.Warn("fakeari: event departs from spec", "problem", p.Error())
		}
	}
}

// setHeader fills timestamp and asterisk_id of an ari event value.
func setHeader(ev any, s *Server) {
	if h := headerOf(ev); h != nil {
		h.Timestamp = ari.Time{Time: s.now()}
		h.AsteriskID = s.entityID
	}
}
