package presence

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// State is what a user says about themself.
type State string

// States a user sets.
const (
	Available State = "available"
	Away      State = "away"
	DND       State = "dnd"
)

// CallState is a user's telephony state, from the calls engine.
type CallState string

// Call states, in increasing precedence: ringing wins over talking wins
// over held wins over idle.
const (
	CallIdle    CallState = "idle"
	CallHeld    CallState = "held"
	CallTalking CallState = "talking"
	CallRinging CallState = "ringing"
)

// rank orders call states by precedence.
func (c CallState) rank() int {
	switch c {
	case CallRinging:
		return 3
	case CallTalking:
		return 2
	case CallHeld:
		return 1
	}
	return 0
}

// Limits of what a user sets.
const (
	// MaxMessage is the longest status message, in characters.
	MaxMessage = 200
	// MaxUntil is how far ahead until may be.
	MaxUntil = 366 * 24 * time.Hour
	// MaxAddress is the longest location address, in characters.
	MaxAddress = 300
	// MaxList is the most user ids a roster or a location share list holds.
	MaxList = 1000
)

// Location is where a user says they are.
type Location struct {
	Lat     float64 `json:"lat" doc:"Latitude in degrees (WGS 84), -90 to 90" example:"47.3769"`
	Lon     float64 `json:"lon" doc:"Longitude in degrees (WGS 84), -180 to 180" example:"8.5417"`
	Address string  `json:"address,omitempty" doc:"A postal address or place name" example:"Bahnhofstrasse 1, Zürich"`
}

// Device is one of a user's endpoints and its ARI state.
type Device struct {
	Endpoint string `json:"endpoint" doc:"The Asterisk endpoint (devices.endpoints)" example:"PJSIP/101"`
	State    string `json:"state" openapi:"enum=online|offline|unknown" doc:"The endpoint's state as ARI reports it: online (registered), offline, unknown" example:"online"`
}

