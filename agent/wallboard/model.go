package wallboard

import (
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
)

// Counters modes: the span the board's counters cover.
const (
	// ModeMidnight: the day's counters, since the daemon's local midnight.
	ModeMidnight = "midnight"
	// ModeConnect: since the board was opened (the day's counters minus
	// those read when it connected; averages recomputed from the sums).
	ModeConnect = "connect"
)

// DefaultAmberMargin is how many points below its target a service level
// is still amber (below that: red), when a wallboard does not say.
const DefaultAmberMargin = 5.0

// Limits.
const (
	MaxName      = 100
	MaxGroups    = 50
	MaxMonitored = 200
	MaxBoards    = 500
)

// Wallboard is a wallboard's configuration.
type Wallboard struct {
	ID     string   `json:"id" doc:"The wallboard's id" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	Name   string   `json:"name" doc:"Display name (1 to 100 characters)" example:"Sales floor"`
	Groups []string `json:"groups" doc:"Ids of the call groups shown, in order (1 to 50)" example:"[\"sales\"]"`
	// Monitored are the agents shown in the agents table.
	Monitored []string `json:"monitored" doc:"User ids of the agents shown in the agents table, in order (at most 200)" example:"[\"01JEQ7H2B3C4D5E6F7G8H9J0K1\"]"`
	// SLAThreshold and SLATarget override the groups' (0: each group's).
	SLAThreshold int     `json:"sla_threshold" doc:"Seconds: a waiting caller beyond it is shown as over the service level; 0: each group's sla_threshold (the service level itself is counted at answer with the group's threshold)" example:"20"`
	SLATarget    float64 `json:"sla_target" doc:"Service-level goal in percent (green at or above it); 0: each group's sla_target" example:"80"`
	// AmberMargin: a service level below the target by at most this many
	// points is amber, further below red.
	AmberMargin  float64 `json:"amber_margin" doc:"Points below the target still shown amber; further below is red (0-100, default 5)" example:"5"`
	CountersMode string  `json:"counters_mode" openapi:"enum=midnight|connect" doc:"What the counters cover when the board opens: since midnight, or since the board connected (a switch on the board changes it)" example:"midnight"`
	// Token describes the board's read-only token, if one was made (never
	// the secret).
	Token     *BoardTokenInfo `json:"token,omitempty" doc:"The read-only token of the wall TV, if one was made (never the secret)"`
	CreatedAt time.Time       `json:"created_at" doc:"When the wallboard was created" example:"2026-12-07T08:00:00Z"`
	UpdatedAt time.Time       `json:"updated_at" doc:"When it last changed" example:"2026-12-07T08:00:00Z"`
}

// BoardTokenInfo is what is shown of a wallboard token.
type BoardTokenInfo struct {
	CreatedAt time.Time `json:"created_at" doc:"When the token was made" example:"2026-12-07T08:00:00Z"`
	CreatedBy string    `json:"created_by,omitempty" doc:"The user who made it (empty: the admin token)" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
}

// BoardSettings is the body of POST /api/v1/wallboards and PUT
// /api/v1/wallboards/{id}.
type BoardSettings struct {
	Name         string   `json:"name" doc:"Display name (1 to 100 characters)" example:"Sales floor"`
	Groups       []string `json:"groups" doc:"Ids of the call groups shown (1 to 50, each an existing group)" example:"[\"sales\"]"`
	Monitored    []string `json:"monitored" doc:"User ids of the agents shown (at most 200, each an existing user)" example:"[\"01JEQ7H2B3C4D5E6F7G8H9J0K1\"]"`
	SLAThreshold int      `json:"sla_threshold" doc:"0 (each group's) or 1-3600 seconds" example:"20"`
	SLATarget    float64  `json:"sla_target" doc:"0 (each group's) or 1-100 percent" example:"80"`
	// AmberMargin nil: DefaultAmberMargin.
	AmberMargin  *float64 `json:"amber_margin,omitempty" doc:"0-100 points; omitted: 5" example:"5"`
	CountersMode string   `json:"counters_mode,omitempty" openapi:"enum=midnight|connect" doc:"midnight (default) or connect" example:"midnight"`
}

// BoardList is the answer of GET /api/v1/wallboards.
type BoardList struct {
	Items []Wallboard `json:"items" doc:"Every wallboard, by name"`
}

// BoardToken is the answer of POST /api/v1/wallboards/{id}/token: the only
// time the secret is shown.
type BoardToken struct {
	WallboardID string `json:"wallboard_id" doc:"The wallboard" example:"01jeq7h2b3c4d5e6f7g8h9j0k1"`
	Token       string `json:"token" doc:"The read-only token (shown only now; it replaces any earlier one)" example:"wb_3q2xkVh9…"`
	// Path opens the board on a TV: the token is in the fragment, which
	// browsers do not send to the server.
	Path      string    `json:"path" doc:"The page that shows the board full screen, token in the fragment (never sent to the server)" example:"/wallboard/#id=01jeq7h2b3c4d5e6f7g8h9j0k1&token=wb_3q2xkVh9…"`
	CreatedAt time.Time `json:"created_at" doc:"When it was made" example:"2026-12-07T08:00:00Z"`
}

