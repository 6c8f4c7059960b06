package fakeari

import (
	"encoding/base64"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// Dialplan functions written through POST /asterisk/variable: Asterisk
// sets a "global variable" whose name ends in ')' by writing the function
// (main/pbx_variables.c pbx_builtin_setvar_helper → ast_func_write), and
// answers 204 whether or not the write worked
// (res/ari/resource_asterisk.c ast_ari_asterisk_set_global_var). GET
// /asterisk/variable does not evaluate functions
// (ast_str_retrieve_variable only looks variables up), so a function name
// reads as "".
//
// The stand-in models PRESENCE_STATE (funcs/func_presencestate.c
// presence_write): only CustomPresence: providers are writable, the value
// is state[,subtype[,message[,options]]] with state one of not_set,
// unavailable, available, away, xa, chat, dnd (any case), and options
// empty or holding 'e' (subtype and message base64). The value is kept
// as written, in astdb family CustomPresence, so it survives a restart.

// presenceStates are the values ast_presence_state_val knows
// (main/presencestate.c: compared without case).
var presenceStates = []string{"not_set", "unavailable", "available", "away", "xa", "chat", "dnd"}

// funcWriteLocked writes a dialplan function; false when Asterisk's write
// would fail (logged by Asterisk, still 204 to the client).
func (s *Server) funcWriteLocked(name, value string) bool {
	if arg, ok := dbArg(name); ok {
		return s.dbWriteLocked(arg, value) // astdb.go
	}
	arg, ok := strings.CutPrefix(name, "PRESENCE_STATE(")
	if !ok {
		return false // a function the stand-in does not model
	}
	arg = strings.TrimSuffix(arg, ")")
	const prefix = "CustomPresence:"
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) || arg[len(prefix):] == "" {
		return false
	}
	if !validPresence(value) {
		return false
	}
	s.presence[arg[len(prefix):]] = value
	return true
}

// validPresence is func_presencestate.c parse_data.
func validPresence(v string) bool {
	parts := strings.SplitN(v, ",", 4)
	if parts[0] == "" {
		return false
	}
	known := false
	for _, st := range presenceStates {
		if strings.EqualFold(parts[0], st) {
			known = true
		}
	}
	if !known {
		return false
	}
	if len(parts) == 4 && parts[3] != "" && !strings.Contains(parts[3], "e") {
		return false
	}
	return true
}

// PresenceState returns the value PRESENCE_STATE(CustomPresence:name) was
// last set to, as written ("dnd,,SW4gYSBtZWV0aW5n,e").
func (s *Server) PresenceState(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.presence[name]
	return v, ok
}

// DeviceState returns the state of an ARI-controlled device
// ("Stasis:dnd-101"); false when none was set.
func (s *Server) DeviceState(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.devices[name]
	return v, ok
}

// deviceStates are the states ast_devstate_val knows besides UNKNOWN
// (main/devicestate.c); res_stasis_device_state refuses UNKNOWN and
// anything else with "Unknown device".
var deviceStates = []string{"NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"}

func knownDeviceState(v string) bool {
	for _, st := range deviceStates {
		if strings.EqualFold(v, st) {
			return true
		}
	}
	return false
}

// SetEndpointState changes an endpoint's state ("online" when it
// registers, "offline" when its registration ends) and sends
// EndpointStateChange to the applications subscribed to the endpoint or
// to its technology (res/stasis/app.c; res_pjsip updates the state on
// registration, ast_endpoint_set_state).
func (s *Server) SetEndpointState(endpoint, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epStates == nil {
		s.epStates = map[string]string{}
	}
	if s.epStates[endpoint] == state {
		return
	}
	s.epStates[endpoint] = state
	if !slices.Contains(s.endpoints, endpoint) {
		s.endpoints = append(s.endpoints, endpoint) // configured, so GET /endpoints lists it
	}
	tech, _, _ := strings.Cut(endpoint, "/")
	apps := map[string]bool{}
	for name, a := range s.apps {
		if a.endpoints[endpoint] || a.endpoints[tech] {
			apps[name] = true
		}
	}
	e := s.endpointLocked(endpoint)
	s.emit(apps, &ari.EndpointStateChange{Header: ari.Header{Type: "EndpointStateChange"}, Endpoint: e})
}

// funcReadLocked evaluates, for a channel's GET /channels/{id}/variable,
// the dialplan functions the presence feature's hints use; false for the
// others.
//
// PRESENCE_STATE(provider,field[,options]) is func_presencestate.c
// presence_read over custom_presence_callback: a CustomPresence provider
// never written reads as not_set; field value is the state as
// ast_presence_state2str spells it (lower case), subtype and message are
// decoded when written with option e and encoded again when read with it.
// GLOBAL(name) is func_global.c global_read.
// DEVICE_STATE(device) is func_devstate.c devstate_read: the state as
// ast_devstate_str spells it, UNKNOWN when none is cached.
func (s *Server) funcReadLocked(name string) (string, bool) {
	upper := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(upper, "GLOBAL("):
		// func_global.c global_read: the global variable's value.
		return s.globals[strings.TrimSuffix(name[len("GLOBAL("):], ")")], true
	case strings.HasPrefix(upper, "DEVICE_STATE("):
		dev := strings.TrimSuffix(name[len("DEVICE_STATE("):], ")")
		if c, ok := stasisDevice(dev); ok {
			dev = c
		}
		if st, ok := s.devices[dev]; ok {
			return st, true
		}
		return "UNKNOWN", true
	case strings.HasPrefix(upper, "PRESENCE_STATE("):
		args := strings.Split(strings.TrimSuffix(name[len("PRESENCE_STATE("):], ")"), ",")
		if len(args) < 2 {
			return "", true // presence_read fails: Asterisk logs a warning
		}
		const prefix = "CustomPresence:"
		provider, field := args[0], args[1]
		encode := len(args) > 2 && strings.Contains(args[2], "e")
		if len(provider) < len(prefix) || !strings.EqualFold(provider[:len(prefix)], prefix) {
			return "", true // a provider the stand-in does not model
		}
		stored, ok := s.presence[provider[len(prefix):]]
		if !ok {
			stored = "not_set"
		}
		parts := strings.SplitN(stored, ",", 4)
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		state, subtype, message := strings.ToLower(parts[0]), parts[1], parts[2]
		if strings.Contains(parts[3], "e") {
			subtype, message = decode64(subtype), decode64(message)
		}
		out := ""
		switch {
		case subtype != "" && strings.EqualFold(field, "subtype"):
			out = subtype
		case message != "" && strings.EqualFold(field, "message"):
			out = message
		case strings.EqualFold(field, "value"):
			return state, true
		default:
			return "", true
		}
		if encode {
			out = base64.StdEncoding.EncodeToString([]byte(out))
		}
		return out, true
	}
	return "", false
}

// decode64 is ast_base64decode as custom_presence_callback uses it: what
// does not decode reads as empty.
func decode64(v string) string {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(b)
}
