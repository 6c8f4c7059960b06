package hotel

import "time"

// Occupancy is whether a guest is checked in.
type Occupancy string

// Occupancies.
const (
	Vacant   Occupancy = "vacant"
	Occupied Occupancy = "occupied"
)

// Housekeeping is a room's housekeeping state. FIAS RE's RS field carries
// it to and from the PMS (agent/hotel/fias maps the codes).
type Housekeeping string

// Housekeeping states.
const (
	Clean           Housekeeping = "clean"
	MakeUpRequested Housekeeping = "makeup_requested"
	Cleaning        Housekeeping = "cleaning"
	Inspected       Housekeeping = "inspected"
	OutOfOrder      Housekeeping = "out_of_order"
)

// HousekeepingStates lists the valid housekeeping states.
var HousekeepingStates = []Housekeeping{Clean, MakeUpRequested, Cleaning, Inspected, OutOfOrder}

// Class is a call class, the class of service a room may call up to, and
// what a dialled number is classified as. Classes are ordered: a room
// whose class is national may call emergency, internal, local and
// national numbers.
type Class string

// Classes, in order.
const (
	ClassEmergency     Class = "emergency"
	ClassInternal      Class = "internal"
	ClassLocal         Class = "local"
	ClassNational      Class = "national"
	ClassInternational Class = "international"
)

// Classes lists the classes in order.
var Classes = []Class{ClassEmergency, ClassInternal, ClassLocal, ClassNational, ClassInternational}

// Rank is c's place in Classes (0 for emergency), -1 when c is not a
// class.
func (c Class) Rank() int {
	for i, x := range Classes {
		if x == c {
			return i
		}
	}
	return -1
}

// Allows reports whether a room of class of service c may call a number
// of class n. Emergency numbers are always allowed.
func (c Class) Allows(n Class) bool {
	if n == ClassEmergency {
		return true
	}
	return c.Rank() >= 0 && n.Rank() >= 0 && n.Rank() <= c.Rank()
}

// Guest is who is checked in to a room.
type Guest struct {
	// Name is the guest's name as shown on phones (FIAS GN).
	Name string `json:"name" doc:"The guest's name, shown on phones and in the directory (FIAS GN)" example:"Anna Rossi"`
	// FirstName (FIAS GF).
	FirstName string `json:"first_name,omitempty" doc:"The guest's first name (FIAS GF)" example:"Anna"`
	// Language is the guest's language (ISO 639-1; FIAS GL), used for
	// the wake-up prompt.
	Language string `json:"language,omitempty" doc:"The guest's language (ISO 639-1, FIAS GL); the wake-up prompt's language" example:"it"`
	// Reservation is the PMS's reservation or guest number (FIAS G#).
	Reservation string `json:"reservation,omitempty" doc:"The PMS's reservation number (FIAS G#)" example:"48213"`
	// Arrival and Departure are dates (YYYY-MM-DD, the hotel's time
	// zone; FIAS GA, GD).
	Arrival   string `json:"arrival,omitempty" doc:"Arrival date, YYYY-MM-DD (FIAS GA)" example:"2026-12-07"`
	Departure string `json:"departure,omitempty" doc:"Departure date, YYYY-MM-DD (FIAS GD)" example:"2026-12-10"`
	// VIP (FIAS GV) is the PMS's VIP code, shown only.
	VIP string `json:"vip,omitempty" doc:"VIP status code (FIAS GV)" example:"1"`
}

// Room is a hotel room: its configuration (number, extensions, devices,
// floor, type, group, class) and its live state.
type Room struct {
	// Number is the room number, also the FIAS RN: 1 to 8 characters of
	// 0-9 and A-Z.
	Number string `json:"number" doc:"Room number (FIAS RN): 1 to 8 of 0-9, A-Z" example:"101"`
	// Extensions are the room's phone extensions (default: Number).
	Extensions []string `json:"extensions" doc:"The room's extensions; the first is the room's own" example:"[\"101\"]"`
	// Devices are the room's Asterisk endpoints ("PJSIP/101").
	Devices []string `json:"devices" doc:"The room's phones as Asterisk endpoints" example:"[\"PJSIP/101\"]"`
	Floor   string   `json:"floor,omitempty" doc:"Floor, for the grid" example:"1"`
	Type    string   `json:"type,omitempty" doc:"Room type (category), shown only" example:"double"`
	// Group is the room group; the group's class applies when the room
	// has none.
	Group string `json:"group,omitempty" doc:"Room group; its class of service applies when the room has none" example:"east-wing"`
	// Class is the class of service while occupied ("": the group's, or
	// hotel.default_class).
	Class Class `json:"class,omitempty" openapi:"enum=|emergency|internal|local|national|international" doc:"Class of service while occupied; empty: the group's or hotel.default_class" example:"national"`

	Occupancy    Occupancy    `json:"occupancy" openapi:"enum=vacant|occupied" doc:"Whether a guest is checked in" example:"occupied"`
	Housekeeping Housekeeping `json:"housekeeping" openapi:"enum=clean|makeup_requested|cleaning|inspected|out_of_order" doc:"Housekeeping state" example:"clean"`
	DND          bool         `json:"dnd" doc:"Do not disturb: calls to the room are not put through" example:"false"`
	MessageLight bool         `json:"message_light" doc:"The message-waiting light on the room's phones" example:"false"`
	// EffectiveClass is what the room may call now: Class (or its
	// group's, or the default) while occupied, internal while vacant.
	EffectiveClass Class  `json:"effective_class" openapi:"enum=emergency|internal|local|national|international" doc:"What the room may call now: its class while occupied, internal while vacant (emergency numbers always)" example:"national"`
	Guest          *Guest `json:"guest,omitempty" doc:"The guest checked in; absent while vacant"`
	// BillID is the open bill's id (occupied rooms).
	BillID    string    `json:"bill_id,omitempty" doc:"The open bill's id while occupied" example:"b-101-20261207T140000"`
	UpdatedAt time.Time `json:"updated_at" doc:"Last change" example:"2026-12-07T14:00:00Z"`
}

