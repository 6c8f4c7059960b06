package manager

import "github.com/pbxagent/pbxagent/agent/hotel"

// RoomList is the answer of GET /api/v1/hotel/rooms.
type RoomList struct {
	Rooms []hotel.Room `json:"rooms" doc:"Every room, by number"`
}

// GroupList is the answer of GET /api/v1/hotel/groups.
type GroupList struct {
	Groups []hotel.RoomGroup `json:"groups" doc:"The room groups, by id"`
}

// WakeUpList is the answer of GET /api/v1/hotel/wakeups.
type WakeUpList struct {
	WakeUps []hotel.WakeUp `json:"wakeups" doc:"The live wake-ups and those that ended in the last day, by time"`
}

// WakeUpRequest is the body of POST /api/v1/hotel/wakeups.
type WakeUpRequest struct {
	Room string `json:"room" openapi:"required" doc:"The room (occupied)" example:"101"`
	// At is RFC 3339, a local date and time, or a time of day.
	At       string `json:"at" openapi:"required" doc:"When: RFC 3339 (2026-12-08T07:00:00+01:00), a local date and time read in hotel.time_zone (2026-12-08T07:00), or a time of day HH:MM (its next occurrence in hotel.time_zone)" example:"07:00"`
	Language string `json:"language,omitempty" doc:"The prompt's language (ISO 639-1); empty: the guest's, else hotel.language" example:"en"`
}

// MoveRequest is the body of POST /api/v1/hotel/rooms/{number}/move.
type MoveRequest struct {
	To string `json:"to" openapi:"required" doc:"The vacant room the guest moves to" example:"205"`
}

// HousekeepingRequest is the body of PUT
// /api/v1/hotel/rooms/{number}/housekeeping.
type HousekeepingRequest struct {
	State hotel.Housekeeping `json:"state" openapi:"required,enum=clean|makeup_requested|cleaning|inspected|out_of_order" doc:"The new housekeeping state" example:"cleaning"`
}

// CheckOutResult is the answer of POST /api/v1/hotel/rooms/{number}/checkout.
type CheckOutResult struct {
	Room hotel.Room `json:"room" doc:"The room, vacant"`
	Bill hotel.Bill `json:"bill" doc:"The stay's bill, closed"`
}

// BillList is the answer of GET /api/v1/hotel/bills.
type BillList struct {
	Bills []hotel.Bill `json:"bills" doc:"Closed bills, newest first"`
}

// RateTables is the body and answer of /api/v1/hotel/rates.
type RateTables struct {
	Tables []hotel.RateTable `json:"tables" doc:"The rate tables: for a call, the tables matching its trunk and class (trunk before class before neither), then the longest prefix"`
}
