package callhistory

import (
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
)

// Record is one ended call in a user's history.
type Record struct {
	ID        string `json:"id" doc:"The call's id (as GET /api/v1/calls/{id} had it)" example:"pbxcall-5f1c2a9e0b7d4c3a"`
	UserID    string `json:"user_id" doc:"The id of the user who owned the call" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Direction string `json:"direction" openapi:"enum=outbound|inbound" doc:"From the owner's side: outbound (placed by the user, click-to-call included) or inbound" example:"outbound"`
	From      string `json:"from" doc:"The calling party's number" example:"101"`
	// FromName is the calling party's name: the call's, else the phone
	// book's at the time the call ended.
	FromName string `json:"from_name,omitempty" doc:"The calling party's name (the call's, else the phone book's when the call ended)" example:"Jürgen Müller"`
	To       string `json:"to" doc:"The called number" example:"+41441234567"`
	// ToName is the called party's name: the call's, else the phone book's.
	ToName string `json:"to_name,omitempty" doc:"The called party's name (the call's, else the phone book's when the call ended)" example:"Muster AG, Reception"`
	// Device is the user's endpoint that answered ("" if none did).
	Device     string     `json:"device,omitempty" doc:"The user's endpoint that took the call" example:"PJSIP/101"`
	CreatedAt  time.Time  `json:"created_at" doc:"When the call started" example:"2026-12-07T09:30:00Z"`
	AnsweredAt *time.Time `json:"answered_at,omitempty" doc:"When the other party answered; absent for an unanswered call" example:"2026-12-07T09:30:09Z"`
	EndedAt    time.Time  `json:"ended_at" doc:"When the call ended" example:"2026-12-07T09:34:12Z"`
	// Duration is the seconds talked: from the answer to the end, 0 for
	// a call never answered.
	Duration int `json:"duration" doc:"Seconds talked, from the answer to the end (0: not answered)" example:"243"`
	// Cause is the Q.850 hangup cause (0: unknown).
	Cause     int    `json:"cause" doc:"Q.850 hangup cause (16 normal, 17 busy, 19 no answer, 20 unreachable, 21 rejected; 0 unknown)" example:"16"`
	CauseText string `json:"cause_text,omitempty" doc:"The hangup cause in words" example:"normal clearing"`
	EndedBy   string `json:"ended_by,omitempty" openapi:"enum=user|destination|api|system" doc:"Who ended the call: the user's device, the destination, an API hang-up, or pbxagent" example:"destination"`
	// Recordings name the call's recordings (/api/v1/recordings).
	Recordings []string `json:"recordings,omitempty" doc:"Names of the recordings made of the call (GET /api/v1/recordings/{name})" example:"[\"pbxcall-5f1c2a9e0b7d4c3a-1\"]"`
}

// Answered reports whether the other party answered.
func (r *Record) Answered() bool { return r.AnsweredAt != nil }

// FromCall makes the record of an ended call; now stands in for a
// missing end time.
func FromCall(c calls.Call, now time.Time) Record {
	r := Record{ID: c.ID, UserID: c.UserID, Direction: string(c.Direction), From: c.From, FromName: c.FromName,
		To: c.To, ToName: c.ToName, Device: c.Device, CreatedAt: c.CreatedAt.UTC(), EndedAt: now.UTC(),
		Cause: c.Cause, CauseText: c.CauseText, EndedBy: c.EndedBy, Recordings: slices.Clone(c.Recordings)}
	if r.Direction == "" {
		r.Direction = string(calls.Outbound)
	}
	if c.EndedAt != nil {
		r.EndedAt = c.EndedAt.UTC()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = r.EndedAt
	}
	if c.AnsweredAt != nil {
		a := c.AnsweredAt.UTC()
		r.AnsweredAt = &a
		if d := r.EndedAt.Sub(a); d > 0 {
			r.Duration = int(d / time.Second)
		}
	}
	return r
}
