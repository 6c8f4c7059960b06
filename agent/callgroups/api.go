package callgroups

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no such group, or no such member in the group.
var ErrNotFound = errors.New("callgroups: not found")

// Topic is the events topic of call groups.
const Topic = "callgroups"

// Event types (topic callgroups). Data: WaitingCall for
// callgroup_call_waiting, callgroup_call_abandoned and callgroup_call_left
// (with the exit); ActiveCall for callgroup_call_answered and
// callgroup_call_completed; MemberEvent for member_state; Group for
// callgroup_updated; {"id"} for callgroup_deleted.
const (
	EventCallWaiting   = "callgroup_call_waiting"   // a caller joined, or their position or ringing members changed
	EventCallAnswered  = "callgroup_call_answered"  // a member answered
	EventCallAbandoned = "callgroup_call_abandoned" // the caller hung up while waiting
	EventCallLeft      = "callgroup_call_left"      // the caller left unanswered (TIMEOUT, LEAVEEMPTY, FULL, JOINEMPTY)
	EventCallCompleted = "callgroup_call_completed" // an answered call ended
	EventMemberState   = "member_state"             // a member's state, pause or membership changed
	EventGroupUpdated  = "callgroup_updated"
	EventGroupDeleted  = "callgroup_deleted"
)

// MemberEvent is the data of member_state.
type MemberEvent struct {
	GroupID string `json:"group_id" doc:"The group" example:"sales"`
	MemberView
	// Removed: the member left the group.
	Removed bool `json:"removed,omitempty" doc:"The member left the group" example:"false"`
}

// LeftCall is the data of callgroup_call_abandoned and
// callgroup_call_left.
type LeftCall struct {
	WaitingCall
	Exit        Exit    `json:"exit,omitempty" openapi:"enum=TIMEOUT|FULL|JOINEMPTY|LEAVEEMPTY|FAILED" doc:"Why the caller left unanswered (callgroup_call_left)" example:"TIMEOUT"`
	WaitSeconds float64 `json:"wait_seconds" doc:"How long the caller waited" example:"42.5"`
}

// Service is the call groups as the HTTP API and the wallboard use them
// (*ACD implements it). Errors that are the caller's fault are
// *platform.APIError naming the field; a missing group or member is
// ErrNotFound.
type Service interface {
	// Groups returns every group, ordered by id.
	Groups(ctx context.Context) []Group
	// Group returns one group.
	Group(ctx context.Context, id string) (Group, bool)
	// CreateGroup adds a group (static members only; Dynamic ignored).
	CreateGroup(ctx context.Context, g Group) (Group, error)
	// UpdateGroup replaces a group's configuration and static members;
	// its dynamic members stay.
	UpdateGroup(ctx context.Context, id string, g Group) (Group, error)
	// DeleteGroup removes a group; its waiting callers leave (FAILED).
	DeleteGroup(ctx context.Context, id string) error
	// Members returns a group's members with their live state.
	Members(ctx context.Context, groupID string) ([]MemberView, error)
	// AddMember adds a dynamic member (kept across restarts), paused when
	// paused is set (with reason).
	AddMember(ctx context.Context, groupID string, m Member, paused bool, reason string) (MemberView, error)
	// RemoveMember removes a dynamic member (a static one: an error
	// naming the member).
	RemoveMember(ctx context.Context, groupID, userID string) error
	// Pause pauses (paused) or unpauses a member in a group, or in every
	// group they are in when groupID is "".
	Pause(ctx context.Context, groupID, userID string, paused bool, reason string) ([]MemberView, error)
	// Waiting returns the callers waiting in a group ("" every group), in
	// order.
	Waiting(ctx context.Context, groupID string) []WaitingCall
	// Active returns the answered calls of a group ("" every group).
	Active(ctx context.Context, groupID string) []ActiveCall
	// GroupsOf returns the ids of the groups userID is a member of.
	GroupsOf(userID string) []string
}

