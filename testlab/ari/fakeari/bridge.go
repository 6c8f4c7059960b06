package fakeari

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

type bridge struct {
	id, name  string
	types     []string
	channels  []string
	created   time.Time
	subs      map[string]int
	moh       bool
	mohClass  string
	playbacks map[string]bool
}

func (b *bridge) snapshot() ari.Bridge {
	tech, typ := "simple_bridge", "mixing"
	if slices.Contains(b.types, "holding") {
		tech, typ = "holding_bridge", "holding"
	} else if len(b.channels) > 2 {
		tech = "softmix"
	}
	return ari.Bridge{
		ID: b.id, Technology: tech, BridgeType: typ, BridgeClass: "stasis", Creator: "Stasis",
		Name: b.name, Channels: append([]string{}, b.channels...), Creationtime: ari.Time{Time: b.created},
		VideoMode: "none",
	}
}

func (b *bridge) apps() map[string]bool {
	m := map[string]bool{}
	for a, n := range b.subs {
		if n > 0 {
			m[a] = true
		}
	}
	return m
}

var bridgeTypes = map[string]bool{"mixing": true, "holding": true, "dtmf_events": true, "proxy_media": true, "video_sfu": true, "video_single": true, "sdp_label": true}

func (s *Server) hBridgeList(_ *request) response {
	ids := make([]string, 0, len(s.bridges))
	for id := range s.bridges {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]ari.Bridge, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.bridges[id].snapshot())
	}
	return ok(out)
}

func (s *Server) hBridgeGet(r *request) response {
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	return ok(b.snapshot())
}

func (s *Server) hBridgeCreate(r *request) response {
	id := r.p("bridgeId")
	if id == "" {
		id = r.q.Get("bridgeId")
	}
	if id == "" {
		id = s.nextUniqueID()
	}
	if s.bridges[id] != nil {
		return fail(http.StatusConflict, "Bridge with id '"+id+"' already exists")
	}
	var types []string
	if t := r.q.Get("type"); t != "" {
		for _, x := range strings.Split(t, ",") {
			if !bridgeTypes[x] {
				return fail(http.StatusBadRequest, "Invalid bridge type: "+x)
			}
			types = append(types, x)
		}
	}
	if len(types) == 0 {
		types = []string{"mixing"}
	}
	b := &bridge{id: id, name: r.q.Get("name"), types: types, created: s.now(), subs: map[string]int{}, playbacks: map[string]bool{}}
	s.bridges[id] = b
	return ok(b.snapshot())
}

func (s *Server) hBridgeDestroy(r *request) response {
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	s.destroyBridgeLocked(b)
	return noContent()
}

func (s *Server) destroyBridgeLocked(b *bridge) {
	for _, id := range append([]string(nil), b.channels...) {
		if c := s.channels[id]; c != nil {
			s.leaveBridgeLocked(b, c)
		}
	}
	for pid := range b.playbacks {
		if p := s.playbacks[pid]; p != nil {
			s.finishPlaybackLocked(p, "done")
		}
	}
	// The Recorder channel leaves with the bridge: its recording ends and
	// is kept, as on stop.
	for _, rc := range s.recs {
		if rc.target == "bridge:"+b.id {
			s.finishRecordingLocked(rc, "done", "")
		}
	}
	s.emit(b.apps(), &ari.BridgeDestroyed{Header: ari.Header{Type: "BridgeDestroyed"}, Bridge: b.snapshot()})
	delete(s.bridges, b.id)
}

func (s *Server) hAddChannel(r *request) response {
	ids := splitArgs(r.q.Get("channel"))
	if len(ids) == 0 {
		return fail(http.StatusBadRequest, "Missing parameter channel")
	}
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	var chans []*channel
	for _, id := range ids {
		c := s.channels[id]
		if c == nil {
			return fail(http.StatusBadRequest, "Channel not found")
		}
		if c.stasis == "" {
			return fail(http.StatusUnprocessableEntity, "Channel not in Stasis application")
		}
		if c.recording != "" {
			// check_add_remove_channel in res/ari/resource_bridges.c
			return fail(http.StatusConflict, "Channel "+c.id+" currently recording")
		}
		chans = append(chans, c)
	}
	for _, c := range chans {
		s.joinBridgeLocked(b, c)
	}
	return noContent()
}

