package callgroups

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GroupSummary is a group in GET /api/v1/callgroups: its configuration,
// what is going on in it, and the caller's own membership.
type GroupSummary struct {
	Group
	Waiting            int     `json:"waiting" doc:"Callers waiting now" example:"3"`
	LongestWaitSeconds float64 `json:"longest_wait_seconds" doc:"How long the first caller in line has waited (0: nobody waits)" example:"42.5"`
	Active             int     `json:"active" doc:"Answered calls going on now" example:"2"`
	Available          int     `json:"available" doc:"Members who can be offered a call now (state available)" example:"4"`
	// Me is the caller's membership, when they are a member.
	Me *MemberView `json:"me,omitempty" doc:"The caller as a member of the group (absent: not a member)"`
}

// GroupList is the answer of GET /api/v1/callgroups.
type GroupList struct {
	Groups []GroupSummary `json:"groups" doc:"The groups the caller may see, by id: every group for administrators and holders of manage_callcenter, else the groups the caller is a member of"`
	// ServerTime is when the list was made.
	ServerTime time.Time `json:"server_time" doc:"When the list was made" example:"2026-12-07T12:00:42Z"`
}

// MemberList is a list of members with their live state.
type MemberList struct {
	Members []MemberView `json:"members" doc:"The members with their live state"`
}

// JoinRequest is the body of POST /api/v1/callgroups/{id}/members.
type JoinRequest struct {
	UserID  string `json:"user_id,omitempty" doc:"The user to add; empty or me: the caller (another user needs the ability manage_callcenter)" example:"me"`
	Penalty int    `json:"penalty,omitempty" doc:"0 to 100; members with a lower penalty are offered calls first" example:"0"`
	Paused  bool   `json:"paused,omitempty" doc:"Join paused (with reason)" example:"false"`
	Reason  string `json:"reason,omitempty" doc:"Why paused: up to 64 characters, no '|' nor control characters" example:"lunch"`
}

// PauseRequest is the body of the pause routes.
type PauseRequest struct {
	// Paused is required: a body that forgets it must not unpause.
	Paused *bool  `json:"paused" openapi:"required" doc:"true pauses, false unpauses" example:"true"`
	Reason string `json:"reason,omitempty" doc:"Why paused: up to 64 characters, no '|' nor control characters (kept in the pause statistics and the queue_log)" example:"lunch"`
}

// ValidReason checks a pause reason as the API takes it: at most
// MaxPauseReason characters of valid UTF-8, without '|' (the queue_log's
// field separator) nor control characters.
func ValidReason(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxPauseReason {
		return fmt.Errorf("must be at most %d characters (is %d)", MaxPauseReason, n)
	}
	if strings.ContainsRune(s, '|') {
		return fmt.Errorf("must not hold '|' (the queue_log's separator)")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("must not hold control characters")
	}
	return nil
}
