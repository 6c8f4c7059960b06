package callgroups

import "time"

// Strategy is how a waiting caller is offered to the members, with
// app_queue's meanings (configs/samples/queues.conf.sample).
type Strategy string

// Strategies.
const (
	// RingAll rings every available member at once; the first to answer
	// takes the call.
	RingAll Strategy = "ringall"
	// Linear rings members in the group's order (static members as
	// configured, then dynamic members in the order they joined), one at a
	// time, always starting from the first.
	Linear Strategy = "linear"
	// RRMemory rings members one at a time in round robin, starting after
	// the member the previous call was offered to.
	RRMemory Strategy = "rrmemory"
	// LeastRecent rings first the member whose last call from this group
	// ended the longest ago (never: first).
	LeastRecent Strategy = "leastrecent"
	// FewestCalls rings first the member who completed the fewest calls
	// from this group.
	FewestCalls Strategy = "fewestcalls"
	// Random rings a member chosen at random.
	Random Strategy = "random"
)

// Strategies lists the valid strategies.
var Strategies = []Strategy{RingAll, Linear, RRMemory, LeastRecent, FewestCalls, Random}

// Factor is a member condition of the join-empty and leave-when-empty
// rules: a caller may not join (or is made to leave) when every member is
// in one of the listed conditions (app_queue's joinempty / leavewhenempty
// factors).
type Factor string

// Factors.
const (
	FactorPaused      Factor = "paused"
	FactorInUse       Factor = "inuse"
	FactorRinging     Factor = "ringing"
	FactorUnavailable Factor = "unavailable" // no device registered
	FactorWrapUp      Factor = "wrapup"
	FactorDND         Factor = "dnd"
)

// Factors lists the valid factors.
var Factors = []Factor{FactorPaused, FactorInUse, FactorRinging, FactorUnavailable, FactorWrapUp, FactorDND}

// Hold is what a waiting caller hears.
type Hold string

// Hold choices.
const (
	HoldMOH      Hold = "moh"
	HoldRingback Hold = "ringback"
)

// Destination is where a caller who leaves the group without being
// answered goes on in the dialplan; empty: the next priority after
// Stasis(), with QUEUESTATUS and PBXAGENT_STATUS set.
type Destination struct {
	Context   string `json:"context,omitempty" doc:"Dialplan context; empty: the caller's own" example:"overflow"`
	Extension string `json:"extension,omitempty" doc:"Extension in the context; empty: the caller's own" example:"s"`
	Priority  int    `json:"priority,omitempty" doc:"Priority; 0: 1 when context or extension is set, else the next one after Stasis()" example:"1"`
	Label     string `json:"label,omitempty" doc:"A priority label instead of a number" example:"voicemail"`
}