// SLA colours.
const (
	ColourGreen = "green"
	ColourAmber = "amber"
	ColourRed   = "red"
	// ColourNone: nothing answered yet, no service level to judge.
	ColourNone = "none"
)

// Board is everything a board shows, in one answer.
type Board struct {
	Wallboard  Wallboard    `json:"wallboard" doc:"The wallboard's configuration (token info left out)"`
	ServerTime time.Time    `json:"server_time" doc:"The server's time of the answer: waits and times since are counted from it" example:"2026-12-07T12:00:00Z"`
	Day        string       `json:"day" doc:"The day the counters are of (YYYY-MM-DD, in callgroups.time_zone)" example:"2026-12-07"`
	Groups     []BoardGroup `json:"groups" doc:"The groups, in the wallboard's order"`
	Agents     []BoardAgent `json:"agents" doc:"The monitored agents, in the wallboard's order"`
}

// BoardGroup is one group on a board.
type BoardGroup struct {
	ID   string `json:"id" doc:"The group's id" example:"sales"`
	Name string `json:"name" doc:"The group's name" example:"Sales"`
	// Missing: the group no longer exists (deleted after the board was
	// made); its other fields are empty.
	Missing      bool    `json:"missing,omitempty" doc:"The group does not exist (any more)" example:"false"`
	SLAThreshold int     `json:"sla_threshold" doc:"Seconds used for the waiting callers' over-SLA mark (the wallboard's, else the group's)" example:"20"`
	SLATarget    float64 `json:"sla_target" doc:"The target the colour is judged against (the wallboard's, else the group's)" example:"80"`
	AmberMargin  float64 `json:"amber_margin" doc:"Points below the target still amber" example:"5"`
	// SLAColour judges Stats.ServiceLevel (see Colour).
	SLAColour string                `json:"sla_colour" openapi:"enum=green|amber|red|none" doc:"green at or above the target, amber within amber_margin points below it, red further below, none with nothing answered" example:"green"`
	Stats     callgroups.GroupStats `json:"stats" doc:"Today's counters"`
	Waiting   []BoardCaller         `json:"waiting" doc:"Callers waiting now, in order"`
	// Active counts the answered calls in progress.
	Active  int                     `json:"active" doc:"Answered calls in progress" example:"3"`
	Members []callgroups.MemberView `json:"members" doc:"The members with their live state"`
}

// BoardCaller is a waiting caller with their wait at ServerTime.
type BoardCaller struct {
	callgroups.WaitingCall
	WaitSeconds float64 `json:"wait_seconds" doc:"Seconds waited at server_time" example:"42"`
	OverSLA     bool    `json:"over_sla" doc:"Waited longer than sla_threshold" example:"true"`
}

// BoardAgent is one monitored agent on a board.
type BoardAgent struct {
	UserID    string `json:"user_id" doc:"The agent's user id" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Name      string `json:"name" doc:"Display name" example:"Anna Meier"`
	Extension string `json:"extension,omitempty" doc:"First extension" example:"101"`
	// Member: the agent is in one of the board's groups; else their state
	// comes from another group of theirs, or is offline.
	Member      bool                   `json:"member" doc:"A member of one of the board's groups" example:"true"`
	Missing     bool                   `json:"missing,omitempty" doc:"No such user (any more)" example:"false"`
	State       callgroups.MemberState `json:"state" openapi:"enum=available|offline|talking|ringing|wrapup|paused|dnd|away" doc:"The agent's state: of the board's groups, the first in offline > paused > dnd > talking > ringing > wrapup > away > available; offline in no group" example:"talking"`
	StateSince  *time.Time             `json:"state_since,omitempty" doc:"Since when" example:"2026-12-07T11:59:00Z"`
	Paused      bool                   `json:"paused" doc:"Paused in one of the board's groups" example:"false"`
	PauseReason string                 `json:"pause_reason,omitempty" doc:"Why" example:"lunch"`
	PausedAt    *time.Time             `json:"paused_at,omitempty" doc:"Since when paused" example:"2026-12-07T12:00:00Z"`
	// The counters are the agent's over every group, today.
	Calls                int                `json:"calls" doc:"Group calls answered today, every group" example:"14"`
	Missed               int                `json:"missed" doc:"Offers let ring out today" example:"1"`
	TalkSeconds          float64            `json:"talk_seconds" doc:"Talk time of today's completed group calls, every group" example:"2520"`
	PauseSeconds         float64            `json:"pause_seconds" doc:"Time paused today, the current pause included" example:"900"`
	PauseSecondsByReason map[string]float64 `json:"pause_seconds_by_reason" doc:"Pause time by reason" example:"{\"lunch\":900}"`
	LastCallAt           *time.Time         `json:"last_call_at,omitempty" doc:"When the last group call ended" example:"2026-12-07T11:58:00Z"`
	// SinceLastCallSeconds is ServerTime − LastCallAt.
	SinceLastCallSeconds *float64 `json:"since_last_call_seconds,omitempty" doc:"Seconds since the last group call ended, at server_time" example:"120"`
}
