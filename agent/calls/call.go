package calls

import (
	"strconv"
	"time"
)

// State is where a call is in its life.
type State string

// States of a call: dialing (the user's device is being called), ringing
// (a device or the destination rings), up (both parties talk), held (the
// far party hears music on hold), ended.
const (
	StateDialing State = "dialing"
	StateRinging State = "ringing"
	StateUp      State = "up"
	StateHeld    State = "held"
	StateEnded   State = "ended"
)

// Direction is a call's direction from its owner's side.
type Direction string

// Directions of a call.
const (
	Outbound Direction = "outbound"
	Inbound  Direction = "inbound"
)

// Call is a call as the API and the events show it.
type Call struct {
	ID     string `json:"id" doc:"The call's id" example:"call-5f1c2a9e0b7d4c3a"`
	UserID string `json:"user_id" doc:"The id of the user who owns the call" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	// Direction is the call's direction from its owner's side: outbound
	// (placed by the user or for them, click-to-call included) or inbound
	// (a call to one of the user's extensions).
	Direction Direction `json:"direction" openapi:"enum=outbound|inbound" doc:"From the owner's side: outbound (placed by the user, click-to-call included) or inbound (to one of the user's extensions)" example:"outbound"`
	// From is the calling party's number: the user's extension or
	// endpoint on an outbound call, the caller's number on an inbound one.
	From string `json:"from" doc:"The calling party's number: the user's extension (or endpoint) on an outbound call, the caller's number on an inbound one" example:"101"`
	// FromName is the calling party's name (the directory's, else the
	// caller ID's); empty when unknown.
	FromName string `json:"from_name,omitempty" doc:"The calling party's name, from the directory or the caller ID" example:"Jürgen Müller"`
	// To is the destination as given.
	To string `json:"to" doc:"The destination dialled" example:"+41441234567"`
	// ToName is the called party's name from the directory; empty when
	// unknown.
	ToName string `json:"to_name,omitempty" doc:"The called party's name, from the directory" example:"Muster AG, Reception"`
	// Devices are the user's endpoints rung for the call.
	Devices []string `json:"devices" doc:"The user's Asterisk endpoints rung for the call" example:"[\"PJSIP/101\"]"`
	// Device is the endpoint that answered ("" until one did).
	Device string `json:"device,omitempty" doc:"The user's endpoint that answered" example:"PJSIP/101"`
	State  State  `json:"state" openapi:"enum=dialing|ringing|up|held|parked|ended" doc:"dialing: the user's device is called; ringing: a device or the destination rings; up: talking; held: the far party hears music on hold; parked: the far party waits with music on hold under parked_slot; ended" example:"up"`
	// Muted is true while the user's microphone is cut off (the
	// destination does not hear the user).
	Muted bool `json:"muted" doc:"The user's audio does not reach the destination (POST /api/v1/calls/{id}/mute)" example:"false"`
	// Cause is the Q.850 cause of the end (0 while the call lives).
	Cause int `json:"cause,omitempty" doc:"Q.850 hangup cause once ended (16 normal, 17 busy, 19 no answer, 20 unreachable, 21 rejected)" example:"16"`
	// CauseText names Cause.
	CauseText string `json:"cause_text,omitempty" doc:"The hangup cause in words" example:"normal clearing"`
	// EndedBy says which side ended the call: "user", "destination",
	// "api", "system" or "transfer" (the destination was transferred).
	EndedBy string `json:"ended_by,omitempty" openapi:"enum=user|destination|api|system|transfer" doc:"Who ended the call: the user's device, the destination, an API hang-up, pbxagent (timeout, restart), or a transfer (the destination now talks to someone else)" example:"destination"`
	// Recordings are the names of the recordings made of the call (see
	// /api/v1/recordings), oldest first.
	Recordings []string   `json:"recordings,omitempty" doc:"Names of the recordings made of the call (GET /api/v1/recordings/{name}), oldest first" example:"[\"pbxcall-5f1c2a9e0b7d4c3a-1\"]"`
	CreatedAt  time.Time  `json:"created_at" doc:"When the call was placed" example:"2026-12-07T09:30:00Z"`
	AnsweredAt *time.Time `json:"answered_at,omitempty" doc:"When the destination answered" example:"2026-12-07T09:30:09Z"`
	EndedAt    *time.Time `json:"ended_at,omitempty" doc:"When the call ended" example:"2026-12-07T09:34:12Z"`
	// Transfer is the id of the call's transfer in progress, or of its
	// last one (GET /api/v1/transfers/{id}).
	Transfer string `json:"transfer,omitempty" doc:"The id of the call's transfer in progress, or its last one (GET /api/v1/transfers/{id})" example:"pbxcall-xfer-5f1c2a9e0b7d4c3a"`
	// GroupID is the call group the caller came through: a member's call
	// offered by a group (Stasis(pbxagent-calls,group,ID)); empty
	// otherwise.
	GroupID string `json:"group_id,omitempty" doc:"The call group the caller came through (a group call offered to this member); absent otherwise" example:"sales"`
	// ParkedSlot is the park slot of a parked call (0 otherwise).
	ParkedSlot int `json:"parked_slot,omitempty" doc:"The park slot of a parked call (POST /api/v1/calls/{id}/park); absent otherwise" example:"701"`
	// Recording says whether the call is being recorded (POST
	// /api/v1/calls/{id}/record).
	Recording RecordingState `json:"recording" openapi:"enum=off|recording|paused" doc:"Whether the call is being recorded: off, recording, or paused (POST /api/v1/calls/{id}/record)" example:"off"`
}

// causeText names the common Q.850 causes.
func causeText(c int) string {
	switch c {
	case 0:
		return "unknown"
	case 1:
		return "unallocated number"
	case 16:
		return "normal clearing"
	case 17:
		return "user busy"
	case 18:
		return "no user responding"
	case 19:
		return "no answer"
	case 20:
		return "subscriber absent"
	case 21:
		return "call rejected"
	case 26:
		return "answered elsewhere"
	case 27:
		return "destination out of order"
	case 28:
		return "invalid number format"
	case 31:
		return "normal, unspecified"
	case 34:
		return "no circuit available"
	case 38:
		return "network out of order"
	case 127:
		return "interworking"
	}
	return "cause " + strconv.Itoa(c)
}
