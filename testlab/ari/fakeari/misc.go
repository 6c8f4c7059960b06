package fakeari

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// Version is the Asterisk version the stand-in reports.
const Version = "22.10.1-testlab"

func (s *Server) hAsteriskInfo(r *request) response {
	only := map[string]bool{}
	for _, o := range splitArgs(r.q.Get("only")) {
		only[o] = true
	}
	want := func(k string) bool { return len(only) == 0 || only[k] }
	var info ari.AsteriskInfo
	if want("build") {
		info.Build = &ari.BuildInfo{OS: "Linux", Kernel: "testlab", Options: "", Machine: "x86_64", Date: "2026-11-24 00:00:00 UTC", User: "testlab"}
	}
	if want("system") {
		info.System = &ari.SystemInfo{Version: Version, EntityID: s.entityID}
	}
	if want("config") {
		info.Config = &ari.ConfigInfo{Name: "testlab", DefaultLanguage: "en", Setid: ari.SetId{User: "asterisk", Group: "asterisk"}}
	}
	if want("status") {
		info.Status = &ari.StatusInfo{StartupTime: ari.Time{Time: s.startup}, LastReloadTime: ari.Time{Time: s.startup}}
	}
	return ok(info)
}

func (s *Server) hPing(_ *request) response {
	return ok(ari.AsteriskPing{AsteriskID: s.entityID, Ping: "pong", Timestamp: s.now().Format(ari.TimeLayout)})
}

func (s *Server) hGetGlobal(r *request) response {
	name := r.q.Get("variable")
	if name == "" {
		return fail(http.StatusBadRequest, "Variable name is required")
	}
	return ok(ari.Variable{Value: s.globals[name]})
}

func (s *Server) hSetGlobal(r *request) response {
	name := r.q.Get("variable")
	if name == "" {
		return fail(http.StatusBadRequest, "Variable name is required")
	}
	if strings.HasSuffix(name, ")") {
		s.funcWriteLocked(name, r.q.Get("value")) // presence.go
		return noContent()
	}
	s.globals[name] = r.q.Get("value")
	return noContent()
}

func (s *Server) endpointLocked(ep string) ari.Endpoint {
	tech, res, _ := strings.Cut(ep, "/")
	state := "online"
	if st, ok := s.epStates[ep]; ok {
		state = st
	}
	e := ari.Endpoint{Technology: tech, Resource: res, State: state, ChannelIDs: []string{}}
	for id, c := range s.channels {
		if c.tech == tech && (c.resource == res || strings.HasPrefix(c.resource, res+"@") || strings.HasSuffix(c.resource, "@"+res)) {
			e.ChannelIDs = append(e.ChannelIDs, id)
		}
	}
	sort.Strings(e.ChannelIDs)
	return e
}

func (s *Server) hEndpointList(r *request) response {
	out := []ari.Endpoint{}
	tech := r.p("tech")
	for _, ep := range s.endpoints {
		e := s.endpointLocked(ep)
		if tech == "" || e.Technology == tech {
			out = append(out, e)
		}
	}
	if tech != "" && len(out) == 0 {
		return fail(http.StatusNotFound, "Endpoints not found")
	}
	return ok(out)
}

func (s *Server) hEndpointGet(r *request) response {
	ep := r.p("tech") + "/" + r.p("resource")
	for _, known := range s.endpoints {
		if known == ep {
			return ok(s.endpointLocked(ep))
		}
	}
	return fail(http.StatusNotFound, "Endpoint not found")
}

func (s *Server) hDeviceList(_ *request) response {
	names := make([]string, 0, len(s.devices))
	for n := range s.devices {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]ari.DeviceState, 0, len(names))
	for _, n := range names {
		out = append(out, ari.DeviceState{Name: n, State: s.devices[n]})
	}
	return ok(out)
}