// Presence is a user's presence as the API and the events show it.
type Presence struct {
	UserID string `json:"user_id" doc:"The user's id" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	// State is what the user set (available when nothing was, or after
	// Until).
	State   State      `json:"state" openapi:"enum=available|away|dnd" doc:"What the user set: available, away or dnd (do not disturb: the PBX does not ring them)" example:"dnd"`
	Message string     `json:"message,omitempty" doc:"The user's status message" example:"In a meeting"`
	Until   *time.Time `json:"until,omitempty" doc:"When the state returns to available by itself" example:"2026-12-07T15:00:00Z"`
	// Online: a client of the user is connected (the web console or an
	// app on the events socket).
	Online bool `json:"online" doc:"A client of the user is connected: the web console or an app on the events socket" example:"true"`
	// Registered: one of the user's devices is online.
	Registered bool      `json:"registered" doc:"One of the user's devices is registered (ARI endpoint state online)" example:"true"`
	Devices    []Device  `json:"devices" doc:"The user's devices and their state"`
	Call       CallState `json:"call" openapi:"enum=idle|ringing|talking|held" doc:"The user's call state: ringing wins over talking wins over held" example:"idle"`
	// Location is present only for the user and those they share it with.
	Location  *Location `json:"location,omitempty" doc:"Where the user is; only for the user and the users they share it with"`
	UpdatedAt time.Time `json:"updated_at" doc:"When something in this presence last changed" example:"2026-12-07T09:30:00Z"`
}

// StateRequest is the body of PUT /api/v1/users/{me|id}/presence.
type StateRequest struct {
	State   State      `json:"state" openapi:"enum=available|away|dnd" doc:"available, away or dnd" example:"dnd"`
	Message string     `json:"message,omitempty" doc:"A status message, up to 200 characters" example:"In a meeting"`
	Until   *time.Time `json:"until,omitempty" doc:"When to return to available by itself (away and dnd only; in the future, at most 366 days ahead)" example:"2026-12-07T15:00:00Z"`
}

// LocationRequest is the body of PUT /api/v1/users/me/location.
type LocationRequest struct {
	// Location nil clears it.
	Location *Location `json:"location" doc:"Where the user is; null clears it"`
	// ShareWith are the users who may see it (ids).
	ShareWith []string `json:"share_with" doc:"Ids of the users who may see the location (nobody else does)" example:"[\"01JEQ7H2B3C4D5E6F7G8H9J0K2\"]"`
}

// LocationView is the answer of GET/PUT /api/v1/users/me/location.
type LocationView struct {
	Location  *Location `json:"location,omitempty" doc:"Where the user is; absent when not set"`
	ShareWith []string  `json:"share_with" doc:"Ids of the users who may see the location" example:"[\"01JEQ7H2B3C4D5E6F7G8H9J0K2\"]"`
}

// Roster is the body and answer of GET/PUT /api/v1/users/me/roster.
type Roster struct {
	Users []string `json:"users" doc:"Ids of the users whose presence_updated events the user gets on the events socket (topic presence)" example:"[\"01JEQ7H2B3C4D5E6F7G8H9J0K2\"]"`
}

// List is the answer of GET /api/v1/presence.
type List struct {
	Items []Presence `json:"items" doc:"The users' presence, in the order asked"`
}

// validate checks a state request against now; the errors name the
// field.
func (r StateRequest) validate(now time.Time) *platform.APIError {
	var fes []platform.FieldError
	switch r.State {
	case Available, Away, DND:
	case "":
		fes = append(fes, platform.FieldError{Field: "state", Message: "is required: available, away or dnd"})
	default:
		fes = append(fes, platform.FieldError{Field: "state", Message: fmt.Sprintf("must be available, away or dnd, not %q", clip(string(r.State)))})
	}
	if fe := checkText("message", r.Message, MaxMessage); fe != nil {
		fes = append(fes, *fe)
	}
	if r.Until != nil {
		switch {
		case r.State == Available:
			fes = append(fes, platform.FieldError{Field: "until", Message: "only away and dnd end by themselves"})
		case !r.Until.After(now):
			fes = append(fes, platform.FieldError{Field: "until", Message: "must be in the future"})
		case r.Until.Sub(now) > MaxUntil:
			fes = append(fes, platform.FieldError{Field: "until", Message: "must be at most 366 days ahead"})
		}
	}
	if len(fes) > 0 {
		return platform.Invalid("bad presence", fes...)
	}
	return nil
}

// validate checks a location; the errors name the field.
func (l *Location) validate(field string) []platform.FieldError {
	if l == nil {
		return nil
	}
	var fes []platform.FieldError
	if math.IsNaN(l.Lat) || l.Lat < -90 || l.Lat > 90 {
		fes = append(fes, platform.FieldError{Field: field + ".lat", Message: "must be between -90 and 90"})
	}
	if math.IsNaN(l.Lon) || l.Lon < -180 || l.Lon > 180 {
		fes = append(fes, platform.FieldError{Field: field + ".lon", Message: "must be between -180 and 180"})
	}
	if fe := checkText(field+".address", l.Address, MaxAddress); fe != nil {
		fes = append(fes, *fe)
	}
	return fes
}

// checkText checks a free text: valid UTF-8, no control characters, at
// most max characters.
func checkText(field, s string, max int) *platform.FieldError {
	switch {
	case !utf8.ValidString(s):
		return &platform.FieldError{Field: field, Message: "must be valid UTF-8"}
	case utf8.RuneCountInString(s) > max:
		return &platform.FieldError{Field: field, Message: fmt.Sprintf("must be at most %d characters", max)}
	case strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return &platform.FieldError{Field: field, Message: "must not hold control characters"}
	}
	return nil
}

// ParseUserList reads a comma-separated list of user ids (the users
// query parameter): trimmed, without empties or duplicates, at most max.
func ParseUserList(s string, max int) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > max {
		return nil, fmt.Errorf("more than %d users", max)
	}
	out := make([]string, 0, len(parts))
	seen := make(map[string]bool, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, fmt.Errorf("item %d is empty", i)
		case len(p) > 64 || strings.IndexFunc(p, func(r rune) bool { return r <= 0x20 || r == 0x7f || r > 0x7e }) >= 0:
			return nil, fmt.Errorf("item %d is not a user id", i)
		case seen[p]:
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
