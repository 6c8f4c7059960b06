package hotel

// Topic is the events topic of the hotel (scope hotel: admins and users
// with the hotel_admin ability).
const Topic = "hotel"

// Event types (topic hotel).
const (
	EventRoomUpdated      = "room_updated"      // RoomEvent: any change of a room
	EventRoomDeleted      = "room_deleted"      // {"number"}
	EventWakeUpUpdated    = "wakeup_updated"    // WakeUp: set, attempted, snoozed, answered, canceled
	EventWakeUpUnanswered = "wakeup_unanswered" // WakeUp: every attempt failed; reception is called
	EventCharge           = "call_charged"      // Charge: a room's call was costed
	EventBillClosed       = "bill_closed"       // Bill: at check-out
	EventLink             = "pms_link"          // LinkState: the PMS link went up or down
)

// Change names what a room_updated event is about.
type Change string

// Changes.
const (
	ChangeConfig       Change = "config"
	ChangeCheckIn      Change = "checkin"
	ChangeCheckOut     Change = "checkout"
	ChangeGuest        Change = "guest"
	ChangeMoveOut      Change = "move_out" // the guest moved to another room
	ChangeMoveIn       Change = "move_in"
	ChangeHousekeeping Change = "housekeeping"
	ChangeDND          Change = "dnd"
	ChangeMessageLight Change = "message_light"
	ChangeClass        Change = "class"
)

// RoomEvent is the data of room_updated.
type RoomEvent struct {
	Room
	Change Change `json:"change" openapi:"enum=config|checkin|checkout|guest|move_out|move_in|housekeeping|dnd|message_light|class" doc:"What changed" example:"checkin"`
	Source Source `json:"source" openapi:"enum=api|pms|phone|system" doc:"Who changed it" example:"pms"`
}

// LinkState is the data of pms_link.
type LinkState struct {
	Connected bool   `json:"connected" doc:"The link is up (link start done)" example:"true"`
	Peer      string `json:"peer,omitempty" doc:"The PMS's address" example:"10.0.0.5:5010"`
	// Queued is how many messages wait for the link.
	Queued int    `json:"queued" doc:"Messages waiting for the link (postings first)" example:"0"`
	Error  string `json:"error,omitempty" doc:"Why the link is down" example:"connection refused"`
}