// stasisDevice splits an ARI-controlled device name: res_stasis_device_state.c
// matches the "Stasis:" scheme with strncasecmp and keeps the device in
// astdb under the name after it, listing it as "Stasis:<name>". ok is
// false for another scheme.
func stasisDevice(n string) (canonical string, ok bool) {
	const scheme = "Stasis:"
	if len(n) < len(scheme) || !strings.EqualFold(n[:len(scheme)], scheme) {
		return "", false
	}
	return scheme + n[len(scheme):], true
}

func (s *Server) hDeviceGet(r *request) response {
	n := r.p("deviceName")
	key := n
	if c, ok := stasisDevice(n); ok {
		key = c
	}
	st, found := s.devices[key]
	if !found {
		st = "UNKNOWN"
	}
	return ok(ari.DeviceState{Name: n, State: st})
}

func (s *Server) hDeviceUpdate(r *request) response {
	// res/res_stasis_device_state.c stasis_app_device_state_update: the
	// "Stasis:" prefix in any case, a name after it, a known state.
	n, ok := stasisDevice(r.p("deviceName"))
	if !ok {
		return fail(http.StatusConflict, "Uncontrolled device specified")
	}
	if n == "Stasis:" {
		return fail(http.StatusNotFound, "Device name is missing")
	}
	st := r.q.Get("deviceState")
	if st == "" {
		return fail(http.StatusBadRequest, "Missing parameter deviceState")
	}
	if !knownDeviceState(st) {
		return fail(http.StatusInternalServerError, "Unknown device")
	}
	// Read back as ast_devstate_str spells the state.
	st = strings.ToUpper(st)
	s.devices[n] = st
	apps := map[string]bool{}
	for name, a := range s.apps {
		if a.devices[n] || a.devices[r.p("deviceName")] {
			apps[name] = true
		}
	}
	s.emit(apps, &ari.DeviceStateChanged{Header: ari.Header{Type: "DeviceStateChanged"}, DeviceState: ari.DeviceState{Name: n, State: st}})
	return noContent()
}

// hDeviceDelete is stasis_app_device_state_delete: a device that has no
// cached state (never set, or deleted already) is
// STASIS_DEVICE_STATE_UNKNOWN, which ast_ari_device_states_delete answers
// 204 like a deletion (res/ari/resource_device_states.c); only an empty
// name is 404.
func (s *Server) hDeviceDelete(r *request) response {
	n, ok := stasisDevice(r.p("deviceName"))
	if !ok {
		return fail(http.StatusConflict, "Uncontrolled device specified")
	}
	if n == "Stasis:" {
		return fail(http.StatusNotFound, "Device name is missing")
	}
	if _, found := s.devices[n]; found {
		delete(s.devices, n)
		// ast_devstate_changed(AST_DEVICE_UNKNOWN, …) "for delete".
		apps := map[string]bool{}
		for name, a := range s.apps {
			if a.devices[n] || a.devices[r.p("deviceName")] {
				apps[name] = true
			}
		}
		s.emit(apps, &ari.DeviceStateChanged{Header: ari.Header{Type: "DeviceStateChanged"}, DeviceState: ari.DeviceState{Name: n, State: "UNKNOWN"}})
	}
	return noContent()
}

func (s *Server) appModelLocked(a *app) ari.Application {
	m := ari.Application{Name: a.name, ChannelIDs: []string{}, BridgeIDs: []string{}, EndpointIDs: []string{}, DeviceNames: []string{}, EventsAllowed: []map[string]any{}, EventsDisallowed: []map[string]any{}}
	for id, c := range s.channels {
		if c.subs[a.name] > 0 || a.channels[id] {
			m.ChannelIDs = append(m.ChannelIDs, id)
		}
	}
	for id, b := range s.bridges {
		if b.subs[a.name] > 0 || a.bridges[id] {
			m.BridgeIDs = append(m.BridgeIDs, id)
		}
	}
	for e := range a.endpoints {
		m.EndpointIDs = append(m.EndpointIDs, e)
	}
	for d := range a.devices {
		m.DeviceNames = append(m.DeviceNames, d)
	}
	sort.Strings(m.ChannelIDs)
	sort.Strings(m.BridgeIDs)
	sort.Strings(m.EndpointIDs)
	sort.Strings(m.DeviceNames)
	return m
}

