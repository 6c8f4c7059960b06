package hotel

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no such room, group, wake-up or bill.
var ErrNotFound = errors.New("hotel: not found")

// Actor is who asks for a change.
type Actor struct {
	Source Source
	// UserID is the user behind an API change ("" otherwise).
	UserID string
}

// StatusChange changes some of a room's status; nil fields stay.
type StatusChange struct {
	Housekeeping *Housekeeping `json:"housekeeping,omitempty" openapi:"enum=clean|makeup_requested|cleaning|inspected|out_of_order" doc:"New housekeeping state" example:"makeup_requested"`
	DND          *bool         `json:"dnd,omitempty" doc:"Do not disturb on or off" example:"true"`
	MessageLight *bool         `json:"message_light,omitempty" doc:"Message-waiting light on or off" example:"true"`
	// Class sets the room's class of service ("" clears it: the group's
	// applies).
	Class *Class `json:"class,omitempty" openapi:"enum=|emergency|internal|local|national|international" doc:"The room's class of service while occupied; empty: the group's" example:"local"`
}

// Service is the hotel as the HTTP API, the console and the PMS link use
// it (agent/hotel/manager implements it). Errors that are the caller's
// fault are *platform.APIError naming the field; a missing room, group,
// wake-up or bill is ErrNotFound.
type Service interface {
	// Rooms returns every room, ordered by number.
	Rooms(ctx context.Context) []Room
	// Room returns one room.
	Room(ctx context.Context, number string) (Room, bool)
	// PutRoom creates a room or replaces a room's configuration (number,
	// extensions, devices, floor, type, group, class); its state stays.
	PutRoom(ctx context.Context, r Room) (Room, error)
	// DeleteRoom removes a vacant room (an occupied one: an error).
	DeleteRoom(ctx context.Context, number string) error

	// Groups returns the room groups, ordered by id.
	Groups(ctx context.Context) []RoomGroup
	// PutGroup creates or replaces a room group.
	PutGroup(ctx context.Context, g RoomGroup) (RoomGroup, error)
	// DeleteGroup removes a room group no room is in.
	DeleteGroup(ctx context.Context, id string) error

	// CheckIn checks g in to a vacant room: the guest's name becomes the
	// room's caller name and a directory entry, outgoing calls open by
	// class of service, and a fresh bill opens. A room already occupied
	// by the same reservation is updated (idempotent for the PMS).
	CheckIn(ctx context.Context, number string, g Guest, by Actor) (Room, error)
	// UpdateGuest changes an occupied room's guest data (FIAS GC without
	// a move).
	UpdateGuest(ctx context.Context, number string, g Guest, by Actor) (Room, error)
	// CheckOut bars outgoing calls, cancels pending wake-ups, closes the
	// bill and clears the name and the message light.
	CheckOut(ctx context.Context, number string, by Actor) (Room, Bill, error)
	// Move moves the guest of room from to the vacant room to, with the
	// bill and the pending wake-ups.
	Move(ctx context.Context, from, to string, by Actor) (Room, error)
	// SetStatus changes housekeeping, DND, message light or class.
	SetStatus(ctx context.Context, number string, ch StatusChange, by Actor) (Room, error)
	// Resync applies a PMS database resync as one unit: rooms listed are
	// checked in (or their guest updated), occupied rooms not listed are
	// checked out.
	Resync(ctx context.Context, occupied map[string]Guest, by Actor) error

	// WakeUps returns the live wake-ups and the final ones of the last
	// day, of one room ("" every room), by time.
	WakeUps(ctx context.Context, room string) []WakeUp
	// SetWakeUp sets a wake-up for an occupied room at at (not in the
	// past); a live one at the same minute is returned as it is.
	SetWakeUp(ctx context.Context, room string, at time.Time, language string, by Actor) (WakeUp, error)
	// CancelWakeUp cancels a live wake-up.
	CancelWakeUp(ctx context.Context, id string, by Actor) error
	// CancelWakeUpAt cancels the room's live wake-up at at (FIAS WC);
	// the zero time cancels all of the room's.
	CancelWakeUpAt(ctx context.Context, room string, at time.Time, by Actor) error

	// Rates returns the rate tables.
	Rates(ctx context.Context) []RateTable
	// PutRates replaces every rate table, checked whole first (an error
	// names the table, the rate and the field; nothing is applied).
	PutRates(ctx context.Context, tables []RateTable) error
	// Bill returns a room's open bill.
	Bill(ctx context.Context, room string) (Bill, bool)
	// Bills returns the closed bills of a room ("" every room), newest
	// first, at most limit.
	Bills(ctx context.Context, room string, limit int) []Bill
	// BillByID returns a bill, open or closed.
	BillByID(ctx context.Context, id string) (Bill, bool)
	// ChargePosted records the PMS's answer PA ASOK to posting seq.
	ChargePosted(ctx context.Context, seq int) error

	// Classify tells the class of a dialled number (hotel.numbering and
	// hotel.emergency).
	Classify(number string) Class
}

// Origin is where a call or a feature code comes from.
type Origin struct {
	// Endpoint is the calling device ("PJSIP/101").
	Endpoint string
	// Extension is the caller's number as the channel shows it.
	Extension string
}

// Decision is the gate's answer for an outgoing call.
type Decision struct {
	// Room is the calling room; "" when the caller is not a room (the
	// call goes on as any other).
	Room string
	// Allowed: the call may go on.
	Allowed bool
	// Class is the dialled number's class.
	Class Class
	// Reason is why a call is barred: "vacant" or "class".
	Reason string
	// CallerName is what the called side shows ("101 – Anna Rossi"; the
	// room number alone while vacant).
	CallerName string
}

// Feature is an action a room phone asks for with a feature code.
type Feature string

// Features.
const (
	FeatureMakeUpRequested Feature = "makeup_requested" // the guest asks for the room to be made up
	FeatureMakeUpDone      Feature = "makeup_done"      // housekeeping made it up (→ clean)
	FeatureInspected       Feature = "inspected"        // a supervisor inspected it
	FeatureWakeUp          Feature = "wakeup"           // the guest sets a wake-up: digits HHMM
	FeatureWakeUpCancel    Feature = "wakeup_cancel"    // the guest cancels their wake-ups
)

// Sink is what the PBX tells the hotel (the manager implements it; the
// telephony on the calls engine calls it).
type Sink interface {
	// Gate decides an outgoing call from origin to number.
	Gate(ctx context.Context, from Origin, number string) Decision
	// CallerName is the name calls from a room's extension or device show
	// ("101 – Anna Rossi"); false when it is not a room's.
	CallerName(ctx context.Context, from Origin) (string, bool)
	// Feature performs a feature code dialled from origin (digits: what
	// the caller keyed after the code, HHMM for a wake-up). The error is
	// the caller's fault (not a room, bad time) or the store's.
	Feature(ctx context.Context, from Origin, f Feature, digits string) error
	// WakeUpResult reports how attempt n of wake-up id ended (snooze: the
	// delay asked for, WakeOutcomeSnoozed).
	WakeUpResult(ctx context.Context, id string, attempt int, o WakeOutcome, snooze time.Duration)
	// CallEnded: a call from a room ended (costed, added to the bill,
	// posted to the PMS).
	CallEnded(ctx context.Context, c CallRecord)
}