// GroupStats are a group's counters over one day (local midnight to
// midnight) or what has passed of today. Definitions (docs/callgroups.md):
// app_queue's and the industry's.
type GroupStats struct {
	GroupID string `json:"group_id" doc:"The group" example:"sales"`
	Day     string `json:"day" doc:"The day (YYYY-MM-DD, the daemon's time zone)" example:"2026-12-07"`
	// Received: callers who arrived (joined, or refused: FULL, JOINEMPTY).
	Received       int `json:"received" doc:"Callers who arrived: joined or were refused (full, join-empty)" example:"120"`
	Answered       int `json:"answered" doc:"Answered by a member" example:"110"`
	Abandoned      int `json:"abandoned" doc:"Hung up while waiting (short abandons included)" example:"8"`
	ShortAbandoned int `json:"short_abandoned" doc:"Abandons within the group's short_abandon seconds" example:"3"`
	TimedOut       int `json:"timed_out" doc:"Left after max_wait (TIMEOUT)" example:"1"`
	LeftEmpty      int `json:"left_empty" doc:"Left because no member could take calls (LEAVEEMPTY)" example:"0"`
	Refused        int `json:"refused" doc:"Not let in (FULL, JOINEMPTY)" example:"1"`
	AnsweredInSLA  int `json:"answered_in_sla" doc:"Answered within sla_threshold seconds of joining" example:"100"`
	AbandonedInSLA int `json:"abandoned_in_sla" doc:"Abandoned within sla_threshold seconds of joining" example:"4"`
	// ServiceLevel = 100 × AnsweredInSLA / Answered (app_queue SL).
	ServiceLevel float64 `json:"service_level" doc:"100 × answered_in_sla ÷ answered (app_queue's ServiceLevelPerf); 0 with nothing answered" example:"90.9"`
	// ServiceLevelAbandons = 100 × (AnsweredInSLA + AbandonedInSLA) /
	// (Answered + Abandoned) (app_queue SL2).
	ServiceLevelAbandons float64 `json:"service_level_abandons" doc:"100 × (answered_in_sla + abandoned_in_sla) ÷ (answered + abandoned) (app_queue's ServiceLevelPerf2)" example:"88.9"`
	// Wait sums are over answered calls; LongestWait over every caller.
	WaitSeconds        float64 `json:"wait_seconds" doc:"Sum of answered callers' waits (for averages over any span)" example:"1320"`
	AverageWaitSeconds float64 `json:"average_wait_seconds" doc:"Arithmetic mean wait of answered callers (wait_seconds ÷ answered)" example:"12"`
	LongestWaitSeconds float64 `json:"longest_wait_seconds" doc:"The longest wait of any caller (answered or not)" example:"95"`
	Completed          int     `json:"completed" doc:"Answered calls that ended" example:"105"`
	TalkSeconds        float64 `json:"talk_seconds" doc:"Sum of completed calls' talk times" example:"18900"`
	AverageTalkSeconds float64 `json:"average_talk_seconds" doc:"Arithmetic mean talk time of completed calls" example:"180"`
}

// AgentStats are a member's counters over one day, in one group or all.
type AgentStats struct {
	UserID  string `json:"user_id" doc:"The member" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	GroupID string `json:"group_id,omitempty" doc:"The group; absent: every group" example:"sales"`
	Day     string `json:"day" doc:"The day (YYYY-MM-DD)" example:"2026-12-07"`
	// Calls: answered (CONNECT); Missed: rang unanswered (RINGNOANSWER).
	Calls       int     `json:"calls" doc:"Group calls the member answered" example:"14"`
	Missed      int     `json:"missed" doc:"Offers the member let ring out (RINGNOANSWER)" example:"1"`
	TalkSeconds float64 `json:"talk_seconds" doc:"Talk time of the member's completed group calls" example:"2520"`
	// PauseSeconds counts closed pauses and the one in progress.
	PauseSeconds         float64            `json:"pause_seconds" doc:"Time paused, the current pause included" example:"900"`
	PauseSecondsByReason map[string]float64 `json:"pause_seconds_by_reason" doc:"Pause time by reason (\"\" for none given)" example:"{\"lunch\":900}"`
	LastCallAt           *time.Time         `json:"last_call_at,omitempty" doc:"When the member's last group call ended" example:"2026-12-07T11:58:00Z"`
}

// Stats reads the statistics (agent/callgroups/stats implements it).
type Stats interface {
	// GroupStats returns a group's counters on the day holding day.
	GroupStats(ctx context.Context, groupID string, day time.Time) (GroupStats, error)
	// AgentStats returns a member's counters on the day holding day, in
	// groupID ("" every group).
	AgentStats(ctx context.Context, userID, groupID string, day time.Time) (AgentStats, error)
}