func (s *Server) hAppList(_ *request) response {
	names := make([]string, 0, len(s.apps))
	for n, a := range s.apps {
		if a.sess != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]ari.Application, 0, len(names))
	for _, n := range names {
		out = append(out, s.appModelLocked(s.apps[n]))
	}
	return ok(out)
}

func (s *Server) hAppGet(r *request) response {
	a := s.apps[r.p("applicationName")]
	if a == nil {
		return fail(http.StatusNotFound, "Application not found")
	}
	return ok(s.appModelLocked(a))
}

func (s *Server) subscriptionLocked(r *request, on bool) response {
	srcs := splitArgs(r.q.Get("eventSource"))
	if len(srcs) == 0 {
		return fail(http.StatusBadRequest, "Missing parameter eventSource")
	}
	a := s.apps[r.p("applicationName")]
	if a == nil {
		return fail(http.StatusNotFound, "Application not found")
	}
	for _, src := range srcs {
		kind, id, _ := strings.Cut(src, ":")
		switch kind {
		case "channel":
			c := s.channels[id]
			if c == nil {
				return fail(http.StatusUnprocessableEntity, "Event source does not exist")
			}
			if on && !a.channels[id] {
				a.channels[id] = true
				c.sub(a.name)
			} else if !on && a.channels[id] {
				delete(a.channels, id)
				c.unsub(a.name)
			}
		case "bridge":
			b := s.bridges[id]
			if b == nil {
				return fail(http.StatusUnprocessableEntity, "Event source does not exist")
			}
			if on && !a.bridges[id] {
				a.bridges[id] = true
				b.subs[a.name]++
			} else if !on && a.bridges[id] {
				delete(a.bridges, id)
				b.subs[a.name]--
			}
		case "endpoint":
			if on {
				a.endpoints[id] = true
			} else {
				delete(a.endpoints, id)
			}
		case "deviceState":
			if on {
				a.devices[id] = true
			} else {
				delete(a.devices, id)
			}
		default:
			return fail(http.StatusBadRequest, "Invalid event source URI scheme '"+kind+"'")
		}
	}
	return ok(s.appModelLocked(a))
}

func (s *Server) hAppSubscribe(r *request) response   { return s.subscriptionLocked(r, true) }
func (s *Server) hAppUnsubscribe(r *request) response { return s.subscriptionLocked(r, false) }

func (s *Server) hUserEvent(r *request) response {
	a := s.apps[r.q.Get("application")]
	if a == nil {
		return fail(http.StatusNotFound, "Application does not exist.")
	}
	ev := &ari.ChannelUserevent{Header: ari.Header{Type: "ChannelUserevent"}, Eventname: r.p("eventName"), Userevent: map[string]any{}}
	for k, v := range r.vars {
		ev.Userevent[k] = v
	}
	for _, src := range splitArgs(r.q.Get("source")) {
		kind, id, _ := strings.Cut(src, ":")
		switch kind {
		case "channel":
			c := s.channels[id]
			if c == nil {
				return fail(http.StatusUnprocessableEntity, "Event source not found.")
			}
			snap := c.snapshot()
			ev.Channel = &snap
		case "bridge":
			b := s.bridges[id]
			if b == nil {
				return fail(http.StatusUnprocessableEntity, "Event source not found.")
			}
			snap := b.snapshot()
			ev.Bridge = &snap
		case "endpoint":
			e := s.endpointLocked(id)
			ev.Endpoint = &e
		default:
			return fail(http.StatusBadRequest, "Invalid even tsource URI or userevent data.")
		}
	}
	s.emit(map[string]bool{a.name: true}, ev)
	return noContent()
}
