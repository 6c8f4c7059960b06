package hotel

import "time"

// Rate is one prefix of a rate table (after Kazoo's rate document,
// docs/hotel.md#call-costs): cost = surcharge + per_minute ×
// ceil(max(duration, minimum) / increment) × increment / 60, and nothing
// when the call is shorter than no_charge.
type Rate struct {
	// Prefix is matched against the dialled number as the trunk sees it;
	// the longest match wins, Weight breaks ties (higher first).
	Prefix string `json:"prefix" doc:"Number prefix (digits); the longest match wins" example:"0044"`
	Name   string `json:"name,omitempty" doc:"What the prefix is, shown on the bill" example:"United Kingdom"`
	Weight int    `json:"weight,omitempty" doc:"Tie-break between equal prefixes, 0 to 100, higher first" example:"0"`
	// PerMinute is the price of a minute.
	PerMinute Money `json:"per_minute" doc:"Price of a minute (currency units, up to 4 decimals)" example:"0.25"`
	// Increment is the billing slice in seconds (default 60).
	Increment int `json:"increment,omitempty" doc:"Billing increment in seconds (default 60)" example:"60"`
	// Minimum is the least duration billed, in seconds (default: one
	// increment).
	Minimum int `json:"minimum,omitempty" doc:"Least duration billed, seconds (default: one increment)" example:"60"`
	// NoCharge: calls shorter than this many seconds cost nothing.
	NoCharge int `json:"no_charge,omitempty" doc:"Calls shorter than this many seconds are free" example:"5"`
	// Surcharge is the connection fee of every charged call.
	Surcharge Money `json:"surcharge,omitempty" doc:"Connection fee of every charged call (currency units)" example:"0.10"`
}

// RateTable is the rates of one trunk or one call class.
type RateTable struct {
	ID   string `json:"id" doc:"Table id: 1 to 32 of a-z, 0-9, _ and -" example:"default"`
	Name string `json:"name,omitempty" doc:"Display name" example:"Main trunk"`
	// Trunk: the table applies to calls on this trunk (the far leg's
	// endpoint's resource, "my-trunk" in PJSIP/0044…@my-trunk).
	Trunk string `json:"trunk,omitempty" doc:"Applies to calls on this trunk; empty: any" example:"my-trunk"`
	// Class: the table applies to calls of this class; empty: any.
	Class    Class  `json:"class,omitempty" openapi:"enum=|emergency|internal|local|national|international" doc:"Applies to calls of this class; empty: any" example:"international"`
	Currency string `json:"currency" doc:"ISO 4217 currency code" example:"EUR"`
	Rates    []Rate `json:"rates" doc:"The prefixes and their prices"`
}

// CallRecord is a call from a room as the call records give it at hangup.
type CallRecord struct {
	CallID string `json:"call_id" doc:"The call's id in the call history" example:"c-01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Room   string `json:"room" doc:"The calling room" example:"101"`
	// Number is what was dialled.
	Number string    `json:"number" doc:"The dialled number" example:"00442071234567"`
	Class  Class     `json:"class" openapi:"enum=emergency|internal|local|national|international" doc:"The number's class" example:"international"`
	Trunk  string    `json:"trunk,omitempty" doc:"The trunk the call went out on" example:"my-trunk"`
	Start  time.Time `json:"start" doc:"When the call was placed" example:"2026-12-07T18:02:11Z"`
	// Answered is when the far end answered; nil: never.
	Answered *time.Time `json:"answered,omitempty" doc:"When the far end answered; absent if it did not" example:"2026-12-07T18:02:20Z"`
	// Duration is the billable (answered) time.
	Duration time.Duration `json:"-"`
	// Seconds is Duration in whole seconds (rounded up).
	Seconds int `json:"seconds" doc:"Answered duration in seconds (rounded up)" example:"125"`
}

// Charge is a costed call: a line of a room's bill.
type Charge struct {
	CallRecord
	// Rate is the matched rate ("" prefix: none matched, cost 0).
	Table    string `json:"table,omitempty" doc:"The rate table used" example:"default"`
	Prefix   string `json:"prefix,omitempty" doc:"The matched prefix" example:"0044"`
	RateName string `json:"rate_name,omitempty" doc:"The matched rate's name" example:"United Kingdom"`
	// BilledSeconds is the duration charged after minimum and increment.
	BilledSeconds int    `json:"billed_seconds" doc:"Seconds charged (minimum and increments applied)" example:"180"`
	Cost          Money  `json:"cost" doc:"The call's cost, surcharge included" example:"0.85"`
	Currency      string `json:"currency,omitempty" doc:"ISO 4217 currency code" example:"EUR"`
	// Posting is the FIAS posting sequence (P#) once queued for the PMS;
	// Posted is set when the PMS answered PA ASOK.
	Posting int  `json:"posting,omitempty" doc:"FIAS posting sequence number (P#) when sent to the PMS" example:"1207"`
	Posted  bool `json:"posted" doc:"The PMS acknowledged the posting" example:"true"`
}

// Bill is a stay's calls: opened at check-in, closed at check-out.
type Bill struct {
	ID       string     `json:"id" doc:"Bill id" example:"b-101-20261207T140000"`
	Room     string     `json:"room" doc:"Room number at the time (a move carries the bill)" example:"101"`
	Guest    string     `json:"guest" doc:"The guest's name" example:"Anna Rossi"`
	OpenedAt time.Time  `json:"opened_at" doc:"Check-in" example:"2026-12-07T14:00:00Z"`
	ClosedAt *time.Time `json:"closed_at,omitempty" doc:"Check-out; absent while open" example:"2026-12-10T10:00:00Z"`
	Lines    []Charge   `json:"lines" doc:"The calls, in order"`
	Total    Money      `json:"total" doc:"Sum of the lines' costs" example:"12.40"`
	Currency string     `json:"currency,omitempty" doc:"ISO 4217 currency code (the lines' currency)" example:"EUR"`
}

// Rater costs calls (agent/hotel/rating implements it).
type Rater interface {
	// Rate costs c with tables: the tables whose trunk and class match c
	// (a table naming the trunk before one naming the class before one
	// naming neither), then the longest prefix in the first table with a
	// match. No match: a Charge of cost 0 with Prefix "".
	Rate(tables []RateTable, c CallRecord) Charge
}