// joinBridgeLocked moves c into b: ChannelLeftBridge from its old bridge,
// ChannelEnteredBridge into b.
func (s *Server) joinBridgeLocked(b *bridge, c *channel) {
	if c.bridge == b.id {
		return
	}
	if c.bridge != "" {
		if old := s.bridges[c.bridge]; old != nil {
			s.leaveBridgeLocked(old, c)
		}
	}
	c.bridge = b.id
	b.channels = append(b.channels, c.id)
	for a, n := range c.subs {
		if n > 0 {
			b.subs[a]++
		}
	}
	apps := c.apps()
	for a := range b.apps() {
		apps[a] = true
	}
	snap := c.snapshot()
	s.emit(apps, &ari.ChannelEnteredBridge{Header: ari.Header{Type: "ChannelEnteredBridge"}, Bridge: b.snapshot(), Channel: &snap})
	if s.noise && len(b.channels) == 2 {
		s.bridgePeersLocked(b)
	}
}

func (s *Server) leaveBridgeLocked(b *bridge, c *channel) {
	i := slices.Index(b.channels, c.id)
	if i < 0 {
		return
	}
	b.channels = slices.Delete(b.channels, i, i+1)
	c.bridge = ""
	apps := c.apps()
	for a := range b.apps() {
		apps[a] = true
	}
	s.emit(apps, &ari.ChannelLeftBridge{Header: ari.Header{Type: "ChannelLeftBridge"}, Bridge: b.snapshot(), Channel: c.snapshot()})
}

func (s *Server) hRemoveChannel(r *request) response {
	ids := splitArgs(r.q.Get("channel"))
	if len(ids) == 0 {
		return fail(http.StatusBadRequest, "Missing parameter channel")
	}
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	for _, id := range ids {
		c := s.channels[id]
		if c == nil {
			return fail(http.StatusBadRequest, "Channel not found")
		}
		if c.stasis == "" {
			return fail(http.StatusUnprocessableEntity, "Channel not in Stasis application")
		}
		if c.bridge != b.id {
			return fail(http.StatusUnprocessableEntity, "Channel not in this bridge")
		}
	}
	for _, id := range ids {
		s.leaveBridgeLocked(b, s.channels[id])
	}
	return noContent()
}

func (s *Server) hBridgeMOH(r *request) response {
	b := s.bridges[r.p("bridgeId")]
	if b == nil {
		return fail(http.StatusNotFound, "Bridge not found")
	}
	on := r.op.Method == http.MethodPost
	if !on && !b.moh {
		// ast_ari_bridges_stop_moh: stasis_app_bridge_moh_stop fails.
		return fail(http.StatusConflict, "Bridge isn't playing music")
	}
	b.moh, b.mohClass = on, r.q.Get("mohClass")
	return noContent()
}

// bridgePeersLocked sets BRIDGEPEER on both members of a two-party bridge,
// with the ChannelVarset events Asterisk sends.
func (s *Server) bridgePeersLocked(b *bridge) {
	a, z := s.channels[b.channels[0]], s.channels[b.channels[1]]
	if a == nil || z == nil {
		return
	}
	for _, pair := range [][2]*channel{{a, z}, {z, a}} {
		c, peer := pair[0], pair[1]
		c.vars["BRIDGEPEER"] = peer.name
		snap := c.snapshot()
		s.emit(c.apps(), &ari.ChannelVarset{Header: ari.Header{Type: "ChannelVarset"}, Variable: "BRIDGEPEER", Value: peer.name, Channel: &snap})
	}
}

// BridgeIDs returns the ids of the bridges that exist now, sorted.
func (s *Server) BridgeIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.bridges))
	for id := range s.bridges {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// controlOf is c's snapshot with what its bridge plays to it. Called
// with mu.
func (s *Server) controlOf(c *channel) ChannelSnapshot {
	cs := c.control()
	if b := s.bridges[c.bridge]; b != nil && b.moh {
		cs.BridgeMOH, cs.BridgeMOHClass = true, b.mohClass
	}
	return cs
}

// BridgeSnapshot is what Bridge reports about a bridge, including what an
// ARI client cannot see directly (its music on hold).
type BridgeSnapshot struct {
	ID       string   `json:"id"`
	Type     string   `json:"bridge_type"`
	Channels []string `json:"channels"`
	// MOH: bridges/{id}/moh plays music on hold to the bridge (until
	// moh DELETE or the bridge's end).
	MOH      bool   `json:"moh"`
	MOHClass string `json:"moh_class,omitempty"`
}

// Bridge returns a snapshot of a bridge that exists now.
func (s *Server) Bridge(id string) (BridgeSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bridges[id]
	if b == nil {
		return BridgeSnapshot{}, false
	}
	snap := b.snapshot()
	return BridgeSnapshot{ID: b.id, Type: snap.BridgeType, Channels: snap.Channels, MOH: b.moh, MOHClass: b.mohClass}, true
}