// Member is a member of a group as configured.
type Member struct {
	UserID string `json:"user_id" doc:"The member's user id" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	// Penalty: members with a lower penalty are offered calls first; a
	// higher penalty is used only when every lower one is unavailable.
	Penalty int `json:"penalty" doc:"0 to 100; members with a lower penalty are offered calls first, higher penalties only when no lower one is available" example:"0"`
	// Dynamic members joined through the API (kept across restarts);
	// static ones are in the group's configuration.
	Dynamic bool `json:"dynamic" doc:"Joined through the API (kept across restarts); false: configured by an administrator" example:"false"`
	// JoinedAt orders dynamic members for linear.
	JoinedAt time.Time `json:"joined_at" doc:"When the member was added" example:"2026-12-07T08:00:00Z"`
}

// Group is a call group's configuration.
type Group struct {
	// ID is what the dialplan names: Stasis(pbxagent-calls,group,ID).
	ID      string   `json:"id" doc:"1 to 32 of a-z, 0-9, '-' and '_'; the dialplan sends callers with Stasis(pbxagent-calls,group,ID)" example:"sales"`
	Name    string   `json:"name" doc:"Display name" example:"Sales"`
	Numbers []string `json:"numbers" doc:"Extensions and DIDs that reach the group (for display and the dialplan you write)" example:"[\"600\"]"`
	// Strategy: see the Strategy constants.
	Strategy Strategy `json:"strategy" openapi:"enum=ringall|linear|rrmemory|leastrecent|fewestcalls|random" doc:"How callers are offered to members, with app_queue's meanings" example:"leastrecent"`
	// RingTimeout: how long one member rings (app_queue timeout).
	RingTimeout int `json:"ring_timeout" doc:"Seconds a member rings before the call is offered to the next (1-600, default 15)" example:"15"`
	// RetryDelay: after a round nobody answered, how long before ringing
	// again (app_queue retry).
	RetryDelay int `json:"retry_delay" doc:"Seconds before ringing again after a member did not answer (0-600, default 5)" example:"5"`
	// WrapUp: after a call, how long the member is not offered another
	// (app_queue wrapuptime).
	WrapUp int `json:"wrapup_time" doc:"Seconds after a call before the member is offered another (0-3600, default 0)" example:"10"`
	// MaxWait: a caller waiting this long leaves (EXITWITHTIMEOUT); 0 none.
	MaxWait int `json:"max_wait" doc:"Seconds a caller waits at most, then goes to overflow (TIMEOUT); 0: no limit" example:"300"`
	// MaxCallers: callers beyond it are not let in (FULL); 0 none.
	MaxCallers int `json:"max_callers" doc:"Callers waiting at most; more go to overflow (FULL); 0: no limit" example:"20"`
	// JoinEmpty: a caller does not join when every member is in one of
	// these conditions (JOINEMPTY); empty: always join.
	JoinEmpty []Factor `json:"join_empty" doc:"A caller does not join when every member is in one of these conditions (JOINEMPTY; a group with no member is always empty)" example:"[\"unavailable\"]"`
	// LeaveWhenEmpty: waiting callers leave when every member comes to be
	// in one of these conditions (LEAVEEMPTY).
	LeaveWhenEmpty []Factor `json:"leave_when_empty" doc:"Waiting callers leave (LEAVEEMPTY) when every member comes to be in one of these conditions" example:"[\"unavailable\"]"`
	// RingInUse: members already on a call are offered calls (call
	// waiting); off by default.
	RingInUse bool   `json:"ring_in_use" doc:"Offer calls to members already on a call (call waiting); off by default" example:"false"`
	Hold      Hold   `json:"hold" openapi:"enum=moh|ringback" doc:"What a waiting caller hears: music on hold or ringback" example:"moh"`
	MOHClass  string `json:"moh_class,omitempty" doc:"Music-on-hold class (hold moh); empty: default" example:"default"`
	// AnnouncePosition and AnnounceHoldTime are played every
	// AnnounceFrequency seconds (and once on entry).
	AnnouncePosition  bool `json:"announce_position" doc:"Tell waiting callers their position" example:"true"`
	AnnounceHoldTime  bool `json:"announce_holdtime" doc:"Tell waiting callers the estimated wait" example:"false"`
	AnnounceFrequency int  `json:"announce_frequency" doc:"Seconds between announcements (0: only on entry; 15-3600)" example:"60"`
	// Overflow is where callers who leave unanswered go.
	Overflow Destination `json:"overflow" doc:"Where callers who leave unanswered (TIMEOUT, FULL, JOINEMPTY, LEAVEEMPTY) go on in the dialplan"`
	// SLAThreshold and SLATarget: the service level is the share of
	// answered calls answered within SLAThreshold seconds; SLATarget is
	// the goal in percent.
	SLAThreshold int     `json:"sla_threshold" doc:"Seconds within which an answered call counts toward the service level (1-3600, default 20)" example:"20"`
	SLATarget    float64 `json:"sla_target" doc:"Service-level goal in percent (1-100, default 80)" example:"80"`
	// ShortAbandon: abandons within this many seconds are short (counted
	// apart).
	ShortAbandon int       `json:"short_abandon" doc:"Callers who hang up within this many seconds are short abandons (0-600, default 5)" example:"5"`
	Members      []Member  `json:"members" doc:"Members: static ones from the configuration, dynamic ones added through the API"`
	UpdatedAt    time.Time `json:"updated_at" doc:"When the configuration last changed" example:"2026-12-07T08:00:00Z"`
}

// MemberState is what a member is doing, as the wallboard's icons show it.
// Precedence (the first that applies): offline, paused, dnd, talking,
// ringing, wrapup, away, available.
type MemberState string

// Member states.
const (
	StateAvailable MemberState = "available"
	StateOffline   MemberState = "offline" // no device registered
	StateTalking   MemberState = "talking" // on a call (this group's or any)
	StateRinging   MemberState = "ringing" // a call of this group is offered to them ("incoming call")
	StateWrapUp    MemberState = "wrapup"
	StatePaused    MemberState = "paused"
	StateDND       MemberState = "dnd"
	StateAway      MemberState = "away"
)

// MemberView is a member with its live state.
type MemberView struct {
	Member
	Name        string      `json:"name" doc:"The member's display name" example:"Anna Meier"`
	Extension   string      `json:"extension,omitempty" doc:"The member's first extension" example:"101"`
	State       MemberState `json:"state" openapi:"enum=available|offline|talking|ringing|wrapup|paused|dnd|away" doc:"What the member is doing: offline > paused > dnd > talking > ringing > wrapup > away > available" example:"available"`
	Paused      bool        `json:"paused" doc:"The member is paused in this group" example:"false"`
	PauseReason string      `json:"pause_reason,omitempty" doc:"Why: what the member or supervisor gave, or dnd when do-not-disturb paused them" example:"lunch"`
	PausedAt    *time.Time  `json:"paused_at,omitempty" doc:"Since when the member is paused" example:"2026-12-07T12:00:00Z"`
	// StateSince is when State last changed.
	StateSince time.Time `json:"state_since" doc:"When the state last changed" example:"2026-12-07T12:00:00Z"`
	// CallsTaken and LastCallAt count this group's calls since the
	// daemon's local midnight.
	CallsTaken int        `json:"calls_taken" doc:"Calls of this group the member answered today" example:"12"`
	LastCallAt *time.Time `json:"last_call_at,omitempty" doc:"When the member's last call of this group ended" example:"2026-12-07T11:58:00Z"`
}

// WaitingCall is a caller waiting in a group.
type WaitingCall struct {
	// ID is the caller's channel id (the queue_log callid).
	ID           string    `json:"id" doc:"The caller's id (Asterisk channel id; the queue_log callid)" example:"1733561000.42"`
	GroupID      string    `json:"group_id" doc:"The group" example:"sales"`
	CallerNumber string    `json:"caller_number" doc:"The caller's number" example:"+41445551234"`
	CallerName   string    `json:"caller_name,omitempty" doc:"The caller's name, from caller ID or the directory" example:"Contoso AG"`
	Position     int       `json:"position" doc:"1 is next" example:"1"`
	EnteredAt    time.Time `json:"entered_at" doc:"When the caller joined the group" example:"2026-12-07T12:00:00Z"`
	// Ringing are the members the call is offered to now.
	Ringing []string `json:"ringing" doc:"Ids of the members the call is offered to now" example:"[\"01JEQ7H2B3C4D5E6F7G8H9J0K1\"]"`
}

// ActiveCall is a group call a member answered, until it ends.
type ActiveCall struct {
	ID           string    `json:"id" doc:"The caller's id (as in WaitingCall)" example:"1733561000.42"`
	CallID       string    `json:"call_id" doc:"The member's call in /api/v1/calls" example:"pbxcall-0123456789abcdef"`
	GroupID      string    `json:"group_id" doc:"The group" example:"sales"`
	UserID       string    `json:"user_id" doc:"The member who answered" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	CallerNumber string    `json:"caller_number" doc:"The caller's number" example:"+41445551234"`
	CallerName   string    `json:"caller_name,omitempty" doc:"The caller's name" example:"Contoso AG"`
	EnteredAt    time.Time `json:"entered_at" doc:"When the caller joined the group" example:"2026-12-07T12:00:00Z"`
	AnsweredAt   time.Time `json:"answered_at" doc:"When the member answered" example:"2026-12-07T12:00:12Z"`
}

// Exit is why a caller left a group unanswered: app_queue's QUEUESTATUS
// values, set on the channel with PBXAGENT_STATUS.
type Exit string

// Exits.
const (
	ExitTimeout    Exit = "TIMEOUT"    // waited max_wait
	ExitFull       Exit = "FULL"       // max_callers waiting already
	ExitJoinEmpty  Exit = "JOINEMPTY"  // join_empty
	ExitLeaveEmpty Exit = "LEAVEEMPTY" // leave_when_empty
	ExitFailed     Exit = "FAILED"     // pbxagent could not go on (no such group, an error, stopping)
)