// RoomGroup is a group of rooms sharing a class of service.
type RoomGroup struct {
	ID    string `json:"id" doc:"Group id: 1 to 32 of a-z, 0-9, _ and -" example:"east-wing"`
	Name  string `json:"name,omitempty" doc:"Display name" example:"East wing"`
	Class Class  `json:"class" openapi:"enum=emergency|internal|local|national|international" doc:"Class of service of the group's occupied rooms" example:"national"`
}

// WakeUpStatus is where a wake-up stands.
type WakeUpStatus string

// Wake-up statuses. Pending, Calling and Snoozed are live; the others
// are final.
const (
	WakePending    WakeUpStatus = "pending"    // waiting for its time
	WakeCalling    WakeUpStatus = "calling"    // an attempt rings or plays
	WakeSnoozed    WakeUpStatus = "snoozed"    // answered and snoozed: pending again at the snooze time
	WakeAnswered   WakeUpStatus = "answered"   // answered (final)
	WakeUnanswered WakeUpStatus = "unanswered" // every attempt failed; reception told (final)
	WakeCanceled   WakeUpStatus = "canceled"   // canceled, or the guest checked out (final)
)

// Live reports whether s is not final.
func (s WakeUpStatus) Live() bool { return s == WakePending || s == WakeCalling || s == WakeSnoozed }

// Source is who made a change: it decides what is told to whom (a change
// from the PMS is not sent back to it).
type Source string

// Sources.
const (
	SourceAPI    Source = "api"    // the web console or an app
	SourcePMS    Source = "pms"    // the property-management system (FIAS)
	SourcePhone  Source = "phone"  // a feature code dialled on a phone
	SourceSystem Source = "system" // pbxagent itself (check-out cancelling wake-ups, …)
)

// WakeUp is a wake-up call for a room.
type WakeUp struct {
	ID   string `json:"id" doc:"Wake-up id" example:"w-01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Room string `json:"room" doc:"Room number" example:"101"`
	// At is when the room is called (set in the hotel's time zone).
	At time.Time `json:"at" doc:"When the room is called (RFC 3339; a local time is read in hotel.time_zone)" example:"2026-12-08T07:00:00+01:00"`
	// Next is the next attempt's time while pending or snoozed.
	Next     *time.Time   `json:"next,omitempty" doc:"The next attempt's time (retry or snooze)" example:"2026-12-08T07:01:00+01:00"`
	Status   WakeUpStatus `json:"status" openapi:"enum=pending|calling|snoozed|answered|unanswered|canceled" doc:"Where it stands" example:"pending"`
	Attempts int          `json:"attempts" doc:"Attempts made so far" example:"0"`
	// Language of the prompt ("": the guest's, else hotel.language).
	Language  string    `json:"language,omitempty" doc:"The prompt's language; empty: the guest's" example:"en"`
	Source    Source    `json:"source" openapi:"enum=api|pms|phone|system" doc:"Who set it" example:"api"`
	CreatedAt time.Time `json:"created_at" doc:"When it was set" example:"2026-12-07T22:10:00Z"`
	UpdatedAt time.Time `json:"updated_at" doc:"Last change" example:"2026-12-07T22:10:00Z"`
}

// WakeOutcome is how one wake-up attempt ended.
type WakeOutcome string

// Wake-up attempt outcomes.
const (
	WakeOutcomeAnswered WakeOutcome = "answered" // answered and the prompt played (or confirmed)
	WakeOutcomeSnoozed  WakeOutcome = "snoozed"  // answered; the guest asked to snooze
	WakeOutcomeNoAnswer WakeOutcome = "noanswer"
	WakeOutcomeBusy     WakeOutcome = "busy"
	WakeOutcomeFailed   WakeOutcome = "failed" // unreachable or an error
)
